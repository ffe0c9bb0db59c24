#!/usr/bin/env bash
# Evolution benchmark: the real CMA-ES merge search on the zoo (bench/evolve-zoo.yml: add + rev experts),
# reporting dev/test scores of sources, default hand merges and the evolved merge, the wall time against
# the 15-minute target and the gain over the best hand merge (target: +5 points of mean test accuracy).
# Usage: bench/evolve.sh [CONFIG.yml] [OUT_DIR]   (defaults bench/evolve-zoo.yml, /tmp/crucible-evolve-bench)
set -euo pipefail
cd "$(dirname "$0")/.."
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
CP="$(bench/classpath.sh eval-actors)"
exec "$JAVA_HOME/bin/java" --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow \
    -Dai.djl.offline=true -cp "$CP" dev.crucible.evolve.EvolveBench "${1:-bench/evolve-zoo.yml}" \
    "${2:-/tmp/crucible-evolve-bench}"
