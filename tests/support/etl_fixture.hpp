#pragma once

#include "acme/config/config.hpp"
#include "acme/etl/sync.hpp"
#include "support/oracle.hpp"
#include "support/pg.hpp"

#include <optional>
#include <string>
#include <vector>

namespace acme::test {

// A PgTest that runs the ETL in-process against its schemas and checks the invariant.
class EtlTest : public PgTest {
protected:
  // Configuration pointing at this test's schemas.
  config::Config config() const;

  // One `acme run-etl` equivalent (fresh Syncer: connect, lock, migrate, batches). With m_cdc,
  // `acme run-etl --mode cdc` instead: this test's publication and slot (created on first use,
  // dropped in TearDown), everything committed so far applied; the request is ignored.
  etl::SyncResult sync(etl::SyncRequest request = {});

  // The configuration of CDC mode for this test (its own publication and slot).
  config::Config cdc_config();

  // Environment entries running the acme binary in CDC mode with this test's slot and
  // publication, flushing every 5 ms.
  std::vector<std::string> cdc_env();

  void TearDown() override;

  // Two customers, two products, 20 orders (every fifth COMPLETED) and 60 items.
  void seed();

  // A column of this test's replication slot as text ("<NULL>" if NULL, an error if none).
  std::string slot_value(const std::string& column);

  // Fails the test with the first differences if the invariant does not hold.
  void expect_invariant(const std::string& when = "");

  // The source table `name` of this test, quoted.
  std::string src(const std::string& name) const;
  // The target table `name` of this test, quoted.
  std::string tgt(const std::string& name) const;

  // A scalar query on the target / source, as text ("<NULL>" for NULL).
  std::string tgt_value(const std::string& sql);
  std::string src_value(const std::string& sql);

  bool m_cdc = false; // sync() streams the source's changes instead of polling
  std::string m_slot;
  std::string m_publication;
  long m_batch_size = 500000;
  int m_jobs = 2; // connections per side of a full load
  std::vector<std::string> m_closed{"COMPLETED", "CANCELLED"};
  std::optional<int> m_history_days; // ACME_HISTORY_DAYS of sync(); empty: keep everything
};

} // namespace acme::test
