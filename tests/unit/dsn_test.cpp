// Connection strings are read the way libpq reads them, and no form of a secret survives
// masking, redaction or an error about the string itself.
#include "acme/config/dsn.hpp"

#include <gtest/gtest.h>

using namespace acme::config;

namespace {

struct Form {
  const char* what;
  std::string dsn;
  std::vector<std::string> secrets; // texts that must never appear
};

// Every form the security review found leaking, each with the secret as it is written.
const std::vector<Form>& forms() {
  static const std::vector<Form> f{
      {"plain URI", "postgresql://etl:s3cretPW@db:5432/x", {"s3cretPW"}},
      {"URI, percent-encoded base64 password",
       "postgresql://etl:ab%2Fc%2Bd%3D%40x@db/x",
       {"ab%2Fc%2Bd%3D%40x", "ab/c+d=@x"}},
      {"URI, unencoded '/' in the password",
       "postgresql://etl:abc/defgh@db:5432/x",
       {"abc/defgh", "defgh"}},
      {"URI, unencoded '@' in the password",
       "postgresql://etl:pa@ssword9@db/x",
       {"pa@ssword9", "ssword9"}},
      {"URI query password",
       "postgresql://db/x?user=u&password=qp4ssword&sslmode=require",
       {"qp4ssword"}},
      {"URI, a second password= in the query",
       "postgresql://db/x?password=first111&password=second22",
       {"first111", "second22"}},
      {"URI sslpassword", "postgresql://u@db/x?sslpassword=keypass99", {"keypass99"}},
      {"upper-case scheme (libpq cannot parse it)", "POSTGRESQL://etl:UpperPW1@db/x", {"UpperPW1"}},
      {"key=value", "host=db password=kvsecret user=etl", {"kvsecret"}},
      {"key=value sslpassword", "host=db sslpassword=sslsecret", {"sslsecret"}},
      {"tab-separated", "host=db\tpassword=tabsecret\tuser=etl", {"tabsecret"}},
      {"newline-separated", "host=db\npassword=nlsecret\nuser=etl", {"nlsecret"}},
      {"backslash-escaped blank", "host=db password=esc\\ aped user=etl", {"esc aped", "aped"}},
      {"quoted with escapes", "host=db password = 'q u\\'oted' user=etl", {"q u'oted"}},
      {"unparseable key=value (an unquoted blank)",
       "host=db password=two words user=etl",
       {"two", "words"}},
      {"unparseable URI (an unknown parameter)",
       "postgresql://etl:unkn0wn@db/x?bogus=1",
       {"unkn0wn"}},
  };
  return f;
}

TEST(Dsn, NoFormOfASecretSurvivesMaskingRedactionOrASyntaxError) {
  for (const auto& f : forms()) {
    const auto secrets = dsn_secrets(f.dsn);
    const std::string masked = mask_dsn(f.dsn);
    const std::string redacted = redact("connecting with " + f.dsn + " failed", secrets);
    const std::string why = dsn_syntax_error(f.dsn).value_or("");
    for (const auto& secret : f.secrets) {
      EXPECT_EQ(masked.find(secret), std::string::npos) << f.what << ": " << masked;
      EXPECT_EQ(redacted.find(secret), std::string::npos) << f.what << ": " << redacted;
      EXPECT_EQ(why.find(secret), std::string::npos) << f.what << ": " << why;
    }
  }
}

TEST(Dsn, MaskingShowsWhatLibpqParsedWithSecretsStarred) {
  EXPECT_EQ(mask_dsn("postgresql://etl:s3cret@db:5432/x"),
            "user=etl password=*** dbname=x host=db port=5432");
  EXPECT_EQ(mask_dsn("host=db password='a b' user=etl application_name='my app'"),
            "user=etl password=*** host=db application_name='my app'");
  EXPECT_EQ(mask_dsn("postgresql://u@db/x?sslpassword=k"),
            "user=u dbname=x host=db sslpassword=***");
  EXPECT_EQ(mask_dsn("host=db user=etl"), "user=etl host=db");
}

TEST(Dsn, AStringLibpqCannotParseIsNeverShown) {
  EXPECT_EQ(mask_dsn("POSTGRESQL://etl:pw@db/x"),
            "a connection string libpq cannot parse, not shown");
  EXPECT_NE(mask_dsn("postgresql://etl:abc/def@db/x").find("not shown"), std::string::npos);
  // libpq's reason keeps its keywords and hides the fragments it quotes.
  EXPECT_EQ(dsn_syntax_error("host=db password=two words"),
            "missing \"=\" after \"***\" in connection info string");
  EXPECT_EQ(dsn_syntax_error("host=db pasword=x"), "invalid connection option \"pasword\"");
  EXPECT_EQ(dsn_syntax_error("host=db Secret9=x"), "invalid connection option \"***\"");
  EXPECT_EQ(dsn_syntax_error("host=db"), std::nullopt);
}

TEST(Dsn, RedactionReplacesEveryOccurrenceLongestFirst) {
  const auto s = dsn_secrets("postgresql://etl:s3cret@db/x");
  ASSERT_FALSE(s.empty());
  EXPECT_EQ(s[0], "s3cret");
  EXPECT_EQ(redact("failed for s3cret at s3cret", s), "failed for *** at ***");
  EXPECT_TRUE(dsn_secrets("host=db user=etl").empty());
}

} // namespace
