#!/usr/bin/env bash
# Installs (when missing) and starts the real services the tests use: PostgreSQL on 127.0.0.1,
# and headless Chromium with its driver for the browser tests and report rendering.
# Idempotent; safe to run before every test run.
set -euo pipefail

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || missing+=(postgresql)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/chromedriver ] || missing+=(chromium-driver)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
fi

version=$(ls /usr/lib/postgresql | sort -n | tail -1)
if ! pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main"' | grep -q .; then
  as_root pg_createcluster "$version" main >/dev/null
fi
if ! pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" && $4 == "online"' | grep -q .; then
  as_root pg_ctlcluster "$version" main start
fi

psql_admin() { as_root su postgres -c "psql -qtAX -c \"$1\""; }
if [ "$(psql_admin "SELECT 1 FROM pg_roles WHERE rolname = 'dumbcontacts'")" != 1 ]; then
  psql_admin "CREATE ROLE dumbcontacts LOGIN SUPERUSER PASSWORD 'dumbcontacts'"
fi
if [ "$(psql_admin "SELECT 1 FROM pg_database WHERE datname = 'dumbcontacts_test'")" != 1 ]; then
  psql_admin "CREATE DATABASE dumbcontacts_test OWNER dumbcontacts"
fi
echo "postgresql $version on 127.0.0.1:5432 (database dumbcontacts_test)"
