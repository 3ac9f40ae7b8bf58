# Sourced by scripts that install packages Debian 12 lacks. On Debian 12 "bookworm" it adds Debian 13 "trixie" from
# the machine's own Debian mirror at pin priority 1 (nothing comes from it unless asked for by name), with the same
# file names and contents as scripts/bootstrap.sh, so both scripts share one source entry and one pin.
#   ensure_trixie_source       adds the source and pin when missing (root; runs apt-get update when it adds them)
#   trixie_target              prints "-t trixie" when the source is configured, else nothing (for apt-get install)

srface_trixie_source=/etc/apt/sources.list.d/srface-trixie.sources
srface_trixie_pin=/etc/apt/preferences.d/srface-trixie

ensure_trixie_source() {
  [ -f "${srface_trixie_source}" ] && [ -f "${srface_trixie_pin}" ] && return 0
  local mirror="" f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    mirror=$(awk '/^URIs:/ {uri=$2} /^Suites:/ && / bookworm( |$)|: *bookworm( |$)/ {print uri; exit}' "$f")
    [ -n "${mirror}" ] && break
  done
  if [ -z "${mirror}" ] && [ -f /etc/apt/sources.list ]; then
    mirror=$(awk '$1=="deb" && $3=="bookworm" {print $2; exit}' /etc/apt/sources.list)
  fi
  if [ -z "${mirror}" ]; then
    echo "found no bookworm entry in the apt sources to take the Debian mirror from" >&2
    return 1
  fi
  if [ ! -f "${srface_trixie_source}" ]; then
    cat > "${srface_trixie_source}" <<SRC
# Added by SrFace scripts/bootstrap.sh: Debian 13 for libstdc++6 only (see ${srface_trixie_pin}).
Types: deb
URIs: ${mirror}
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  fi
  if [ ! -f "${srface_trixie_pin}" ]; then
    cat > "${srface_trixie_pin}" <<PIN
# Added by SrFace scripts/bootstrap.sh.
Package: *
Pin: release n=trixie
Pin-Priority: 1
PIN
  fi
  apt-get update -qq
}

trixie_target() {
  [ -f "${srface_trixie_source}" ] && printf -- '-t trixie'
  return 0
}
