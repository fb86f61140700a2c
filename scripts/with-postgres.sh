#!/usr/bin/env bash
# Runs a command against a throwaway PostgreSQL cluster made with the machine's initdb/pg_ctl.
# The cluster lives in a temporary folder, listens on a Unix socket only, and is removed after.
set -euo pipefail

bindir=""
if command -v initdb >/dev/null 2>&1; then
  bindir="$(dirname "$(readlink -f "$(command -v initdb)")")"
else
  bindir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
fi
[ -x "$bindir/initdb" ] || { echo "PostgreSQL (initdb) not found: run scripts/system-deps.sh" >&2; exit 1; }

tmp="$(mktemp -d /tmp/shnor-pg.XXXXXX)"
chmod 755 "$tmp"
as_pg=()
if [ "$(id -u)" -eq 0 ]; then
  # initdb refuses to run as root: the cluster belongs to the postgres user.
  id postgres >/dev/null 2>&1 || useradd --system --home "$tmp" postgres
  chown postgres "$tmp"
  as_pg=(runuser -u postgres --)
fi
port=$((54000 + RANDOM % 900))
cleanup() {
  "${as_pg[@]}" "$bindir/pg_ctl" -D "$tmp/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT

# PG_SUPERUSER=postgres: a cluster as Debian's, owned by «postgres» and without a database of
# shnor's (the install guide's setup command makes it; tests/app/test_deploy_settings.py).
superuser="${PG_SUPERUSER:-shnor}"
"${as_pg[@]}" "$bindir/initdb" -D "$tmp/data" -U "$superuser" -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
"${as_pg[@]}" "$bindir/pg_ctl" -D "$tmp/data" -w -l "$tmp/log" \
  -o "-c listen_addresses='' -k $tmp -p $port -c fsync=off -c full_page_writes=off" start >/dev/null
export PGHOST="$tmp" PGPORT="$port"
if [ "$superuser" = shnor ]; then
  "$bindir/createdb" -h "$tmp" -p "$port" -U shnor shnor
  export DATABASE_URL="postgresql://shnor@/shnor?host=$tmp&port=$port"
fi
echo "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') at $tmp:$port"
"$@"
