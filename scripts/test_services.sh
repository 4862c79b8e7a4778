#!/usr/bin/env bash
# Source this: starts a throwaway PostgreSQL cluster and a Redis server for the
# test run unless DATABASE_URL / REDIS_URL are already given, exports their URLs,
# and registers a trap that stops them and deletes their data.
services_dir="$(mktemp -d /tmp/reinforcement-test.XXXXXX)"
chmod 755 "$services_dir"
_stop_test_services() {
  if [ -n "${_pg_dir:-}" ] && [ -d "$_pg_dir" ]; then
    _as_pg "$_pg_bin/pg_ctl" -D "$_pg_dir" -m immediate stop >/dev/null 2>&1 || true
  fi
  if [ -n "${_redis_pid:-}" ]; then
    kill "$_redis_pid" 2>/dev/null || true
  fi
  rm -rf "$services_dir"
}
trap _stop_test_services EXIT

_as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

if [ -z "${DATABASE_URL:-}" ]; then
  _pg_bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
  [ -n "$_pg_bin" ] || _pg_bin="$(dirname "$(command -v initdb)")"
  _pg_dir="$services_dir/pg"
  mkdir -p "$_pg_dir"
  [ "$(id -u)" = 0 ] && chown postgres "$_pg_dir"
  _pg_port="$(python3 scripts/free_port.py)"
  _as_pg "$_pg_bin/initdb" -D "$_pg_dir" -U postgres --auth=trust -E UTF8 >/dev/null
  # Durability is pointless for a throwaway cluster; these make it much faster.
  _as_pg "$_pg_bin/pg_ctl" -D "$_pg_dir" -l "$_pg_dir/server.log" -w -o \
    "-p $_pg_port -k $_pg_dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null
  export DATABASE_URL="postgres://postgres@127.0.0.1:$_pg_port/postgres"
  # The fault tests restart this cluster (tests/integration/test_postgres_restart.py).
  export TEST_PG_CTL="$_pg_bin/pg_ctl" TEST_PG_DATA="$_pg_dir"
  echo "==> PostgreSQL $("$_pg_bin/postgres" --version | awk '{print $3}') on port $_pg_port"
fi

if [ -z "${REDIS_URL:-}" ]; then
  _redis_port="$(python3 scripts/free_port.py)"
  redis-server --port "$_redis_port" --bind 127.0.0.1 --save "" --appendonly no \
    --dir "$services_dir" --logfile "$services_dir/redis.log" &
  _redis_pid=$!
  for _ in $(seq 50); do
    redis-cli -p "$_redis_port" ping >/dev/null 2>&1 && break
    sleep 0.1
  done
  export REDIS_URL="redis://127.0.0.1:$_redis_port/0"
  echo "==> Redis $(redis-server --version | awk '{print $3}') on port $_redis_port"
fi
