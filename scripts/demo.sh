#!/usr/bin/env bash
# Builds Riskgate if needed and starts it on its embedded default: the payment demo ruleset,
# state in ./data, HTTP on 127.0.0.1:8787 (RISKGATE_SERVER_PORT to change). Ctrl-C stops it.
#
#   scripts/demo.sh          the engine alone, decisions over HTTP
#   scripts/demo.sh kafka    also starts a Kafka broker of the project's own on 127.0.0.1:19092
#                            (scripts/services.sh; it keeps running: `scripts/services.sh stop kafka`)
#                            and has the engine read the topic 'transactions' and write 'decisions'
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
case "${1:-}" in
  "") ;;
  kafka)
    source scripts/lib.sh
    select_jdk
    bash scripts/services.sh start kafka
    eval "$(bash scripts/services.sh env | grep KAFKA)"
    export RISKGATE_KAFKA_ENABLED=true
    ;;
  *) echo "usage: scripts/demo.sh [kafka]" >&2; exit 2 ;;
esac
exec bin/riskgate run --config config/riskgate.yaml
