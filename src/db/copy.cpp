#include "acme/db/copy.hpp"

#include "acme/error.hpp"

#include <pqxx/stream_from>
// libpqxx 6.4's stream_to appends a second newline to raw lines (so `stream_to << stream_from`
// corrupts data); tablewriter::write_raw_line is the working raw-line writer in 6.4, though
// deprecated in favour of stream_to. This file is the only user.
#include <pqxx/tablewriter>

namespace acme::db {

std::int64_t copy_between(pqxx::transaction_base& from, const std::string& query,
                          pqxx::transaction_base& to, const std::string& table,
                          const std::function<bool()>& should_stop,
                          const std::function<void(std::int64_t rows)>& on_rows) {
  // stream_from splices its "table" argument after COPY: a parenthesized query is valid there.
  pqxx::stream_from reader(from, "(" + query + ")");
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  pqxx::tablewriter writer(to, table);
#pragma GCC diagnostic pop
  std::string line;
  std::int64_t rows = 0;
  while (reader.get_raw_line(line)) {
    writer.write_raw_line(line);
    ++rows;
    if ((rows & 0x3ff) == 0 && on_rows) {
      on_rows(0x400);
    }
    if ((rows & 0x3fff) == 0 && should_stop && should_stop()) {
      reader.complete();
      writer.complete();
      throw Error("interrupted during COPY");
    }
  }
  reader.complete();
  writer.complete();
  if (on_rows && (rows & 0x3ff) != 0) {
    on_rows(rows & 0x3ff);
  }
  return rows;
}

std::string copy_text_line(const std::vector<std::optional<std::string>>& values) {
  std::string line;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) {
      line += '\t';
    }
    if (!values[i]) {
      line += "\\N";
      continue;
    }
    for (const char c : *values[i]) {
      switch (c) {
      case '\\':
        line += "\\\\";
        break;
      case '\n':
        line += "\\n";
        break;
      case '\r':
        line += "\\r";
        break;
      case '\t':
        line += "\\t";
        break;
      default:
        line += c;
      }
    }
  }
  return line;
}

void write_rows(pqxx::transaction_base& to, const std::string& table,
                const std::vector<std::vector<std::optional<std::string>>>& rows) {
  if (rows.empty()) {
    return;
  }
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  pqxx::tablewriter writer(to, table);
#pragma GCC diagnostic pop
  for (const auto& row : rows) {
    writer.write_raw_line(copy_text_line(row));
  }
  writer.complete();
}

} // namespace acme::db
