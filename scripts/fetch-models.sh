#!/usr/bin/env bash
# Fetches SrFace's pretrained model files into the user-level model store, idempotently.
#   store: $SRFACE_MODELS, else ${XDG_CACHE_HOME:-~/.cache}/srface/models (or the first argument).
#   what:  src/SrFace/Models/Pretrained/pretrained-files.tsv (package, version, file, SHA-256, bytes); in the srface
#          tool's folder, scripts/pretrained-files.tsv beside this script (the same file).
# Each package is fetched with the ordinary npm client (`npm pack NAME@VERSION`: the registry npm is configured
# with, no install, no package scripts run), only the listed files are unpacked, and each is checked against its
# pinned SHA-256 before it is moved into place. Quiet when every file is present and verified.
set -euo pipefail
cd "$(dirname "$0")/.."
pins=src/SrFace/Models/Pretrained/pretrained-files.tsv
# Installed with the srface tool (SrFace.Tool package), the list sits beside this script instead.
[ -f "${pins}" ] || pins="$(cd "$(dirname "$0")" && pwd)/pretrained-files.tsv"
store="${1:-${SRFACE_MODELS:-${XDG_CACHE_HOME:-$HOME/.cache}/srface/models}}"
say() { printf 'fetch-models: %s\n' "$*"; }

# Store layout: STORE/<package without @, / as +>/<version>/<path in package>, e.g.
# ~/.cache/srface/models/vladmandic+face-api/1.7.15/model/face_recognition_model.bin
dir_of() { local p="${1#@}"; printf '%s/%s/%s' "${store}" "${p//\//+}" "$2"; }
verified() { [ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$2" ]; }

missing=()
while IFS=$'\t' read -r pkg ver path sha bytes; do
  [[ -z "${pkg}" || "${pkg}" == \#* ]] && continue
  verified "$(dir_of "${pkg}" "${ver}")/${path}" "${sha}" || missing+=("${pkg}@${ver}")
done < "${pins}"
[ ${#missing[@]} -eq 0 ] && exit 0

command -v npm >/dev/null 2>&1 || { say "ERROR: npm is not on PATH; install Node.js 20+ with npm and run this again." >&2; exit 1; }
mkdir -p "${store}"
work=$(mktemp -d); trap 'rm -rf "${work}"' EXIT
for spec in $(printf '%s\n' "${missing[@]}" | sort -u); do
  pkg="${spec%@*}"; ver="${spec##*@}"
  say "npm pack ${spec}"
  tarball=$(cd "${work}" && npm pack --silent "${spec}" | tail -1)
  mkdir -p "${work}/${tarball}.d"
  tar -xzf "${work}/${tarball}" -C "${work}/${tarball}.d"
  while IFS=$'\t' read -r p v path sha bytes; do
    [[ "${p}" == "${pkg}" && "${v}" == "${ver}" ]] || continue
    src="${work}/${tarball}.d/package/${path}"
    [ -f "${src}" ] || { say "ERROR: ${spec} has no ${path}" >&2; exit 1; }
    got=$(sha256sum "${src}" | cut -d' ' -f1)
    [ "${got}" = "${sha}" ] || { say "ERROR: ${spec} ${path}: SHA-256 ${got}, pinned ${sha}; refusing it" >&2; exit 1; }
    dest="$(dir_of "${pkg}" "${ver}")/${path}"
    mkdir -p "$(dirname "${dest}")"
    cp "${src}" "${dest}.part" && mv -f "${dest}.part" "${dest}"
  done < "${pins}"
  say "${spec}: verified into $(dir_of "${pkg}" "${ver}")"
done
