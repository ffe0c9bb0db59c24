#!/usr/bin/env bash
# Crucible against the tools a user would run instead, on the same files in the same run, alternately, several
# runs each: min/median wall time, the ratio ours/peer, peak RSS of each process, and a check that both compute
# the same thing before (or after) timing. The peers are PyTorch scripts in bench/peers/ (Debian's python3-torch;
# PyPI is not reachable here, so mergekit and transformers themselves cannot be installed: the scripts
# transcribe their code and name the functions they follow).
# Usage: bench/peers.sh [merge|eval|decode|all] [WORK_DIR [LAYERS [RUNS]]]
#   merge:  linear and ties of two generated bf16 models (10 layers = 1.02 GiB each) vs mergekit's code in torch
#   eval:   items/s of `crucible eval` on the zoo's add_test vs a torch greedy exact-match loop
#   decode: prompt and decode tokens/s (batch 1 and 16) of a generated Llama vs the same forward in torch, and
#           Jlama (bench/peers/jlama, a bench-only Maven project) when its outputs agree
# (default: all, /tmp/crucible-bench, 10 layers, 3 runs; generated models are reused)
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:-all}"; work="${2:-/tmp/crucible-bench}"; layers="${3:-10}"; runs="${4:-3}"
case "$what" in merge|eval|decode|all) ;; *) sed -n 2,13p "$0" >&2; exit 2 ;; esac
PY=/usr/bin/python3
if ! "$PY" -c 'import torch' 2>/dev/null; then
  echo "peers: no PyTorch for $PY, so there is no peer to time (install Debian's: apt-get install python3-torch" \
       "libopenblas0-pthread); nothing measured" >&2
  exit 1
fi
if ! "$PY" -c 'import torch, sys; sys.exit(0 if torch.backends.openblas.is_available() else 1)' 2>/dev/null \
   && ! ls /usr/lib/x86_64-linux-gnu/libopenblas*.so* >/dev/null 2>&1; then
  echo "peers: warning: no OpenBLAS; Debian's torch then falls back to the reference BLAS, ~25x slower matmuls" >&2
fi
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
./crucible --version >/dev/null 2>&1 || ./crucible --version
echo "peers: $(nproc) cores, $(uptime | sed 's/.*load/load/'); torch $("$PY" -c 'import torch; print(torch.__version__)')"
java_main() {  # module class args...
  local cp; cp="$(bench/classpath.sh "$1")"; shift
  "$JAVA_HOME/bin/java" --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
      --sun-misc-unsafe-memory-access=allow -Dai.djl.offline=true \
      -cp "$cp" "$@"
}
if [ "$what" = merge ] || [ "$what" = all ]; then
  dir="$work/layers-$layers"   # the same folders as bench/merge.sh, so the models are generated once
  java_main pipeline dev.crucible.fixtures.GenerateLlama "$dir/model-a" 1 "$layers" >/dev/null
  java_main pipeline dev.crucible.fixtures.GenerateLlama "$dir/model-b" 2 "$layers" >/dev/null
  "$PY" bench/peers/merge_bench.py "$PWD" "$dir" "$runs"
fi
if [ "$what" = eval ] || [ "$what" = all ]; then
  "$PY" bench/peers/eval_bench.py "$PWD" fixtures/zoo/expert-add fixtures/zoo/add_test.jsonl "$runs"
fi
if [ "$what" = decode ] || [ "$what" = all ]; then
  # ~1B Llama: vocab 32000, hidden 2048, MLP 5632, 32 heads, DECODE_LAYERS layers (16: 0.95B parameters, 1.9 GB bf16).
  dlayers="${DECODE_LAYERS:-16}"
  dir="$work/decode-llama-$dlayers"
  java_main pipeline dev.crucible.fixtures.GenerateLlama "$dir" 3 "$dlayers" 2048 5632 32000 32 >/dev/null
  cp="$(bench/classpath.sh eval-actors)"
  "$PY" bench/peers/decode_bench.py "$dir" "$PWD/fixtures/zoo/base" "$work" "${PROMPT_TOKENS:-64}" \
      "${DECODE_STEPS:-16}" 1,16 "$runs" -- "$JAVA_HOME/bin/java" --add-modules=jdk.incubator.vector \
      --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow -Dai.djl.offline=true \
      -cp "$cp" dev.crucible.runtime.DecodePeerBench
fi
if [ "$what" = decode ] || [ "$what" = all ]; then
  # Jlama, from its own bench-only Maven project (no Jlama dependency in Crucible's modules).
  jlama=bench/peers/jlama
  if ./mvnw -q -B -f "$jlama/pom.xml" package dependency:build-classpath \
       -Dmdep.outputFile=target/cp.txt >"$work/jlama-build.log" 2>&1; then
    "$PY" bench/peers/jlama_check.py "$PWD" "$PWD/fixtures/zoo/base" "$dir" "$work" "${PROMPT_TOKENS:-64}" \
        "${DECODE_STEPS:-16}" -- "$JAVA_HOME/bin/java" --add-modules=jdk.incubator.vector \
        --enable-native-access=ALL-UNNAMED -cp "$jlama/target/jlama-peer-1.jar:$(cat "$jlama/target/cp.txt")" \
        bench.JlamaDecode
  else
    echo "jlama: com.github.tjake:jlama-core/jlama-native 0.8.4 do not resolve or build here (see $work/jlama-build.log); not timed"
  fi
fi
