#!/usr/bin/env bash
# One source of truth, checked:
# - the Dockerfile's build stage runs scripts/install-deps with its build set only (the image
#   builds without the tests: no GoogleTest, PostgreSQL server or test tools) and the CMake
#   release preset, and its runtime stage installs only the acme .deb plus packages the .deb
#   itself names (so the runtime libraries are the .deb's dependencies, which dpkg-shlibdeps
#   computes), never acme-datagen; the demo stage adds the acme-datagen .deb;
# - .env.example (docker-compose and acme) and deploy/acme.env.example (/etc/acme/acme.env)
#   parse with acme's own reader, and document every setting `acme config` knows;
# - the docs name every file of deploy/systemd.
set -euo pipefail
src=$1 acme_bin=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$src"

python3 - docker/Dockerfile cmake/packaging.cmake <<'PY'
import re, shlex, sys
dockerfile = open(sys.argv[1]).read().replace("\\\n", " ")
packaging = open(sys.argv[2]).read()
stages, current = {}, None
for line in dockerfile.splitlines():
    m = re.match(r"\s*FROM\s+\S+\s+AS\s+(\S+)", line, re.I)
    if m:
        current = m.group(1).lower()
        stages[current] = []
    elif current and line.strip() and not line.lstrip().startswith("#"):
        stages[current].append(line.strip())
errors = []
build = " ".join(stages.get("build", []))
for needed in ("scripts/install-deps", "cmake --preset release", "cmake --build --preset release",
               "cpack"):
    if needed not in build:
        errors.append(f"build stage does not run {needed!r}")
if "apt-get install" in build:
    errors.append("build stage installs packages itself: use scripts/install-deps")
sets = []
for line in stages.get("build", []):
    if not line.startswith("RUN "):
        continue
    for command in re.split(r"&&|;", line[4:]):
        words = shlex.split(command)
        if words and words[0].endswith("scripts/install-deps"):
            sets.append(words[1:])
if not sets or any(s != ["build"] for s in sets):
    errors.append(f"build stage must run 'scripts/install-deps build' (the build set only), "
                  f"runs it with {sets}")
# Packages the .deb names besides its computed library dependencies.
named = set()
for var in ("CPACK_DEBIAN_ACME_PACKAGE_DEPENDS", "CPACK_DEBIAN_PACKAGE_RECOMMENDS"):
    for m in re.finditer(r'set\(%s\s+"([^"]*)"' % var, packaging):
        named |= {p.strip().split(" ")[0] for p in m.group(1).split(",") if p.strip()}
runtime = stages.get("runtime", [])
installs = [l for l in runtime if "apt-get install" in l]
if not installs:
    errors.append("runtime stage installs nothing")
for line in installs:
    for command in re.split(r"&&|;", line):
        if "apt-get install" not in command:
            continue
        args = shlex.split(command.split("apt-get install", 1)[1])
        for arg in args:
            if arg.startswith("-"):
                continue
            if re.fullmatch(r"/tmp/acme-deb/acme_\*\.deb", arg):
                continue
            if arg not in named:
                errors.append(f"runtime stage installs {arg}, which the .deb does not name "
                              f"(named: {sorted(named)})")
if not any("acme_*.deb" in l for l in installs):
    errors.append("runtime stage does not install the acme .deb")
for needed in ('ENTRYPOINT ["acme"]', 'CMD ["acme", "status"]', "USER "):
    if not any(needed in l for l in runtime):
        errors.append(f"runtime stage lacks {needed!r}")
if any("datagen" in l and "command -v acme-datagen" not in l for l in runtime):
    errors.append("the runtime (production) image must not get acme-datagen")
demo = stages.get("demo", [])
if not any("acme-datagen_*.deb" in l for l in demo):
    errors.append("the demo stage does not install the acme-datagen .deb")
if not any(l.startswith("USER ") and "ACME_UID" in l for l in demo):
    errors.append("the demo stage does not return to the acme user")
if errors:
    print("Dockerfile checks failed:\n  " + "\n  ".join(errors), file=sys.stderr)
    sys.exit(1)
print("Dockerfile: build stage uses scripts/install-deps build and the release preset; "
      "runtime installs the .deb only")
PY

# Every setting acme knows (from `acme config`) is documented in both examples, and acme reads
# each example without error.
env -i PATH="$PATH" HOME="$tmp" "$acme_bin" config --json >"$tmp/defaults.json"
python3 -c 'import json,sys; print("\n".join(sorted(json.load(open(sys.argv[1])))))' \
  "$tmp/defaults.json" >"$tmp/settings"
[ "$(wc -l <"$tmp/settings")" -ge 10 ] || { echo "acme config listed too few settings" >&2; exit 1; }
for example in .env.example deploy/acme.env.example; do
  while read -r name; do
    grep -Eq "^#? ?$name=" "$example" || { echo "$example does not document $name" >&2; exit 1; }
  done <"$tmp/settings"
  (cd "$tmp" && env -i PATH="$PATH" HOME="$tmp" "$acme_bin" --env-file "$src/$example" config \
    >/dev/null 2>"$tmp/warnings") || { echo "acme cannot read $example" >&2; exit 1; }
  # Every ACME_* key of the examples is an acme setting or one the compose stack reads (acme
  # knows those and stays quiet about them): no warning.
  if grep -q "not an acme setting" "$tmp/warnings"; then
    echo "acme warns about keys of $example:" >&2
    cat "$tmp/warnings" >&2
    exit 1
  fi
done
echo "env examples: $(wc -l <"$tmp/settings") settings documented in .env.example and deploy/acme.env.example"

for f in deploy/systemd/*; do
  grep -q "$(basename "$f")" docs/operations.md || { echo "docs/operations.md does not mention $f" >&2; exit 1; }
done
echo "docs: every unit file is documented"
