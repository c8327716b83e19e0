-- A live table's storage options ({live}: its qualified name as a literal) for its shadow: every option but
-- autovacuum_enabled as a list to set (fillfactor above all), and autovacuum_enabled itself, which
-- the shadow turns off while it loads and the swap restores.
SELECT string_agg(option_name || '=' || option_value, ', ')
           FILTER (WHERE option_name <> 'autovacuum_enabled'),
       max(option_value) FILTER (WHERE option_name = 'autovacuum_enabled')
FROM pg_options_to_table((SELECT reloptions FROM pg_class WHERE oid = {live}::regclass))
