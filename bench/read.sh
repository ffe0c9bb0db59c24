#!/usr/bin/env bash
# Safetensors read benchmark: mmap + decode BF16 -> float32 through Checkpoint, versus `cat FILE > /dev/null`.
# Usage: bench/read.sh [GiB=3] [dir=/tmp/crucible-read-bench]   (the generated file is kept for reruns)
set -euo pipefail
cd "$(dirname "$0")/.."
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
CP="$(bench/classpath.sh pipeline)"
exec "$JAVA_HOME/bin/java" --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow -Xmx4g \
  -cp "$CP" \
  dev.crucible.safetensors.ReadBenchmark "$@"
