#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster on 127.0.0.1 (Debian's postgresql package, installed with
# apt-get when missing) and prints its DSN on stdout. Logs go to stderr; the data directory is printed
# on stderr and written to the file named by IFN_PG_DATADIR_FILE when set. Stop and remove it with:
#   bash scripts/pg-test-server.sh stop <datadir>
set -euo pipefail
if [ "${1:-}" = "stop" ]; then
  datadir=${2:?usage: pg-test-server.sh stop <datadir>}
  bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
  if [ "$(id -u)" = "0" ]; then
    runuser -u postgres -- "$bindir/pg_ctl" -D "$datadir" -m fast -w stop >&2 || true
  else
    "$bindir/pg_ctl" -D "$datadir" -m fast -w stop >&2 || true
  fi
  rm -rf "$(dirname "$datadir")"
  exit 0
fi
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
  if command -v apt-get >/dev/null 2>&1; then
    echo "installation de postgresql (apt-get)…" >&2
    (apt-get install -y -q postgresql >&2 || { apt-get update -q >&2 && apt-get install -y -q postgresql >&2; })
    bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)
  else
    echo "PostgreSQL introuvable et apt-get indisponible" >&2; exit 1
  fi
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
datadir=$(mktemp -d /tmp/ifn-pg-XXXXXX)
if [ "$(id -u)" = "0" ]; then
  chown postgres: "$datadir"
  as_pg() { runuser -u postgres -- "$@"; }
  user=postgres
else
  as_pg() { "$@"; }
  user=$(id -un)
fi
as_pg "$bindir/initdb" -D "$datadir/data" -U "$user" -A trust -E UTF8 --no-locale >&2
as_pg "$bindir/pg_ctl" -D "$datadir/data" -l "$datadir/log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $datadir -c fsync=off" start >&2
as_pg "$bindir/createdb" -h 127.0.0.1 -p "$port" -U "$user" ifn_test >&2
echo "cluster PostgreSQL : $datadir/data (port $port)" >&2
if [ -n "${IFN_PG_DATADIR_FILE:-}" ]; then echo "$datadir/data" > "$IFN_PG_DATADIR_FILE"; fi
echo "postgresql://$user@127.0.0.1:$port/ifn_test"
