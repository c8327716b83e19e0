-- Data quality runs (acme quality, docs/quality.md): one row per run, written in a short
-- transaction after the rules were evaluated in one READ ONLY snapshot, and one row per rule.
-- score: the overall score 0-100 (NULL when no rule could be evaluated); table_scores: table
-- name -> score; snapshot: what the rules read (the transaction snapshot, the last successful
-- sync before it); config: the rule settings used, config_digest its SHA-256.
CREATE TABLE {schema}.acme_quality_runs (
    run_id        BIGSERIAL PRIMARY KEY,
    started_at    TIMESTAMPTZ NOT NULL,
    finished_at   TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    score         DOUBLE PRECISION,
    table_scores  JSONB NOT NULL DEFAULT '{}',
    rules         INTEGER NOT NULL,
    rules_failed  INTEGER NOT NULL,
    snapshot      JSONB NOT NULL DEFAULT '{}',
    config        JSONB NOT NULL DEFAULT '{}',
    config_digest TEXT NOT NULL,
    acme_version  TEXT NOT NULL
);

-- One row per evaluated rule of a run. error: why the rule could not be evaluated (a broken or
-- too slow custom rule); its counts are then NULL and it is left out of the scores.
-- sample_keys: up to 10 primary keys of violating rows of table_name, smallest first.
CREATE TABLE {schema}.acme_quality_results (
    run_id         BIGINT NOT NULL REFERENCES {schema}.acme_quality_runs ON DELETE CASCADE,
    rule_name      TEXT NOT NULL,
    table_name     TEXT NOT NULL,
    severity       TEXT NOT NULL CHECK (severity IN ('critical', 'major', 'minor')),
    custom         BOOLEAN NOT NULL DEFAULT FALSE,
    violating_rows BIGINT,
    total_rows     BIGINT,
    share          DOUBLE PRECISION,
    sample_keys    BIGINT[],
    oldest_seconds DOUBLE PRECISION,
    error          TEXT,
    PRIMARY KEY (run_id, rule_name)
);
