#!/usr/bin/env bash
# The .debs build from the build tree with cpack: acme (production) holds what docs/operations.md
# promises and no acme-datagen, which is a package of its own (demo data generator). Each depends
# on exactly the packages that provide the libraries its binaries link, and runs. As root (CI):
# dpkg -i, acme --version as the acme user, dpkg -r, dpkg --purge. Not root, or a real acme
# package already installed: the package is extracted with dpkg-deb -x and its binary run there
# instead (said on stdout) — the test never passes without running the packaged acme.
# test_hooks (1/0, the build's ACME_TEST_HOOKS): a release package's acme must not contain the
# test-only failpoints (crash points for the tests); a test build's must, which shows the check can see them.
set -euo pipefail
build=$1 version=$2 test_hooks=${3:?usage: deb.sh BUILD_DIR VERSION TEST_HOOKS(1|0)}
tmp=$(mktemp -d)
installed_by_us=false
cleanup() {
  if $installed_by_us; then
    dpkg --purge acme-datagen acme >/dev/null 2>&1 || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "deb: $*" >&2; exit 1; }

cpack --config "$build/CPackConfig.cmake" -G DEB -B "$tmp/pkg" >"$tmp/cpack.log" 2>&1 \
  || { cat "$tmp/cpack.log" >&2; fail "cpack failed"; }
one_deb() { # package name
  local found
  found=$(find "$tmp/pkg" -maxdepth 1 -name "$1_*.deb")
  if [ -z "$found" ] || [ "$(wc -l <<<"$found")" -ne 1 ]; then
    fail "expected one $1_*.deb, got: $(ls "$tmp/pkg")"
  fi
  echo "$found"
}
deb=$(one_deb acme)
datagen_deb=$(one_deb acme-datagen)
[ "$(find "$tmp/pkg" -maxdepth 1 -name '*.deb' | wc -l)" -eq 2 ] || fail "more packages than acme and acme-datagen: $(ls "$tmp/pkg")"

[ "$(dpkg-deb -f "$deb" Package)" = acme ] || fail "package name"
[ "$(dpkg-deb -f "$deb" Version)" = "$version" ] || fail "package version"
[ "$(dpkg-deb -f "$datagen_deb" Package)" = acme-datagen ] || fail "acme-datagen package name"
[ "$(dpkg-deb -f "$datagen_deb" Version)" = "$version" ] || fail "acme-datagen package version"
dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|' >"$tmp/contents"
for path in /usr/bin/acme \
  /usr/lib/systemd/system/acme-etl.service /usr/lib/systemd/system/acme-etl-once.service \
  /usr/lib/systemd/system/acme-etl.timer /usr/lib/systemd/system/acme-api.service /usr/share/acme/acme.env.example \
  /usr/share/acme/roles/source_reader.psql /usr/share/acme/roles/target_writer.psql \
  /usr/share/doc/acme/docs/operations.md /usr/share/doc/acme/docs/configuration.md /usr/share/doc/acme/examples/cron.d-acme; do
  grep -qx "$path" "$tmp/contents" || fail "missing $path"
done
! grep -q datagen "$tmp/contents" || fail "the production package holds acme-datagen: $(grep datagen "$tmp/contents")"
dpkg-deb -c "$datagen_deb" | awk '{print $6}' | sed 's|^\./|/|' | grep -v '/$' >"$tmp/datagen-contents"
[ "$(cat "$tmp/datagen-contents")" = /usr/bin/acme-datagen ] \
  || fail "acme-datagen holds more than its binary: $(cat "$tmp/datagen-contents")"
! dpkg-deb -I "$datagen_deb" | grep -q postinst || fail "acme-datagen must not run acme's maintainer scripts"

# Depends: every library the binaries load directly comes from a package its .deb depends on
# (by name or through Provides), and every such package is installed here by scripts/install-deps.
dpkg-deb -x "$deb" "$tmp/root"
dpkg-deb -x "$datagen_deb" "$tmp/root"
for pair in "$deb:$tmp/root/usr/bin/acme" "$datagen_deb:$tmp/root/usr/bin/acme-datagen"; do
  package=${pair%%:*} bin=${pair#*:}
  depends=$(dpkg-deb -f "$package" Depends)
  dep_names=$(echo "$depends" | tr ',' '\n' | sed 's/(.*)//; s/|.*//; s/[[:space:]]//g' | grep -v '^$')
  for lib in $(objdump -p "$bin" | awk '/NEEDED/ {print $2}'); do
    # (Consumers read their whole input: an early exit would SIGPIPE the producer under pipefail.)
    path=$(ldconfig -p | awk -v l="$lib" '$1 == l && !found {print $NF; found = 1}')
    [ -n "$path" ] || fail "$lib (needed by $(basename "$bin")) is not installed"
    owner=$({ dpkg -S "$(readlink -f "$path")" || dpkg -S "$path"; } 2>/dev/null | sed -n '1s/:.*//p')
    [ -n "$owner" ] || fail "no package owns $path ($lib)"
    provides=$(dpkg-query -W -f='${Provides}' "$owner" | tr ',' '\n' | sed 's/(.*)//; s/[[:space:]]//g')
    if ! printf '%s\n%s\n' "$owner" "$provides" | grep -qxF -f <(echo "$dep_names"); then
      fail "$lib comes from $owner, which is not in Depends: $depends"
    fi
  done
done
# Installed packages and what they provide, one name a line (a file: no pipe for grep -q to cut).
dpkg-query -W -f='${db:Status-Abbrev} ${Package} ${Provides}\n' | awk '$1 == "ii" {
  print $2; for (i = 3; i <= NF; i++) if ($i !~ /^\(/) { gsub(",", "", $i); print $i } }' >"$tmp/installed"
for package in "$deb" "$datagen_deb"; do
  for name in $(dpkg-deb -f "$package" Depends | tr ',' '\n' | sed 's/(.*)//; s/|.*//; s/[[:space:]]//g'); do
    grep -qxF -- "$name" "$tmp/installed" \
      || fail "$(basename "$package") Depends names $name, which scripts/install-deps does not install"
  done
done

# ACME_FAILPOINT (read by src/test_point.cpp) is compiled in only with ACME_TEST_HOOKS.
failpoints=$(grep -c ACME_FAILPOINT "$tmp/root/usr/bin/acme" || true)
if [ "$test_hooks" = 1 ]; then
  [ "$failpoints" -gt 0 ] || fail "a test build's acme should contain ACME_FAILPOINT (is the check blind?)"
else
  [ "$failpoints" -eq 0 ] || fail "the release acme contains ACME_FAILPOINT: test hooks leaked into it"
fi

# The packaged binary runs from the extracted tree, and the packaged units verify there.
"$tmp/root/usr/bin/acme" --version | grep -q "^acme $version" || fail "extracted acme --version"
cp -an /usr/lib/systemd/system/. "$tmp/root/usr/lib/systemd/system/"
if ! out=$(systemd-analyze verify --root="$tmp/root" acme-etl.service acme-etl-once.service \
  acme-etl.timer acme-reports.service acme-reports.timer acme-api.service 2>&1) || [ -n "$out" ]; then
  fail "packaged units do not verify: $out"
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "deb: not root: checked the extracted package (dpkg -i needs root; CI runs as root)"
  echo "deb: ok (extracted)"
  exit 0
fi
# One dpkg -i/-r of acme at a time on this machine, whoever runs the tests.
exec 9>/tmp/acme-packaging-deb-test.lock
flock -w 300 9 || fail "another packaging test holds /tmp/acme-packaging-deb-test.lock"
if dpkg-query -W -f='${Status}' acme acme-datagen 2>/dev/null | grep -q 'install ok installed'; then
  echo "deb: an acme package is already installed here; not replacing it: checked the extracted package"
  echo "deb: ok (extracted)"
  exit 0
fi

dpkg_retry() { # dpkg args...: waits for a dpkg lock held by someone else (apt) up to 2 minutes
  local _
  for _ in $(seq 1 60); do
    if dpkg "$@" >"$tmp/dpkg.log" 2>&1; then return 0; fi
    grep -qi 'lock' "$tmp/dpkg.log" || { cat "$tmp/dpkg.log" >&2; return 1; }
    sleep 2
  done
  cat "$tmp/dpkg.log" >&2
  return 1
}
installed_by_us=true
dpkg_retry -i "$deb" || fail "dpkg -i"
/usr/bin/acme --version | grep -q "^acme $version" || fail "/usr/bin/acme --version"
[ ! -e /usr/bin/acme-datagen ] || fail "installing acme installed acme-datagen"
dpkg_retry -i "$datagen_deb" || fail "dpkg -i acme-datagen"
/usr/bin/acme-datagen --help >/dev/null || fail "/usr/bin/acme-datagen --help"
dpkg_retry --purge acme-datagen || fail "dpkg --purge acme-datagen"
[ ! -e /usr/bin/acme-datagen ] || fail "dpkg --purge acme-datagen left its binary"
getent passwd acme >/dev/null || fail "postinst did not create the acme user"
runuser -u acme -- /usr/bin/acme --version >/dev/null || fail "acme does not run as the acme user"
[ "$(stat -c '%U:%G %a' /var/lib/acme)" = "acme:acme 750" ] || fail "/var/lib/acme ownership"
[ "$(stat -c '%U:%G %a' /var/log/acme)" = "acme:acme 750" ] || fail "/var/log/acme ownership"
[ "$(stat -c '%U:%G %a' /etc/acme/acme.env)" = "root:acme 640" ] || fail "/etc/acme/acme.env mode"
dpkg_retry -r acme || fail "dpkg -r"
[ ! -e /usr/bin/acme ] || fail "dpkg -r left /usr/bin/acme"
[ -f /etc/acme/acme.env ] || fail "dpkg -r removed the configuration (only purge may)"
dpkg_retry --purge acme || fail "dpkg --purge"
installed_by_us=false
if [ -e /etc/acme ] || [ -e /var/lib/acme ]; then
  fail "dpkg --purge left /etc/acme or /var/lib/acme"
fi
echo "deb: ok (dpkg -i acme and acme-datagen, acme --version, dpkg -r, dpkg --purge)"
