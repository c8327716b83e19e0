#!/usr/bin/env bash
# Every shell script of the project passes shellcheck: scripts/, bench/, docker/, deploy/debian
# maintainer scripts, .ci/run, and this directory. Files are picked by their #! line.
set -euo pipefail
src=$1
cd "$src"

files=()
for f in scripts/* bench/* docker/*.sh docker/initdb/*.sh docker/test/*.sh deploy/debian/* .ci/run \
  tests/packaging/*.sh; do
  [ -f "$f" ] || continue
  if head -n1 "$f" | grep -Eq '^#!.*(/|env )(ba|da|k)?sh\b'; then
    files+=("$f")
  fi
done
# The directories that must hold scripts do: an empty glob must not pass silently.
for must in scripts/install-deps scripts/pg-local scripts/test scripts/create-roles .ci/run \
  scripts/container-check docker/source-init.sh docker/test/postgres-entrypoint.sh deploy/debian/postinst; do
  [[ " ${files[*]} " == *" $must "* ]] || { echo "not checked: $must" >&2; exit 1; }
done
shellcheck --external-sources "${files[@]}"
echo "shellcheck: ${#files[@]} scripts clean"
