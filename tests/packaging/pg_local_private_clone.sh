#!/usr/bin/env bash
# scripts/pg-local works from a clone under a private directory (here a 0700 mktemp -d,
# like /root/acme) without any setting. As root (the servers then run as the postgres user, who
# cannot reach the clone) it clones the committed HEAD into such a directory and runs start,
# status, env, stop and destroy there on ports of its own: the clusters live in a postgres-owned
# 0700 directory under /var/tmp named after the clone, announced in one stderr line, and the
# clone's directories are left as they were. An explicitly set ACME_PG_DIR that postgres cannot
# reach still fails with a clear message. Not root: nothing to check (the servers run as the
# caller), the test is skipped (exit 77).
# usage: pg_local_private_clone.sh SOURCE_DIR [SOURCE_PORT TARGET_PORT]
set -euo pipefail
src=$1
source_port=${2:-57632}
target_port=${3:-57633}

if [ "$(id -u)" -ne 0 ]; then
  echo "pg_local_private_clone: not root, nothing to check (servers run as the caller)"
  exit 77
fi
fail() { echo "pg_local_private_clone: $*" >&2; exit 1; }

tmp=$(mktemp -d)
clone=$tmp/acme
export ACME_PG_SOURCE_PORT=$source_port ACME_PG_TARGET_PORT=$target_port
unset ACME_PG_DIR ACME_PG_DEFAULT_DIR
pg_dir=
cleanup() {
  local d
  if [ -x "$clone/scripts/pg-local" ]; then
    "$clone/scripts/pg-local" stop >/dev/null 2>&1 || true
    [ -n "$pg_dir" ] || pg_dir=$("$clone/scripts/pg-local" env 2>/dev/null \
      | sed -n 's|^export ACME_PG_SOURCE_DATA=\(.*\)/source$|\1|p') || true
  fi
  # Whatever happened above: no server of ours keeps running, nothing of ours stays in /var/tmp.
  for d in "$pg_dir/source" "$pg_dir/target"; do
    if [ -n "$pg_dir" ] && [ -f "$d/postmaster.pid" ]; then
      runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$d" -m immediate -w stop \
        >/dev/null 2>&1 || true
    fi
  done
  case "$pg_dir" in
    /var/tmp/acme-pg-*) rm -rf "$pg_dir" ;;
  esac
  rm -rf "$tmp"
}
trap cleanup EXIT

for port in "$source_port" "$target_port"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then fail "port $port is in use"; fi
done

[ "$(stat -c %a "$tmp")" = 700 ] || fail "mktemp -d did not make a 0700 directory"
git -c safe.directory="$src" -c safe.directory="$src/.git" clone -q --no-hardlinks "$src" "$clone" \
  || fail "git clone $src failed"
cd "$clone"
before=$(stat -c '%n %U:%G %a' "$tmp" "$clone" "$clone/scripts")

scripts/pg-local start 2>"$tmp/start.err" || { cat "$tmp/start.err" >&2; fail "start failed"; }
cat "$tmp/start.err"
[ "$(grep -c 'cannot reach' "$tmp/start.err")" = 1 ] || fail "start did not say once where the clusters went"
pg_dir=$(sed -n 's|^pg-local: .*cannot reach .*; using \(/var/tmp/acme-pg-[^ ]*\)$|\1|p' "$tmp/start.err")
[ -n "$pg_dir" ] || fail "no /var/tmp/acme-pg-* directory announced"
[ "$(stat -c '%U:%G %a' "$pg_dir")" = "postgres:postgres 700" ] || fail "$pg_dir is not postgres's own 0700 directory"
[ ! -e "$clone/.local" ] || fail "start created $clone/.local"

status=$(scripts/pg-local status)
[ "$status" = "source: running
target: running" ] || fail "status after start: $status"

env_out=$(scripts/pg-local env)
grep -qx "export ACME_PG_SOURCE_DATA=$pg_dir/source" <<<"$env_out" || fail "env does not point at $pg_dir: $env_out"
grep -qx "export ACME_SOURCE_DSN=postgresql://postgres@127.0.0.1:$source_port/acme_source" <<<"$env_out" \
  || fail "env: source DSN: $env_out"
(
  eval "$env_out"
  [ "$(psql -X -Atc 'SELECT current_database()' "$ACME_SOURCE_DSN")" = acme_source ] || exit 1
  [ "$(psql -X -Atc 'SELECT current_database()' "$ACME_TARGET_DSN")" = acme_target ] || exit 1
) || fail "the env DSNs do not reach the clusters"

# The same clone from another working directory finds the same clusters; another default
# directory (scripts/test's .local/pg-test) gets a directory of its own.
[ "$(cd / && "$clone/scripts/pg-local" env | grep SOURCE_DATA)" = "export ACME_PG_SOURCE_DATA=$pg_dir/source" ] \
  || fail "env from / names another directory"
other=$(ACME_PG_DEFAULT_DIR=$clone/.local/pg-test scripts/pg-local env | sed -n 's|^export ACME_PG_SOURCE_DATA=||p')
case "$other" in
  /var/tmp/acme-pg-pg-test-*/source) ;;
  *) fail "ACME_PG_DEFAULT_DIR=.local/pg-test resolved to $other" ;;
esac

# An explicit ACME_PG_DIR the postgres user cannot reach is an error that says so.
if ACME_PG_DIR=$tmp/explicit scripts/pg-local start 2>"$tmp/explicit.err"; then
  fail "start accepted an unreachable ACME_PG_DIR"
fi
grep -q 'cannot reach ACME_PG_DIR' "$tmp/explicit.err" || { cat "$tmp/explicit.err" >&2; fail "unclear error"; }
[ ! -e "$tmp/explicit" ] || fail "start created the unreachable ACME_PG_DIR"

scripts/pg-local stop
status=$(scripts/pg-local status)
[ "$status" = "source: stopped
target: stopped" ] || fail "status after stop: $status"
[ -d "$pg_dir/source" ] || fail "stop removed the clusters"

scripts/pg-local destroy
[ ! -e "$pg_dir" ] || fail "destroy left $pg_dir"
[ "$(stat -c '%n %U:%G %a' "$tmp" "$clone" "$clone/scripts")" = "$before" ] \
  || fail "the clone's directories changed: $before"
echo "pg_local_private_clone: start/status/env/stop/destroy work from a clone under a 0700 directory ($pg_dir)"
