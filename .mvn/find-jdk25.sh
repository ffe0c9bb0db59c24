#!/bin/sh
# Prints the home of a JDK 25 (or newer) installed where JDKs usually live: JAVA_HOME and other *_HOME
# variables, the java on PATH, /usr/lib/jvm, /usr/java, /opt, SDKMAN, ~/.jdks, Gradle's and Maven's JDK folders,
# macOS's JavaVirtualMachines. The build itself selects its JDK with maven-toolchains-plugin's discovery
# (pom.xml); ./mvnw calls this first only to fail in one line when no JDK 25 exists at all, and ./crucible
# uses it to run the jar.
required=25

version_of() { # the feature version of the JDK at $1, from its release file
  [ -f "$1/release" ] && [ -x "$1/bin/java" ] || return 1
  sed -n 's/^JAVA_VERSION="\([0-9][0-9]*\).*/\1/p' "$1/release"
}

path_java_home() {
  java_bin=$(command -v java 2>/dev/null) || return 1
  java_bin=$(readlink -f "$java_bin" 2>/dev/null || printf %s "$java_bin")
  dirname "$(dirname "$java_bin")"
}

for home in "${JAVA_HOME:-}" $(env | sed -n 's/^[A-Z0-9_]*JDK[A-Z0-9_]*_HOME=//p; s/^JAVA[A-Z0-9_]*_HOME=//p') \
    "$(path_java_home)" /usr/lib/jvm/* /usr/java/* /usr/jdk* /opt/java/* /opt/jdk* \
    "$HOME"/.sdkman/candidates/java/* "$HOME"/.jdks/* "$HOME"/.gradle/jdks/* "$HOME"/.m2/jdks/* \
    /Library/Java/JavaVirtualMachines/*/Contents/Home "$HOME"/Library/Java/JavaVirtualMachines/*/Contents/Home; do
  [ -n "$home" ] || continue
  v=$(version_of "$home") || continue
  if [ -n "$v" ] && [ "$v" -ge "$required" ]; then
    printf '%s\n' "$home"
    exit 0
  fi
done
# A toolchains.xml may point at a JDK anywhere; Maven's own discovery reads it.
if [ -f "$HOME/.m2/toolchains.xml" ] && grep -q "<version>$required" "$HOME/.m2/toolchains.xml"; then
  exit 0
fi
echo "error: Crucible needs JDK $required, and none was found (JAVA_HOME, PATH, /usr/lib/jvm, SDKMAN, ~/.jdks): install one (e.g. 'sdk install java 25-tem' or your OS's temurin-25-jdk package) or set JAVA_HOME to it" >&2
exit 1
