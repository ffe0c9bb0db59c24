#!/usr/bin/env bash
# Safetensors read benchmark: mmap + decode BF16 -> float32 through Checkpoint, versus `cat FILE > /dev/null`.
# Usage: bench/read.sh [GiB=3] [dir=/tmp/crucible-read-bench]   (the generated file is kept for reruns)
set -euo pipefail
cd "$(dirname "$0")/.."
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
BUILD_DIR="${CRUCIBLE_BUILD_DIR:-target}"
./mvnw -q -B -Dcrucible.build.dir="$BUILD_DIR" -pl pipeline -am test-compile
CP_FILE="$(mktemp)"
trap 'rm -f "$CP_FILE"' EXIT
./mvnw -q -B -Dcrucible.build.dir="$BUILD_DIR" -pl pipeline dependency:build-classpath \
  -Dmdep.outputFile="$CP_FILE" -Dmdep.includeScope=test
exec "$JAVA_HOME/bin/java" --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow -Xmx4g \
  -cp "pipeline/$BUILD_DIR/test-classes:pipeline/$BUILD_DIR/classes:$(cat "$CP_FILE")" \
  dev.crucible.safetensors.ReadBenchmark "$@"
