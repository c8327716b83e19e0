#!/usr/bin/env bash
# analytics-db init, run by the postgres image once, on an empty data volume: acme's target roles
# (the writer that owns the analytics schema, sql/roles/target_writer.psql, and acme serve's
# reader, sql/roles/target_reader.psql; mounted at /acme/roles).
set -euo pipefail

env ACME_ROLE_PASSWORD="$ACME_WRITER_PASSWORD" psql -X -q -v ON_ERROR_STOP=1 \
  --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" -f /acme/roles/target_writer.psql \
  -v role="$ACME_WRITER_USER" -v schema="$ACME_TARGET_SCHEMA"

# acme serve's read-only role (sql/roles/target_reader.psql), when the stack names one.
if [ -n "${ACME_API_USER:-}" ]; then
  env ACME_ROLE_PASSWORD="${ACME_API_PASSWORD:-}" psql -X -q -v ON_ERROR_STOP=1 \
    --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" -f /acme/roles/target_reader.psql \
    -v role="$ACME_API_USER" -v schema="$ACME_TARGET_SCHEMA" -v writer="$ACME_WRITER_USER"
fi
