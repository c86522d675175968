#!/usr/bin/env bash
# One command on an NVIDIA machine, no network needed: build llama.cpp for CUDA with the kit's flags
# (kit.runtime.buildflags + KIT_CMAKE_EXTRA="-DGGML_CUDA=on", which adds -DCMAKE_CUDA_ARCHITECTURES=native),
# then print kit vs raw llama-cpp-python vs llama-bench with flash attention on and off, then (GPU only) write
# random-weight Llama-3.2-1B and Llama-3.1-8B shapes (benchmarks/bench_shapes.py: Q4_K_M, ~23 GB of disk
# under /tmp while it runs, removed after) and print their llama-bench speeds and the aggregate tok/s of
# kit.map through kit serve with 1, 4 and 8 slots. Target: under 8 minutes on a 16-core host for the build
# and runtime figures; the shapes add a few minutes (writing and quantising the 8B is most of it).
#
# llama.cpp is compiled ONCE, by `kit build-server` (kit/runtime/native.py): one CMake build makes the shared
# libraries (libggml-cuda among them; the CUDA kernels are most of the time) and llama-server, llama-bench and
# llama-quantize, which link them; the libraries also go into llama-cpp-python's llama_cpp/lib folder.
#
# Needs, already on the machine: this checkout with .venv made by `make install` (any flags), the
# llama-cpp-python source in .cache/sdist/ (make downloads it), the CUDA toolkit (nvcc), cmake >= 3.24
# and a C++ compiler.
#
# Usage: benchmarks/gpu_check.sh [--dry-run] [--cpu] [--model NAME_OR_PATH] [--reps N]
#   --dry-run  check what is there and print the commands, build nothing (works on any machine)
#   --cpu      the same path without CUDA (to try the script on a machine with no GPU); no shapes, whose CPU
#              figures come from `benchmarks/bench_shapes.py --shapes 1b --slots 1,4`
set -euo pipefail

cd "$(dirname "$0")/.."
DRY=0 CPU=0 MODEL="" REPS=3
while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) DRY=1 ;;
    --cpu) CPU=1 ;;
    --model) MODEL="$2"; shift ;;
    --reps) REPS="$2"; shift ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
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
# The plan needs only the standard library and this checkout, so a dry run works before `make install` too.
PLAN_PY=$PY; [ -x "$PLAN_PY" ] || PLAN_PY=python3
FLAGS=$($PLAN_PY -m kit.runtime.buildflags 2>/dev/null || echo "?")
OPTIONS=$($PLAN_PY -c 'from kit.runtime import native; print(" ".join(native._CMAKE_OPTIONS))' 2>/dev/null || echo "?")
TARGETS=$($PLAN_PY -c 'from kit.runtime import native; print(" ".join(native.TOOLS + native.LIBRARIES))' 2>/dev/null || echo "?")
BENCH=("$PY" benchmarks/bench_runtime.py --reps "$REPS" --prompt-tokens 512 --gen-tokens 128 ${MODEL:+--model "$MODEL"})
say "flags: $FLAGS"
say "plan:"
say "  KIT_CMAKE_EXTRA=\"$KIT_CMAKE_EXTRA\" .venv/bin/kit build-server --sdist $SDIST --reuse"
say "    (one cmake build: $OPTIONS $FLAGS;"
say "     targets $TARGETS; the libraries also into llama_cpp/lib)"
SHAPES=("$PY" benchmarks/bench_shapes.py --shapes 1b,8b --slots 1,4,8 --slot-items 64 --gen-tokens 128 --reps "$REPS")
say "  ${BENCH[*]} --flash-attn on ; ... --flash-attn off"
if [ "$CPU" = 0 ]; then
  say "  ${SHAPES[*]}"
  say "    (random-weight Llama-3.2-1B and Llama-3.1-8B shapes, Q4_K_M: llama-bench speeds, then kit.map through"
  say "     kit serve with 1, 4 and 8 slots, aggregate tok/s per slot count; large files removed after)"
else
  say "  (no shapes with --cpu: benchmarks/bench_shapes.py --shapes 1b --slots 1,4 is the CPU path)"
fi
if [ "$DRY" = 1 ]; then
  say "dry run: nothing built (${#MISSING[@]} missing)"
  exit 0
fi
if [ "${#MISSING[@]}" -gt 0 ]; then
  say "gpu_check: cannot run, missing: ${MISSING[*]}" >&2
  exit 1
fi

T0=$(date +%s)
.venv/bin/kit build-server --sdist "$SDIST" --reuse \
  || { say "gpu_check: the build failed; see build.log in the folder above" >&2; exit 1; }
T1=$(date +%s)
say "built (or reused) and installed in $((T1 - T0)) s"
$PY -m kit.cli doctor | grep -E "gpu_offload|flash_attn|llama_server|llama_libraries" || true
"${BENCH[@]}" --flash-attn on
"${BENCH[@]}" --flash-attn off
if [ "$CPU" = 0 ]; then
  "${SHAPES[@]}"
fi
say "gpu_check: done in $(( $(date +%s) - START )) s (build $((T1 - T0)) s)"
