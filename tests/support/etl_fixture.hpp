#pragma once

#include "acme/config/config.hpp"
#include "acme/etl/sync.hpp"
#include "support/oracle.hpp"
#include "support/pg.hpp"

#include <string>

namespace acme::test {

// A PgTest that runs the ETL in-process against its schemas and checks the invariant.
class EtlTest : public PgTest {
protected:
  // Configuration pointing at this test's schemas.
  config::Config config() const;

  // One `acme run-etl` equivalent (fresh Syncer: connect, lock, migrate, batches).
  etl::SyncResult sync(etl::SyncRequest request = {});

  // Fails the test with the first differences if the invariant does not hold.
  void expect_invariant(const std::string& when = "");

  // The source table `name` of this test, quoted.
  std::string src(const std::string& name) const;
  // The target table `name` of this test, quoted.
  std::string tgt(const std::string& name) const;

  // A scalar query on the target / source, as text ("<NULL>" for NULL).
  std::string tgt_value(const std::string& sql);
  std::string src_value(const std::string& sql);

  long m_batch_size = 500000;
  std::vector<std::string> m_closed{"COMPLETED", "CANCELLED"};
};

} // namespace acme::test
