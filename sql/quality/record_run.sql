-- Records one quality run and its rules' results in one statement (src/quality/evaluator.cpp).
-- $1 started_at, $2 score ('' = NULL), $3 table scores (jsonb), $4 rules, $5 rules failed,
-- $6 snapshot (jsonb), $7 settings (JSON; its jsonb text is digested with SHA-256), $8 acme version,
-- $9 results: a JSON array of objects with the acme_quality_results columns but run_id.
WITH run AS (
    INSERT INTO {schema}.acme_quality_runs
        (started_at, score, table_scores, rules, rules_failed, snapshot, config, config_digest,
         acme_version)
    VALUES ($1::timestamptz, NULLIF($2, '')::float8, $3::jsonb, $4::integer, $5::integer,
            $6::jsonb, $7::jsonb, encode(sha256(convert_to($7::jsonb::text, 'UTF8')), 'hex'), $8)
    RETURNING run_id, finished_at
), results AS (
    INSERT INTO {schema}.acme_quality_results
        (run_id, rule_name, table_name, severity, custom, violating_rows, total_rows, share,
         sample_keys, oldest_seconds, error)
    SELECT run.run_id, r.rule_name, r.table_name, r.severity, r.custom, r.violating_rows,
           r.total_rows, r.share, r.sample_keys, r.oldest_seconds, r.error
    FROM run, jsonb_to_recordset($9::jsonb) AS r(rule_name text, table_name text, severity text,
                                                 custom boolean, violating_rows bigint,
                                                 total_rows bigint, share float8,
                                                 sample_keys bigint[], oldest_seconds float8,
                                                 error text)
)
SELECT run_id, finished_at::text AS finished_at FROM run
