#include "acme/report/csv_writer.hpp"
#include "support/csv_reader.hpp"

#include <gtest/gtest.h>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

using acme::report::append_field;
using acme::report::CellKind;
using acme::report::Column;
using acme::report::CsvWriter;
using acme::report::is_formula_trigger;

namespace {

std::string field(std::optional<std::string_view> value, CellKind kind = CellKind::text) {
  std::string out;
  append_field(out, value, kind);
  return out;
}

} // namespace

TEST(CsvField, PlainValuesAreWrittenAsIs) {
  EXPECT_EQ(field("PENDING"), "PENDING");
  EXPECT_EQ(field("1234.50", CellKind::number), "1234.50");
  EXPECT_EQ(field("2024-03-17", CellKind::date), "2024-03-17");
  EXPECT_EQ(field("José Müller 東京"), "José Müller 東京");
}

TEST(CsvField, NullIsAnEmptyFieldAndEmptyStringIsQuoted) {
  EXPECT_EQ(field(std::nullopt), "");
  EXPECT_EQ(field(std::nullopt, CellKind::number), "");
  EXPECT_EQ(field(""), "\"\"");
}

TEST(CsvField, CommaQuoteCrAndLfAreQuotedWithQuotesDoubled) {
  EXPECT_EQ(field("Smith, John"), "\"Smith, John\"");
  EXPECT_EQ(field("the \"best\""), "\"the \"\"best\"\"\"");
  EXPECT_EQ(field("line1\nline2"), "\"line1\nline2\"");
  EXPECT_EQ(field("line1\r\nline2"), "\"line1\r\nline2\"");
  EXPECT_EQ(field("\""), "\"\"\"\"");
}

TEST(CsvField, TextStartingWithAFormulaTriggerIsPrefixedWithAQuote) {
  EXPECT_EQ(field("=1+1"), "'=1+1");
  EXPECT_EQ(field("+33 1 23"), "'+33 1 23");
  EXPECT_EQ(field("-2"), "'-2");
  EXPECT_EQ(field("@SUM(A1)"), "'@SUM(A1)");
  EXPECT_EQ(field("\tx"), "'\tx");
  EXPECT_EQ(field("\rx"), "\"'\rx\"");
  EXPECT_EQ(field("=HYPERLINK(\"http://evil\",\"x\")"),
            "\"'=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\"");
  EXPECT_EQ(field("=a,b"), "\"'=a,b\"");
}

TEST(CsvField, OnlyTheFirstCharacterTriggers) {
  EXPECT_EQ(field("a=b"), "a=b");
  EXPECT_EQ(field(" =b"), " =b");
  EXPECT_EQ(field("'=b"), "'=b");
  EXPECT_FALSE(is_formula_trigger(""));
  EXPECT_FALSE(is_formula_trigger("x-"));
  for (const char* t : {"=", "+", "-", "@", "\t", "\r"}) {
    EXPECT_TRUE(is_formula_trigger(t)) << t;
  }
}

TEST(CsvField, NumbersAndDatesAreNeverAltered) {
  EXPECT_EQ(field("-12.50", CellKind::number), "-12.50");
  EXPECT_EQ(field("+5", CellKind::number), "+5");
  EXPECT_EQ(field("-infinity", CellKind::date), "-infinity");
}

TEST(CsvWriter, WritesHeaderAndRecordsWithLfLineEnds) {
  std::string out;
  CsvWriter w({{"delivery_date", CellKind::date},
               {"status", CellKind::text},
               {"order_count", CellKind::number}},
              [&out](std::string_view b) { out.append(b); });
  w.write_header();
  w.write_row({"2024-01-02", "PENDING", "3"});
  w.write_row({std::nullopt, std::nullopt, "1"});
  w.flush();
  EXPECT_EQ(out, "delivery_date,status,order_count\n2024-01-02,PENDING,3\n,,1\n");
  EXPECT_EQ(w.rows(), 2);
  EXPECT_EQ(acme::report::k_line_end, "\n");
}

TEST(CsvWriter, HeaderOnlyWhenThereAreNoRows) {
  std::string out;
  CsvWriter w({{"a", CellKind::number}, {"b", CellKind::text}},
              [&out](std::string_view b) { out.append(b); });
  w.write_header();
  w.flush();
  EXPECT_EQ(out, "a,b\n");
  EXPECT_EQ(w.rows(), 0);
}

TEST(CsvWriter, RejectsARecordWithTheWrongNumberOfCells) {
  CsvWriter w({{"a", CellKind::number}, {"b", CellKind::text}}, [](std::string_view) {});
  EXPECT_THROW(w.write_row({"1"}), std::invalid_argument);
  EXPECT_THROW(w.write_row({"1", "2", "3"}), std::invalid_argument);
}

TEST(CsvWriter, NothingReachesTheSinkBeforeFlushForSmallOutput) {
  int calls = 0;
  CsvWriter w({{"a", CellKind::number}}, [&calls](std::string_view) { ++calls; });
  w.write_header();
  w.write_row({"1"});
  EXPECT_EQ(calls, 0);
  w.flush();
  EXPECT_EQ(calls, 1);
  w.flush();
  EXPECT_EQ(calls, 1);
}

TEST(CsvWriter, LargeOutputIsStreamedInBoundedChunksThatConcatenateExactly) {
  std::string out;
  std::size_t largest = 0;
  int calls = 0;
  CsvWriter w({{"id", CellKind::number}, {"name", CellKind::text}}, [&](std::string_view b) {
    out.append(b);
    largest = std::max(largest, b.size());
    ++calls;
  });
  w.write_header();
  std::string expected = "id,name\n";
  for (int i = 0; i < 20000; ++i) {
    const std::string id = std::to_string(i);
    w.write_row({id, "name, " + id});
    expected += id + ",\"name, " + id + "\"\n";
  }
  w.flush();
  EXPECT_EQ(out, expected);
  EXPECT_GT(calls, 1);
  EXPECT_LT(largest, 128U * 1024U);
}

TEST(CsvWriter, HostileTextRoundTripsThroughAStrictReader) {
  const std::vector<std::string> names = {"Smith, John",
                                          "O\"Brien",
                                          "multi\nline",
                                          "cr\r\nlf",
                                          "Ünïcödé — 東京 🚚",
                                          "=2+3",
                                          "+1",
                                          "-1",
                                          "@cmd",
                                          "\tTab",
                                          "\rCR",
                                          "plain",
                                          "",
                                          ",",
                                          "\"\"",
                                          "'quoted'"};
  std::string out;
  CsvWriter w({{"id", CellKind::number}, {"name", CellKind::text}, {"amount", CellKind::number}},
              [&out](std::string_view b) { out.append(b); });
  w.write_header();
  for (std::size_t i = 0; i < names.size(); ++i) {
    w.write_row({std::to_string(i), names[i], "-1.50"});
  }
  w.flush();
  const auto rows = acme::test::parse_csv(out);
  ASSERT_EQ(rows.size(), names.size() + 1);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"id", "name", "amount"}));
  for (std::size_t i = 0; i < names.size(); ++i) {
    const auto& n = names[i];
    const std::string expected = is_formula_trigger(n) ? "'" + n : n;
    EXPECT_EQ(rows[i + 1], (std::vector<std::string>{std::to_string(i), expected, "-1.50"}))
        << "name #" << i;
  }
}
