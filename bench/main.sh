#!/usr/bin/env bash
# Runs one of the benchmark mains kept in a module's test sources (they print figures; they are not tests).
# Usage: bench/main.sh MODULE CLASS [ARGS...], e.g.
#   bench/main.sh eval-actors dev.crucible.eval.EvalBenchmark          # items/s with 1 and 2 evaluators
#   bench/main.sh eval-actors dev.crucible.runtime.RuntimeBenchmark zoo # prefill/decode tok/s, RSS (zoo|1b|all)
#   bench/main.sh serving dev.crucible.serve.ServeBenchmark             # requests/s, p50/p99 by concurrency
#   bench/main.sh serving dev.crucible.serve.HugePromptBenchmark        # 16 clients alone and beside 4 clients of 2 MB prompts
#   bench/main.sh eval-actors dev.crucible.evolve.cmaes.CmaEsBench      # CMA-ES evaluations on test functions
#   bench/main.sh pipeline dev.crucible.merge.methods.MergeKernelBenchmark  # merge kernels vs plain loops
#   bench/main.sh pipeline dev.crucible.merge.kernels.TiesTrimBench     # one-pass TIES trim vs the exact mask
#   bench/main.sh pipeline org.openjdk.jmh.Main Bf16ConversionBenchmark # JMH: bf16<->f32 kernels vs scalar loops
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 2 ] || { sed -n 2,12p "$0" >&2; exit 2; }
module="$1"; main="$2"; shift 2
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
CP="$(bench/classpath.sh "$module")"
exec "$JAVA_HOME/bin/java" --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow \
    -Dai.djl.offline=true -cp "$CP" "$main" "$@"
