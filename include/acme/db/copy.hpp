// COPY in PostgreSQL's text format through libpqxx: a query's rows streamed from one
// transaction into a table of another, and rows held in memory written into a table.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <pqxx/transaction_base>
#include <string>
#include <vector>

namespace acme::db {

// Streams `COPY (query) TO STDOUT` from one transaction into `COPY table FROM STDIN` of another,
// line by line in PostgreSQL's text format (no parsing, bounded memory). `query` must already be
// safe SQL (identifiers quoted, values quoted with the transaction's quote()). `should_stop` is
// polled every few thousand rows; when it returns true the copy throws acme::Error. `on_rows`,
// if given, is told the rows copied so far in chunks (every 1024 rows, then the rest: progress).
// Returns the number of rows copied.
std::int64_t copy_between(pqxx::transaction_base& from, const std::string& query,
                          pqxx::transaction_base& to, const std::string& table,
                          const std::function<bool()>& should_stop = {},
                          const std::function<void(std::int64_t rows)>& on_rows = {});

// One row in COPY's text format (tab-separated, \N for NULL, backslash escapes), no newline.
std::string copy_text_line(const std::vector<std::optional<std::string>>& values);

// COPYs `rows` into `table` (already-quoted name) in text format.
void write_rows(pqxx::transaction_base& to, const std::string& table,
                const std::vector<std::vector<std::optional<std::string>>>& rows);

} // namespace acme::db
