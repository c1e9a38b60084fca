#!/usr/bin/env bash
# Sets up what the tests need (a JDK 21+, Maven through the wrapper, PostgreSQL and Redis from
# Debian's packages) and runs the whole test suite.
set -euo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
select_jdk
echo "riskgate: testing with $("$JAVA_HOME/bin/java" -version 2>&1 | head -1) at $JAVA_HOME"
cd "$RISKGATE_ROOT"
# integration tests run against a real PostgreSQL and Redis, started here and stopped at the end
# (those already running are left running)
started=()
for service in postgres redis; do
  bash scripts/services.sh running "$service" || started+=("$service")
done
trap 'for s in "${started[@]}"; do bash scripts/services.sh stop "$s"; done' EXIT
for service in postgres redis; do
  bash scripts/services.sh start "$service"
done
eval "$(bash scripts/services.sh env)"
mvnw -B -ntp verify "$@"
