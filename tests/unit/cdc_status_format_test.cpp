#include "acme/cdc/status.hpp"

#include <gtest/gtest.h>

namespace {

nlohmann::json report() {
  return {{"mode", "cdc"},
          {"slot", "acme"},
          {"publication", "cdc_publication"},
          {"applied_lsn", "0/3000"},
          {"needs_snapshot", false},
          {"slot_exists", true},
          {"active", true},
          {"active_pid", 42},
          {"confirmed_flush_lsn", "0/3000"},
          {"lag_bytes", 2097152},
          {"retained_bytes", 512},
          {"lag_seconds", 0.25},
          {"lag_basis", "flush_lag"},
          {"wal_status", "reserved"},
          {"safe_wal_size", 1073741824},
          {"max_slot_wal_keep_size", "1GB"},
          {"warnings", nlohmann::json::array()}};
}

TEST(CdcStatusFormat, BoundedRetentionActiveSlot) {
  EXPECT_EQ(acme::cdc::format_status(report()),
            "cdc:             mode cdc, slot acme (publication cdc_publication), applied to the "
            "target up to 0/3000\n"
            "  slot:          active (pid 42), confirmed_flush_lsn 0/3000\n"
            "  lag:           2097152 bytes (2.0 MB), 0.250 s (the walsender's flush_lag: from WAL "
            "written to acme's confirmation)\n"
            "  wal:           wal_status reserved, safe_wal_size 1073741824 bytes (1024.0 MB), "
            "retained 512 bytes, max_slot_wal_keep_size 1GB\n");
}

TEST(CdcStatusFormat, WarningsAndUnreachableSource) {
  auto j = report();
  j["needs_snapshot"] = true;
  j["mode"] = "poll";
  j["source_error"] = "connection refused";
  j["warnings"].push_back("something to fix");
  const auto text = acme::cdc::format_status(j);
  EXPECT_NE(text.find("mode poll"), std::string::npos) << text;
  EXPECT_NE(text.find("the next cdc start takes a fresh snapshot"), std::string::npos) << text;
  EXPECT_NE(text.find("  slot:          unknown (connection refused)\n"), std::string::npos)
      << text;
  EXPECT_EQ(text.find("  lag:"), std::string::npos) << text;
  EXPECT_NE(text.find("  WARNING:       something to fix\n"), std::string::npos) << text;
}

} // namespace
