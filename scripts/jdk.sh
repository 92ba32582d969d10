# Sourced by ./jvfio, ./run-tests and the VM harness: finds a JDK 25 and exports JAVA_HOME.
# The machine's default `java` is 17, so PATH is never trusted; JAVA_HOME wins when it is a 25,
# else the newest /usr/lib/jvm/* whose release file says 25.
jvfio_jdk_version() { # prints the feature version of the JDK at $1, or nothing
  [ -f "$1/release" ] && sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release"
}
jvfio_find_jdk() {
  local want=25 candidate
  if [ -n "${JAVA_HOME:-}" ] && [ "$(jvfio_jdk_version "$JAVA_HOME")" = "$want" ]; then
    return 0
  fi
  for candidate in /usr/lib/jvm/*; do
    if [ -x "$candidate/bin/javac" ] && [ "$(jvfio_jdk_version "$candidate")" = "$want" ]; then
      export JAVA_HOME="$candidate"
      return 0
    fi
  done
  echo "jvfio: no JDK $want found (JAVA_HOME=${JAVA_HOME:-unset}; looked in /usr/lib/jvm)." >&2
  echo "jvfio: install one (for example Temurin 25) and set JAVA_HOME to it." >&2
  return 1
}
