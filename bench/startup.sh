#!/usr/bin/env bash
# Start-up of the CLI: wall and CPU time of --version, --help, merge --help, a small merge (time before its merge
# stream and the stream) and a short eval, several runs, for ./crucible and any other launchers given (e.g. the
# ./crucible of a copy of an older build, to show a change's before and after), run alternately.
# Usage: bench/startup.sh [RUNS [LAUNCHER...]]   (default: 5 runs of ./crucible)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"; shift || true
[ $# -gt 0 ] || set -- "$PWD/crucible"
exec python3 bench/peers/startup_bench.py "$runs" "$@"
