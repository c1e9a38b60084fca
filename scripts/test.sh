#!/usr/bin/env bash
# Sets up what the tests need (a JDK 21+, Maven through the wrapper, PostgreSQL and Redis from
# Debian's packages, a Kafka broker from Maven Central) and runs the whole test suite.
set -euo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
select_jdk
echo "riskgate: testing with $("$JAVA_HOME/bin/java" -version 2>&1 | head -1) at $JAVA_HOME"
cd "$RISKGATE_ROOT"
# a real PostgreSQL, Redis and Kafka, started here and stopped at the end (those already running stay)
use_services postgres redis kafka
mvnw -B -ntp verify "$@"
