#!/usr/bin/env bash
# A PostgreSQL 15 server for the unit tests: initdb into a fresh directory under /tmp (as `nobody` when run as root:
# PostgreSQL refuses root), on a free port of 127.0.0.1, trusted local connections. ctest starts one for the whole
# unit run (a fixture) and stops it after; test cases that need one and find none start their own with it.
#   pg_server.sh start STATE   starts one; writes its URI to STATE/uri and its directory to STATE/data
#   pg_server.sh stop STATE    stops it and removes its directory
# Exits 77 (skipped) when the machine has no PostgreSQL server (scripts/setup --test installs postgresql-15).
set -euo pipefail
what=${1:?usage: pg_server.sh start|stop STATE} state=${2:?usage: pg_server.sh start|stop STATE}
bin=/usr/lib/postgresql/15/bin
[[ -x $bin/initdb ]] || bin=$(dirname "$(command -v initdb 2>/dev/null || echo /none/initdb)")
as() { if ((EUID == 0)); then runuser -u nobody -- "$@"; else "$@"; fi; }
if [[ $what == stop ]]; then
  [[ -f $state/data ]] || exit 0
  data=$(cat "$state/data")
  as "$bin/pg_ctl" -D "$data/pg" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$data" "$state/uri" "$state/data"
  exit 0
fi
if [[ ! -x $bin/initdb ]]; then
  echo "skipped: no PostgreSQL server (initdb, pg_ctl): scripts/setup --test installs postgresql-15" >&2
  exit 77
fi
mkdir -p "$state"
data=$(mktemp -d /tmp/acx-pg-XXXXXX)
chmod 755 "$data"
mkdir -m 700 "$data/pg"
((EUID == 0)) && chown nobody: "$data/pg"
as "$bin/initdb" -D "$data/pg" -U acx --auth=trust --no-sync -E UTF8 --locale=C.UTF-8 >/dev/null
# A free port: the kernel's choice for a socket bound and closed at once, tried until the server takes one.
for _ in 1 2 3 4 5; do
  port=$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')
  if as "$bin/pg_ctl" -D "$data/pg" -l "$data/pg/log" -w -t 120 start -o "-c listen_addresses=127.0.0.1 \
      -c port=$port -c unix_socket_directories=$data/pg -c shared_buffers=32MB -c max_connections=100 -c fsync=off" \
      >/dev/null; then
    echo "$data" >"$state/data"
    echo "postgresql://acx@127.0.0.1:$port/postgres" >"$state/uri"
    cat "$state/uri"
    exit 0
  fi
done
echo "pg_server.sh: the server did not start: $(tail -5 "$data/pg/log")" >&2
rm -rf "$data"
exit 1
