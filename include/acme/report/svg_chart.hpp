#pragma once

// Bar charts as inline SVG for report.html: no script, no external resource, every text
// escaped. Layout (pure geometry, unit-tested) is separate from rendering (markup).

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace acme::report {

// Which way the bars grow: vertical columns over categories along the x axis (dates), or
// horizontal bars with the categories down the left (long names stay readable).
enum class Orientation { vertical, horizontal };

// A (possibly stacked) bar chart: one bar per category, one segment per series.
struct BarChart {
  std::string id;            // unique in the page; used for the SVG's accessible title
  std::string title;         // drawn above the plot
  std::string category_axis; // axis title, e.g. "Delivery date"
  std::string value_axis;    // axis title, e.g. "Open orders"
  Orientation orientation = Orientation::horizontal;
  int decimals = 0;                        // digits after the point in value labels
  std::vector<std::string> series;         // stacking order; a legend is drawn for two or more
  std::vector<std::string> categories;     // bar labels, in drawing order
  std::vector<std::vector<double>> values; // values[category][series]; < 0 and NaN draw as 0
};

// An axis-aligned rectangle in SVG user units (y grows downwards).
struct Box {
  double x = 0;
  double y = 0;
  double width = 0;
  double height = 0;
};

// A gridline on the value axis.
struct Tick {
  double value = 0;
  double position = 0; // x (horizontal charts) or y (vertical charts) of the gridline
  std::string label;
};

// Where everything goes. Bar length is value / axis_max times the plot's extent along the
// value axis, so lengths are proportional to values and a stack's segments sum to its total.
struct ChartLayout {
  double width = 0;
  double height = 0;
  Box plot;
  double axis_max = 1;                    // the value at the plot's far edge
  std::vector<Tick> ticks;                // from 0 to axis_max
  std::vector<std::vector<Box>> segments; // segments[category][series]
  std::vector<double> category_centers;   // along the category axis
  std::size_t label_every = 1;            // vertical charts label every n-th category
  std::vector<Box> legend;                // one swatch per series (charts with two or more)
};

// The width every chart is laid out for (the page's content width at 1280 px); the SVG scales
// with its container (viewBox), so it also fits a printed page.
inline constexpr double k_chart_width = 1200;

// A value axis: its maximum and the distance between gridlines.
struct AxisScale {
  double max = 1;
  double step = 0.2;
};

// A "nice" axis maximum >= max_value (steps of 1, 2, 2.5 or 5 times a power of ten) for about
// `ticks` gridlines; `integral` keeps steps whole (counts). max_value <= 0 or not finite gives
// an axis of 1.
AxisScale nice_scale(double max_value, int ticks = 5, bool integral = false);

// Formats a number with a thin grouping comma every three digits: 12,345.50.
std::string format_number(double value, int decimals);

// Computes the geometry of `chart` for a drawing `width` units wide.
ChartLayout layout_chart(const BarChart& chart, double width = k_chart_width);

// The chart as an inline <svg> element for HTML (no xmlns needed; title, legend, gridlines, axes,
// labels, bars with tooltips). A chart without categories says "No data" instead of drawing bars.
std::string render_svg(const BarChart& chart, const ChartLayout& layout);

// layout_chart then render_svg.
std::string render_svg(const BarChart& chart);

// The fill colour of series `index` (a colour-blind-safe palette, repeated if needed).
std::string_view series_color(std::size_t index);

} // namespace acme::report
