#!/usr/bin/env bash
# Shared helpers for Riskgate's scripts: find a JDK 21+, and the project root.
# Sourced by the other scripts, which set their own shell options.

RISKGATE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export RISKGATE_ROOT

java_major() { # prints the major version of a java binary, or 0
  local v
  v=$("$1" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2; exit}') || true
  v=${v%%.*}
  [[ "$v" =~ ^[0-9]+$ ]] && echo "$v" || echo 0
}

# Selects a JDK 21 or newer and exports JAVA_HOME and PATH. Candidates: $JAVA_HOME, `java` on PATH,
# then every JDK under /usr/lib/jvm (or the folders in $RISKGATE_JDK_DIRS); the newest one wins.
select_jdk() {
  local candidates=() c
  [[ -n "${JAVA_HOME:-}" ]] && candidates+=("$JAVA_HOME")
  if command -v java >/dev/null 2>&1; then
    c=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
    candidates+=("$c")
  fi
  local dir
  for dir in ${RISKGATE_JDK_DIRS:-/usr/lib/jvm}; do
    [[ -d "$dir" ]] || continue
    while IFS= read -r c; do candidates+=("$c"); done < <(ls -d "$dir"/*/ 2>/dev/null | sed 's:/$::' | sort -rV)
  done
  local best="" best_v=0 v
  for c in "${candidates[@]}"; do
    [[ -x "$c/bin/java" && -x "$c/bin/javac" ]] || continue
    v=$(java_major "$c/bin/java")
    if (( v >= 21 && v > best_v )); then best="$c"; best_v=$v; fi
  done
  if [[ -z "$best" ]]; then
    echo "riskgate: no JDK 21 or newer found (looked at \$JAVA_HOME, java on PATH and ${RISKGATE_JDK_DIRS:-/usr/lib/jvm})." >&2
    echo "riskgate: install one (e.g. Temurin 21+ or 'apt-get install openjdk-21-jdk' where available) and set JAVA_HOME." >&2
    exit 3
  fi
  export JAVA_HOME="$best"
  export PATH="$JAVA_HOME/bin:$PATH"
  # Maven itself (jansi, guava) triggers JDK 24+ warnings about native access and sun.misc.Unsafe.
  if (( best_v >= 24 )); then
    export MAVEN_OPTS="${MAVEN_OPTS:-} --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow"
  fi
}

mvnw() {
  "$RISKGATE_ROOT/mvnw" -f "$RISKGATE_ROOT/pom.xml" "$@"
}

# Starts the named services (scripts/services.sh) for the rest of the calling script, stops at exit
# those it started (ones already running stay), and exports the variables that point at them.
use_services() {
  local service
  _riskgate_started=()
  for service in "$@"; do
    bash "$RISKGATE_ROOT/scripts/services.sh" running "$service" || _riskgate_started+=("$service")
  done
  trap 'for s in "${_riskgate_started[@]}"; do bash "$RISKGATE_ROOT/scripts/services.sh" stop "$s"; done' EXIT
  for service in "$@"; do
    bash "$RISKGATE_ROOT/scripts/services.sh" start "$service"
  done
  eval "$(bash "$RISKGATE_ROOT/scripts/services.sh" env)"
}
