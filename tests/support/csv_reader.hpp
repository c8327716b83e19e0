#pragma once

#include <gtest/gtest.h>
#include <string>
#include <vector>

namespace acme::test {

// A strict RFC 4180 reader (LF records) to check that what we write reads back exactly.
inline std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string cell;
  bool quoted = false;
  bool in_quotes = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_quotes) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        cell += '"';
        ++i;
      } else if (c == '"') {
        in_quotes = false;
      } else {
        cell += c;
      }
    } else if (c == '"') {
      EXPECT_TRUE(cell.empty()) << "quote inside an unquoted field at byte " << i;
      in_quotes = true;
      quoted = true;
    } else if (c == ',') {
      row.push_back(cell);
      cell.clear();
      quoted = false;
    } else if (c == '\n') {
      row.push_back(cell);
      rows.push_back(row);
      row.clear();
      cell.clear();
      quoted = false;
    } else {
      EXPECT_NE(c, '\r') << "bare CR outside quotes at byte " << i;
      cell += c;
    }
  }
  EXPECT_FALSE(in_quotes) << "unterminated quoted field";
  EXPECT_TRUE(cell.empty() && row.empty() && !quoted) << "last record lacks its line end";
  return rows;
}

} // namespace acme::test
