#include "acme/report/exporter.hpp"

#include "acme/db/connection.hpp"
#include "acme/error.hpp"
#include "acme/quality/anomalies.hpp"
#include "acme/quality/profile.hpp"
#include "acme/report/atomic_file.hpp"
#include "acme/report/quality_csv.hpp"
#include "acme/sql/embedded.hpp"
#include "acme/version.hpp"

#include <cctype>
#include <fmt/format.h>
#include <memory>
#include <optional>
#include <pqxx/pqxx>
#include <spdlog/spdlog.h>
#include <sstream>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

namespace acme::report {
namespace {

// Rows fetched per round trip: bounds memory whatever a report's size.
constexpr int k_fetch_rows = 10000;

constexpr std::string_view k_cursor = "acme_report_cursor";

// The tables a report snapshot reads; their absence means the ETL never ran here.
constexpr std::string_view k_required_tables[] = {
    "analytical_orders", "analytical_order_items", "acme_sync_state",
    "acme_runs",         "acme_settings",          "analytical_order_status_history"};

nlohmann::ordered_json json_or_null(const pqxx::field& f) {
  if (f.is_null()) {
    return nullptr;
  }
  return std::string(f.c_str(), f.size());
}

nlohmann::ordered_json int_or_null(const pqxx::field& f) {
  if (f.is_null()) {
    return nullptr;
  }
  return f.as<std::int64_t>();
}

std::string snapshot_time(pqxx::transaction_base& tx) {
  return tx.exec1("SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')")
      .front()
      .as<std::string>();
}

// Creates the output directory (mode 0750: reports hold personal data), or accepts an existing
// one only if it belongs to the user acme runs as and no one else may write to it: another
// user could otherwise read the reports or replace them between two exports.
void create_output_dir(const std::filesystem::path& dir) {
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) {
    std::filesystem::create_directories(dir, ec);
    if (!ec) {
      std::filesystem::permissions(dir, std::filesystem::perms(0750),
                                   std::filesystem::perm_options::replace, ec);
    }
  }
  struct stat st {};
  if (ec || ::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    throw Error(fmt::format("cannot create the output directory {}: {}", dir.string(),
                            ec ? ec.message() : std::string("not a directory")));
  }
  if (st.st_uid != ::geteuid()) {
    throw UsageError(
        fmt::format("the output directory {} belongs to uid {}, not to uid {} that acme "
                    "runs as: refusing to write personal data where another user controls "
                    "the files (use a directory of acme's own)",
                    dir.string(), st.st_uid, ::geteuid()));
  }
  if ((st.st_mode & S_IWOTH) != 0 && (st.st_mode & S_ISVTX) == 0) {
    throw UsageError(fmt::format("the output directory {} is writable by every user (mode {:04o}): "
                                 "refusing to write reports there (chmod o-w it, or use another)",
                                 dir.string(), st.st_mode & 07777));
  }
}

// data_profile.csv, written invisibly from `tx`'s snapshot; published with the reports.
struct ProfileFile {
  std::unique_ptr<AtomicFile> file;
  std::int64_t rows = 0;

  void write(pqxx::transaction_base& tx, const ExportOptions& options) {
    const quality::ProfileResult profile = quality::profile(tx, options.target_schema);
    std::ostringstream csv;
    write_profile_csv(profile, csv);
    file = std::make_unique<AtomicFile>(options.output_dir / k_profile_file, options.file_mode);
    file->write(csv.str());
    rows = static_cast<std::int64_t>(profile.columns.size());
  }

  WrittenFile publish() {
    file->commit();
    return WrittenFile{"csv", file->destination(), {},
                       rows,  "profile",           quality::profile_csv_header()};
  }
};

} // namespace

void prepare_snapshot(pqxx::transaction_base& tx) {
  tx.exec0("SET LOCAL DateStyle = 'ISO, YMD'");
}

void check_target_schema(pqxx::transaction_base& tx, const std::string& schema) {
  const auto ns =
      tx.exec_params("SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1", schema);
  if (ns.empty()) {
    throw Fatal(fmt::format(
        "the target has no acme schema '{}': run acme run-etl (or acme migrate) first", schema));
  }
  for (const auto table : k_required_tables) {
    const auto r =
        tx.exec_params1("SELECT to_regclass($1) IS NOT NULL", db::qualify(schema, table));
    if (!r.front().as<bool>()) {
      throw Fatal(fmt::format("the target schema '{}' has no table {}: run acme run-etl (or acme "
                              "migrate) first",
                              schema, table));
    }
  }
}

std::int64_t run_report(pqxx::transaction_base& tx, const ReportParams& params,
                        const Report& report, const std::function<void(const Cells&)>& on_row) {
  std::string sql = report_sql(report, params);
  while (!sql.empty() &&
         (sql.back() == ';' || std::isspace(static_cast<unsigned char>(sql.back())) != 0)) {
    sql.pop_back();
  }
  tx.exec0(fmt::format("DECLARE {} NO SCROLL CURSOR FOR\n{}", k_cursor, sql));
  const std::string fetch = fmt::format("FETCH FORWARD {} FROM {}", k_fetch_rows, k_cursor);
  Cells cells(report.columns.size());
  std::int64_t rows = 0;
  bool checked = false;
  for (;;) {
    const pqxx::result batch = tx.exec(fetch);
    if (!checked) {
      std::vector<std::string> got;
      for (pqxx::row_size_type i = 0; i < batch.columns(); ++i) {
        got.emplace_back(batch.column_name(i));
      }
      bool same = got.size() == report.columns.size();
      for (std::size_t i = 0; same && i < got.size(); ++i) {
        same = got[i] == report.columns[i].name;
      }
      if (!same) {
        throw Error(fmt::format("report {}: the query returns columns ({}) instead of the "
                                "catalog's: this is a bug",
                                report.name, fmt::join(got, ",")));
      }
      checked = true;
    }
    if (batch.empty()) {
      break;
    }
    for (const auto& row : batch) {
      for (std::size_t i = 0; i < cells.size(); ++i) {
        const pqxx::field f = row[static_cast<pqxx::row::size_type>(i)];
        cells[i] = f.is_null()
                       ? std::nullopt
                       : std::optional<std::string_view>(std::string_view(f.c_str(), f.size()));
      }
      on_row(cells);
      ++rows;
    }
  }
  tx.exec0(fmt::format("CLOSE {}", k_cursor));
  return rows;
}

std::int64_t run_report(pqxx::transaction_base& tx, const ReportParams& params,
                        const Report& report, CsvWriter& writer) {
  writer.write_header();
  run_report(tx, params, report, [&writer](const Cells& cells) { writer.write_row(cells); });
  writer.flush();
  return writer.rows();
}

nlohmann::ordered_json read_sync_state(pqxx::transaction_base& tx, const std::string& schema) {
  nlohmann::ordered_json state = nlohmann::ordered_json::object();
  const auto last = tx.exec(db::with_schema(sql::reports_manifest_last_sync, schema));
  if (last.empty()) {
    state["last_successful_sync_at"] = nullptr;
    state["last_successful_run"] = nullptr;
  } else {
    const auto& row = last.front();
    state["last_successful_sync_at"] = json_or_null(row["finished_at"]);
    state["last_successful_run"] = {{"run_id", int_or_null(row["run_id"])},
                                    {"mode", json_or_null(row["mode"])},
                                    {"started_at", json_or_null(row["started_at"])},
                                    {"finished_at", json_or_null(row["finished_at"])}};
  }
  nlohmann::ordered_json cursors = nlohmann::ordered_json::object();
  for (const auto& row : tx.exec(db::with_schema(sql::reports_manifest_cursors, schema))) {
    cursors[row["table_name"].as<std::string>()] = {
        {"cursor_ts", json_or_null(row["cursor_ts"])},
        {"cursor_pk", int_or_null(row["cursor_pk"])},
        {"last_full_at", json_or_null(row["last_full_at"])},
        {"last_reconciled_at", json_or_null(row["last_reconciled_at"])},
        {"updated_at", json_or_null(row["updated_at"])}};
  }
  state["cursors"] = std::move(cursors);
  nlohmann::ordered_json settings = nlohmann::ordered_json::object();
  for (const auto& row : tx.exec(db::with_schema(
           "SELECT key, value::text AS value FROM {schema}.acme_settings ORDER BY key", schema))) {
    settings[row["key"].as<std::string>()] =
        nlohmann::ordered_json::parse(row["value"].as<std::string>());
  }
  state["target_settings"] = std::move(settings);
  return state;
}

nlohmann::ordered_json make_manifest(const std::string& generated_at, const ExportOptions& options,
                                     const nlohmann::ordered_json& sync_state,
                                     const std::vector<WrittenFile>& files) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const auto& f : files) {
    if (!f.name.empty()) {
      list.push_back({{"report", f.name},
                      {"file", f.path.filename().string()},
                      {"format", f.format},
                      {"rows", f.rows},
                      {"columns", f.columns}});
    } else if (f.format == "csv" && f.reports.size() == 1) {
      nlohmann::ordered_json columns = nlohmann::ordered_json::array();
      for (const auto& c : f.reports.front()->columns) {
        columns.push_back(std::string(c.name));
      }
      nlohmann::ordered_json entry{{"report", std::string(f.reports.front()->name)},
                                   {"file", f.path.filename().string()},
                                   {"format", f.format},
                                   {"rows", f.rows},
                                   {"columns", std::move(columns)}};
      if (f.reports.front()->name == "status-durations") {
        entry["days"] = options.status_days;
      }
      list.push_back(std::move(entry));
    } else {
      nlohmann::ordered_json reports = nlohmann::ordered_json::array();
      for (const auto* r : f.reports) {
        reports.push_back(std::string(r->name));
      }
      nlohmann::ordered_json entry{{"file", f.path.filename().string()},
                                   {"format", f.format},
                                   {"reports", std::move(reports)}};
      if (std::any_of(f.reports.begin(), f.reports.end(),
                      [](const Report* r) { return r->name == "status-durations"; })) {
        entry["status_durations_days"] = options.status_days;
      }
      list.push_back(std::move(entry));
    }
  }
  // "Open" in the reports is the is_open the ETL stored, computed with the closed set recorded
  // in the target: report that set, and say so if this configuration differs (the next sync
  // will recompute openness with the configured one).
  nlohmann::ordered_json closed(options.closed_statuses);
  if (sync_state.contains("target_settings") &&
      sync_state["target_settings"].contains("closed_statuses")) {
    closed = sync_state["target_settings"]["closed_statuses"];
    auto configured = options.closed_statuses;
    std::sort(configured.begin(), configured.end());
    configured.erase(std::unique(configured.begin(), configured.end()), configured.end());
    if (closed != nlohmann::ordered_json(configured)) {
      spdlog::warn("the reports use the closed statuses {} that the last sync applied, not the "
                   "configured ones; the next sync applies the configuration",
                   closed.dump());
    }
  }
  return {{"generated_at", generated_at},
          {"acme_version", std::string(version())},
          {"target_schema", options.target_schema},
          {"closed_statuses", std::move(closed)},
          {"sync", sync_state},
          {"files", std::move(list)}};
}

ExportSummary export_to_directory(pqxx::connection& target, const ExportOptions& options) {
  std::vector<std::unique_ptr<ReportWriter>> writers;
  if (!options.reports.empty()) {
    writers.push_back(make_csv_writer(options.output_dir, options.reports, options.file_mode));
  }
  if (options.html) {
    writers.push_back(make_html_writer(options.output_dir, options.file_mode));
  }
  ProfileFile profile;
  std::string generated_at;
  nlohmann::ordered_json sync;
  std::optional<quality::AnomalyResult> anomalies;
  try {
    target.set_client_encoding("UTF8");
    SnapshotTransaction tx(target);
    prepare_snapshot(tx);
    check_target_schema(tx, options.target_schema);
    generated_at = snapshot_time(tx);
    sync = read_sync_state(tx, options.target_schema);
    create_output_dir(options.output_dir);
    // Each report runs once, whichever formats need it: they all see the same rows.
    for (const Report& report : catalog()) {
      std::vector<ReportWriter*> readers;
      for (auto& w : writers) {
        if (w->wants(report)) {
          readers.push_back(w.get());
        }
      }
      if (readers.empty()) {
        continue;
      }
      for (auto* w : readers) {
        w->begin_report(report);
      }
      const ReportParams params{options.target_schema, options.status_days};
      const auto rows = run_report(tx, params, report, [&readers](const Cells& c) {
        for (auto* w : readers) {
          w->write_row(c);
        }
      });
      for (auto* w : readers) {
        w->end_report();
      }
      spdlog::debug("report {}: {} rows", report.name, rows);
    }
    if (options.html) {
      anomalies = quality::anomalies(tx, options.target_schema);
    }
    if (options.profile) {
      profile.write(tx, options);
    }
    tx.commit();
    const SnapshotInfo info{generated_at, options.target_schema, sync, anomalies};
    for (auto& w : writers) {
      w->finish(info);
    }
  } catch (...) {
    db::rethrow_classified("exporting reports from the target");
  }
  // Every query and every format succeeded: publish the files, then the manifest that
  // describes them.
  ExportSummary summary;
  for (auto& w : writers) {
    auto files = w->publish();
    summary.files.insert(summary.files.end(), files.begin(), files.end());
  }
  if (profile.file) {
    summary.files.push_back(profile.publish());
  }
  AtomicFile manifest(options.output_dir / k_manifest_file, options.file_mode);
  manifest.write(make_manifest(generated_at, options, sync, summary.files).dump(2) + "\n");
  manifest.commit();
  summary.manifest = manifest.destination();
  return summary;
}

std::int64_t export_to_sink(pqxx::connection& target, const ReportParams& params,
                            const Report& report, const Sink& sink) {
  try {
    target.set_client_encoding("UTF8");
    SnapshotTransaction tx(target);
    prepare_snapshot(tx);
    check_target_schema(tx, params.schema);
    CsvWriter writer(report.columns, sink);
    const auto rows = run_report(tx, params, report, writer);
    tx.commit();
    return rows;
  } catch (...) {
    db::rethrow_classified("exporting a report from the target");
  }
}

} // namespace acme::report
