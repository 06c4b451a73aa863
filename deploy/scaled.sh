#!/usr/bin/env bash
# `make scaled`: the scaled topology on loopback, then smoke checks through it.
#
# In a temporary folder, on free high ports of 127.0.0.1 only: PostgreSQL and Redis from the
# system's packages, two Daphne processes (DEBUG off, REDIS_URL, DATABASE_URL), the task worker and
# the scheduler, and nginx in front with TLS (a throwaway self-signed certificate), its site
# rendered from deploy/nginx/imh.conf as an operator renders it. It migrates, loads the demo and
# runs deploy/smoke.py: pages, search, static files from nginx, a room message posted through one
# Daphne and received through the other and through nginx; then checks that the worker runs a
# queued task. Every process it started is stopped by its pid on exit, failed or not; any failed
# check exits non-zero. Every wait is bounded. Needs: postgresql, redis-server, nginx, openssl.
#
# Environment: PYTHON (default .venv/bin/python), KEEP=1 keeps the temporary folder.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
PY="${PYTHON:-$ROOT/.venv/bin/python}"
DAPHNE="$(dirname "$PY")/daphne"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/imh-scaled.XXXXXX")"
chmod 755 "$WORK"
PIDS=()
NAMES=()
PG_DATA=""
STARTED=$SECONDS

say() { printf '== %s\n' "$*"; }
die() {
  printf 'scaled: FAILED: %s\n' "$*" >&2
  exit 1
}

stop_pid() { # pid name: TERM, wait up to 15 s, then KILL
  local pid=$1 name=$2
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 150); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  echo "   $name (pid $pid) ignored SIGTERM for 15 s: SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
}

cleanup() {
  local status=$?
  set +e
  trap - EXIT INT TERM
  say "stopping what this run started"
  local i
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
    stop_pid "${PIDS[$i]}" "${NAMES[$i]}"
  done
  if [ -n "$PG_DATA" ] && [ -f "$PG_DATA/postmaster.pid" ]; then
    local pg_pid
    pg_pid="$(head -1 "$PG_DATA/postmaster.pid")"
    kill -INT "$pg_pid" 2>/dev/null # fast shutdown
    for _ in $(seq 200); do
      kill -0 "$pg_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -0 "$pg_pid" 2>/dev/null && kill -KILL "$pg_pid"
  fi
  if [ "$status" -ne 0 ]; then
    for log in "$WORK"/logs/*.log; do
      [ -s "$log" ] && [ "$(basename "$log")" != openssl.log ] || continue
      echo "--- last lines of $(basename "$log")"
      tail -n 25 "$log"
    done
    echo "scaled: FAILED after $((SECONDS - STARTED)) s (logs kept in $WORK)" >&2
  elif [ "${KEEP:-0}" = 1 ]; then
    echo "scaled: kept $WORK"
  else
    rm -rf "$WORK"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

started() { # pid name
  PIDS+=("$1")
  NAMES+=("$2")
}

free_port() {
  "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_for() { # seconds description command...: retry until the command succeeds
  local seconds=$1 what=$2
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || die "$what did not come up within $seconds s"
    for i in "${!PIDS[@]}"; do
      kill -0 "${PIDS[$i]}" 2>/dev/null || die "${NAMES[$i]} exited while waiting for $what"
    done
    sleep 0.25
  done
}

port_open() { "$PY" -c "import socket, sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])), 1).close()" "$1"; }

health_ok() { # port
  "$PY" - "$1" <<'EOF'
import http.client, sys
connection = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=5)
connection.request("GET", "/healthz")
sys.exit(0 if connection.getresponse().status == 200 else 1)
EOF
}

# --- what the machine must have -------------------------------------------------------------------
PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
[ -n "$PG_BIN" ] || die "PostgreSQL is not installed (apt-get install postgresql)"
command -v redis-server >/dev/null || die "redis-server is not installed (apt-get install redis-server)"
NGINX="$(command -v nginx || true)"
[ -z "$NGINX" ] && [ -x /usr/sbin/nginx ] && NGINX=/usr/sbin/nginx
[ -n "$NGINX" ] || die "nginx is not installed (apt-get install nginx)"
command -v openssl >/dev/null || die "openssl is not installed"
[ -x "$DAPHNE" ] || die "no Daphne at $DAPHNE (make setup)"
"$PY" -c 'import websockets' 2>/dev/null || die "the websockets package is missing (pip install -r requirements-test.txt)"

mkdir -p "$WORK/logs" "$WORK/var" "$WORK/nginx/tmp"
PG_PORT="$(free_port)"
REDIS_PORT="$(free_port)"
DAPHNE_A="$(free_port)"
DAPHNE_B="$(free_port)"
HTTP_PORT="$(free_port)"
HTTPS_PORT="$(free_port)"
say "work folder $WORK; ports: PostgreSQL $PG_PORT, Redis $REDIS_PORT, Daphne $DAPHNE_A and $DAPHNE_B, nginx $HTTP_PORT (HTTP) and $HTTPS_PORT (HTTPS)"

# --- PostgreSQL: a private cluster, owned by the postgres account when we are root --------------
say "PostgreSQL ($PG_BIN)"
PG_DIR="$WORK/pg"
PG_DATA="$PG_DIR/data"
mkdir -p "$PG_DIR"
as_pg() { "$@"; }
if [ "$(id -u)" = 0 ]; then
  chown postgres "$PG_DIR"
  as_pg() { runuser -u postgres -- "$@"; }
fi
as_pg "$PG_BIN/initdb" -D "$PG_DATA" -A trust -U postgres >"$WORK/logs/initdb.log" 2>&1 ||
  die "initdb failed (see $WORK/logs/initdb.log)"
as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_DIR/postgres.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
  start >/dev/null || die "PostgreSQL did not start (see $PG_DIR/postgres.log)"
ln -sf "$PG_DIR/postgres.log" "$WORK/logs/postgres.log"
psql_admin() { "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1 -qAt "$@"; }
psql_admin -c "CREATE ROLE imh LOGIN PASSWORD 'imh'"
psql_admin -c "CREATE DATABASE imh OWNER imh"

# --- Redis --------------------------------------------------------------------------------------
say "Redis"
redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no --daemonize no \
  >"$WORK/logs/redis.log" 2>&1 &
started $! redis
wait_for 20 "Redis" port_open "$REDIS_PORT"

# --- the site's environment: production settings behind the proxy --------------------------------
unset TESTING DEBUG
export DEBUG=0
SECRET_KEY="$("$PY" -c 'import secrets; print(secrets.token_urlsafe(64))')"
export SECRET_KEY
export ALLOWED_HOSTS=127.0.0.1,localhost
export TRUST_PROXY_HEADERS=1
export DATABASE_URL="postgres://imh:imh@127.0.0.1:$PG_PORT/imh"
export REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
export REDIS_PREFIX="imh-scaled"
export DATABASE_POOL=1 DATABASE_POOL_MAX=8
export VAR_DIR="$WORK/var"
export SITE_URL="https://127.0.0.1:$HTTPS_PORT"
export EMAIL_URL="file://$WORK/mail"
export PYTHONPATH="$ROOT/site"

say "migrate, collectstatic, demo"
timeout 300 "$PY" manage.py migrate --noinput >"$WORK/logs/migrate.log" 2>&1 || die "migrate failed"
timeout 120 "$PY" manage.py collectstatic --noinput --verbosity 0 >"$WORK/logs/collectstatic.log" 2>&1 ||
  die "collectstatic failed"
timeout 300 "$PY" manage.py demo >"$WORK/logs/demo.log" 2>&1 || die "the demo data did not load"

# --- the application processes, as deploy/systemd starts them --------------------------------------
say "two Daphne processes, the task worker, the scheduler"
for port in "$DAPHNE_A" "$DAPHNE_B"; do
  "$DAPHNE" --bind 127.0.0.1 --port "$port" --proxy-headers --application-close-timeout 10 \
    --access-log /dev/null config.asgi:application >"$WORK/logs/daphne-$port.log" 2>&1 &
  started $! "daphne:$port"
done
"$PY" manage.py db_worker --backend queue --queue-name default --no-reload \
  >"$WORK/logs/worker.log" 2>&1 &
started $! worker
"$PY" manage.py scheduler >"$WORK/logs/scheduler.log" 2>&1 &
started $! scheduler
wait_for 90 "Daphne on $DAPHNE_A" health_ok "$DAPHNE_A"
wait_for 90 "Daphne on $DAPHNE_B" health_ok "$DAPHNE_B"

# --- nginx: the deploy/ site, rendered, with a self-signed certificate for 127.0.0.1 -----------
say "nginx ($("$NGINX" -v 2>&1 | sed 's/.*: //'))"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" \
  -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
  -keyout "$WORK/nginx/tls.key" -out "$WORK/nginx/tls.crt" >"$WORK/logs/openssl.log" 2>&1 ||
  die "openssl could not make a certificate"
sed -e "s|@SERVER_NAME@|127.0.0.1 localhost|g" \
  -e "s|@HTTP_LISTEN@|127.0.0.1:$HTTP_PORT|g" \
  -e "s|@HTTPS_LISTEN@|127.0.0.1:$HTTPS_PORT|g" \
  -e "s|@HTTPS_ORIGIN@|https://127.0.0.1:$HTTPS_PORT|g" \
  -e "s|@TLS_CERT@|$WORK/nginx/tls.crt|g" \
  -e "s|@TLS_KEY@|$WORK/nginx/tls.key|g" \
  -e "s|@UPSTREAM_SERVERS@|server 127.0.0.1:$DAPHNE_A; server 127.0.0.1:$DAPHNE_B;|g" \
  -e "s|@STATIC_ROOT@|$VAR_DIR/static|g" \
  -e "s|@MEDIA_ROOT@|$VAR_DIR/media|g" \
  deploy/nginx/imh.conf >"$WORK/nginx/imh.conf"
if grep -n '@[A-Z_]*@' "$WORK/nginx/imh.conf" | grep -v '^[0-9]*:#'; then
  die "placeholders left in the rendered nginx site"
fi
NGINX_USER=""
[ "$(id -u)" = 0 ] && NGINX_USER="user $(id -un) $(id -gn);"
cat >"$WORK/nginx/nginx.conf" <<EOF
# Generated by deploy/scaled.sh: nginx as the current user, every path in $WORK/nginx.
$NGINX_USER
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log $WORK/logs/nginx-error.log warn;
events { worker_connections 1024; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    access_log $WORK/logs/nginx-access.log;
    client_body_temp_path $WORK/nginx/tmp/body;
    proxy_temp_path $WORK/nginx/tmp/proxy;
    fastcgi_temp_path $WORK/nginx/tmp/fastcgi;
    uwsgi_temp_path $WORK/nginx/tmp/uwsgi;
    scgi_temp_path $WORK/nginx/tmp/scgi;
    include $WORK/nginx/imh.conf;
}
EOF
"$NGINX" -t -p "$WORK/nginx" -e "$WORK/logs/nginx-error.log" -c "$WORK/nginx/nginx.conf" \
  >"$WORK/logs/nginx-test.log" 2>&1 || die "nginx rejected the rendered site: $(cat "$WORK/logs/nginx-test.log")"
"$NGINX" -p "$WORK/nginx" -e "$WORK/logs/nginx-error.log" -c "$WORK/nginx/nginx.conf" \
  -g "daemon off;" &
started $! nginx
wait_for 20 "nginx" port_open "$HTTPS_PORT"

# --- checks ------------------------------------------------------------------------------------------
say "smoke checks through nginx and across the two Daphne processes"
timeout 120 "$PY" deploy/smoke.py \
  --base "https://127.0.0.1:$HTTPS_PORT" --http "http://127.0.0.1:$HTTP_PORT" \
  --cafile "$WORK/nginx/tls.crt" \
  --daphne "http://127.0.0.1:$DAPHNE_A" --daphne "http://127.0.0.1:$DAPHNE_B" \
  --username member1 --second-username member2 --password "${DEMO_PASSWORD:-imh-demo-pass}" \
  --expect-database postgresql --expect-layer RedisPubSubChannelLayer ||
  die "smoke checks"

say "the task worker runs a queued task"
timeout 90 "$PY" manage.py shell --no-imports -c '
import time
from accounts.tasks import notification_digest_send
result = notification_digest_send.enqueue()
deadline = time.monotonic() + 60
while result.status not in ("SUCCESSFUL", "FAILED") and time.monotonic() < deadline:
    time.sleep(0.5)
    result.refresh()
print(f"  ok  queued task {result.id}: {result.status} (worker, backend {result.backend})")
raise SystemExit(0 if result.status == "SUCCESSFUL" else 1)
' || die "the worker did not run the queued task"

say "database connections under page traffic"
pg_connections() { psql_admin -d imh -c "SELECT count(*) FROM pg_stat_activity WHERE datname = 'imh'"; }
BEFORE="$(pg_connections)"
timeout 120 "$PY" - "$HTTPS_PORT" "$WORK/nginx/tls.crt" <<'PYTHON' || die "page traffic through nginx failed"
import http.client, ssl, sys
context = ssl.create_default_context(cafile=sys.argv[2])
connection = http.client.HTTPSConnection("127.0.0.1", int(sys.argv[1]), timeout=20, context=context)
for number in range(200):
    connection.request("GET", "/search/?q=attachment" if number % 2 else "/")
    response = connection.getresponse()
    response.read()
    assert response.status == 200, response.status
PYTHON
AFTER="$(pg_connections)"
echo "  --  PostgreSQL connections to the site's database: $BEFORE before 200 page requests, $AFTER after"
# Two Daphne pools of at most DATABASE_POOL_MAX, the worker, the scheduler, and psql itself.
LIMIT=$((2 * DATABASE_POOL_MAX + 3))
[ "$AFTER" -le "$LIMIT" ] || die "$AFTER database connections: more than the pools allow ($LIMIT)"
echo "  ok  database connections bounded by the pools ($AFTER <= $LIMIT)"
for i in "${!PIDS[@]}"; do
  kill -0 "${PIDS[$i]}" 2>/dev/null || die "${NAMES[$i]} died during the checks"
done
if grep -l "Traceback" "$WORK"/logs/daphne-*.log "$WORK/logs/worker.log" >/dev/null 2>&1; then
  grep -h -B2 -A12 "Traceback" "$WORK"/logs/daphne-*.log "$WORK/logs/worker.log" | head -60
  die "a traceback in the server logs"
fi
echo "scaled: all checks passed in $((SECONDS - STARTED)) s"
