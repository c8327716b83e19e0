#include "acme/report/html.hpp"

#include <fmt/format.h>
#include <utility>

namespace acme::report {
namespace {

// Screen at 1280 px and print; colours survive printing (the charts' legend relies on them).
constexpr std::string_view k_style = R"css(
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { font-family: system-ui, "Segoe UI", Roboto, "DejaVu Sans", Arial, sans-serif; color: #111;
       background: #fff; margin: 0 auto; padding: 24px 40px; max-width: 1280px; line-height: 1.4;
       font-size: 15px; }
h1 { font-size: 26px; margin: 0 0 12px; }
h2 { font-size: 20px; margin: 0 0 4px; }
.banner { border: 1px solid #9cc3e6; border-left: 6px solid #0072B2; background: #eef6fc;
          padding: 12px 16px; margin: 0 0 28px; }
.banner.warning { border-color: #e0b000; border-left-color: #D55E00; background: #fff8e1; }
.banner p { margin: 0 0 6px; font-weight: 600; }
.banner dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0; }
.banner dt { color: #444; }
.banner dd { margin: 0; }
section { margin: 0 0 40px; }
p.description { margin: 0 0 12px; color: #444; }
svg.chart { display: block; width: 100%; height: auto; max-width: 1200px; margin: 0 0 12px; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { border-bottom: 1px solid #ddd; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f3f3f3; border-bottom: 2px solid #999; position: sticky; top: 0; }
div.table.long { max-height: 560px; overflow-y: auto; border-bottom: 1px solid #ccc; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.null { color: #777; font-style: italic; }
p.empty { padding: 16px; background: #f6f6f6; border: 1px dashed #bbb; color: #444; }
p.note { color: #555; font-size: 13px; margin: 6px 0 0; }
footer { color: #666; font-size: 12px; border-top: 1px solid #ddd; padding-top: 8px; }
@media print {
  @page { size: landscape; margin: 10mm; } /* charts are laid out 1200 units wide */
  body { padding: 0; max-width: none; font-size: 10pt; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  h2 { break-after: avoid; }
  svg.chart, tr, .banner { break-inside: avoid; }
  thead { display: table-header-group; }
  div.table.long { max-height: none; overflow: visible; border: 0; }
  th { position: static; }
  section { margin-bottom: 24px; }
}
)css";

// Scripts, frames, fonts, images from anywhere: none. Only this page's inline style applies.
constexpr std::string_view k_csp_policy = "default-src 'none'; style-src 'unsafe-inline'; "
                                          "img-src data:; base-uri 'none'; form-action 'none'";

constexpr std::string_view k_null_text = "(none)";

void append_cell(std::string& out, const HtmlCell& cell, bool numeric, std::string_view null_text) {
  out += numeric ? R"(<td class="num">)" : "<td>";
  if (!cell) {
    out += R"(<span class="null">)";
    append_escaped(out, null_text);
    out += "</span>";
  } else if (numeric) {
    append_escaped(out, *cell);
  } else {
    // <bdi>: a right-to-left name cannot reorder the cells around it.
    out += "<bdi>";
    append_escaped(out, *cell);
    out += "</bdi>";
  }
  out += "</td>";
}

// Tables longer than this scroll inside a box on screen (printing shows every row).
constexpr std::size_t k_long_table = 25;

void append_table(std::string& out, const std::string& id, const HtmlTable& table) {
  out +=
      table.rows.size() > k_long_table ? R"(<div class="table long">)" : R"(<div class="table">)";
  out += fmt::format(R"(<table id="{}-table"><thead><tr>)", escape_html(id));
  for (std::size_t i = 0; i < table.headers.size(); ++i) {
    const bool numeric = i < table.numeric.size() && table.numeric[i];
    out += numeric ? R"(<th class="num" scope="col">)" : R"(<th scope="col">)";
    append_escaped(out, table.headers[i]);
    out += "</th>";
  }
  out += "</tr></thead><tbody>";
  for (const auto& row : table.rows) {
    out += "<tr>";
    for (std::size_t i = 0; i < row.size(); ++i) {
      const bool numeric = i < table.numeric.size() && table.numeric[i];
      const bool named = i < table.null_text.size() && !table.null_text[i].empty();
      append_cell(out, row[i], numeric, named ? table.null_text[i] : k_null_text);
    }
    out += "</tr>";
  }
  out += "</tbody></table></div>";
}

} // namespace

void append_escaped(std::string& out, std::string_view text) {
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    switch (c) {
    case '&':
      out += "&amp;";
      break;
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    case '"':
      out += "&quot;";
      break;
    case '\'':
      out += "&#39;";
      break;
    default:
      if ((u < 0x20 && c != '\t' && c != '\n' && c != '\r') || u == 0x7F) {
        out += "\xEF\xBF\xBD"; // U+FFFD: controls are not allowed in HTML or XML text
      } else {
        out += c;
      }
    }
  }
}

std::string escape_html(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 16);
  append_escaped(out, text);
  return out;
}

std::string truncate_text(std::string_view text, std::size_t max_code_points) {
  if (max_code_points == 0) {
    return {};
  }
  // Byte offset where each code point starts; stop once we know the text is too long.
  std::size_t count = 0;
  std::size_t cut = text.size(); // start of code point number max_code_points (the last kept)
  for (std::size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0U) == 0x80U) {
      continue;
    }
    ++count;
    if (count == max_code_points) {
      cut = i;
    }
    if (count > max_code_points) {
      return std::string(text.substr(0, cut)) + "…";
    }
  }
  return std::string(text);
}

HtmlDocument::HtmlDocument(std::string title) : m_title(std::move(title)) {}

void HtmlDocument::set_banner(HtmlBanner banner) {
  m_banner = std::move(banner);
}

void HtmlDocument::set_footer(std::string text) {
  m_footer = std::move(text);
}

void HtmlDocument::add_section(const HtmlSection& section) {
  std::string& out = m_body;
  out += fmt::format(R"(<section id="{}">)", escape_html(section.id));
  out += "<h2>";
  append_escaped(out, section.title);
  out += "</h2>";
  if (!section.description.empty()) {
    out += R"(<p class="description">)";
    append_escaped(out, section.description);
    out += "</p>";
  }
  for (const auto& chart : section.series_charts) {
    out += render_svg(chart);
  }
  if (section.table.rows.empty()) {
    out += R"(<p class="empty">)";
    append_escaped(out, section.empty_message.empty() ? "No data." : section.empty_message);
    out += "</p>";
  } else {
    if (section.chart) {
      out += render_svg(*section.chart);
    }
    append_table(out, section.id, section.table);
  }
  if (!section.note.empty()) {
    out += R"(<p class="note">)";
    append_escaped(out, section.note);
    out += "</p>";
  }
  out += "</section>\n";
}

std::string HtmlDocument::str() const {
  std::string out;
  out.reserve(m_body.size() + 4096);
  out += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out +=
      fmt::format("<meta http-equiv=\"Content-Security-Policy\" content=\"{}\">\n", k_csp_policy);
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>";
  append_escaped(out, m_title);
  out += "</title>\n<style>";
  out += k_style;
  out += "</style>\n</head>\n<body>\n<h1>";
  append_escaped(out, m_title);
  out += "</h1>\n";
  if (!m_banner.headline.empty() || !m_banner.facts.empty()) {
    out += m_banner.warning ? R"(<div class="banner warning" id="freshness" role="status">)"
                            : R"(<div class="banner" id="freshness" role="status">)";
    out += "<p>";
    append_escaped(out, m_banner.headline);
    out += "</p><dl>";
    for (const auto& [label, value] : m_banner.facts) {
      out += "<dt>";
      append_escaped(out, label);
      out += "</dt><dd>";
      append_escaped(out, value);
      out += "</dd>";
    }
    out += "</dl></div>\n";
  }
  out += m_body;
  if (!m_footer.empty()) {
    out += "<footer>";
    append_escaped(out, m_footer);
    out += "</footer>\n";
  }
  out += "</body>\n</html>\n";
  return out;
}

std::string_view html_csp() {
  return k_csp_policy;
}

} // namespace acme::report
