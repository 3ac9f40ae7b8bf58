#!/usr/bin/env bash
# Installs what SrFace needs on a fresh machine, idempotently. Safe to run again: it only acts on what is missing.
#   1. the .NET 10 SDK must be on PATH (we check; we do not install it);
#   2. the system libstdc++ must export GLIBCXX_3.4.32, which TorchSharp 0.107's native library (libtorch 2.10,
#      built with GCC 13) needs. Debian 12 ships GCC 12's libstdc++; there we add Debian 13 "trixie" from the
#      machine's own Debian mirror at a low pin priority (nothing comes from it by default) and install only
#      libstdc++6 (and whatever it strictly depends on) from it.
set -euo pipefail

say() { printf 'bootstrap: %s\n' "$*"; }
need_glibcxx="GLIBCXX_3.4.32"

# --- 1. .NET SDK -------------------------------------------------------------------------------------------
if ! command -v dotnet >/dev/null 2>&1; then
  say "ERROR: the .NET SDK is not on PATH. Install the .NET 10 SDK (https://dot.net) and run this again." >&2
  exit 1
fi
sdk_major=$(dotnet --version | cut -d. -f1)
if [ "${sdk_major}" -lt 10 ]; then
  say "ERROR: .NET SDK $(dotnet --version) found; SrFace needs 10 or newer." >&2
  exit 1
fi
say ".NET SDK $(dotnet --version): ok"

# --- 2. libstdc++ with GLIBCXX_3.4.32 ----------------------------------------------------------------------
find_libstdcxx() {
  ldconfig -p 2>/dev/null | awk '/libstdc\+\+\.so\.6 .*x86-64/ {print $NF; exit}'
}
has_glibcxx() {
  local lib; lib=$(find_libstdcxx)
  [ -n "${lib}" ] && grep -aq "${need_glibcxx}" "${lib}"
}

if has_glibcxx; then
  say "libstdc++ provides ${need_glibcxx}: ok (nothing to change)"
  exit 0
fi

. /etc/os-release
if [ "${ID:-}" != "debian" ] || [ "${VERSION_CODENAME:-}" != "bookworm" ]; then
  say "ERROR: $(find_libstdcxx) lacks ${need_glibcxx} and this is ${PRETTY_NAME:-an unknown system}." >&2
  say "Install libstdc++ from GCC 13 or newer (Ubuntu 24.04 and Debian 13 already have it)." >&2
  exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  say "ERROR: installing libstdc++6 from Debian 13 needs root: run 'sudo $0'." >&2
  exit 1
fi

# Debian 13's suite beside bookworm at priority 1 (nothing is taken from it unless asked for by name), from the
# mirror this machine already uses: scripts/lib/debian-trixie.sh, shared with scripts/postgres.sh.
. "$(dirname "$0")/lib/debian-trixie.sh"
say "adding Debian 13 (trixie) at priority 1 if absent; apt-get update"
ensure_trixie_source
apt-get update -qq  # also when the source was already there: the package lists may be stale
say "installing libstdc++6 from trixie (this also updates the packages it strictly depends on)"
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -t trixie --no-install-recommends libstdc++6 >/dev/null

if has_glibcxx; then
  say "libstdc++ now provides ${need_glibcxx}: ok"
else
  say "ERROR: libstdc++6 from trixie installed but ${need_glibcxx} is still missing." >&2
  exit 1
fi
