#include "acme/report/report_writer.hpp"

#include "acme/report/atomic_file.hpp"
#include "acme/report/csv_writer.hpp"
#include "acme/report/html_report.hpp"

#include <algorithm>
#include <map>
#include <utility>

namespace acme::report {
namespace {

// One CSV per selected report, streamed straight into its temp file (bounded memory).
class CsvReportWriter final : public ReportWriter {
public:
  CsvReportWriter(std::filesystem::path dir, std::vector<const Report*> reports, mode_t mode)
      : m_dir(std::move(dir)), m_reports(std::move(reports)), m_mode(mode) {}

  bool wants(const Report& report) const override {
    return std::find(m_reports.begin(), m_reports.end(), &report) != m_reports.end();
  }

  void begin_report(const Report& report) override {
    auto file = std::make_unique<AtomicFile>(m_dir / report.file_name, m_mode);
    AtomicFile* out = file.get();
    m_files.push_back(Staged{std::move(file), &report, 0});
    m_writer = std::make_unique<CsvWriter>(report.columns,
                                           [out](std::string_view bytes) { out->write(bytes); });
    m_writer->write_header();
  }

  void write_row(const Cells& cells) override { m_writer->write_row(cells); }

  void end_report() override {
    m_writer->flush();
    m_files.back().rows = m_writer->rows();
    m_writer.reset();
  }

  void finish(const SnapshotInfo& /*snapshot*/) override {}

  std::vector<WrittenFile> publish() override {
    std::vector<WrittenFile> written;
    for (auto& f : m_files) {
      f.file->commit();
      written.push_back(WrittenFile{"csv", f.file->destination(), {f.report}, f.rows, {}, {}});
    }
    return written;
  }

private:
  struct Staged {
    std::unique_ptr<AtomicFile> file;
    const Report* report;
    std::int64_t rows;
  };

  std::filesystem::path m_dir;
  std::vector<const Report*> m_reports;
  mode_t m_mode;
  std::vector<Staged> m_files;
  std::unique_ptr<CsvWriter> m_writer;
};

// report.html: keeps the rows each section shows (html_sections() bounds them), renders the
// page once every report has been read.
class HtmlReportWriter final : public ReportWriter {
public:
  HtmlReportWriter(std::filesystem::path dir, mode_t mode) : m_dir(std::move(dir)), m_mode(mode) {}

  bool wants(const Report& report) const override {
    return find_html_section(report.name) != nullptr;
  }

  void begin_report(const Report& report) override {
    m_current = &m_data[std::string(report.name)];
    m_keep = find_html_section(report.name)->keep_rows;
    m_reports.push_back(&report);
  }

  void write_row(const Cells& cells) override {
    ++m_current->total;
    if (m_current->rows.size() >= m_keep) {
      return;
    }
    auto& row = m_current->rows.emplace_back();
    row.reserve(cells.size());
    for (const auto& c : cells) {
      row.push_back(c ? std::optional<std::string>(std::string(*c)) : std::nullopt);
    }
  }

  void end_report() override { m_current = nullptr; }

  void finish(const SnapshotInfo& snapshot) override {
    m_file = std::make_unique<AtomicFile>(m_dir / k_html_file, m_mode);
    m_file->write(render_html_report(snapshot, m_data));
  }

  std::vector<WrittenFile> publish() override {
    m_file->commit();
    return {WrittenFile{"html", m_file->destination(), m_reports, 0, {}, {}}};
  }

private:
  std::filesystem::path m_dir;
  mode_t m_mode;
  std::map<std::string, ReportRows, std::less<>> m_data;
  std::vector<const Report*> m_reports;
  ReportRows* m_current = nullptr;
  std::size_t m_keep = 0;
  std::unique_ptr<AtomicFile> m_file;
};

} // namespace

std::unique_ptr<ReportWriter> make_csv_writer(std::filesystem::path dir,
                                              std::vector<const Report*> reports, mode_t mode) {
  return std::make_unique<CsvReportWriter>(std::move(dir), std::move(reports), mode);
}

std::unique_ptr<ReportWriter> make_html_writer(std::filesystem::path dir, mode_t mode) {
  return std::make_unique<HtmlReportWriter>(std::move(dir), mode);
}

} // namespace acme::report
