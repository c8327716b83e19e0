#pragma once

// A self-contained HTML page of report sections (report.html): inline CSS (screen and print),
// inline SVG charts, no JavaScript and no external resource; a Content-Security-Policy that
// forbids scripts backs up the escaping. Every text passed in is escaped here: names are
// hostile input.

#include "acme/report/svg_chart.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace acme::report {

// Appends `text` escaped for HTML/SVG element content and quoted attribute values: & < > " '
// become character references; C0 controls other than tab, LF and CR, and DEL, become U+FFFD.
// Other bytes (UTF-8: RTL marks, emoji) pass unchanged.
void append_escaped(std::string& out, std::string_view text);

// The Content-Security-Policy every page acme renders carries (in a meta element, and as a
// header where a server sends it): no scripts, frames, fonts or remote images.
std::string_view html_csp();

// `text` escaped as append_escaped does.
std::string escape_html(std::string_view text);

// At most `max_code_points` UTF-8 code points of `text`, with "…" in place of the last one
// when it is cut; never splits a multi-byte sequence.
std::string truncate_text(std::string_view text, std::size_t max_code_points);

// A table cell: display text, or NULL (drawn as a dimmed placeholder).
using HtmlCell = std::optional<std::string>;

// A report's table: header cells, which columns are numeric (right-aligned), what a NULL
// cell shows per column ("(none)" where not given), rows. Long tables scroll on screen and
// print in full.
struct HtmlTable {
  std::vector<std::string> headers;
  std::vector<bool> numeric;
  std::vector<std::string> null_text;
  std::vector<std::vector<HtmlCell>> rows;
};

// One report in the page: a chart and its table, or the empty message when it has no rows; charts
// that stand on their own (a daily series) come before either.
struct HtmlSection {
  std::string id;          // HTML id of the <section>
  std::string title;       // <h2>
  std::string description; // one sentence under the title
  std::optional<BarChart> chart;
  std::vector<BarChart> series_charts; // drawn first, even when the table is empty
  HtmlTable table;
  std::string empty_message; // replaces chart and table when the table has no rows
  std::string note;          // under the table (e.g. "top 20 of 312 products")
};

// The freshness banner: a headline, facts as label/value pairs, and whether to warn.
struct HtmlBanner {
  std::string headline;
  std::vector<std::pair<std::string, std::string>> facts;
  bool warning = false;
};

// Builds the page in order: banner, then one section per add_section call.
class HtmlDocument {
public:
  // A page titled `title` (also its <h1>).
  explicit HtmlDocument(std::string title);

  // Sets the freshness banner shown under the title.
  void set_banner(HtmlBanner banner);

  // Sets the small print at the bottom of the page.
  void set_footer(std::string text);

  // Appends a section (rendered now: the document keeps markup, not data).
  void add_section(const HtmlSection& section);

  // The complete page.
  std::string str() const;

private:
  std::string m_title;
  HtmlBanner m_banner;
  std::string m_footer;
  std::string m_body;
};

} // namespace acme::report
