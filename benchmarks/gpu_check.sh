#!/usr/bin/env bash
# One command on an NVIDIA machine, no network needed: build llama-cpp-python and llama.cpp's tools for
# CUDA with the kit's flags (kit.runtime.buildflags + KIT_CMAKE_EXTRA="-DGGML_CUDA=on", which adds
# -DCMAKE_CUDA_ARCHITECTURES=native), install the wheel, then print kit vs raw llama-cpp-python vs
# llama-bench with flash attention on and off. Target: under 8 minutes on a 16-core host.
#
# llama.cpp is compiled ONCE: the wheel's CMake build also builds llama-server and llama-bench (the
# CUDA kernels are most of the time), and the tools are linked into the kit's native folder, where
# `kit serve` and the benchmarks find them.
#
# Needs, already on the machine: this checkout with .venv made by `make install` (any flags), the
# llama-cpp-python source in .cache/sdist/ (make downloads it), the CUDA toolkit (nvcc), cmake >= 3.24,
# a C++ compiler, and scikit-build-core either in .venv or as wheels in .cache/build-deps/ (make
# those once while online: `.venv/bin/pip download -d .cache/build-deps "scikit-build-core[pyproject]>=0.9.2"`).
#
# Usage: benchmarks/gpu_check.sh [--dry-run] [--cpu] [--model NAME_OR_PATH] [--reps N]
#   --dry-run  check what is there and print the commands, build nothing (works on any machine)
#   --cpu      the same path without CUDA (to try the script on a machine with no GPU)
set -euo pipefail

cd "$(dirname "$0")/.."
DRY=0 CPU=0 MODEL="" REPS=3
while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) DRY=1 ;;
    --cpu) CPU=1 ;;
    --model) MODEL="$2"; shift ;;
    --reps) REPS="$2"; shift ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "gpu_check: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

START=$(date +%s)
PY=.venv/bin/python
VER=$(sed -n 's/^LLAMA_CPP_VERSION := //p' Makefile)
SDIST=.cache/sdist/llama_cpp_python-$VER.tar.gz
MISSING=()
say() { printf '%s\n' "$*"; }
check() { if eval "$2" >/dev/null 2>&1; then say "  ok       $1"; else say "  MISSING  $1 ($3)"; MISSING+=("$1"); fi; }

[ -d /usr/local/cuda/bin ] && PATH="$PATH:/usr/local/cuda/bin"
say "gpu_check: llama-cpp-python $VER, $(nproc) cores"
check "python venv with the kit" "$PY -c 'import kit.runtime.buildflags'" "run make install once"
check "llama-cpp-python source" "test -f $SDIST" "make downloads it to $SDIST"
check "cmake >= 3.24" "cmake --version | awk 'NR==1{split(\$3,v,\".\"); exit !(v[1]>3 || (v[1]==3 && v[2]>=24))}'" "apt-get install cmake"
check "C++ compiler" "command -v c++" "apt-get install g++"
if [ "$CPU" = 0 ]; then
  check "NVIDIA GPU" "nvidia-smi -L" "nvidia-smi not found or no GPU"
  check "CUDA compiler" "command -v nvcc" "install the CUDA toolkit; /usr/local/cuda/bin is searched"
  export KIT_CMAKE_EXTRA="${KIT_CMAKE_EXTRA:--DGGML_CUDA=on}"
else
  export KIT_CMAKE_EXTRA="${KIT_CMAKE_EXTRA:-}"
fi
if $PY -c 'import scikit_build_core' >/dev/null 2>&1; then
  ISOLATION=(--no-build-isolation); say "  ok       scikit-build-core in .venv (build without isolation)"
elif ls .cache/build-deps/scikit_build_core-*.whl >/dev/null 2>&1; then
  ISOLATION=(--no-index --find-links .cache/build-deps); say "  ok       scikit-build-core wheels in .cache/build-deps"
else
  ISOLATION=(); say "  MISSING  scikit-build-core (put its wheels in .cache/build-deps, see the top of this script)"
  MISSING+=("scikit-build-core")
fi

FLAGS=$($PY -m kit.runtime.buildflags 2>/dev/null || echo "?")
KEY=$($PY -m kit.runtime.buildflags --key 2>/dev/null || echo "?")
TOOLS_FLAGS=$($PY -c 'from kit.runtime import native; print(" ".join(o for o in native._CMAKE_OPTIONS if "SHARED" not in o))' 2>/dev/null || echo "")
BUILD=.cache/build/$VER-$KEY
WHEELS=.cache/wheels/$VER-$KEY
BENCH=("$PY" benchmarks/bench_runtime.py --reps "$REPS" --prompt-tokens 512 --gen-tokens 128 ${MODEL:+--model "$MODEL"})
say "flags: $FLAGS"
say "plan:"
say "  CMAKE_ARGS=\"$FLAGS $TOOLS_FLAGS\" pip wheel --no-deps ${ISOLATION[*]} --config-settings=build-dir=$BUILD --wheel-dir $WHEELS $SDIST"
say "  pip install --no-deps --force-reinstall $WHEELS/llama_cpp_python-*.whl"
say "  link llama-server, llama-bench from $BUILD into the kit's native folder"
say "  ${BENCH[*]} --flash-attn on ; ... --flash-attn off"
if [ "$DRY" = 1 ]; then
  say "dry run: nothing built (${#MISSING[@]} missing)"
  exit 0
fi
if [ "${#MISSING[@]}" -gt 0 ]; then
  say "gpu_check: cannot run, missing: ${MISSING[*]}" >&2
  exit 1
fi

mkdir -p "$WHEELS" "$BUILD"
LOG=$BUILD/gpu_check.log
say "building (log: $LOG) ..."
T0=$(date +%s)
CMAKE_ARGS="$FLAGS $TOOLS_FLAGS" CMAKE_BUILD_PARALLEL_LEVEL=$(nproc) \
  $PY -m pip wheel --no-deps --no-cache-dir "${ISOLATION[@]}" --config-settings=build-dir="$BUILD" \
  --wheel-dir "$WHEELS" "$SDIST" >"$LOG" 2>&1 || { tail -30 "$LOG"; say "gpu_check: the build failed; see $LOG" >&2; exit 1; }
$PY -m pip install --quiet --no-deps --force-reinstall "$WHEELS"/llama_cpp_python-*.whl
T1=$(date +%s)
NATIVE_BIN=$($PY -c 'from kit.runtime import native; print(native.build_dir() / "bin")')
mkdir -p "$NATIVE_BIN"
for tool in llama-server llama-bench; do
  built=$(find "$BUILD" -type f -name "$tool" -perm -u+x | head -1)
  [ -n "$built" ] || { say "gpu_check: $tool was not built; see $LOG" >&2; exit 1; }
  ln -sf "$(realpath "$built")" "$NATIVE_BIN/$tool"
done
say "built and installed in $((T1 - T0)) s"
$PY -m kit.cli doctor | grep -E "gpu_offload|flash_attn|llama_server" || true
"${BENCH[@]}" --flash-attn on
"${BENCH[@]}" --flash-attn off
say "gpu_check: done in $(( $(date +%s) - START )) s (build $((T1 - T0)) s)"
