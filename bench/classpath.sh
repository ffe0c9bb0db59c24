#!/usr/bin/env bash
# Prints the classpath that runs MODULE's test classes (benchmark mains, model generators), after compiling them
# and the modules MODULE depends on into $CRUCIBLE_BUILD_DIR (default target-bench, so that a `./mvnw verify`
# running meanwhile is not disturbed). One reactor build: sibling modules resolve to their build folders there,
# never to whatever jar an earlier `install` left in ~/.m2 (stale, or absent in a fresh clone).
# Usage: bench/classpath.sh MODULE   (from the repository root; Maven's output goes to stderr)
set -euo pipefail
module="$1"
BUILD="${CRUCIBLE_BUILD_DIR:-target-bench}"
cpfile="$module/$BUILD/bench.classpath"
# With -am the goal runs for every module of the reactor; MODULE comes last, so its classpath is what stays.
./mvnw -q -B "-Dcrucible.build.dir=$BUILD" -pl "$module" -am test-compile dependency:build-classpath \
    -Dmdep.includeScope=test "-Dmdep.outputFile=$PWD/$cpfile" >&2
echo "$module/$BUILD/classes:$module/$BUILD/test-classes:$(cat "$cpfile")"
