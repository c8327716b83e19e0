// report.html without a database: escaping, SVG geometry, sections, freshness banner.
#include "acme/report/html.hpp"
#include "acme/report/html_report.hpp"
#include "acme/report/svg_chart.hpp"

#include <algorithm>
#include <cmath>
#include <gtest/gtest.h>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

using namespace acme::report;

namespace {

std::size_t count(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (auto pos = haystack.find(needle); pos != std::string::npos;
       pos = haystack.find(needle, pos + needle.size())) {
    ++n;
  }
  return n;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

BarChart bars(std::vector<double> values) {
  BarChart c;
  c.id = "c";
  c.title = "T";
  c.series = {"S"};
  for (std::size_t i = 0; i < values.size(); ++i) {
    c.categories.push_back("cat " + std::to_string(i));
    c.values.push_back({values[i]});
  }
  return c;
}

ReportRows rows(std::vector<std::vector<std::optional<std::string>>> r) {
  ReportRows out;
  out.total = static_cast<std::int64_t>(r.size());
  out.rows = std::move(r);
  return out;
}

SnapshotInfo synced_snapshot() {
  SnapshotInfo s;
  s.generated_at = "2024-06-01T10:04:14.500000Z";
  s.target_schema = "analytics";
  s.sync_state = {{"last_successful_sync_at", "2024-06-01T10:01:02.000000Z"},
                  {"last_successful_run", {{"run_id", 2}, {"mode", "incremental"}}}};
  return s;
}

} // namespace

TEST(HtmlEscape, MarkupQuotesAndAmpersandsBecomeCharacterReferences) {
  EXPECT_EQ(escape_html("<script>alert(1)</script>"), "&lt;script&gt;alert(1)&lt;/script&gt;");
  EXPECT_EQ(escape_html(R"(O"Brien & 'Sons')"), "O&quot;Brien &amp; &#39;Sons&#39;");
  EXPECT_EQ(escape_html("&lt;"), "&amp;lt;");
  EXPECT_EQ(escape_html(""), "");
}

TEST(HtmlEscape, ControlCharactersBecomeReplacementCharactersButTabAndNewlinesStay) {
  EXPECT_EQ(escape_html(std::string("a\x01"
                                    "b\x7f"
                                    "c\x1b",
                                    6)),
            "a\xEF\xBF\xBD"
            "b\xEF\xBF\xBD"
            "c\xEF\xBF\xBD");
  EXPECT_EQ(escape_html("a\tb\nc\rd"), "a\tb\nc\rd");
}

TEST(HtmlEscape, RightToLeftMarksAndEmojiPassUnchanged) {
  const std::string rtl = "\u202Eevil\u202C \u05E9\u05DC\u05D5\u05DD"; // RLO ... PDF, Hebrew
  const std::string emoji = "Zoë 🚚 👩‍👩‍👧 東京";
  EXPECT_EQ(escape_html(rtl), rtl);
  EXPECT_EQ(escape_html(emoji), emoji);
}

TEST(HtmlEscape, TruncationCountsCodePointsAndNeverSplitsASequence) {
  EXPECT_EQ(truncate_text("abcdef", 10), "abcdef");
  EXPECT_EQ(truncate_text("abcdef", 6), "abcdef");
  EXPECT_EQ(truncate_text("abcdef", 4), "abc…");
  EXPECT_EQ(truncate_text("ëëëëë", 3), "ëë…");
  EXPECT_EQ(truncate_text("🚚🚚🚚🚚", 2), "🚚…");
  EXPECT_EQ(truncate_text("abc", 0), "");
}

TEST(SvgScale, AxisMaximumIsANiceNumberAtLeastTheLargestValue) {
  EXPECT_EQ(nice_scale(7, 5, true).max, 8);
  EXPECT_EQ(nice_scale(7, 5, true).step, 2);
  EXPECT_EQ(nice_scale(100, 5, true).max, 100);
  EXPECT_EQ(nice_scale(101, 5, true).max, 125);
  EXPECT_EQ(nice_scale(1, 5, true).max, 1);
  EXPECT_EQ(nice_scale(1, 5, true).step, 1);
  EXPECT_DOUBLE_EQ(nice_scale(0.9, 5, false).max, 1.0);
  EXPECT_EQ(nice_scale(0, 5, true).max, 1);
  EXPECT_EQ(nice_scale(-3, 5, true).max, 1);
  EXPECT_EQ(nice_scale(std::numeric_limits<double>::quiet_NaN(), 5, true).max, 1);
  for (const double v : {3.0, 17.0, 999.0, 12345.0, 0.37}) {
    const auto s = nice_scale(v, 5, false);
    EXPECT_GE(s.max, v);
    EXPECT_LE(s.max / s.step, 10.0 + 1e-9) << v;
  }
}

TEST(SvgScale, NumbersAreGroupedByThousands) {
  EXPECT_EQ(format_number(0, 0), "0");
  EXPECT_EQ(format_number(999, 0), "999");
  EXPECT_EQ(format_number(1234567.5, 2), "1,234,567.50");
  EXPECT_EQ(format_number(-1234, 0), "-1,234");
  EXPECT_EQ(format_number(12.5, 1), "12.5");
}

TEST(SvgGeometry, HorizontalBarLengthsAreProportionalToValues) {
  const auto chart = bars({40, 10, 25, 0});
  const auto l = layout_chart(chart);
  ASSERT_EQ(l.segments.size(), 4U);
  EXPECT_EQ(l.axis_max, 40);
  const double full = l.plot.width;
  EXPECT_DOUBLE_EQ(l.segments[0][0].width, full);
  EXPECT_DOUBLE_EQ(l.segments[1][0].width, full * 10 / 40);
  EXPECT_DOUBLE_EQ(l.segments[2][0].width, full * 25 / 40);
  EXPECT_DOUBLE_EQ(l.segments[3][0].width, 0);
  for (const auto& s : l.segments) {
    EXPECT_DOUBLE_EQ(s[0].x, l.plot.x) << "bars start at the value axis";
  }
  // Bars are stacked down the plot in category order without overlapping.
  for (std::size_t i = 1; i < l.segments.size(); ++i) {
    EXPECT_GE(l.segments[i][0].y, l.segments[i - 1][0].y + l.segments[i - 1][0].height);
  }
  EXPECT_LE(l.segments.back()[0].y + l.segments.back()[0].height, l.plot.y + l.plot.height);
}

TEST(SvgGeometry, StackedSegmentsAreContiguousAndSumToTheTotal) {
  BarChart c;
  c.id = "s";
  c.orientation = Orientation::vertical;
  c.series = {"A", "B", "C"};
  c.categories = {"d1", "d2", "d3"};
  c.values = {{3, 2, 5}, {0, 4, 0}, {1, 1, 1}};
  const auto l = layout_chart(c);
  EXPECT_EQ(l.axis_max, 10);
  const double baseline = l.plot.y + l.plot.height;
  const double per_unit = l.plot.height / l.axis_max;
  for (std::size_t cat = 0; cat < c.categories.size(); ++cat) {
    const auto& segs = l.segments[cat];
    ASSERT_EQ(segs.size(), 3U);
    double total = 0;
    double next_bottom = baseline;
    for (std::size_t s = 0; s < segs.size(); ++s) {
      EXPECT_NEAR(segs[s].height, c.values[cat][s] * per_unit, 1e-9);
      EXPECT_NEAR(segs[s].y + segs[s].height, next_bottom, 1e-9) << "segments touch";
      next_bottom = segs[s].y;
      total += c.values[cat][s];
    }
    EXPECT_NEAR(baseline - segs.back().y, total * per_unit, 1e-9) << "stack height is the total";
    EXPECT_DOUBLE_EQ(segs[0].x, segs[2].x) << "one column";
  }
  EXPECT_NEAR(l.segments[0].back().y, l.plot.y, 1e-9) << "the largest stack fills the plot";
}

TEST(SvgGeometry, NegativeAndNanValuesDrawAsZero) {
  const auto l = layout_chart(bars({4, -3, std::numeric_limits<double>::quiet_NaN()}));
  EXPECT_EQ(l.axis_max, 4);
  EXPECT_EQ(l.segments[1][0].width, 0);
  EXPECT_EQ(l.segments[2][0].width, 0);
}

TEST(SvgGeometry, AllZeroValuesGiveAUnitAxisAndNoBars) {
  const auto chart = bars({0, 0});
  const auto l = layout_chart(chart);
  EXPECT_EQ(l.axis_max, 1);
  const auto svg = render_svg(chart, l);
  EXPECT_EQ(count(svg, "class=\"bar\""), 0U);
  EXPECT_EQ(count(svg, "class=\"category\""), 2U) << "the categories are still labelled";
}

TEST(SvgGeometry, NoCategoriesSaysNoData) {
  const auto chart = bars({});
  const auto l = layout_chart(chart);
  EXPECT_TRUE(l.segments.empty());
  EXPECT_GT(l.plot.height, 0);
  const auto svg = render_svg(chart, l);
  EXPECT_NE(svg.find("No data"), std::string::npos);
  EXPECT_EQ(count(svg, "class=\"bar\""), 0U);
}

TEST(SvgRender, HasTitleAxesTicksLegendAndOneRectPerNonZeroSegment) {
  BarChart c;
  c.id = "oo";
  c.title = "Open orders";
  c.category_axis = "Delivery date";
  c.value_axis = "Orders";
  c.orientation = Orientation::vertical;
  c.series = {"PENDING", "PROCESSING"};
  c.categories = {"2024-01-01", "2024-01-02"};
  c.values = {{2, 1}, {0, 3}};
  const auto l = layout_chart(c);
  const auto svg = render_svg(c, l);
  EXPECT_EQ(svg.rfind("<svg", 0), 0U);
  EXPECT_NE(svg.find("<title id=\"oo-title\">Open orders</title>"), std::string::npos);
  EXPECT_EQ(count(svg, "class=\"bar\""), 3U);
  EXPECT_EQ(count(svg, "class=\"swatch\""), 2U);
  EXPECT_EQ(count(svg, "class=\"axis\""), 2U);
  EXPECT_EQ(count(svg, "class=\"grid\""), l.ticks.size());
  EXPECT_EQ(count(svg, "class=\"axis-title\""), 2U);
  EXPECT_NE(svg.find(">Delivery date<"), std::string::npos);
  EXPECT_NE(svg.find("2024-01-02 — PROCESSING: 3"), std::string::npos);
  EXPECT_EQ(l.ticks.front().value, 0);
  EXPECT_EQ(l.ticks.back().value, l.axis_max);
}

TEST(SvgRender, HostileLabelsAreEscapedAndLongOnesCutWithTheFullNameInATooltip) {
  auto c = bars({1, 2});
  c.categories = {"<script>alert(1)</script>", std::string(60, 'x') + "\"'&"};
  c.series = {"<b>s</b>"};
  c.title = "<img src=x onerror=alert(1)>";
  const auto svg = render_svg(c);
  EXPECT_EQ(lower(svg).find("<script"), std::string::npos);
  EXPECT_EQ(svg.find("<img"), std::string::npos);
  EXPECT_EQ(svg.find("<b>"), std::string::npos);
  EXPECT_NE(svg.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(svg.find(std::string(39, 'x') + "…"), std::string::npos);
  EXPECT_NE(svg.find(std::string(60, 'x') + "&quot;&#39;&amp;"), std::string::npos);
}

TEST(HtmlReport, EveryReportIsAChartAndATableWithHostileNamesAsText) {
  std::map<std::string, ReportRows, std::less<>> data;
  data["open-orders"] = rows({{"2024-02-01", "PENDING", "3", "30.00"},
                              {"2024-02-01", std::nullopt, "1", "5.50"},
                              {std::nullopt, "PROCESSING", "2", "7.25"}});
  data["top-dates"] = rows({{"2024-02-01", "4", "3"}});
  data["pending-items"] = rows(
      {{"7", "<script>alert(1)</script>", "12", "120.00"}, {std::nullopt, std::nullopt, "3", "0"}});
  data["top-customers"] = rows({{"5", "\u202Eevil\u202C 🚚 \"quoted\" & <b>bold</b>", "2", "9.99"}});
  const std::string html = render_html_report(synced_snapshot(), data);

  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0U);
  EXPECT_EQ(lower(html).find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<b>"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(html.find("\u202Eevil\u202C 🚚 &quot;quoted&quot; &amp; &lt;b&gt;bold&lt;/b&gt;"),
            std::string::npos);
  EXPECT_NE(html.find("Content-Security-Policy"), std::string::npos);
  EXPECT_NE(html.find("default-src 'none'"), std::string::npos);
  EXPECT_NE(html.find("@media print"), std::string::npos);
  EXPECT_EQ(html.find("http://"), std::string::npos) << "no external resources";
  EXPECT_EQ(html.find("https://"), std::string::npos) << "no external resources";
  EXPECT_EQ(count(html, "<svg"), 4U);
  EXPECT_EQ(count(html, "<table"), 4U);
  EXPECT_EQ(count(html, "<tr>"), 4U + 3U + 1U + 2U + 1U); // header rows + data rows
  EXPECT_NE(html.find("(no product)"), std::string::npos) << "a NULL product id is labelled";
  EXPECT_NE(html.find("(no status)"), std::string::npos) << "a NULL status is a legend entry";
  EXPECT_NE(html.find("(no date)"), std::string::npos) << "a NULL date is a column";
  EXPECT_NE(html.find("<bdi>"), std::string::npos) << "names are bidi-isolated";
}

namespace {

// The cells of table `id` in `html`, one vector per body row, tags stripped (the text a reader
// sees: a NULL cell reads as its placeholder).
std::vector<std::vector<std::string>> table_cells(const std::string& html, const std::string& id) {
  const std::string open = "<table id=\"" + id + "\">";
  const auto begin = html.find(open);
  if (begin == std::string::npos) {
    return {};
  }
  const auto body = html.find("<tbody>", begin);
  const auto end = html.find("</tbody>", body);
  std::vector<std::vector<std::string>> out;
  for (auto tr = html.find("<tr>", body); tr < end; tr = html.find("<tr>", tr + 4)) {
    const auto tr_end = html.find("</tr>", tr);
    std::vector<std::string> row;
    for (auto td = html.find("<td", tr); td < tr_end; td = html.find("<td", td + 3)) {
      const auto td_end = html.find("</td>", td);
      std::string text;
      bool in_tag = false;
      for (auto i = html.find('>', td) + 1; i < td_end; ++i) {
        if (html[i] == '<') {
          in_tag = true;
        } else if (html[i] == '>') {
          in_tag = false;
        } else if (!in_tag) {
          text += html[i];
        }
      }
      row.push_back(text);
    }
    out.push_back(row);
  }
  return out;
}

} // namespace

// The time-in-status section (status_durations.csv) is the fifth chart, and its table
// is the report's rows, NULL status and empty figures included.
TEST(HtmlReport, TimeInStatusIsTheFifthChartAndItsTableRowsAreTheInput) {
  std::map<std::string, ReportRows, std::less<>> data;
  data["open-orders"] = rows({{"2024-02-01", "PENDING", "3", "30.00"}});
  data["top-dates"] = rows({{"2024-02-01", "4", "3"}});
  data["pending-items"] = rows({{"7", "Widget", "12", "120.00"}});
  data["top-customers"] = rows({{"5", "Ann", "2", "9.99"}});
  const std::vector<std::vector<std::optional<std::string>>> durations{
      {"COMPLETED", "0", "0", std::nullopt, std::nullopt, std::nullopt, std::nullopt, "17",
       "250.10"},
      {"PENDING", "12", "9", "5.25", "4.50", "11.80", "30.00", "3", "2.00"},
      {"<script>alert(1)</script>", "2", "2", "1.00", "1.00", "1.40", "1.50", "0", std::nullopt},
      {std::nullopt, "1", "1", "0.75", "0.75", "0.75", "0.75", "1", "6.00"}};
  data["status-durations"] = rows(durations);
  const std::string html = render_html_report(synced_snapshot(), data);

  EXPECT_EQ(count(html, "<svg"), 5U);
  EXPECT_EQ(count(html, "<table"), 5U);
  const auto section = html.find("<section id=\"status-durations\">");
  ASSERT_NE(section, std::string::npos);
  EXPECT_NE(html.find("Time in status", section), std::string::npos);
  const auto chart = html.find("<svg", section);
  ASSERT_NE(chart, std::string::npos);
  EXPECT_LT(chart, html.find("</section>", section)) << "the chart is in the section";
  EXPECT_NE(html.find("Median hours in status", chart), std::string::npos);

  std::vector<std::vector<std::string>> expected;
  for (const auto& row : durations) {
    std::vector<std::string> cells;
    for (std::size_t i = 0; i < row.size(); ++i) {
      cells.push_back(row[i] ? *row[i] : (i == 0 ? "(no status)" : "(none)"));
    }
    // The text a reader sees: markup in a status is shown as text, not run.
    if (cells[0] == "<script>alert(1)</script>") {
      cells[0] = "&lt;script&gt;alert(1)&lt;/script&gt;";
    }
    expected.push_back(cells);
  }
  EXPECT_EQ(table_cells(html, "status-durations-table"), expected);
  EXPECT_EQ(lower(html).find("<script"), std::string::npos);

  // The chart draws the median (p50) of each status, 0 where no interval ended.
  const auto built = find_html_section("status-durations")->build(rows(durations));
  ASSERT_TRUE(built.chart.has_value());
  EXPECT_EQ(built.chart->categories,
            (std::vector<std::string>{"COMPLETED", "PENDING", "<script>alert(1)</script>",
                                      "(no status)"}));
  EXPECT_EQ(built.chart->values, (std::vector<std::vector<double>>{{0.0}, {4.5}, {1.0}, {0.75}}));
}

TEST(HtmlReport, EmptyReportsSayWhyInsteadOfDrawingCharts) {
  const std::string html = render_html_report(synced_snapshot(), {});
  EXPECT_EQ(count(html, "<svg"), 0U);
  EXPECT_EQ(count(html, "<table"), 0U);
  EXPECT_EQ(count(html, "class=\"empty\""), html_sections().size());
  EXPECT_NE(html.find("No open orders in this snapshot."), std::string::npos);
  EXPECT_NE(html.find("No pending items in this snapshot."), std::string::npos);
}

TEST(HtmlReport, PendingItemsShowsTheTop20AndSaysHowManyThereAre) {
  const auto* spec = find_html_section("pending-items");
  ASSERT_NE(spec, nullptr);
  EXPECT_EQ(spec->keep_rows, 20U);
  ReportRows r;
  for (int i = 0; i < 20; ++i) {
    r.rows.push_back({std::to_string(i), "p" + std::to_string(i), std::to_string(100 - i), "1"});
  }
  r.total = 312;
  const auto section = spec->build(r);
  ASSERT_TRUE(section.chart.has_value());
  EXPECT_EQ(section.chart->categories.size(), 20U);
  EXPECT_EQ(section.table.rows.size(), 20U);
  EXPECT_NE(section.note.find("Top 20 of 312 products"), std::string::npos) << section.note;
}

TEST(HtmlReport, OpenOrdersStacksStatusesPerDateInByteOrderWithNullLast) {
  const auto section = find_html_section("open-orders")
                           ->build(rows({{"2024-02-01", "PENDING", "3", "1"},
                                         {"2024-02-01", std::nullopt, "1", "1"},
                                         {"2024-02-02", "CANCELLED", "2", "1"},
                                         {"2024-02-02", "PENDING", "5", "1"}}));
  const auto& c = *section.chart;
  EXPECT_EQ(c.series, (std::vector<std::string>{"CANCELLED", "PENDING", "(no status)"}));
  EXPECT_EQ(c.categories, (std::vector<std::string>{"2024-02-01", "2024-02-02"}));
  EXPECT_EQ(c.values, (std::vector<std::vector<double>>{{0, 3, 1}, {2, 5, 0}}));
  EXPECT_EQ(section.table.rows.size(), 4U) << "the table is the CSV's rows";
}

TEST(HtmlReport, AnomaliesDrawOnlyTheScoredDaysWithFlaggedOnesInTheSecondSeries) {
  acme::quality::AnomalyResult result;
  result.from = "2024-03-02";
  result.to = "2024-03-04";
  result.window = 1;
  result.threshold = 3.5;
  acme::quality::RobustScore calm;
  calm.median = 5;
  acme::quality::RobustScore spike = calm;
  spike.flagged = true;
  spike.z = 12.5;
  acme::quality::Series s{"new_orders", "orders", {}};
  s.points = {{"2024-03-01", "5", std::nullopt},
              {"2024-03-02", "5", calm},
              {"2024-03-03", std::nullopt, std::nullopt},
              {"2024-03-04", "40", spike}};
  result.series = {s};
  const HtmlSection section = anomalies_section(result);
  ASSERT_EQ(section.series_charts.size(), 1U);
  const BarChart& c = section.series_charts.front();
  EXPECT_EQ(c.categories, (std::vector<std::string>{"2024-03-02", "2024-03-03", "2024-03-04"}))
      << "the baseline day before `from` is not drawn";
  EXPECT_EQ(c.values, (std::vector<std::vector<double>>{{5, 0}, {0, 0}, {0, 40}}));
  EXPECT_EQ(c.series.back(), "Flagged");
  ASSERT_EQ(section.table.rows.size(), 1U);
  EXPECT_EQ(section.table.rows[0],
            (std::vector<HtmlCell>{"new_orders", "2024-03-04", "40", "5.00", "12.50"}));

  result.series[0].points[3].score = calm;
  EXPECT_TRUE(anomalies_section(result).table.rows.empty());
  EXPECT_NE(anomalies_section(result).empty_message.find("No day from 2024-03-02 to 2024-03-04"),
            std::string::npos);
  // A series at 0 on every scored day (an empty target) is not drawn.
  for (auto& p : result.series[0].points) {
    p.value = "0";
  }
  EXPECT_TRUE(anomalies_section(result).series_charts.empty());
  EXPECT_NE(anomalies_section(result).empty_message.find("nothing to score"), std::string::npos);
}

TEST(HtmlReport, SectionsCoverTheCatalogInPageOrder) {
  std::vector<std::string> names;
  for (const auto& s : html_sections()) {
    names.emplace_back(s.report);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"open-orders", "top-dates", "pending-items",
                                             "top-customers", "status-durations", "quality"}));
  EXPECT_EQ(find_html_section("nope"), nullptr);
}

TEST(HtmlFreshness, BannerGivesLastSyncLagAndMode) {
  const auto b = freshness_banner(synced_snapshot());
  EXPECT_FALSE(b.warning);
  EXPECT_NE(b.headline.find("2024-06-01 10:01:02 UTC"), std::string::npos) << b.headline;
  EXPECT_NE(b.headline.find("3 min 12 s"), std::string::npos) << b.headline;
  std::string facts;
  for (const auto& [k, v] : b.facts) {
    facts += k + "=" + v + ";";
  }
  EXPECT_NE(facts.find("Mode=incremental (run 2);"), std::string::npos) << facts;
  EXPECT_NE(facts.find("Lag=3 min 12 s"), std::string::npos) << facts;
}

TEST(HtmlFreshness, NeverSyncedTargetWarnsAndADayOldSyncToo) {
  SnapshotInfo never;
  never.generated_at = "2024-06-01T10:04:14.500000Z";
  never.sync_state = {{"last_successful_sync_at", nullptr}, {"last_successful_run", nullptr}};
  const auto b = freshness_banner(never);
  EXPECT_TRUE(b.warning);
  EXPECT_NE(b.headline.find("never been synced"), std::string::npos);

  auto old = synced_snapshot();
  old.generated_at = "2024-06-03T10:01:02.000000Z";
  const auto stale = freshness_banner(old);
  EXPECT_TRUE(stale.warning);
  EXPECT_NE(stale.headline.find("2 d 0 h"), std::string::npos) << stale.headline;
}

TEST(HtmlFreshness, TimestampsAndDurations) {
  EXPECT_EQ(parse_utc_timestamp("1970-01-01T00:00:00Z"), 0.0);
  EXPECT_EQ(parse_utc_timestamp("1970-01-02T00:00:01.500000Z"), 86401.5);
  EXPECT_EQ(parse_utc_timestamp("2024-03-01T00:00:00Z").value() -
                parse_utc_timestamp("2024-02-28T00:00:00Z").value(),
            2 * 86400.0)
      << "leap year";
  EXPECT_FALSE(parse_utc_timestamp("2024-06-01 10:01:02+00").has_value());
  EXPECT_FALSE(parse_utc_timestamp("").has_value());
  EXPECT_FALSE(parse_utc_timestamp("2024-13-01T00:00:00Z").has_value());
  EXPECT_EQ(format_duration(0), "0 s");
  EXPECT_EQ(format_duration(42.9), "42 s");
  EXPECT_EQ(format_duration(192), "3 min 12 s");
  EXPECT_EQ(format_duration(5 * 3600 + 180), "5 h 03 min");
  EXPECT_EQ(format_duration(2 * 86400 + 4 * 3600 + 59), "2 d 4 h");
  EXPECT_EQ(format_duration(-5), "0 s");
}

TEST(HtmlReport, OpenOrdersChartsThe180EarliestDatesAndTheTableListsAll) {
  ReportRows r;
  for (int d = 0; d < 200; ++d) {
    r.rows.push_back({"date " + std::to_string(1000 + d), "PENDING", "1", "1.00"});
  }
  r.total = 200;
  const auto section = find_html_section("open-orders")->build(r);
  EXPECT_EQ(section.chart->categories.size(), 180U);
  EXPECT_EQ(section.chart->categories.front(), "date 1000");
  EXPECT_EQ(section.table.rows.size(), 200U);
  EXPECT_NE(section.note.find("180 earliest of 200 delivery dates"), std::string::npos)
      << section.note;
  const auto l = layout_chart(*section.chart);
  EXPECT_GT(l.label_every, 1U) << "dates too close to label each one are thinned";
  EXPECT_GE(l.segments.back()[0].x + l.segments.back()[0].width, l.segments.back()[0].x);
  EXPECT_LE(l.segments.back()[0].x + l.segments.back()[0].width, l.plot.x + l.plot.width);
}
