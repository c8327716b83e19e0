#!/usr/bin/env bash
# The unit files in deploy/systemd verify cleanly (systemd-analyze verify, any warning fails)
# in a scratch root laid out like the installed package: /usr/bin/acme and the units in
# /usr/lib/systemd/system next to the system's own units.
set -euo pipefail
src=$1 acme_bin=$2
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT

mkdir -p "$root/usr/bin" "$root/usr/lib/systemd/system" "$root/etc/acme"
cp -a /usr/lib/systemd/system/. "$root/usr/lib/systemd/system/"
cp "$acme_bin" "$root/usr/bin/acme"
cp "$src"/deploy/systemd/* "$root/usr/lib/systemd/system/"
cp "$src/deploy/acme.env.example" "$root/etc/acme/acme.env"

units=()
for f in "$src"/deploy/systemd/*; do units+=("$(basename "$f")"); done
[ ${#units[@]} -ge 3 ] || { echo "expected the unit files in deploy/systemd" >&2; exit 1; }
out=$(SYSTEMD_LOG_LEVEL=notice systemd-analyze verify --root="$root" "${units[@]}" 2>&1) || {
  echo "$out" >&2
  exit 1
}
if [ -n "$out" ]; then
  echo "systemd-analyze verify warned:" >&2
  echo "$out" >&2
  exit 1
fi
echo "systemd: ${units[*]} verify cleanly"
