-- The scored range of the anomaly series: $2 (last day, default yesterday on the target's
-- clock: today is not over) and $1 (first day, default 59 days before the last), and the first
-- baseline day, $3 days before the first.
SELECT to_char(f, 'YYYY-MM-DD') AS first_day, to_char(l, 'YYYY-MM-DD') AS last_day,
       to_char(f - $3::int, 'YYYY-MM-DD') AS baseline_day
FROM (SELECT COALESCE($2::date, current_date - 1) AS l) a,
     LATERAL (SELECT COALESCE($1::date, a.l - 59) AS f) b
