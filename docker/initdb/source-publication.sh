#!/usr/bin/env bash
# source-db init, run by the postgres image once, on an empty data volume (after
# 10-acme-roles.sh): the publication acme's CDC mode streams (ACME_CDC_PUBLICATION), as the
# deployed ACME source has it (design.md §2): FOR ALL TABLES, so it covers the four tables that
# acme-datagen (service source-init) creates later, also when it re-creates them. Needs a
# superuser, which the init scripts are. The server runs with wal_level=logical
# (docker-compose.yaml). A real source's DBA would rather run `acme cdc setup`, or the
# `CREATE PUBLICATION ... FOR TABLE` it prints.
set -euo pipefail

psql -X -q -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v publication="${ACME_CDC_PUBLICATION:-cdc_publication}" <<'SQL'
SELECT NOT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = :'publication') AS missing \gset
\if :missing
  CREATE PUBLICATION :"publication" FOR ALL TABLES;
\endif
SQL
