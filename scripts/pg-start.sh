#!/usr/bin/env bash
# A throwaway PostgreSQL server for the vault's tests: installs Debian's
# postgresql when the server binaries are missing, then runs initdb and
# pg_ctl in a new temporary directory. The server listens on a Unix socket
# in that directory only (no TCP port, so nothing else on the machine can
# collide with it or reach it), trusts local connections, and is not the
# system's cluster, which is neither read nor started.
#
#   eval "$(bash scripts/pg-start.sh)"     # start; exports the variables below
#   go test ./vault/...                    # the PostgreSQL half of the suite runs
#   bash scripts/pg-start.sh stop          # stop it and remove the directory
#
# Printed (and written to $MUGAI_TEST_PG_DIR/env):
#   MUGAI_TEST_PG_DSN   the DSN the tests connect with (database "mugai")
#   MUGAI_TEST_PG_DIR   the temporary directory (data in data/, socket in sock/)
#   MUGAI_TEST_PG_BIN   the directory of pg_ctl, for the test that stops the
#                       server mid-load and starts it again
#   MUGAI_TEST_PG_USER  the OS user the server runs as ("" = the caller);
#                       initdb refuses root, so as root it is "postgres"
#
# Without the variables the PostgreSQL tests skip with a message saying how
# to run them (and fail under CI=true, where .ci/run must have started it).
set -euo pipefail

say() { printf 'pg-start: %s\n' "$*" >&2; }
die() { say "FAIL: $*"; exit 1; }

# as_owner runs a command as the server's OS user.
as_owner() {
  if [ -n "${MUGAI_TEST_PG_USER:-}" ]; then
    runuser -u "$MUGAI_TEST_PG_USER" -- "$@"
  else
    "$@"
  fi
}

if [ "${1:-}" = stop ]; then
  [ -n "${MUGAI_TEST_PG_DIR:-}" ] || die "stop: MUGAI_TEST_PG_DIR is not set"
  if [ -d "$MUGAI_TEST_PG_DIR/data" ]; then
    as_owner "$MUGAI_TEST_PG_BIN/pg_ctl" -D "$MUGAI_TEST_PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$MUGAI_TEST_PG_DIR"
  say "stopped"
  exit 0
fi

find_bin() {
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ]; then
      echo "$d"
      return
    fi
  done
}

bin=$(find_bin)
if [ -z "$bin" ]; then
  [ "$(id -u)" = 0 ] || die "PostgreSQL is not installed; run as root (or apt-get install postgresql)"
  say "apt-get install postgresql"
  export DEBIAN_FRONTEND=noninteractive
  # Install the server without creating and starting the system cluster
  # ("main"): the tests run their own.
  mkdir -p /etc/postgresql-common/createcluster.d
  echo "create_main_cluster = false" >/etc/postgresql-common/createcluster.d/mugai-no-main.conf
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends postgresql >/dev/null
  bin=$(find_bin)
  [ -n "$bin" ] || die "no initdb after installing postgresql"
fi

user=""
if [ "$(id -u)" = 0 ]; then
  # initdb refuses to run as root.
  user=postgres
  getent passwd "$user" >/dev/null || useradd --system --home-dir /nonexistent --shell /usr/sbin/nologin "$user"
fi
export MUGAI_TEST_PG_USER=$user

dir=$(mktemp -d /tmp/mugai-pg.XXXXXX)
chmod 755 "$dir"
mkdir "$dir/data" "$dir/sock"
chmod 700 "$dir/data"
[ -z "$user" ] || chown "$user" "$dir/data" "$dir/sock"

as_owner "$bin/initdb" -D "$dir/data" -U mugai -A trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
  { cat "$dir/initdb.log" >&2; die "initdb failed"; }
# fsync stays on: the tests check durability. Small shared_buffers: the
# machine is shared.
as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/data/server.log" -w -t 60 \
  -o "-c listen_addresses='' -c unix_socket_directories='$dir/sock' -c shared_buffers=32MB -c max_connections=200" \
  start >/dev/null || { cat "$dir/data/server.log" >&2; die "pg_ctl start failed"; }
as_owner "$bin/createdb" -h "$dir/sock" -U mugai mugai || die "createdb failed"

dsn="host=$dir/sock user=mugai dbname=mugai"
{
  echo "export MUGAI_TEST_PG_DSN='$dsn'"
  echo "export MUGAI_TEST_PG_DIR='$dir'"
  echo "export MUGAI_TEST_PG_BIN='$bin'"
  echo "export MUGAI_TEST_PG_USER='$user'"
} | tee "$dir/env"
say "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on $dir/sock"
