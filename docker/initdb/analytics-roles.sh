#!/usr/bin/env bash
# analytics-db init, run by the postgres image once, on an empty data volume: acme's target role
# and the analytics schema it owns (sql/roles/target_writer.psql, mounted at /acme/roles).
set -euo pipefail

env ACME_ROLE_PASSWORD="$ACME_WRITER_PASSWORD" psql -X -q -v ON_ERROR_STOP=1 \
  --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" -f /acme/roles/target_writer.psql \
  -v role="$ACME_WRITER_USER" -v schema="$ACME_TARGET_SCHEMA"
