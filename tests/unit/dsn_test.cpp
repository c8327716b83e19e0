#include "acme/config/dsn.hpp"

#include <gtest/gtest.h>

using namespace acme::config;

TEST(Dsn, MasksUriPassword) {
  EXPECT_EQ(mask_dsn("postgresql://etl:s3cret@db:5432/x"), "postgresql://etl:***@db:5432/x");
  EXPECT_EQ(mask_dsn("postgres://etl@db/x"), "postgres://etl@db/x");
  EXPECT_EQ(mask_dsn("postgresql://db/x?user=u&password=p4ss&sslmode=require"),
            "postgresql://db/x?user=u&password=***&sslmode=require");
}

TEST(Dsn, MasksKeyValuePassword) {
  EXPECT_EQ(mask_dsn("host=db password=s3cret user=etl"), "host=db password=*** user=etl");
  EXPECT_EQ(mask_dsn("host=db password = 'a b\\'c' user=etl"), "host=db password = '***' user=etl");
}

TEST(Dsn, SecretsAreFoundAndRedacted) {
  const auto s = dsn_secrets("postgresql://etl:s3cret@db/x");
  ASSERT_EQ(s.size(), 1U);
  EXPECT_EQ(s[0], "s3cret");
  EXPECT_EQ(redact("failed for s3cret at s3cret", s), "failed for *** at ***");
  EXPECT_TRUE(dsn_secrets("host=db user=etl").empty());
}
