// The data routes of acme serve: reports, one order, a customer's orders, the live page. Each
// reads one REPEATABLE READ READ ONLY snapshot of the target on a pooled session.
#include "acme/api/api.hpp"
#include "acme/db/connection.hpp"
#include "acme/quality/anomalies.hpp"
#include "acme/report/exporter.hpp"
#include "acme/report/html.hpp"
#include "acme/report/html_report.hpp"
#include "acme/sql/embedded.hpp"
#include "json_rows.hpp"

#include <fmt/format.h>
#include <limits>

namespace acme::api {
namespace {

// A decimal int64 with nothing around it, or nullopt.
std::optional<std::int64_t> parse_id(const std::string& text) {
  if (text.empty() || text.size() > 19 ||
      text.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  try {
    return std::stoll(text);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// Runs `read` in a snapshot on a pooled session; a session that saw an error is not reused.
template <typename Read>
auto in_snapshot(ConnectionPool& pool, std::chrono::milliseconds wait, Read&& read) {
  auto lease = pool.acquire(wait);
  try {
    report::SnapshotTransaction tx(**lease, "acme serve");
    report::prepare_snapshot(tx);
    return read(tx);
  } catch (...) {
    lease->discard();
    throw;
  }
}

std::string report_csv(pqxx::transaction_base& tx, const report::ReportParams& params,
                       const report::Report& r) {
  std::string body;
  report::CsvWriter writer(r.columns, [&body](std::string_view bytes) { body += bytes; });
  report::run_report(tx, params, r, writer);
  return body;
}

std::string report_json(pqxx::transaction_base& tx, const report::ReportParams& params,
                        const report::Report& r, std::optional<std::int64_t> sync_id,
                        const std::string& generated_at) {
  std::string body = "{\"report\":";
  append_json_string(body, r.name);
  body +=
      fmt::format(",\"sync_id\":{},\"generated_at\":", sync_id ? std::to_string(*sync_id) : "null");
  append_json_string(body, generated_at);
  body += ",\"rows\":[";
  bool first = true;
  report::run_report(tx, params, r, [&](const report::Cells& cells) {
    body += first ? "{" : ",{";
    first = false;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      if (i > 0) {
        body += ',';
      }
      append_json_string(body, r.columns[i].name);
      body += ':';
      append_json_cell(body, cells[i], r.columns[i].kind);
    }
    body += '}';
  });
  body += "]}";
  return body;
}

} // namespace

Response Api::report(const Request& request, const std::string& name) {
  const report::Report* r = report::find_report(name);
  if (r == nullptr) {
    return Response::error(404, "unknown_report", "no report named '" + name + "'");
  }
  const std::string format = request.param("format").value_or("json");
  if (format != "json" && format != "csv") {
    return Response::error(400, "bad_format", "format must be json or csv");
  }
  report::ReportParams params{m_options.schema, report::k_default_status_days};
  if (const auto days = request.param("days")) {
    const auto n = parse_id(*days);
    if (!n || *n < 1 || *n > 3650) {
      return Response::error(400, "bad_days", "days must be a whole number from 1 to 3650");
    }
    params.days = static_cast<int>(*n);
  }
  const std::string key = fmt::format("{}|{}|{}", name, format, params.days);
  return cached(
      key, [&](pqxx::transaction_base& tx, const StateKey& state, const std::string& generated_at) {
        Response res;
        if (format == "csv") {
          res.content_type = "text/csv; charset=utf-8";
          res.body = report_csv(tx, params, *r);
        } else {
          res.body = report_json(tx, params, *r, state.sync_id, generated_at);
        }
        return res;
      });
}

Response Api::order(const std::string& id) {
  const auto order_id = parse_id(id);
  if (!order_id) {
    return Response::error(400, "bad_id", "an order id is a non-negative whole number");
  }
  return in_snapshot(m_pool, m_options.pool_wait, [&](pqxx::transaction_base& tx) {
    const auto order = tx.exec_params(db::with_schema(sql::api_order, m_options.schema), *order_id);
    if (order.empty()) {
      return Response::error(404, "not_found", fmt::format("no order {}", *order_id));
    }
    Response res;
    res.body = "{\"order\":";
    append_json_row(res.body, order[0]);
    res.body += ",\"items\":";
    append_json_rows(
        res.body,
        tx.exec_params(db::with_schema(sql::api_order_items, m_options.schema), *order_id));
    res.body += ",\"status_history\":";
    append_json_rows(
        res.body,
        tx.exec_params(db::with_schema(sql::api_order_history, m_options.schema), *order_id));
    res.body += '}';
    return res;
  });
}

Response Api::customer_orders(const Request& request, const std::string& id) {
  const auto customer_id = parse_id(id);
  if (!customer_id) {
    return Response::error(400, "bad_id", "a customer id is a non-negative whole number");
  }
  std::int64_t limit = k_default_page;
  if (const auto l = request.param("limit")) {
    const auto n = parse_id(*l);
    if (!n || *n < 1 || *n > k_max_page) {
      return Response::error(400, "bad_limit",
                             fmt::format("limit must be a whole number from 1 to {}", k_max_page));
    }
    limit = *n;
  }
  std::int64_t after = std::numeric_limits<std::int64_t>::min();
  if (const auto a = request.param("after")) {
    const auto n = parse_id(*a);
    if (!n) {
      return Response::error(400, "bad_after", "after is the last order_id of the previous page");
    }
    after = *n;
  }
  const std::optional<std::string> status = request.param("status");
  if (status && status->size() > 200) {
    return Response::error(400, "bad_status", "status is at most 200 bytes");
  }
  return in_snapshot(m_pool, m_options.pool_wait, [&](pqxx::transaction_base& tx) {
    const auto rows = tx.exec_params(db::with_schema(sql::api_customer_orders, m_options.schema),
                                     *customer_id, after, status, limit + 1);
    const bool more = rows.size() > static_cast<std::size_t>(limit);
    Response res;
    res.body = fmt::format("{{\"customer_id\":{},\"orders\":[", *customer_id);
    for (std::size_t i = 0; i < rows.size() && i < static_cast<std::size_t>(limit); ++i) {
      if (i > 0) {
        res.body += ',';
      }
      append_json_row(res.body, rows[i]);
    }
    res.body += "],\"next_after\":";
    res.body += more ? rows[static_cast<std::size_t>(limit - 1)]["order_id"].c_str() : "null";
    res.body += '}';
    return res;
  });
}

// The snapshot's state (newest sync and quality run) and its now() in UTC.
std::tuple<Api::StateKey, std::string> Api::snapshot_state(pqxx::transaction_base& tx) const {
  const auto row = tx.exec(db::with_schema(sql::api_snapshot, m_options.schema))[0];
  StateKey state;
  if (!row["sync_id"].is_null()) {
    state.sync_id = row["sync_id"].as<std::int64_t>();
  }
  if (!row["quality_run_id"].is_null()) {
    state.quality_run_id = row["quality_run_id"].as<std::int64_t>();
  }
  return {state, row["generated_at"].as<std::string>()};
}

Response Api::cached(const std::string& key, const Compute& compute) {
  if (auto hit = from_cache(key)) {
    ++m_cache_hits;
    return *hit;
  }
  ++m_cache_misses;
  StateKey state;
  Response res = in_snapshot(m_pool, m_options.pool_wait, [&](pqxx::transaction_base& tx) {
    report::check_target_schema(tx, m_options.schema);
    std::string generated_at;
    std::tie(state, generated_at) = snapshot_state(tx);
    return compute(tx, state, generated_at);
  });
  store(key, state, res);
  return res;
}

Response Api::live_page() {
  Response res = cached("page", [this](pqxx::transaction_base& tx, const StateKey& /*state*/,
                                       const std::string& generated_at) {
    const report::SnapshotInfo info{generated_at, m_options.schema,
                                    report::read_sync_state(tx, m_options.schema),
                                    quality::anomalies(tx, m_options.schema)};
    std::map<std::string, report::ReportRows, std::less<>> data;
    const report::ReportParams params{m_options.schema, report::k_default_status_days};
    for (const auto& spec : report::html_sections()) {
      auto& rows = data[std::string(spec.report)];
      report::run_report(tx, params, *report::find_report(spec.report),
                         [&rows, &spec](const report::Cells& cells) {
                           ++rows.total;
                           if (rows.rows.size() < spec.keep_rows) {
                             std::vector<std::optional<std::string>> row;
                             for (const auto& c : cells) {
                               row.emplace_back(c ? std::optional<std::string>(*c) : std::nullopt);
                             }
                             rows.rows.push_back(std::move(row));
                           }
                         });
    }
    Response page;
    page.content_type = "text/html; charset=utf-8";
    page.body = report::render_html_report(info, data);
    // The page reloads itself: the newest sync's reports without a click.
    const std::string refresh = fmt::format("<meta http-equiv=\"refresh\" content=\"{}\">\n",
                                            m_options.page_refresh_seconds);
    if (const auto head = page.body.find("<head>\n"); head != std::string::npos) {
      page.body.insert(head + 7, refresh);
    }
    return page;
  });
  res.headers.emplace_back("Content-Security-Policy", std::string(report::html_csp()));
  return res;
}

} // namespace acme::api
