#!/usr/bin/env bash
# PostgreSQL + pgvector for the gallery tests, on loopback, idempotently (safe to run again: it only does what is
# missing). Used by scripts/test.sh; run it alone to get a database for `--gallery postgres://...`.
#   1. installs postgresql-${SRFACE_PG_VERSION:-17} and its pgvector package if missing (on Debian 12 both come from
#      Debian 13 "trixie" with the pinning of scripts/bootstrap.sh; any pgvector version the package brings);
#   2. creates a cluster named "srface" listening on 127.0.0.1 only, on a port of its own (SRFACE_PG_PORT, default
#      54317), and starts it when it is not running;
#   3. creates the role "srface" (a random password, kept from run to run in the URL file) and the database "srface_test" with the vector
#      extension;
#   4. prints the connection string and writes it (mode 600) to SRFACE_PG_URL_FILE (default
#      ~/.cache/srface/postgres-test.url), where the tests look when SRFACE_TEST_POSTGRES is not set.
# Exit status 0 when the database is ready; non-zero (and the URL file removed) when it cannot be made ready.
set -euo pipefail

version="${SRFACE_PG_VERSION:-17}"
port="${SRFACE_PG_PORT:-54317}"
cluster=srface
role=srface
database=srface_test
url_file="${SRFACE_PG_URL_FILE:-${HOME}/.cache/srface/postgres-test.url}"
bin="/usr/lib/postgresql/${version}/bin"
vector_control="/usr/share/postgresql/${version}/extension/vector.control"

say() { printf 'postgres: %s\n' "$*"; }
fail() { say "ERROR: $*" >&2; rm -f "${url_file}"; exit 1; }
. "$(dirname "$0")/lib/debian-trixie.sh"

# --- 1. packages ---------------------------------------------------------------------------------------------------
if [ -x "${bin}/postgres" ] && [ -f "${vector_control}" ]; then
  say "PostgreSQL ${version} with pgvector: installed"
else
  [ "$(id -u)" -eq 0 ] || fail "installing postgresql-${version} needs root: run 'sudo $0'."
  # No default cluster on 5432/5433: this script makes its own.
  mkdir -p /etc/postgresql-common/createcluster.d
  printf '# Added by SrFace scripts/postgres.sh: clusters are made on demand.\ncreate_main_cluster = false\n' \
    > /etc/postgresql-common/createcluster.d/srface.conf
  if ! apt-cache show "postgresql-${version}-pgvector" >/dev/null 2>&1; then
    grep -rqs bookworm /etc/apt/sources.list /etc/apt/sources.list.d/ && ensure_trixie_source
    apt-get update -qq
  fi
  say "installing postgresql-${version} and postgresql-${version}-pgvector $(trixie_target)"
  # shellcheck disable=SC2046
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(trixie_target) \
    "postgresql-${version}" "postgresql-${version}-pgvector" >/dev/null \
    || fail "apt-get could not install postgresql-${version} and postgresql-${version}-pgvector."
  [ -x "${bin}/postgres" ] && [ -f "${vector_control}" ] || fail "the packages installed but ${bin}/postgres or ${vector_control} is missing."
fi

# --- 2. cluster ----------------------------------------------------------------------------------------------------
[ "$(id -u)" -eq 0 ] || fail "managing the cluster needs root (pg_createcluster / pg_ctlcluster): run 'sudo $0'."
if ! pg_lsclusters -h 2>/dev/null | awk -v v="${version}" -v c="${cluster}" '$1==v && $2==c {found=1} END {exit !found}'; then
  if ss -ltn 2>/dev/null | awk '{print $4}' | grep -qE "[:.]${port}\$"; then
    fail "port ${port} is taken by another program; set SRFACE_PG_PORT to a free port."
  fi
  say "creating cluster ${version}/${cluster} on 127.0.0.1:${port}"
  pg_createcluster "${version}" "${cluster}" -p "${port}" -- --auth-local=peer --auth-host=scram-sha-256 >/dev/null
fi
# Loopback only, whatever the defaults (rewritten each run; takes effect at the next start).
conf_dir="/etc/postgresql/${version}/${cluster}/conf.d"
mkdir -p "${conf_dir}"
printf "# Added by SrFace scripts/postgres.sh.\nlisten_addresses = '127.0.0.1'\nmax_connections = 200\n" > "${conf_dir}/srface.conf"
actual_port=$(pg_lsclusters -h | awk -v v="${version}" -v c="${cluster}" '$1==v && $2==c {print $3}')
[ "${actual_port}" = "${port}" ] || say "note: cluster ${version}/${cluster} was made on port ${actual_port}; using it"
port="${actual_port}"
status=$(pg_lsclusters -h | awk -v v="${version}" -v c="${cluster}" '$1==v && $2==c {print $4}')
if [ "${status}" != "online" ]; then
  say "starting cluster ${version}/${cluster}"
  mkdir -p /var/run/postgresql && chown postgres:postgres /var/run/postgresql
  pg_ctlcluster "${version}" "${cluster}" start || fail "the cluster did not start: see /var/log/postgresql/postgresql-${version}-${cluster}.log"
fi
for _ in $(seq 1 60); do
  "${bin}/pg_isready" -q -h 127.0.0.1 -p "${port}" && break
  sleep 0.5
done
"${bin}/pg_isready" -q -h 127.0.0.1 -p "${port}" || fail "the cluster does not accept connections on 127.0.0.1:${port}."
say "cluster ${version}/${cluster} online on 127.0.0.1:${port}"

# --- 3. role, database, extension ------------------------------------------------------------------------------------
psql_admin() { PGOPTIONS='-c client_min_messages=warning' runuser -u postgres -- "${bin}/psql" -X -q -v ON_ERROR_STOP=1 -p "${port}" "$@"; }
# The password of an earlier run is kept (a running server keeps working); a new random one otherwise.
password=$(sed -n 's|^postgres://[^:]*:\([A-Za-z0-9]*\)@.*|\1|p' "${url_file}" 2>/dev/null || true)
[ -n "${password}" ] || password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
psql_admin -d postgres >/dev/null <<SQL
SELECT 'CREATE ROLE ${role} LOGIN' WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${role}')\gexec
ALTER ROLE ${role} LOGIN PASSWORD '${password}';
SELECT 'CREATE DATABASE ${database} OWNER ${role}' WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = '${database}')\gexec
SQL
psql_admin -d "${database}" -c "CREATE EXTENSION IF NOT EXISTS vector" >/dev/null
extension=$(psql_admin -d "${database}" -At -c "SELECT extversion FROM pg_extension WHERE extname = 'vector'")
say "database ${database} (role ${role}) with pgvector ${extension}"

# --- 4. connection string --------------------------------------------------------------------------------------------
url="postgres://${role}:${password}@127.0.0.1:${port}/${database}"
mkdir -p "$(dirname "${url_file}")"
( umask 077; printf '%s\n' "${url}" > "${url_file}" )
say "connection string written to ${url_file}"
printf '%s\n' "postgres://${role}:***@127.0.0.1:${port}/${database}"
