#!/usr/bin/env bash
# Sets up what the tests need (a JDK 21+, Maven through the wrapper, PostgreSQL from Debian's
# packages) and runs the whole test suite.
set -euo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
select_jdk
echo "riskgate: testing with $("$JAVA_HOME/bin/java" -version 2>&1 | head -1) at $JAVA_HOME"
cd "$RISKGATE_ROOT"
# integration tests run against a real PostgreSQL, started here and stopped at the end
# (one that was already running is left running)
if ! bash scripts/services.sh running postgres; then
  trap 'bash scripts/services.sh stop postgres' EXIT
fi
bash scripts/services.sh start postgres
eval "$(bash scripts/services.sh env)"
mvnw -B -ntp verify "$@"
