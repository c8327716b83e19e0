-- Stores setting $1 (a name) as the JSON $2, replacing its value if any.
INSERT INTO {schema}.acme_settings (key, value)
VALUES ($1, $2::jsonb)
ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value
