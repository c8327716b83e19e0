#include "acme/config/dotenv.hpp"
#include "acme/error.hpp"

#include <gtest/gtest.h>

using acme::config::parse_dotenv;

TEST(Dotenv, ParsesPlainQuotedAndExportedValues) {
  const auto m = parse_dotenv("# comment\n\nA=1\nexport B = two words \nC=\"q \\\"x\\\" \\n\"\n"
                              "D='single $HOME'\nE=x # trailing comment\nF=\n",
                              ".env");
  EXPECT_EQ(m.at("A"), "1");
  EXPECT_EQ(m.at("B"), "two words");
  EXPECT_EQ(m.at("C"), "q \"x\" \n");
  EXPECT_EQ(m.at("D"), "single $HOME");
  EXPECT_EQ(m.at("E"), "x");
  EXPECT_EQ(m.at("F"), "");
}

TEST(Dotenv, CommandSubstitutionIsLiteralData) {
  const auto m = parse_dotenv("X=$(touch /tmp/pwned)\nY=`touch /tmp/pwned2`\nZ=${HOME}\n", ".env");
  EXPECT_EQ(m.at("X"), "$(touch /tmp/pwned)");
  EXPECT_EQ(m.at("Y"), "`touch /tmp/pwned2`");
  EXPECT_EQ(m.at("Z"), "${HOME}");
}

TEST(Dotenv, MalformedLineNamesTheLineNumber) {
  try {
    parse_dotenv("A=1\nB=2\nthis is not an assignment\n", "my.env");
    FAIL() << "expected a UsageError";
  } catch (const acme::UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("my.env:3"), std::string::npos) << e.what();
  }
}

TEST(Dotenv, UnterminatedQuoteIsAnError) {
  EXPECT_THROW(parse_dotenv("A=\"open\n", ".env"), acme::UsageError);
}

TEST(Dotenv, InvalidKeyIsAnError) {
  EXPECT_THROW(parse_dotenv("1A=x\n", ".env"), acme::UsageError);
  EXPECT_THROW(parse_dotenv("A-B=x\n", ".env"), acme::UsageError);
}
