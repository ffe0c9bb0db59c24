#!/usr/bin/env bash
# Merge benchmark: wall time of `./crucible merge` (linear and ties) of two >1 GiB bf16 models, as a ratio to
# `cat` of the same inputs, warm and (as root) cold page cache, with and without --no-sync, and the peak
# RSS (and its anonymous part) of the merging JVM (-Xmx768m).
# Usage: bench/merge.sh [WORK_DIR [LAYERS]]  (default /tmp/crucible-bench, 10 layers = 1 GiB per model,
# 20 = 2 GiB, 40 = 4 GiB; generated models are reused)
set -euo pipefail
cd "$(dirname "$0")/.."
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
./crucible --version >/dev/null 2>&1 || ./crucible --version
CP="$(bench/classpath.sh pipeline)"
exec "$JAVA_HOME/bin/java" --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
    --sun-misc-unsafe-memory-access=allow -cp "$CP" dev.crucible.stream.MergeBench "${1:-/tmp/crucible-bench}" "${2:-10}"
