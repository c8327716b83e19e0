#include "acme/report/quality_csv.hpp"

#include "acme/report/csv_writer.hpp"

#include <string>

namespace acme::report {

void write_profile_csv(const quality::ProfileResult& result, std::ostream& out) {
  const auto header = quality::profile_csv_header();
  std::string line;
  for (std::size_t i = 0; i < header.size(); ++i) {
    line += i == 0 ? "" : ",";
    line += header[i];
  }
  out << line << k_line_end;
  const auto rows = quality::profile_csv_rows(result);
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const bool numeric = result.columns[r].numeric;
    line.clear();
    for (std::size_t i = 0; i < rows[r].size(); ++i) {
      line += i == 0 ? "" : ",";
      // rows, null_share, distinct; min and max (7, 8) of numbers and dates.
      const bool number = i == 3 || i == 4 || i == 5 || (numeric && (i == 7 || i == 8));
      const auto& cell = rows[r][i];
      append_field(line, cell ? std::optional<std::string_view>(*cell) : std::nullopt,
                   number ? CellKind::number : CellKind::text);
    }
    out << line << k_line_end;
  }
}

} // namespace acme::report
