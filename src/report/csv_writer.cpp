#include "acme/report/csv_writer.hpp"

#include <stdexcept>
#include <utility>

namespace acme::report {
namespace {

bool needs_quotes(std::string_view text) {
  return text.find_first_of(",\"\r\n") != std::string_view::npos;
}

} // namespace

bool is_formula_trigger(std::string_view text) {
  if (text.empty()) {
    return false;
  }
  switch (text.front()) {
  case '=':
  case '+':
  case '-':
  case '@':
  case '\t':
  case '\r':
    return true;
  default:
    return false;
  }
}

void append_field(std::string& out, std::optional<std::string_view> value, CellKind kind) {
  if (!value) {
    return;
  }
  const std::string_view text = *value;
  if (text.empty()) {
    out += "\"\"";
    return;
  }
  const bool neutralize = kind == CellKind::text && is_formula_trigger(text);
  if (!needs_quotes(text)) {
    if (neutralize) {
      out += '\'';
    }
    out += text;
    return;
  }
  out += '"';
  if (neutralize) {
    out += '\'';
  }
  for (const char c : text) {
    if (c == '"') {
      out += '"';
    }
    out += c;
  }
  out += '"';
}

CsvWriter::CsvWriter(std::vector<Column> columns, Sink sink)
    : m_columns(std::move(columns)), m_sink(std::move(sink)) {}

void CsvWriter::write_header() {
  for (std::size_t i = 0; i < m_columns.size(); ++i) {
    if (i > 0) {
      m_buffer += ',';
    }
    append_field(m_buffer, m_columns[i].name, CellKind::number);
  }
  end_record();
}

void CsvWriter::write_row(const std::vector<std::optional<std::string_view>>& cells) {
  if (cells.size() != m_columns.size()) {
    throw std::invalid_argument("CSV record has " + std::to_string(cells.size()) +
                                " cells, expected " + std::to_string(m_columns.size()));
  }
  for (std::size_t i = 0; i < cells.size(); ++i) {
    if (i > 0) {
      m_buffer += ',';
    }
    append_field(m_buffer, cells[i], m_columns[i].kind);
  }
  ++m_rows;
  end_record();
}

void CsvWriter::flush() {
  if (!m_buffer.empty()) {
    m_sink(m_buffer);
    m_buffer.clear();
  }
}

void CsvWriter::end_record() {
  m_buffer += k_line_end;
  if (m_buffer.size() >= k_flush_bytes) {
    flush();
  }
}

} // namespace acme::report
