#!/usr/bin/env bash
# Starts a throw-away PostgreSQL server on a free 127.0.0.1 port for the tests, and prints the connection string.
#   source scripts/postgres.sh start   -> exports INSPECTION_TEST_POSTGRES, PG_TEST_DIR
#   scripts/postgres.sh stop            -> stops the server in $PG_TEST_DIR and removes it
#   scripts/postgres.sh pause | resume  -> stops the server in $PG_TEST_DIR, keeping its data / starts it again on its port
set -euo pipefail
PGBIN="${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}"

as_postgres() {
  # initdb and postgres refuse to run as root.
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-start}" in
  start)
    if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/initdb" ]; then
      echo "PostgreSQL not found; installing it" >&2
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
      PGBIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
      service postgresql stop >/dev/null 2>&1 || true
    fi
    PG_TEST_DIR="$(mktemp -d /tmp/inspection-pg.XXXXXX)"
    [ "$(id -u)" = 0 ] && chown postgres "$PG_TEST_DIR"
    port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 54329)"
    as_postgres "$PGBIN/initdb" -D "$PG_TEST_DIR/data" -U postgres --auth=trust >/dev/null
    as_postgres "$PGBIN/pg_ctl" -D "$PG_TEST_DIR/data" -l "$PG_TEST_DIR/log" -w \
      -o "-p $port -k $PG_TEST_DIR -c listen_addresses=127.0.0.1" start >/dev/null
    as_postgres "$PGBIN/createdb" -h 127.0.0.1 -p "$port" -U postgres inspection
    echo "$port" > "$PG_TEST_DIR/port"
    export PG_TEST_DIR
    export INSPECTION_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Username=postgres;Database=inspection"
    echo "PostgreSQL test server on 127.0.0.1:$port ($PG_TEST_DIR)" >&2
    ;;
  pause)
    as_postgres "$PGBIN/pg_ctl" -D "$PG_TEST_DIR/data" -m fast -w stop >/dev/null
    ;;
  resume)
    as_postgres "$PGBIN/pg_ctl" -D "$PG_TEST_DIR/data" -l "$PG_TEST_DIR/log" -w \
      -o "-p $(cat "$PG_TEST_DIR/port") -k $PG_TEST_DIR -c listen_addresses=127.0.0.1" start >/dev/null
    ;;
  stop)
    if [ -n "${PG_TEST_DIR:-}" ] && [ -d "$PG_TEST_DIR/data" ]; then
      as_postgres "$PGBIN/pg_ctl" -D "$PG_TEST_DIR/data" -m fast stop >/dev/null || true
      rm -rf "$PG_TEST_DIR"
    fi
    ;;
esac
