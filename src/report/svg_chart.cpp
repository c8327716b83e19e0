#include "acme/report/svg_chart.hpp"

#include "acme/report/html.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <fmt/format.h>

namespace acme::report {
namespace {

// Okabe-Ito: distinguishable with the common colour-vision deficiencies and in greyscale print.
constexpr std::array<std::string_view, 8> k_palette = {"#0072B2", "#E69F00", "#009E73", "#CC79A7",
                                                       "#56B4E9", "#D55E00", "#F0E442", "#555555"};

constexpr double k_title_height = 30;
constexpr double k_legend_row = 22;
constexpr double k_font = 12;            // labels
constexpr double k_char_width = 7.0;     // estimated advance of one character at k_font
constexpr double k_row = 26;             // horizontal: one category
constexpr double k_bar = 18;             // horizontal: bar thickness
constexpr double k_label_column = 290;   // horizontal: category labels
constexpr double k_value_column = 90;    // horizontal: value labels right of the bars
constexpr double k_value_margin = 80;    // vertical: tick labels and the value axis title
constexpr double k_plot_height = 300;    // vertical
constexpr double k_category_labels = 88; // vertical: rotated date labels
constexpr double k_axis_title = 26;
constexpr std::size_t k_max_label_chars = 40; // horizontal category labels are cut beyond

double clean(double v) {
  return std::isfinite(v) && v > 0 ? v : 0.0;
}

std::size_t code_points(std::string_view text) {
  std::size_t n = 0;
  for (const char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0U) != 0x80U) {
      ++n;
    }
  }
  return n;
}

double text_width(std::string_view text) {
  return static_cast<double>(code_points(text)) * k_char_width;
}

// Fewest decimals (up to 3) that print `step` exactly enough.
int step_decimals(double step) {
  for (int d = 0; d < 3; ++d) {
    const double scale = std::pow(10.0, d);
    if (std::abs(std::round(step * scale) - step * scale) < 1e-6) {
      return d;
    }
  }
  return 3;
}

std::string num(double v) {
  std::string s = fmt::format("{:.2f}", v);
  while (s.back() == '0') {
    s.pop_back();
  }
  if (s.back() == '.') {
    s.pop_back();
  }
  return s == "-0" ? "0" : s;
}

double stack_total(const std::vector<double>& values) {
  double total = 0;
  for (const double v : values) {
    total += clean(v);
  }
  return total;
}

void text(std::string& out, double x, double y, std::string_view anchor, std::string_view content,
          std::string_view extra = {}) {
  out += fmt::format(R"(<text x="{}" y="{}" text-anchor="{}" font-size="{}"{}>)", num(x), num(y),
                     anchor, num(k_font), extra);
  append_escaped(out, content);
  out += "</text>";
}

} // namespace

AxisScale nice_scale(double max_value, int ticks, bool integral) {
  if (!std::isfinite(max_value) || max_value <= 0 || ticks < 1) {
    return integral ? AxisScale{1, 1} : AxisScale{1, 0.2};
  }
  const double raw = max_value / ticks;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  double step = 10 * magnitude;
  for (const double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    if (m * magnitude * ticks >= max_value * (1 - 1e-12)) {
      step = m * magnitude;
      break;
    }
  }
  if (integral) {
    step = std::max(1.0, std::round(step));
  }
  const double max = step * std::ceil(max_value / step - 1e-9);
  return {max, step};
}

std::string format_number(double value, int decimals) {
  std::string digits = fmt::format("{:.{}f}", std::abs(value), std::max(0, decimals));
  const auto point = digits.find('.');
  std::string integer = digits.substr(0, point);
  const std::string fraction = point == std::string::npos ? "" : digits.substr(point);
  std::string grouped;
  for (std::size_t i = 0; i < integer.size(); ++i) {
    if (i > 0 && (integer.size() - i) % 3 == 0) {
      grouped += ',';
    }
    grouped += integer[i];
  }
  const bool zero = digits.find_first_not_of("0.") == std::string::npos;
  return (value < 0 && !zero ? "-" : "") + grouped + fraction;
}

std::string_view series_color(std::size_t index) {
  return k_palette[index % k_palette.size()];
}

ChartLayout layout_chart(const BarChart& chart, double width) {
  ChartLayout l;
  l.width = width;
  const std::size_t n = chart.categories.size();

  // Legend: swatches flow left to right and wrap.
  double top = k_title_height;
  if (chart.series.size() >= 2) {
    double x = 0;
    double y = top + 4;
    for (const auto& s : chart.series) {
      const double item = 18 + text_width(s) + 18;
      if (x > 0 && x + item > width) {
        x = 0;
        y += k_legend_row;
      }
      l.legend.push_back(Box{x, y, 12, 12});
      x += item;
    }
    top = y + k_legend_row;
  }
  top += 6;
  if (chart.orientation == Orientation::horizontal) {
    top += 16; // the category axis title sits above the label column
  }

  double max_total = 0;
  for (const auto& row : chart.values) {
    max_total = std::max(max_total, stack_total(row));
  }
  const AxisScale scale = nice_scale(max_total, 5, chart.decimals == 0);
  l.axis_max = scale.max;

  const bool horizontal = chart.orientation == Orientation::horizontal;
  if (horizontal) {
    l.plot = Box{k_label_column, top, width - k_label_column - k_value_column,
                 k_row * static_cast<double>(std::max<std::size_t>(n, 1))};
    l.height = top + l.plot.height + 20 + k_axis_title;
  } else {
    l.plot = Box{k_value_margin, top, width - k_value_margin - 16, k_plot_height};
    l.height = top + l.plot.height + k_category_labels + k_axis_title;
  }
  const Box& p = l.plot;
  const double extent = horizontal ? p.width : p.height;
  const double per_unit = extent / l.axis_max;

  const auto steps = static_cast<int>(std::lround(scale.max / scale.step));
  const int decimals = step_decimals(scale.step);
  for (int i = 0; i <= steps; ++i) {
    const double v = scale.step * i;
    const double pos = horizontal ? p.x + v * per_unit : p.y + p.height - v * per_unit;
    l.ticks.push_back(Tick{v, pos, format_number(v, decimals)});
  }

  const double band =
      (horizontal ? p.height : p.width) / static_cast<double>(std::max<std::size_t>(n, 1));
  const double thickness = horizontal ? k_bar : std::min(band * 0.72, 56.0);
  if (!horizontal && band > 0) {
    l.label_every = static_cast<std::size_t>(std::max(1.0, std::ceil(15.0 / band)));
  }
  for (std::size_t c = 0; c < n; ++c) {
    const double center = (horizontal ? p.y : p.x) + band * (static_cast<double>(c) + 0.5);
    l.category_centers.push_back(center);
    std::vector<Box> boxes;
    double offset = 0;
    const std::vector<double> empty;
    const auto& row = c < chart.values.size() ? chart.values[c] : empty;
    for (std::size_t s = 0; s < std::max<std::size_t>(chart.series.size(), 1); ++s) {
      const double v = s < row.size() ? clean(row[s]) : 0.0;
      const double len = v * per_unit;
      if (horizontal) {
        boxes.push_back(Box{p.x + offset, center - thickness / 2, len, thickness});
      } else {
        boxes.push_back(Box{center - thickness / 2, p.y + p.height - offset - len, thickness, len});
      }
      offset += len;
    }
    l.segments.push_back(std::move(boxes));
  }
  return l;
}

namespace {

// The <svg> element's opening, its accessible title and the visible one.
void svg_open(std::string& out, const BarChart& chart, const ChartLayout& l) {
  const std::string title_id = chart.id + "-title";
  out += fmt::format(R"(<svg class="chart" id="{}" )"
                     R"(viewBox="0 0 {} {}" width="{}" height="{}" role="img" )"
                     R"(aria-labelledby="{}" font-family="system-ui, 'Segoe UI', Roboto, )"
                     R"('DejaVu Sans', Arial, sans-serif">)",
                     escape_html(chart.id), num(l.width), num(l.height), num(l.width),
                     num(l.height), escape_html(title_id));
  out += fmt::format(R"(<title id="{}">)", escape_html(title_id));
  append_escaped(out, chart.title);
  out += "</title>";
  out += R"(<text x="0" y="20" font-size="16" font-weight="600" fill="#111">)";
  append_escaped(out, chart.title);
  out += "</text>";
}

void legend(std::string& out, const BarChart& chart, const ChartLayout& l) {
  for (std::size_t s = 0; s < l.legend.size() && s < chart.series.size(); ++s) {
    const Box& b = l.legend[s];
    out += fmt::format(R"(<rect class="swatch" x="{}" y="{}" width="{}" height="{}" fill="{}"/>)",
                       num(b.x), num(b.y), num(b.width), num(b.height), series_color(s));
    text(out, b.x + 18, b.y + 11, "start", chart.series[s]);
  }
}

// An empty plot frame saying so, in place of everything below the legend.
void no_data(std::string& out, const Box& p) {
  out += fmt::format(R"(<rect x="{}" y="{}" width="{}" height="{}" fill="none" stroke="#ccc"/>)",
                     num(p.x), num(p.y), num(p.width), num(p.height));
  text(out, p.x + p.width / 2, p.y + p.height / 2 + 4, "middle", "No data",
       R"( class="no-data" fill="#555")");
}

// Gridlines and value labels.
void grid(std::string& out, const ChartLayout& l, bool horizontal) {
  const Box& p = l.plot;
  for (const auto& t : l.ticks) {
    if (horizontal) {
      out +=
          fmt::format(R"(<line class="grid" x1="{0}" y1="{1}" x2="{0}" y2="{2}" stroke="#ddd"/>)",
                      num(t.position), num(p.y), num(p.y + p.height));
      text(out, t.position, p.y + p.height + 16, "middle", t.label, R"( fill="#333")");
    } else {
      out +=
          fmt::format(R"(<line class="grid" x1="{0}" y1="{1}" x2="{2}" y2="{1}" stroke="#ddd"/>)",
                      num(p.x), num(t.position), num(p.x + p.width));
      text(out, p.x - 6, t.position + 4, "end", t.label, R"( fill="#333")");
    }
  }
}

// Bars, each segment with a tooltip naming it.
void bars(std::string& out, const BarChart& chart, const ChartLayout& l) {
  for (std::size_t c = 0; c < l.segments.size(); ++c) {
    const auto& row = c < chart.values.size() ? chart.values[c] : std::vector<double>{};
    for (std::size_t s = 0; s < l.segments[c].size(); ++s) {
      const Box& b = l.segments[c][s];
      if (b.width <= 0 || b.height <= 0) {
        continue;
      }
      out += fmt::format(R"(<rect class="bar" x="{}" y="{}" width="{}" height="{}" fill="{}">)",
                         num(b.x), num(b.y), num(b.width), num(b.height), series_color(s));
      out += "<title>";
      append_escaped(out, chart.categories[c]);
      if (s < chart.series.size() && chart.series.size() >= 2) {
        out += " — ";
        append_escaped(out, chart.series[s]);
      }
      out += ": ";
      append_escaped(out, format_number(s < row.size() ? row[s] : 0.0, chart.decimals));
      out += "</title></rect>";
    }
  }
}

// Axes, drawn on top of the bars.
void axes(std::string& out, const Box& p) {
  out += fmt::format(R"(<line class="axis" x1="{0}" y1="{1}" x2="{0}" y2="{2}" stroke="#333"/>)",
                     num(p.x), num(p.y), num(p.y + p.height));
  out += fmt::format(R"(<line class="axis" x1="{0}" y1="{1}" x2="{2}" y2="{1}" stroke="#333"/>)",
                     num(p.x), num(p.y + p.height), num(p.x + p.width));
}

// A horizontal chart's category label left of its bar (cut, with the full name as tooltip), and
// the bar's total at its end.
void horizontal_label(std::string& out, const BarChart& chart, const ChartLayout& l,
                      std::size_t c) {
  const Box& p = l.plot;
  const double center = l.category_centers[c];
  const auto& name = chart.categories[c];
  const double total = c < chart.values.size() ? stack_total(chart.values[c]) : 0.0;
  const std::string shown = truncate_text(name, k_max_label_chars);
  out += fmt::format(
      R"(<text class="category" x="{}" y="{}" text-anchor="end" font-size="{}" fill="#111">)",
      num(p.x - 8), num(center + 4), num(k_font));
  if (shown != name) {
    out += "<title>";
    append_escaped(out, name);
    out += "</title>";
  }
  append_escaped(out, shown);
  out += "</text>";
  const double end = c < l.segments.size() && !l.segments[c].empty()
                         ? l.segments[c].back().x + l.segments[c].back().width
                         : p.x;
  text(out, end + 6, center + 4, "start", format_number(total, chart.decimals),
       R"( class="value" fill="#333")");
}

// A vertical chart's category label, rotated under its column.
void vertical_label(std::string& out, const BarChart& chart, const ChartLayout& l, std::size_t c) {
  const Box& p = l.plot;
  const double center = l.category_centers[c];
  const double y = p.y + p.height + 14;
  out += fmt::format(
      R"svg(<text class="category" x="{0}" y="{1}" text-anchor="end" font-size="{2}" fill="#111" transform="rotate(-45 {0} {1})">)svg",
      num(center + 4), num(y), num(k_font));
  append_escaped(out, truncate_text(chart.categories[c], 16));
  out += "</text>";
}

// Category labels (and, on horizontal charts, totals at the bars' ends).
void category_labels(std::string& out, const BarChart& chart, const ChartLayout& l,
                     bool horizontal) {
  for (std::size_t c = 0; c < chart.categories.size(); ++c) {
    if (horizontal) {
      horizontal_label(out, chart, l, c);
    } else if (c % l.label_every == 0) {
      vertical_label(out, chart, l, c);
    }
  }
}

void axis_titles(std::string& out, const BarChart& chart, const ChartLayout& l, bool horizontal) {
  const Box& p = l.plot;
  if (horizontal) {
    text(out, p.x - 8, p.y - 6, "end", chart.category_axis,
         R"( class="axis-title" font-weight="600" fill="#111")");
    text(out, p.x + p.width / 2, l.height - 6, "middle", chart.value_axis,
         R"( class="axis-title" font-weight="600" fill="#111")");
  } else {
    text(out, p.x + p.width / 2, l.height - 6, "middle", chart.category_axis,
         R"( class="axis-title" font-weight="600" fill="#111")");
    const double cx = 16;
    const double cy = p.y + p.height / 2;
    text(
        out, cx, cy, "middle", chart.value_axis,
        fmt::format(
            R"svg( class="axis-title" font-weight="600" fill="#111" transform="rotate(-90 {} {})")svg",
            num(cx), num(cy)));
  }
}

} // namespace

std::string render_svg(const BarChart& chart, const ChartLayout& l) {
  const bool horizontal = chart.orientation == Orientation::horizontal;
  std::string out;
  out.reserve(4096 + chart.categories.size() * 256);
  svg_open(out, chart, l);
  legend(out, chart, l);
  if (chart.categories.empty()) {
    no_data(out, l.plot);
  } else {
    grid(out, l, horizontal);
    bars(out, chart, l);
    axes(out, l.plot);
    category_labels(out, chart, l, horizontal);
    axis_titles(out, chart, l, horizontal);
  }
  out += "</svg>";
  return out;
}

std::string render_svg(const BarChart& chart) {
  return render_svg(chart, layout_chart(chart));
}

} // namespace acme::report
