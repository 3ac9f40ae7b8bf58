#!/usr/bin/env bash
# Unpacks a CPU PyTorch (Debian's python3-torch and the libraries it needs that this system lacks) into a scratch
# folder, WITHOUT installing anything system-wide: `apt-get download` + `dpkg -x`. Idempotent: quiet when done.
#   folder: $SRFACE_PYTORCH_DIR, else ${XDG_CACHE_HOME:-~/.cache}/srface/pytorch (or the first argument).
# Prints nothing on success; source bench/pytorch/pytorch-env.sh afterwards (compare.sh does both).
set -euo pipefail
dir="${1:-${SRFACE_PYTORCH_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/srface/pytorch}}"
say() { printf 'fetch-pytorch: %s\n' "$*" >&2; }
[ -f "${dir}/.unpacked" ] && exit 0
command -v apt-get >/dev/null && command -v dpkg >/dev/null || { say "ERROR: needs apt-get and dpkg (Debian or Ubuntu)"; exit 1; }
mkdir -p "${dir}/debs" "${dir}/root"
# The packages apt would install for python3-torch on this system (what is already installed is not fetched).
wanted() { apt-get -s install --no-install-recommends python3-torch 2>/dev/null | awk '/^Inst/ {print $2}'; }
pkgs=$(wanted || true)
if [ -z "${pkgs}" ]; then
  say "apt-get update (no package list knows python3-torch yet)"
  apt-get update -qq >&2
  pkgs=$(wanted)
fi
[ -n "${pkgs}" ] || { say "ERROR: apt finds no python3-torch for this system"; exit 1; }
say "downloading $(wc -w <<<"${pkgs}") packages (python3-torch and the libraries it needs) into ${dir}/debs"
# As root, apt would try to drop to its sandbox user, which cannot write into a folder under /root.
sandbox=(); [ "$(id -u)" = 0 ] && sandbox=(-o APT::Sandbox::User=root)
(cd "${dir}/debs" && apt-get download -qq "${sandbox[@]}" ${pkgs} >&2)
for deb in "${dir}"/debs/*.deb; do dpkg -x "${deb}" "${dir}/root"; done
touch "${dir}/.unpacked"
say "unpacked into ${dir}/root"
