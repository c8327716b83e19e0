// The API's request values without a server: query parameters decoded as civetweb's mg_get_var
// did (the first pair of that name, %XX and '+'), headers by name in any case, and the
// constant-time comparison of tokens.
#include "acme/api/http.hpp"

#include <gtest/gtest.h>

namespace acme::api {
namespace {

Request with_query(const std::string& query) {
  Request r;
  r.query = query;
  return r;
}

TEST(HttpRequest, AParameterIsTheFirstPairOfItsNameDecoded) {
  const Request r = with_query("format=csv&status=ON+HOLD&after=1%2C2&format=json&empty=&x%61=1");
  EXPECT_EQ(r.param("format"), "csv");
  EXPECT_EQ(r.param("status"), "ON HOLD");
  EXPECT_EQ(r.param("after"), "1,2");
  EXPECT_EQ(r.param("empty"), "");
  EXPECT_EQ(r.param("xa"), "1");           // the name is decoded too (mg_get_var compared it raw)
  EXPECT_EQ(r.param("mat"), std::nullopt); // not a suffix of another name
  EXPECT_EQ(r.param("limit"), std::nullopt);
  EXPECT_EQ(with_query("").param("format"), std::nullopt);
  EXPECT_EQ(with_query("days=%zz%4").param("days"), "%zz%4"); // a malformed escape stays
}

TEST(HttpRequest, HeadersAreFoundInAnyCase) {
  Request r;
  r.headers["authorization"] = "Bearer x";
  EXPECT_EQ(r.header("Authorization"), "Bearer x");
  EXPECT_EQ(r.header("AUTHORIZATION"), "Bearer x");
  EXPECT_EQ(r.header("X-Missing"), "");
}

TEST(HttpRequest, TokensCompareExactly) {
  EXPECT_TRUE(constant_time_equal("0123456789abcdef", "0123456789abcdef"));
  EXPECT_FALSE(constant_time_equal("0123456789abcdef", "0123456789abcdeX"));
  EXPECT_FALSE(constant_time_equal("0123456789abcdef", "0123456789abcdef0"));
  EXPECT_FALSE(constant_time_equal("", "x"));
}

} // namespace
} // namespace acme::api
