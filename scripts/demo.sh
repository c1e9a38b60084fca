#!/usr/bin/env bash
# Builds Riskgate if needed and starts it on its embedded default: the payment demo ruleset,
# state in ./data, HTTP on 127.0.0.1:8787 (RISKGATE_SERVER_PORT to change). Ctrl-C stops it.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
exec bin/riskgate run --config config/riskgate.yaml
