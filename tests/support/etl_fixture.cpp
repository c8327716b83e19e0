#include "support/etl_fixture.hpp"

#include "acme/db/connection.hpp"

#include <pqxx/pqxx>

namespace acme::test {

config::Config EtlTest::config() const {
  config::Config c;
  c.source_dsn = source_dsn();
  c.target_dsn = target_dsn();
  c.source_schema = m_source_schema;
  c.target_schema = m_target_schema;
  c.batch_size = m_batch_size;
  c.closed_statuses = m_closed;
  return c;
}

etl::SyncResult EtlTest::sync(etl::SyncRequest request) {
  etl::Syncer syncer(config(), {});
  return syncer.sync(request);
}

void EtlTest::expect_invariant(const std::string& when) {
  const auto v = invariant_violations(*m_src, m_source_schema, *m_tgt, m_target_schema, m_closed);
  std::string text;
  for (std::size_t i = 0; i < v.size() && i < 25; ++i) {
    text += "  " + v[i] + "\n";
  }
  EXPECT_TRUE(v.empty()) << v.size() << " invariant violation(s) " << when << ":\n" << text;
}

std::string EtlTest::src(const std::string& name) const {
  return db::qualify(m_source_schema, name);
}

std::string EtlTest::tgt(const std::string& name) const {
  return db::qualify(m_target_schema, name);
}

std::string EtlTest::tgt_value(const std::string& sql) {
  const auto r = tgt_exec(sql);
  return r[0][0].is_null() ? "<NULL>" : r[0][0].as<std::string>();
}

std::string EtlTest::src_value(const std::string& sql) {
  const auto r = src_exec(sql);
  return r[0][0].is_null() ? "<NULL>" : r[0][0].as<std::string>();
}

} // namespace acme::test
