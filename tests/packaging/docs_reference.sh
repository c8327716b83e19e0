#!/usr/bin/env bash
# docs/configuration.md is checked against the code, so the reference cannot drift:
# - settings: every "ACME_..." string literal of src/ and include/ (the settings acme resolves in
#   src/config/config.cpp, the keys of the compose stack it knows there, and the variables read
#   with getenv elsewhere: ACME_FAILPOINT, the tests' interval knobs) has a table row
#   "| `ACME_...` |" on the page: the compose keys (k_compose_keys) under "Keys of the docker
#   compose stack", every other name under "Settings"; and every ACME_* name the page mentions
#   is one of them, or one of the few listed in not_in_code below;
# - failpoints: the points of test_point::reach("...") in src/ are exactly the rows of the
#   page's failpoint table, and its "stall" column says stall-<point> exactly for the points
#   reached with the target transaction (a second argument), "—" for the others;
# - README.md and docs/*.md name no ACME_FAILPOINT=<point> the code does not have.
# Usage: docs_reference.sh [SOURCE_DIR] (default: the checkout holding this script).
set -euo pipefail
src=${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
cd "$src"
doc=docs/configuration.md
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
problem() {
  echo "docs_reference: $*" >&2
  failed=1
}

# ACME_* names the page may mention although no source file reads them, and why.
not_in_code=(
  ACME_TEST_HOOKS # the CMake option (src/CMakeLists.txt) that compiles the failpoints in
)

[ -f "$doc" ] || { echo "docs_reference: $doc is missing" >&2; exit 1; }

# The rows of one "## <title>" section of the page whose first cell is a code span: its text.
rows() {
  # shellcheck disable=SC2016 # the backquotes are Markdown's, not the shell's
  awk -v h="## $1" '$0 == h { on = 1; next } /^## / { on = 0 } on' "$doc" |
    sed -nE 's/^\| `([^`]+)` \|.*/\1/p' | sort
}
# Lines only in the first sorted file, one per line.
only_in() { comm -23 "$1" "$2"; }

# --- settings ---------------------------------------------------------------------------------
grep -rhoE --include='*.cpp' --include='*.hpp' '"ACME_[A-Z0-9_]+"' src include | tr -d '"' |
  sort -u >"$tmp/code"
sed -n '/k_compose_keys\[\] *=/,/};/p' src/config/config.cpp | grep -oE '"ACME_[A-Z0-9_]+"' |
  tr -d '"' | sort -u >"$tmp/compose" || true
only_in "$tmp/code" "$tmp/compose" >"$tmp/settings"
# An extraction that finds (almost) nothing must not pass as "nothing to document".
for must in ACME_SOURCE_DSN ACME_POLLING_INTERVAL ACME_FAILPOINT; do
  grep -qx "$must" "$tmp/settings" ||
    { echo "docs_reference: $must not found in src/: is the extraction broken?" >&2; exit 1; }
done
[ "$(wc -l <"$tmp/settings")" -ge 20 ] ||
  { echo "docs_reference: fewer than 20 settings found in src/: is the extraction broken?" >&2; exit 1; }
[ -s "$tmp/compose" ] ||
  { echo "docs_reference: no k_compose_keys list in src/config/config.cpp: update this script" >&2; exit 1; }

rows "Settings" | grep -E '^ACME_' >"$tmp/setting_rows" || true
rows "Keys of the docker compose stack" | grep -E '^ACME_' >"$tmp/compose_rows" || true
for f in setting_rows compose_rows; do
  dups=$(uniq -d "$tmp/$f")
  [ -z "$dups" ] || problem "$doc: more than one row for ${dups//$'\n'/ }"
done
sort -u -o "$tmp/setting_rows" "$tmp/setting_rows"
sort -u -o "$tmp/compose_rows" "$tmp/compose_rows"
while read -r name; do
  problem "$name is read by the code (src/, include/) but has no row under \"## Settings\" in $doc"
done < <(only_in "$tmp/settings" "$tmp/setting_rows")
while read -r name; do
  problem "$name is a compose key (k_compose_keys) without a row under \"## Keys of the docker compose stack\" in $doc"
done < <(only_in "$tmp/compose" "$tmp/compose_rows")
while read -r name; do
  problem "$doc has a settings row for $name, which is not an acme setting in the code"
done < <(only_in "$tmp/setting_rows" "$tmp/settings")
while read -r name; do
  problem "$doc has a compose row for $name, which is not in k_compose_keys"
done < <(only_in "$tmp/compose_rows" "$tmp/compose")

printf '%s\n' "${not_in_code[@]}" | cat - "$tmp/code" | sort -u >"$tmp/known"
grep -oE 'ACME_[A-Z0-9_]*[A-Z0-9]' "$doc" | sort -u >"$tmp/mentioned" || true
while read -r name; do
  problem "$doc mentions $name, which no source file reads (a typo, a removed setting?)"
done < <(only_in "$tmp/mentioned" "$tmp/known")

# --- failpoints -------------------------------------------------------------------------------
# A point, and whether it is reached with a second argument (the target transaction: stall-).
grep -rhoE --include='*.cpp' --include='*.hpp' '(^|[^A-Za-z0-9_])reach\("[^"]+"' src include |
  sed -E 's/.*reach\("//; s/"$//' | sort -u >"$tmp/points"
grep -rhoE --include='*.cpp' --include='*.hpp' '(^|[^A-Za-z0-9_])reach\("[^"]+",' src include |
  sed -E 's/.*reach\("//; s/",$//' | sort -u >"$tmp/stall_points" || true
[ "$(wc -l <"$tmp/points")" -ge 10 ] ||
  { echo "docs_reference: fewer than 10 failpoints found in src/: is the extraction broken?" >&2; exit 1; }

rows "Failpoints (test builds only)" >"$tmp/point_rows"
dups=$(uniq -d "$tmp/point_rows")
[ -z "$dups" ] || problem "$doc: more than one failpoint row for ${dups//$'\n'/ }"
while read -r name; do
  problem "failpoint $name is reached in src/ but has no row in the failpoint table of $doc"
done < <(only_in "$tmp/points" "$tmp/point_rows")
while read -r name; do
  problem "$doc lists failpoint $name, which src/ never reaches"
done < <(only_in "$tmp/point_rows" "$tmp/points")

# The stall column of each documented point.
awk -v h="## Failpoints (test builds only)" -F'|' '
  $0 == h { on = 1; next } /^## / { on = 0 }
  on && $2 ~ /^ `[^`]+` $/ {
    name = $2; gsub(/[ `]/, "", name)
    stall = $(NF - 1); gsub(/^ +| +$/, "", stall)
    print name "\t" stall
  }' "$doc" >"$tmp/stall_cells"
while IFS=$'\t' read -r name stall; do
  if grep -qx -- "$name" "$tmp/stall_points"; then
    [ "$stall" = "\`stall-$name\`" ] ||
      problem "$doc: failpoint $name is reached in the target transaction: its stall cell must be \`stall-$name\`, not '$stall'"
  elif grep -qx -- "$name" "$tmp/points"; then
    [ "$stall" = "—" ] ||
      problem "$doc: failpoint $name has no target transaction (no stall-$name): its stall cell must be —, not '$stall'"
  fi
done <"$tmp/stall_cells"

# Concrete ACME_FAILPOINT=<point> values anywhere in the docs name real points.
sed 's/^/stall-/' "$tmp/stall_points" | cat - "$tmp/points" | sort -u >"$tmp/point_values"
# (Placeholders such as stall-<point> are not values.)
grep -oE 'ACME_FAILPOINT=[a-z][a-z0-9-]*[a-z0-9]([^a-z0-9<-]|$)' README.md docs/*.md |
  sed -E 's/ACME_FAILPOINT=//; s/[^a-z0-9]$//' | sort -u >"$tmp/named" || true
while IFS=: read -r file value; do
  grep -qx -- "$value" "$tmp/point_values" ||
    problem "$file: ACME_FAILPOINT=$value is not a failpoint of src/"
done <"$tmp/named"

if [ "$failed" -ne 0 ]; then
  echo "docs_reference: $doc has drifted from the code (see above)" >&2
  exit 1
fi
echo "docs_reference: $doc documents the $(wc -l <"$tmp/settings") settings, $(wc -l <"$tmp/compose") compose keys and $(wc -l <"$tmp/points") failpoints of the code, and nothing else"
