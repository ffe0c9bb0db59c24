#!/usr/bin/env bash
# MoE benchmark: `crucible moe` of a base and two experts of just over 1 GiB each (random llama-shaped bf16
# models, generated once and reused) with the given gate mode and prompts per expert; prints wall time and
# the JVM's peak RSS (VmHWM). Usage: bench/moe.sh [WORK_DIR [GATE_MODE [PROMPTS]]]
# (default /tmp/crucible-moe-bench, hidden, 20; issue 20's calibration figure is `calibrated 100`).
set -euo pipefail
cd "$(dirname "$0")/.."
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
CP="$(bench/classpath.sh eval-actors)"
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow \
    -Dai.djl.offline=true ${JAVA_OPTS:-} -cp "$CP" dev.crucible.moe.MoeBench "${1:-/tmp/crucible-moe-bench}" \
    "${2:-hidden}" "${3:-20}"
