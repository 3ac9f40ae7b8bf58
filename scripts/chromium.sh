#!/usr/bin/env bash
# Headless Chromium for the web page's end-to-end test, idempotently: installs Debian's `chromium` package when
# /usr/bin/chromium is missing (Playwright drives it through ExecutablePath; no browser is downloaded).
# Exit status 0 when /usr/bin/chromium runs; non-zero otherwise (the browser test then skips, loudly).
set -euo pipefail
say() { printf 'chromium: %s\n' "$*"; }
browser=/usr/bin/chromium
if [ ! -x "${browser}" ]; then
  if [ "$(id -u)" -ne 0 ]; then say "ERROR: ${browser} is missing and installing it needs root: run 'sudo $0'." >&2; exit 1; fi
  say "installing Debian's chromium package"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null \
    || { say "ERROR: apt-get could not install chromium." >&2; exit 1; }
fi
version=$("${browser}" --headless --no-sandbox --disable-gpu --version 2>/dev/null || true)
[ -n "${version}" ] || { say "ERROR: ${browser} does not run." >&2; exit 1; }
say "${version}: ok"
