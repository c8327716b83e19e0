#include "acme/ops/verify.hpp"

#include "acme/db/connection.hpp"
#include "acme/db/migrator.hpp"
#include "acme/db/writer_lock.hpp"
#include "acme/error.hpp"
#include "acme/etl/extractor.hpp"
#include "acme/etl/sql_text.hpp"
#include "acme/etl/stager.hpp"
#include "acme/etl/sync_state.hpp"
#include "acme/etl/tables.hpp"
#include "acme/etl/transformer.hpp"
#include "acme/obs/progress.hpp"
#include "acme/sql/embedded.hpp"

#include <algorithm>
#include <chrono>
#include <fmt/format.h>
#include <future>
#include <map>
#include <optional>
#include <pqxx/pqxx>
#include <spdlog/spdlog.h>
#include <unistd.h>

namespace acme::ops {
namespace {

using ReadTx = pqxx::transaction<pqxx::repeatable_read, pqxx::read_only>;

constexpr std::size_t k_shown_keys = 20;
constexpr std::size_t k_buckets_per_pass = 128; // rows of at most 128 ranges in memory at once
constexpr std::size_t k_rows_per_fetch = 10000; // --repair: source rows per query

// One compared table: the queries of both sides and the key columns their filters name.
struct Spec {
  const etl::TableSpec* table; // the source table whose rows a repair re-merges
  std::string_view target;     // target table name (as reported)
  std::string_view source_sql; // verify_source_*.sql
  std::string_view target_sql; // verify_target_*.sql
  std::string_view source_key; // filter column in the source query
  std::string_view target_key; // filter column in the target query
  bool closed_param;           // the source query takes $1 = closed statuses
  bool items_by_order;         // the queries aggregate items by order ({item_filter})
};

const etl::TableSpec& table_spec(std::string_view source) {
  for (const auto& t : etl::k_tables) {
    if (t.source == source) {
      return t;
    }
  }
  throw Fatal("unknown table " + std::string(source)); // unreachable: the names are ours
}

std::vector<Spec> specs() {
  return {
      {&table_spec("customers"), "customers", sql::ops_verify_source_customers,
       sql::ops_verify_target_customers, "c.customer_id", "c.customer_id", false, false},
      {&table_spec("products"), "products", sql::ops_verify_source_products,
       sql::ops_verify_target_products, "p.product_id", "p.product_id", false, false},
      {&table_spec("orders"), "analytical_orders", sql::ops_verify_source_orders,
       sql::ops_verify_target_orders, "o.order_id", "o.order_id", true, true},
      {&table_spec("order_items"), "analytical_order_items", sql::ops_verify_source_order_items,
       sql::ops_verify_target_order_items, "i.order_item_id", "i.order_item_id", true, false},
  };
}

// The SQL text without its leading comment lines (one query is spliced into another).
std::string without_comments(std::string_view sql) {
  std::string out;
  std::size_t pos = 0;
  while (pos < sql.size()) {
    const auto end = sql.find('\n', pos);
    const auto line = sql.substr(pos, end == std::string_view::npos ? end : end - pos + 1);
    if (line.rfind("--", 0) != 0) {
      out += line;
    }
    pos = end == std::string_view::npos ? sql.size() : end + 1;
  }
  return out;
}

std::string bigint_array(const std::vector<std::int64_t>& values) {
  std::string out = "{";
  for (const auto v : values) {
    out += (out.size() > 1 ? "," : "") + std::to_string(v);
  }
  return out + "}";
}

// The rows of `buckets` (sorted): a range condition the primary key index serves, narrowed to
// exactly those buckets. Only integers acme computed are spliced in.
std::string bucket_filter(std::string_view column, const std::vector<std::int64_t>& buckets) {
  if (buckets.empty()) {
    return "TRUE";
  }
  return db::render("{c} >= {lo} AND {c} < {hi} AND ({c} >> {bits}) = ANY({list}::bigint[])",
                    {{"c", std::string(column)},
                     {"lo", std::to_string(buckets.front() << k_verify_bits)},
                     {"hi", std::to_string((buckets.back() + 1) << k_verify_bits)},
                     {"bits", std::to_string(k_verify_bits)},
                     {"list", "'" + bigint_array(buckets) + "'"}});
}

using Summary = std::map<std::int64_t, std::pair<std::int64_t, std::string>>; // bucket -> (n, hash)

// Keys found to differ, all of them (a repair needs every one).
struct Keys {
  std::vector<std::int64_t> missing, extra, different;
};

class Verifier {
public:
  Verifier(const config::Config& config, pqxx::transaction_base& source,
           pqxx::transaction_base& target)
      : m_c(config), m_src(source), m_tgt(target) {
    for (const auto& s : config.closed_statuses) {
      m_closed.push_back(s);
    }
  }

  // Compares one table; fills `drift` and returns the differing keys and ranges. obs::Progress: the
  // source rows summarized, then the differing ranges whose rows were compared.
  Keys compare(const Spec& spec, TableDrift& drift, std::vector<std::int64_t>& differing,
               obs::Progress& progress, std::int64_t estimate) {
    auto& shown = progress.start(drift.table, estimate);
    // The two servers work at the same time (separate connections, one thread each).
    auto source_side = std::async(std::launch::async, [&] { return summary(spec, true); });
    const Summary tgt = summary(spec, false);
    const Summary src = source_side.get();
    for (const auto& [bucket, range] : src) {
      shown.add(range.first);
    }
    progress.finish(shown);
    differing.clear();
    auto a = src.begin();
    auto b = tgt.begin();
    std::int64_t ranges = 0;
    while (a != src.end() || b != tgt.end()) {
      ++ranges;
      if (b == tgt.end() || (a != src.end() && a->first < b->first)) {
        drift.source_rows += a->second.first;
        differing.push_back((a++)->first);
      } else if (a == src.end() || b->first < a->first) {
        drift.target_rows += b->second.first;
        differing.push_back((b++)->first);
      } else {
        drift.source_rows += a->second.first;
        drift.target_rows += b->second.first;
        if (a->second != b->second) {
          differing.push_back(a->first);
        }
        ++a;
        ++b;
      }
    }
    drift.ranges = ranges;
    drift.ranges_differing = static_cast<std::int64_t>(differing.size());
    obs::Progress::Table* compared = nullptr;
    if (!differing.empty()) {
      compared = &progress.start_steps(drift.table + " differing ranges",
                                       static_cast<std::int64_t>(differing.size()));
    }
    Keys keys = rows(spec, differing, compared);
    if (compared != nullptr) {
      progress.finish(*compared);
    }
    drift.missing = static_cast<std::int64_t>(keys.missing.size());
    drift.extra = static_cast<std::int64_t>(keys.extra.size());
    drift.different = static_cast<std::int64_t>(keys.different.size());
    auto first = [](const std::vector<std::int64_t>& v) {
      return std::vector<std::int64_t>(
          v.begin(), v.begin() + static_cast<std::ptrdiff_t>(std::min(v.size(), k_shown_keys)));
    };
    drift.missing_keys = first(keys.missing);
    drift.extra_keys = first(keys.extra);
    drift.different_keys = first(keys.different);
    return keys;
  }

  // The differences left in `buckets` (after a repair).
  std::int64_t recount(const Spec& spec, const std::vector<std::int64_t>& buckets) {
    const Keys k = rows(spec, buckets);
    return static_cast<std::int64_t>(k.missing.size() + k.extra.size() + k.different.size());
  }

private:
  std::string render(const Spec& spec, bool source, const std::vector<std::int64_t>& buckets) {
    const std::string_view key = source ? spec.source_key : spec.target_key;
    std::map<std::string, std::string> values{
        {"s", db::quote_ident(m_c.source_schema)},
        {"t", db::quote_ident(m_c.target_schema)},
        {"filter", bucket_filter(key, buckets)},
        // The closed statuses are the queries' $1.
        {"is_open", etl::is_open_sql("o.status", "$1::text[]")},
        {"order_totals", source ? etl::order_totals_sql("i.quanity", "p.unity_price")
                                : etl::order_totals_sql("i.quantity", "i.price")},
    };
    if (spec.items_by_order) {
      values["item_filter"] = bucket_filter("i.order_id", buckets);
    }
    return db::render(without_comments(source ? spec.source_sql : spec.target_sql), values);
  }

  pqxx::result exec(const Spec& spec, bool source, const std::string& sql) {
    if (source) {
      return spec.closed_param ? m_src.exec_params(sql, db::text_array(m_closed)) : m_src.exec(sql);
    }
    return m_tgt.exec(sql);
  }

  Summary summary(const Spec& spec, bool source) {
    const std::string sql =
        db::render(without_comments(sql::ops_verify_summary),
                   {{"rows", render(spec, source, {})}, {"bits", std::to_string(k_verify_bits)}});
    Summary out;
    for (const auto& r : exec(spec, source, sql)) {
      out[r[0].as<std::int64_t>()] = {r[1].as<std::int64_t>(), r[2].as<std::string>()};
    }
    return out;
  }

  // The keys that differ in `buckets`, compared row by row; `done`, if given, is told each range.
  Keys rows(const Spec& spec, const std::vector<std::int64_t>& buckets,
            obs::Progress::Table* done = nullptr) {
    Keys keys;
    for (std::size_t i = 0; i < buckets.size(); i += k_buckets_per_pass) {
      const std::vector<std::int64_t> chunk(
          buckets.begin() + static_cast<std::ptrdiff_t>(i),
          buckets.begin() +
              static_cast<std::ptrdiff_t>(std::min(buckets.size(), i + k_buckets_per_pass)));
      auto fetch = [&](bool source) {
        std::map<std::int64_t, std::string> out;
        for (const auto& r : exec(spec, source, render(spec, source, chunk))) {
          out.emplace(r[0].as<std::int64_t>(), r[1].as<std::string>(""));
        }
        return out;
      };
      auto source_side = std::async(std::launch::async, fetch, true);
      const std::map<std::int64_t, std::string> tgt = fetch(false);
      const std::map<std::int64_t, std::string> src = source_side.get();
      auto a = src.begin();
      auto b = tgt.begin();
      while (a != src.end() || b != tgt.end()) {
        if (b == tgt.end() || (a != src.end() && a->first < b->first)) {
          keys.missing.push_back((a++)->first);
        } else if (a == src.end() || b->first < a->first) {
          keys.extra.push_back((b++)->first);
        } else {
          if (a->second != b->second) {
            keys.different.push_back(a->first);
          }
          ++a;
          ++b;
        }
      }
      if (done != nullptr) {
        done->add(static_cast<std::int64_t>(chunk.size()));
      }
    }
    return keys;
  }

  const config::Config& m_c;
  pqxx::transaction_base& m_src;
  pqxx::transaction_base& m_tgt;
  std::vector<std::string> m_closed;
};

// Both sessions print values the same way, whatever their users' settings.
void pin_session(pqxx::transaction_base& tx) {
  tx.exec("SET LOCAL datestyle = ISO");
  tx.exec("SET LOCAL intervalstyle = postgres");
  tx.exec("SET LOCAL work_mem = '64MB'");
}

// --repair: stages the source rows of the missing and different keys and the deletes of the
// extra keys of every table, then runs the ordinary merge over them.
std::int64_t stage_repair(const config::Config& c, pqxx::transaction_base& src, etl::Stager& stager,
                          pqxx::transaction_base& tgt, const std::vector<Spec>& all,
                          const std::vector<Keys>& keys, std::vector<std::string>& key_tables) {
  std::int64_t staged = 0;
  for (std::size_t i = 0; i < all.size(); ++i) {
    const etl::TableSpec& t = *all[i].table;
    std::vector<std::int64_t> wanted = keys[i].missing;
    wanted.insert(wanted.end(), keys[i].different.begin(), keys[i].different.end());
    std::sort(wanted.begin(), wanted.end());
    for (std::size_t j = 0; j < wanted.size(); j += k_rows_per_fetch) {
      const std::vector<std::int64_t> part(
          wanted.begin() + static_cast<std::ptrdiff_t>(j),
          wanted.begin() +
              static_cast<std::ptrdiff_t>(std::min(wanted.size(), j + k_rows_per_fetch)));
      std::vector<std::vector<std::optional<std::string>>> rows;
      for (const auto& r : src.exec_params(
               fmt::format("SELECT {} FROM {} WHERE {} = ANY($1::bigint[])", t.columns,
                           db::qualify(c.source_schema, t.source), db::quote_ident(t.pk)),
               bigint_array(part))) {
        std::vector<std::optional<std::string>> row;
        row.reserve(r.size());
        for (const auto& f : r) {
          row.push_back(f.is_null() ? std::nullopt : std::optional<std::string>(f.c_str()));
        }
        rows.push_back(std::move(row));
      }
      staged += static_cast<std::int64_t>(rows.size());
      stager.stage_rows(t, rows);
    }
    if (!keys[i].extra.empty()) {
      stager.stage_deletes(t, keys[i].extra);
      key_tables.emplace_back(t.source);
      staged += static_cast<std::int64_t>(keys[i].extra.size());
    }
    if (t.source == "orders" && !wanted.empty()) {
      // Totals and item fan-outs of these orders are recomputed even where the order's own
      // source row equals the target's (a wrong total_amount).
      tgt.exec_params(std::string(sql::ops_verify_touch_orders), bigint_array(wanted));
    }
  }
  return staged;
}

std::string keys_text(const std::vector<std::int64_t>& keys, std::int64_t total) {
  std::string out;
  for (const auto k : keys) {
    out += (out.empty() ? "" : ", ") + std::to_string(k);
  }
  if (total > static_cast<std::int64_t>(keys.size())) {
    out += fmt::format(", ... ({} more)", total - static_cast<std::int64_t>(keys.size()));
  }
  return out;
}

} // namespace

bool VerifyReport::drift() const {
  return std::any_of(tables.begin(), tables.end(), [](const TableDrift& t) { return !t.equal(); });
}

bool VerifyReport::unresolved() const {
  if (!repair) {
    return drift();
  }
  return std::any_of(tables.begin(), tables.end(),
                     [](const TableDrift& t) { return t.remaining > 0; });
}

std::string VerifyReport::to_text() const {
  std::string out;
  for (const auto& t : tables) {
    out += fmt::format("{:<23} {:>9} source, {:>9} target rows: ", t.table, t.source_rows,
                       t.target_rows);
    if (t.equal()) {
      out += "equal\n";
      continue;
    }
    out += fmt::format("{} missing, {} extra, {} different ({} of {} key ranges differ)", t.missing,
                       t.extra, t.different, t.ranges_differing, t.ranges);
    if (repair) {
      out += t.remaining == 0 ? ": repaired" : fmt::format(": {} left after repair", t.remaining);
    }
    out += '\n';
    if (t.missing > 0) {
      out += "  missing:   " + keys_text(t.missing_keys, t.missing) + "\n";
    }
    if (t.extra > 0) {
      out += "  extra:     " + keys_text(t.extra_keys, t.extra) + "\n";
    }
    if (t.different > 0) {
      out += "  different: " + keys_text(t.different_keys, t.different) + "\n";
    }
  }
  if (!drift()) {
    out += fmt::format("verify: the target equals the source ({:.2f} s)\n", seconds);
  } else if (!repair) {
    out += fmt::format("verify: the target differs from the source ({:.2f} s); acme verify "
                       "--repair rewrites exactly these rows\n",
                       seconds);
  } else if (!unresolved()) {
    out += fmt::format("verify: repaired: {} source rows and deletes merged, {} target rows "
                       "written, in one transaction ({:.2f} s)\n",
                       rows_staged, rows_written, seconds);
  } else {
    out += fmt::format("verify: the repair left differences ({:.2f} s)\n", seconds);
  }
  return out;
}

nlohmann::json VerifyReport::to_json() const {
  nlohmann::json j;
  j["equal"] = !drift();
  j["repair"] = repair;
  j["tables"] = nlohmann::json::object();
  for (const auto& t : tables) {
    nlohmann::json x{{"source_rows", t.source_rows}, {"target_rows", t.target_rows},
                     {"key_ranges", t.ranges},       {"key_ranges_differing", t.ranges_differing},
                     {"missing", t.missing},         {"extra", t.extra},
                     {"different", t.different},     {"missing_keys", t.missing_keys},
                     {"extra_keys", t.extra_keys},   {"different_keys", t.different_keys}};
    if (repair) {
      x["remaining"] = t.remaining;
    }
    j["tables"][t.table] = x;
  }
  if (repair) {
    j["rows_staged"] = rows_staged;
    j["rows_written"] = rows_written;
  }
  j["seconds"] = seconds;
  return j;
}

VerifyReport run_verify(const config::Config& config, bool repair) {
  const auto t0 = std::chrono::steady_clock::now();
  VerifyReport report;
  report.repair = repair;
  const std::string app = fmt::format("acme verify (pid {})", ::getpid());
  auto target = db::connect(config.target_dsn, "target", app);
  if (repair) {
    db::acquire_writer_lock(*target, config.target_schema, config.lock_wait);
  }
  const int version = db::current_version(*target, config.target_schema);
  const int latest = db::embedded_migrations().back().version;
  if (version == 0) {
    throw Fatal(fmt::format("the target schema {} holds no acme data yet: run acme run-etl first",
                            config.target_schema));
  }
  if (version != latest) {
    throw Fatal(fmt::format("the target schema {} is at migration {}, this acme expects {}: run "
                            "acme migrate (or a sync) first",
                            config.target_schema, version, latest));
  }
  auto source = db::connect(config.source_dsn, "source", app);
  try {
    // One consistent source snapshot for everything, and a stable target: a snapshot of its own
    // for a check; for a repair, the writer lock keeps every other acme out.
    ReadTx stx(*source, "acme verify");
    pin_session(stx);
    std::unique_ptr<pqxx::transaction_base> ttx;
    if (repair) {
      ttx = std::make_unique<pqxx::work>(*target, "acme verify repair");
    } else {
      ttx = std::make_unique<ReadTx>(*target, "acme verify");
    }
    pin_session(*ttx);
    Verifier verifier(config, stx, *ttx);
    const auto all = specs();
    // Per table: rows of the source summarized so far, against the source's row estimate.
    // PostgreSQL returns a table's summary at once, so the count moves table by table.
    auto progress = std::make_unique<obs::Progress>("verify");
    const auto estimates = etl::source_row_estimates(stx, config.source_schema);
    std::vector<Keys> keys;
    std::vector<std::vector<std::int64_t>> differing(all.size());
    for (std::size_t i = 0; i < all.size(); ++i) {
      TableDrift d;
      d.table = std::string(all[i].target);
      keys.push_back(verifier.compare(all[i], d, differing[i], *progress,
                                      estimates.at(std::string(all[i].table->source))));
      spdlog::debug("verify {}: {} ranges, {} differ", d.table, d.ranges, d.ranges_differing);
      report.tables.push_back(std::move(d));
    }
    progress.reset();
    if (repair && report.drift()) {
      etl::Stager stager(*ttx, config.target_schema);
      stager.prepare(config.closed_statuses);
      const bool closed_changed =
          etl::SyncState(*ttx, config.target_schema).store_closed_statuses(config.closed_statuses);
      std::vector<std::string> key_tables;
      report.rows_staged = stage_repair(config, stx, stager, *ttx, all, keys, key_tables);
      report.rows_written =
          etl::Transformer(*ttx, config.target_schema).merge(key_tables, closed_changed).total();
      for (std::size_t i = 0; i < all.size(); ++i) {
        report.tables[i].remaining = verifier.recount(all[i], differing[i]);
      }
      ttx->commit();
    }
  } catch (const LockedError&) {
    throw;
  } catch (const Fatal&) {
    throw;
  } catch (...) {
    db::rethrow_classified(repair ? "verify --repair" : "verify");
  }
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return report;
}

} // namespace acme::ops
