#!/usr/bin/env bash
# Installs the pinned Node packages of the face-api reference tool (npm ci from package-lock.json), idempotently:
# quiet and quick when node_modules already matches the lock file.
set -euo pipefail
cd "$(dirname "$0")"
command -v npm >/dev/null 2>&1 || { echo "face-api-reference: npm is not on PATH; install Node.js 18+ with npm" >&2; exit 1; }
stamp=node_modules/.srface-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ -f "${stamp}" ] && [ "$(cat "${stamp}")" = "${want}" ] && [ -f node_modules/@vladmandic/face-api/package.json ]; then
  exit 0
fi
echo "face-api-reference: npm ci" >&2
npm ci --no-audit --no-fund --loglevel=error >/dev/null
printf '%s\n' "${want}" > "${stamp}"
