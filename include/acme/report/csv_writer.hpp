#pragma once

// RFC 4180 CSV for the reports. Records end with LF ("\n"), not CRLF: the files are read by
// shell tools (cut, awk, diff, git) as often as by spreadsheets, and every spreadsheet and CSV
// library accepts LF. Fields containing a comma, a quote, CR or LF are quoted and their quotes
// doubled; CR and LF inside a quoted field are kept as they are. A NULL is an empty field; an
// empty string is written as "" so that it stays distinguishable from NULL. Output is UTF-8,
// byte for byte as PostgreSQL sent it.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace acme::report {

// How a column's cells are written: text cells are neutralized against spreadsheet formula
// injection; number and date cells are written exactly as PostgreSQL printed them.
enum class CellKind { text, number, date };

// One CSV column: its header name and the kind of its cells.
struct Column {
  std::string_view name;
  CellKind kind;
};

// The record terminator of every CSV acme writes.
inline constexpr std::string_view k_line_end = "\n";

// Whether a spreadsheet could evaluate a text cell starting like `text` (=, +, -, @, tab, CR).
bool is_formula_trigger(std::string_view text);

// Appends one RFC 4180 field to `out`: NULL as an empty field, text cells that a spreadsheet
// would execute prefixed with ', quoting only when needed.
void append_field(std::string& out, std::optional<std::string_view> value, CellKind kind);

// Receives formatted CSV bytes, in order.
using Sink = std::function<void(std::string_view)>;

// Formats CSV records and hands them to a sink in chunks; no I/O of its own.
class CsvWriter {
public:
  // Writes records with `columns` to `sink`; nothing is written before write_header/write_row.
  CsvWriter(std::vector<Column> columns, Sink sink);

  // Writes the header row (column names, never neutralized: they are ours).
  void write_header();

  // Writes one record; throws std::invalid_argument unless it has one cell per column.
  void write_row(const std::vector<std::optional<std::string_view>>& cells);

  // Hands every buffered byte to the sink.
  void flush();

  // Records written so far, header excluded.
  std::int64_t rows() const { return m_rows; }

  // The columns this writer was made with.
  const std::vector<Column>& columns() const { return m_columns; }

private:
  void end_record();

  static constexpr std::size_t k_flush_bytes = std::size_t{64} * 1024;

  std::vector<Column> m_columns;
  Sink m_sink;
  std::string m_buffer;
  std::int64_t m_rows = 0;
};

} // namespace acme::report
