-- The target schema's record of the migrations applied to it (db::migrate).
CREATE TABLE IF NOT EXISTS {schema}.acme_schema_migrations (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
)
