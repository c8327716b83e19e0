// log::printable: what every text log line and printed report passes through.
#include "acme/log/logging.hpp"

#include <gtest/gtest.h>

namespace {

using acme::log::printable;

TEST(Printable, ControlCharactersBecomeEscapes) {
  EXPECT_EQ(printable("plain text, ünïcode €"), "plain text, ünïcode €");
  EXPECT_EQ(printable("a\x1b[31mred"), "a\\x1b[31mred");
  EXPECT_EQ(printable("one\ntwo\rthree\tfour"), "one\\x0atwo\\x0dthree\\x09four");
  EXPECT_EQ(printable(std::string("nul\0x", 5)), "nul\\x00x");
  EXPECT_EQ(printable("del\x7f"), "del\\x7f");
}

TEST(Printable, C1ControlsInUtf8AreEscapedButOtherTwoByteCharactersAreNot) {
  EXPECT_EQ(printable("csi\xc2\x9b"
                      "2J"),
            "csi\\u009b2J");
  EXPECT_EQ(printable("\xc2\x80\xc2\x9f"), "\\u0080\\u009f");
  EXPECT_EQ(printable("\xc2\xa0nbsp \xc2\xa9"), "\xc2\xa0nbsp \xc2\xa9");
  EXPECT_EQ(printable("trailing \xc2"), "trailing \xc2");
}

TEST(Printable, NewlinesMayBeKeptForMultiLineReports) {
  EXPECT_EQ(printable("line 1\nline\x1b 2\n", true), "line 1\nline\\x1b 2\n");
}

} // namespace
