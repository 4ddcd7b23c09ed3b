# Shared by the benchmark scripts: a scratch directory cleaned up on exit with every process started, tool checks,
# free ports, and nginx answering `return 204`. Source it after `cd` to the repository root.
acx=${ACX:-build/acx}
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# need TOOL...: exits with a hint when one is missing.
need() {
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { echo "bench: $tool is missing: run scripts/setup --bench" >&2; exit 1; }
  done
  [[ -x $acx ]] || { echo "bench: $acx is missing: run scripts/build" >&2; exit 1; }
}

free_port() {
  local p
  for p in $(shuf -i 20000-60000 -n 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
  echo "bench: no free port" >&2
  exit 1
}

wait_port() {
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return
    sleep 0.05
  done
  echo "bench: nothing listens on port $1" >&2
  exit 1
}

# start_nginx: nginx answering 204 to everything, on a free port; sets nginx_port.
start_nginx() {
  nginx_port=$(free_port)
  mkdir -p "$work/nginx"
  cat >"$work/nginx/nginx.conf" <<CONF
worker_processes auto;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $work/nginx;
  server { listen 127.0.0.1:$nginx_port; location / { return 204; } }
}
CONF
  nginx -c "$work/nginx/nginx.conf" &
  pids+=($!)
  wait_port "$nginx_port"
}

# start_inspect JOURNAL: acx inspect over it on a free port; sets inspector (its pid), base (its URL) and cookie (the
# access token as the page's cookie, for curl -b).
start_inspect() {
  "$acx" inspect --journal "$1" --port 0 --ready-file "$work/inspect.ready" >/dev/null 2>&1 &
  inspector=$!
  pids+=("$inspector")
  for _ in $(seq 400); do [[ -s $work/inspect.ready ]] && break; sleep 0.05; done
  local url token port
  url=$(cat "$work/inspect.ready")
  base=${url%%\?*}
  token=${url##*token=}
  port=${base##*:}
  port=${port%/}
  cookie="acx_inspect_$port=$token"
}

# start_postgres: a PostgreSQL 15 server of the benchmark's own (initdb in $work, as nobody when run as root: it
# refuses root), on a free port, fsync on (its defaults otherwise); sets pg_uri. Stopped on exit.
start_postgres() {
  local bin=/usr/lib/postgresql/15/bin data=$work/pg port as=()
  [[ -x $bin/pg_ctl ]] || { echo "bench: PostgreSQL 15 is missing: run scripts/setup --bench" >&2; exit 1; }
  port=$(free_port)
  mkdir -m 0700 "$data"
  if ((EUID == 0)); then
    chmod 0755 "$work"
    chown nobody: "$data"
    as=(runuser -u nobody --)
  fi
  "${as[@]}" "$bin/initdb" -D "$data" -U acx --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  "${as[@]}" "$bin/pg_ctl" -D "$data" -l "$data/log" -w start \
    -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$data -c max_connections=60" >/dev/null
  pg_uri="postgresql://acx@127.0.0.1:$port/postgres"
  pg_stop=("${as[@]}" "$bin/pg_ctl" -D "$data" -m fast -w stop)
  trap '"${pg_stop[@]}" >/dev/null 2>&1 || true; cleanup' EXIT
}
