#!/usr/bin/env bash
# The main job: installs what it needs (idempotently), then runs `srface demo` with the given options.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
bash scripts/fetch-models.sh
exec ./srface demo "$@"
