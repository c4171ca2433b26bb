#!/usr/bin/env bash
# Builds the libFuzzer targets of native/fuzz/ with clang, AddressSanitizer and
# UndefinedBehaviorSanitizer into native/fuzz/build/, then runs each on its
# corpus (native/fuzz/corpus/<target>/: checked-in seed-* files, plus what
# libFuzzer adds, git-ignored). native/fuzz/README.md explains the targets.
#
#   scripts/fuzz.sh [url|router|cache-key|all] [--seconds N] [--runs N] [--if-available] [-- libFuzzer flags]
#
# --seconds and --runs bound each target (the first reached stops it; default
# 60 s). --if-available exits 0 with a message when clang or its libFuzzer
# runtime is missing (Debian: apt-get install -y clang). A crash stops the
# script with libFuzzer's status; the input is in native/fuzz/build/artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."

targets=()
seconds=""
runs=""
optional=0
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    url | router | cache-key) targets+=("$1") ;;
    all) targets+=(url router cache-key) ;;
    --seconds) seconds="$2"; shift ;;
    --runs) runs="$2"; shift ;;
    --if-available) optional=1 ;;
    --) shift; extra=("$@"); break ;;
    *) echo "fuzz.sh: unknown argument '$1' (targets: url, router, cache-key, all)" >&2; exit 2 ;;
  esac
  shift
done
[ ${#targets[@]} -gt 0 ] || targets=(url router cache-key)
[ -n "$seconds$runs" ] || seconds=60

build=native/fuzz/build
mkdir -p "$build/artifacts"
CXX="${CXX_FUZZ:-clang++}"
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
CXXFLAGS="-std=c++17 -g -O1 -fno-omit-frame-pointer -Wall -Wextra -Inative $SAN"

unavailable() {
  if [ "$optional" = 1 ]; then
    echo "fuzz.sh: skipped, $1"
    exit 0
  fi
  echo "fuzz.sh: $1" >&2
  exit 1
}

probe="$build/probe"
if ! command -v "$CXX" >/dev/null; then unavailable "$CXX not found (Debian: apt-get install -y clang)"; fi
printf 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }\n' >"$probe.cc"
if ! "$CXX" -fsanitize=fuzzer,address,undefined "$probe.cc" -o "$probe" 2>"$probe.log"; then
  unavailable "$CXX cannot link -fsanitize=fuzzer (the libFuzzer runtime, Debian package libclang-rt-<version>-dev, comes with clang): $(head -1 "$probe.log")"
fi

# node_api.h, for router.h and snapshot.h: wherever node-gyp would take it from.
nodeInclude() {
  local node_version
  node_version=$(node -p process.versions.node)
  for dir in "${npm_config_nodedir:-/nonexistent}/include/node" \
    "$(dirname "$(node -p process.execPath)")/../include/node" \
    "$HOME/.cache/node-gyp/$node_version/include/node"; do
    if [ -f "$dir/node_api.h" ]; then echo "$dir"; return; fi
  done
  unavailable "node_api.h not found (set npm_config_nodedir, or run npm install once so node-gyp fetches the headers)"
}

sourcesOf() {
  case "$1" in
    url) echo native/fuzz/url.cc native/util/url.cc ;;
    router) echo native/fuzz/router.cc native/router.cc native/router-build.cc native/router-match.cc native/snapshot.cc \
      native/util/url.cc native/util/boundary.cc ;;
    cache-key) echo native/fuzz/cache-key.cc native/dispatch-key.cc ;;
  esac
}

# The router's sources hold its Node-API glue too. The target never reaches
# it, but the linker needs every napi_* symbol: each is defined here to abort
# with its name, so a target that did reach the glue would fail loudly.
napiTraps() {
  local dir=$1; shift
  {
    echo '#include <stdio.h>'
    echo '#include <stdlib.h>'
    echo 'static void reached(const char* name) { fprintf(stderr, "fuzz target reached Node-API: %s\n", name); abort(); }'
    for sym in $(nm -u "$@" | awk '{print $NF}' | grep '^napi_' | sort -u); do
      echo "void $sym(void) { reached(\"$sym\"); }"
    done
  } >"$dir/napi-traps.c"
  clang -c "$dir/napi-traps.c" -o "$dir/napi-traps.o"
  echo "$dir/napi-traps.o"
}

buildTarget() {
  local t=$1 bin="$build/$1" dir="$build/obj-$1" flags="$CXXFLAGS" objs=() src obj
  local sources
  read -r -a sources <<<"$(sourcesOf "$t")"
  # Up to date when newer than its sources, every native header and this script.
  if [ -x "$bin" ] && [ -z "$(find "${sources[@]}" scripts/fuzz.sh -newer "$bin"; find native -name '*.h' -newer "$bin")" ]; then
    return
  fi
  [ "$t" = router ] && flags="$flags -I$(nodeInclude)"
  mkdir -p "$dir"
  for src in "${sources[@]}"; do
    obj="$dir/$(echo "${src#native/}" | tr / -).o"
    "$CXX" $flags -fsanitize=fuzzer-no-link -c "$src" -o "$obj"
    objs+=("$obj")
  done
  [ "$t" = router ] && objs+=("$(napiTraps "$dir" "${objs[@]:1}")")
  "$CXX" -fsanitize=fuzzer $SAN "${objs[@]}" -o "$bin"
  echo "fuzz.sh: built $bin"
}

for t in "${targets[@]}"; do
  buildTarget "$t"
done

export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
for t in "${targets[@]}"; do
  corpus="native/fuzz/corpus/$t"
  mkdir -p "$corpus"
  # Long enough for every shape each target handles (the router's 31-parameter
  # route, parameters over maxParamLength 100); longer inputs only cost time.
  case "$t" in
    url) max_len=512 ;;
    router) max_len=1024 ;;
    cache-key) max_len=256 ;;
  esac
  flags=("-max_len=$max_len" -timeout=10 -print_final_stats=1 "-artifact_prefix=$build/artifacts/$t-")
  [ -f "native/fuzz/$t.dict" ] && flags+=("-dict=native/fuzz/$t.dict")
  [ -n "$seconds" ] && flags+=("-max_total_time=$seconds")
  [ -n "$runs" ] && flags+=("-runs=$runs")
  log="$build/logs/$t-$(date -u +%Y%m%dT%H%M%SZ)-$$.log"
  mkdir -p "$build/logs"
  echo "fuzz.sh: $t: $build/$t ${flags[*]} ${extra[*]:-} $corpus (log: $log)"
  start=$(date +%s)
  status=0
  "$build/$t" "${flags[@]}" "${extra[@]}" "$corpus" >"$log" 2>&1 || status=$?
  if [ "$status" != 0 ]; then
    tail -n 60 "$log" >&2
    echo "fuzz.sh: $t FAILED (status $status); the input is in $build/artifacts/, replay it with $build/$t <file>" >&2
    exit "$status"
  fi
  done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1)
  echo "fuzz.sh: $t clean in $(( $(date +%s) - start )) s: ${done_line:-$(tail -1 "$log")}"
done
