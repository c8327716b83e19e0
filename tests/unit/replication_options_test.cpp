#include "acme/cdc/replication_connection.hpp"

#include <gtest/gtest.h>

using acme::cdc::k_replication_pinned_options;
using acme::cdc::replication_session_options;

TEST(ReplicationOptions, PinnedFormatsAlone) {
  EXPECT_EQ(replication_session_options(""),
            "-c datestyle=ISO -c intervalstyle=postgres -c extra_float_digits=3");
  EXPECT_EQ(replication_session_options("  "), std::string(k_replication_pinned_options));
}

TEST(ReplicationOptions, UserOptionsComeFirstSoThePinnedOnesWin) {
  EXPECT_EQ(replication_session_options("-c timezone=UTC -c datestyle=German "),
            "-c timezone=UTC -c datestyle=German -c datestyle=ISO -c intervalstyle=postgres "
            "-c extra_float_digits=3");
  EXPECT_EQ(replication_session_options("-c search_path=a\\ b"),
            "-c search_path=a\\ b -c datestyle=ISO -c intervalstyle=postgres "
            "-c extra_float_digits=3");
}
