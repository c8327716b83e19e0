#!/usr/bin/env bash
# docker-compose.yaml (Debian's docker-compose; no engine needed) refuses .env.example as it is
# (no password has a default) and an empty .env, naming the variable; with every password set it
# parses, wires the stack as docs/operations.md says, and runs every service hardened.
set -euo pipefail
src=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$src"

compose=(docker-compose --project-directory "$src" -f "$src/docker-compose.yaml")
refused() { # env-file
  if "${compose[@]}" --env-file "$1" config -q 2>"$tmp/err"; then
    echo "compose accepted $1, which sets no passwords" >&2
    exit 1
  fi
  grep -q 'in .env (see .env.example)' "$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
}
: >"$tmp/empty.env"
refused "$tmp/empty.env"
refused "$src/.env.example"
# .env.example with every password set, as docs/operations.md says to do.
sed -E -e 's/^([A-Z_]+_PASSWORD)=$/\1=set-by-the-operator/' \
  -e 's/^ACME_API_TOKEN=$/ACME_API_TOKEN=set-by-the-operator-32-characters/' "$src/.env.example" >"$tmp/filled.env"
"${compose[@]}" --env-file "$tmp/filled.env" config -q
"${compose[@]}" --env-file "$tmp/filled.env" --profile reports config >"$tmp/config.yaml"

python3 - "$tmp/config.yaml" <<'PY'
import sys, yaml
cfg = yaml.safe_load(open(sys.argv[1]))
s = cfg["services"]
errors = []
def check(cond, what):
    if not cond:
        errors.append(what)

check(set(s) == {"source-db", "analytics-db", "source-init", "workload", "app", "reports", "api"},
      f"services: {sorted(s)}")
check("wal_level=logical" in s["source-db"]["command"], "source-db runs with wal_level=logical")
for db in ("source-db", "analytics-db"):
    check(s[db]["image"].startswith("postgres:15"), f"{db} is PostgreSQL 15")
    check("pg_isready" in " ".join(s[db]["healthcheck"]["test"]), f"{db} health is pg_isready")
    check(any("/docker-entrypoint-initdb.d/" in str(v) for v in s[db]["volumes"]),
          f"{db} creates acme's roles at init")
    for p in s[db].get("ports", []):
        host_ip = p.get("host_ip", "") if isinstance(p, dict) else str(p).split(":")[0]
        check(host_ip == "127.0.0.1", f"{db} publishes on 127.0.0.1 only: {p}")
deps = s["app"]["depends_on"]
check(deps.get("source-db", {}).get("condition") == "service_healthy", "app waits for source-db")
check(deps.get("analytics-db", {}).get("condition") == "service_healthy", "app waits for analytics-db")
check(deps.get("source-init", {}).get("condition") == "service_completed_successfully",
      "app waits for source-init")
check(s["app"]["restart"] == "on-failure", "app restarts on failure")
check(s["app"]["command"][0] == "run-continuous-etl", "app runs run-continuous-etl")
check(s["app"]["environment"].get("ACME_MODE") == "cdc", "app runs CDC mode (ACME_APP_MODE=cdc)")
check(s["source-db"]["environment"].get("ACME_READER_REPLICATION") == "on",
      "the source reader has REPLICATION")
check(any(m[1].startswith("/docker-entrypoint-initdb.d/") and m[0].endswith("source-publication.sh")
          for m in map(lambda v: (str(v.get("source", "")), str(v.get("target", "")))
                       if isinstance(v, dict) else tuple(str(v).split(":")[:2]),
                       s["source-db"]["volumes"])),
      "source-db creates the publication at init")
check(s["app"]["environment"].get("ACME_CDC_PUBLICATION")
      == s["source-db"]["environment"].get("ACME_CDC_PUBLICATION"),
      "app streams the publication source-db creates")
check(s["workload"]["command"][0] == "live", "workload runs acme-datagen live")
check(s["workload"]["depends_on"]["source-init"]["condition"] == "service_completed_successfully",
      "workload waits for source-init")
check(s["reports"].get("profiles") == ["reports"], "reports is behind the reports profile")
def mount(v):  # (source, target) of a short "src:dst[:mode]" or a long-syntax volume
    if isinstance(v, dict):
        return str(v.get("source", "")), str(v.get("target", ""))
    parts = str(v).split(":")
    return parts[0], parts[1]
# The reports run as ACME_REPORTS_UID, which cannot enter the acme user's /var/lib/acme (0750):
# the output directory is mounted outside it.
check(any(m[1] == "/output" and m[0].endswith("/output")
          for m in map(mount, s["reports"]["volumes"])), "reports writes ./output at /output")
check("export-reports" in s["reports"]["command"], "reports runs export-reports")
check(s["reports"]["command"][-2:] == ["--output-dir", "/output"], "reports writes into /output")
# Least privilege: acme connects as its own roles, never as the postgres superuser.
for name in ("app", "reports", "source-init", "workload", "api"):
    for key, value in s[name]["environment"].items():
        if key.endswith("_DSN"):
            user = value.split("://", 1)[1].split(":", 1)[0]
            check(user != "postgres", f"{name} {key} does not use the superuser")
check(s["app"]["environment"]["ACME_SOURCE_DSN"].startswith("postgresql://acme_reader:"),
      "app reads the source as acme_reader")
check(s["app"]["environment"]["ACME_TARGET_DSN"].startswith("postgresql://acme_writer:"),
      "app writes the target as acme_writer")
api = s["api"]
check(api["command"] == ["serve"], "api runs acme serve")
check(api["environment"]["ACME_TARGET_DSN"].startswith("postgresql://acme_api:"),
      "api reads the target as the read-only acme_api")
check(bool(api["environment"].get("ACME_API_TOKEN")), "api has a bearer token (it listens on 0.0.0.0)")
check("/readyz" in " ".join(api["healthcheck"]["test"]), "api health is /readyz")
for p in api.get("ports", []):
    host_ip = p.get("host_ip", "") if isinstance(p, dict) else str(p).split(":")[0]
    check(host_ip == "127.0.0.1", f"api publishes on 127.0.0.1 only: {p}")
# Hardened: read-only root, no capabilities (the databases' entrypoint gets the five it needs to
# chown its data directory and switch to the postgres user), no privilege gain.
db_caps = {"CHOWN", "DAC_OVERRIDE", "FOWNER", "SETGID", "SETUID"}
for name, svc in s.items():
    check(svc.get("read_only") is True, f"{name} runs with a read-only root filesystem")
    check(svc.get("cap_drop") == ["ALL"], f"{name} drops every capability")
    check("no-new-privileges:true" in svc.get("security_opt", []), f"{name} sets no-new-privileges")
    check("/tmp" in svc.get("tmpfs", []), f"{name} has a private /tmp")
    allowed = db_caps if name.endswith("-db") else set()
    check(set(svc.get("cap_add", [])) <= allowed, f"{name} adds only {sorted(allowed)}: {svc.get('cap_add')}")
# The production image (no acme-datagen) for acme's own services; the demo image for the two
# services that play the orders application.
for name in ("app", "reports", "api"):
    check(s[name]["build"].get("target") == "runtime", f"{name} uses the production image")
for name in ("source-init", "workload"):
    check(s[name]["build"].get("target") == "demo", f"{name} uses the demo image (acme-datagen)")
    check(s[name]["image"] != s["app"]["image"], f"{name}'s image is not the app's")
if errors:
    print("compose checks failed:\n  " + "\n  ".join(errors), file=sys.stderr)
    sys.exit(1)
print(f"compose: {len(s)} services wired as documented")
PY
