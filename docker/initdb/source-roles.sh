#!/usr/bin/env bash
# source-db init, run by the postgres image once, on an empty data volume (mounted into
# /docker-entrypoint-initdb.d by docker-compose.yaml): the demo orders application's role, which
# owns the source schema, and acme's read-only role. Both come from sql/roles/ (mounted at
# /acme/roles), the same files scripts/create-roles applies to scripts/pg-local clusters.
# acme-datagen (service source-init) then creates and fills the tables as the application role;
# the reader can read them through default privileges.
set -euo pipefail

apply() { # password file psql-args...
  local password=$1 file=$2
  shift 2
  env ACME_ROLE_PASSWORD="$password" psql -X -q -v ON_ERROR_STOP=1 \
    --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" -f "/acme/roles/$file" "$@"
}

apply "$ACME_SOURCE_OWNER_PASSWORD" source_owner.psql \
  -v role="$ACME_SOURCE_OWNER_USER" -v schema="$ACME_SOURCE_SCHEMA"
apply "$ACME_READER_PASSWORD" source_reader.psql \
  -v role="$ACME_READER_USER" -v schema="$ACME_SOURCE_SCHEMA" \
  -v replication="$ACME_READER_REPLICATION" -v table_owner="$ACME_SOURCE_OWNER_USER"

# CDC mode's connections (replication=database, logical) match the image's ordinary
# "host all all all" line: no "host replication" line, which would only admit physical
# replication of the whole cluster, something acme never needs.
