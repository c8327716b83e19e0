// Connection failures are classified by SQLSTATE, whatever language the server answers in.
#include "acme/db/connection.hpp"
#include "acme/error.hpp"

#include <gtest/gtest.h>
#include <pqxx/except>
#include <stdexcept>
#include <string>
#include <utility>

using acme::db::rethrow_classified;
using acme::db::retryable_connect_failure;
using acme::db::sqlstate_in_message;

TEST(ConnectClassification, FindsTheSqlstateInAVerboseMessageInAnyLanguage) {
  EXPECT_EQ(sqlstate_in_message("connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  "
                                "28P01: password authentication failed for user \"acme\"\n"
                                "LOCATION:  auth_failed, auth.c:323\n"),
            "28P01");
  EXPECT_EQ(sqlstate_in_message("Verbindung zum Server auf »127.0.0.1«, Port 5432 fehlgeschlagen: "
                                "FATAL:  28P01: Passwort-Authentifizierung für Benutzer »acme« "
                                "fehlgeschlagen\n"),
            "28P01");
  EXPECT_EQ(sqlstate_in_message("ВАЖНО:  3D000: база данных \"nope\" не существует\n"), "3D000");
  EXPECT_EQ(sqlstate_in_message("FATAL:  57P03: the database system is starting up\n"), "57P03");
}

TEST(ConnectClassification, NoSqlstateWhenTheServerWasNotReached) {
  EXPECT_EQ(sqlstate_in_message("connection to server at \"127.0.0.1\", port 1 failed: Connection "
                                "refused\n\tIs the server running on that host?\n"),
            std::nullopt);
  EXPECT_EQ(sqlstate_in_message("could not translate host name \"nohost\" to address: x:  y"),
            std::nullopt);
}

TEST(ConnectClassification, AuthenticationUnknownDatabaseAndPrivilegesAreNotRetried) {
  EXPECT_FALSE(retryable_connect_failure(std::string("28P01"), false));
  EXPECT_FALSE(retryable_connect_failure(std::string("28000"), false));
  EXPECT_FALSE(retryable_connect_failure(std::string("3D000"), false));
  EXPECT_FALSE(retryable_connect_failure(std::string("42501"), false));
  EXPECT_FALSE(retryable_connect_failure(std::nullopt, true)) << "no password supplied";
}

TEST(ConnectClassification, UnreachableStartingOrFullServersAreRetried) {
  EXPECT_TRUE(retryable_connect_failure(std::nullopt, false));
  EXPECT_TRUE(retryable_connect_failure(std::string("57P03"), false));
  EXPECT_TRUE(retryable_connect_failure(std::string("53300"), false));
  EXPECT_TRUE(retryable_connect_failure(std::string("08006"), false));
}

namespace {

// What rethrow_classified makes of `thrown`: "fatal", "retryable" or "other", and its message.
template <typename E> std::pair<std::string, std::string> classify(const E& thrown) {
  try {
    try {
      throw thrown;
    } catch (...) {
      rethrow_classified("cycle");
    }
  } catch (const acme::Fatal& e) {
    return {"fatal", e.what()};
  } catch (const acme::Error& e) {
    return {"retryable", e.what()};
  } catch (...) {
    return {"other", ""};
  }
  return {"none", ""};
}

} // namespace

// The continuous loop retries acme::Error only, so anything acme does not know to be
// transient must come out as acme::Fatal, or it would be retried forever.
TEST(ConnectClassification, AnUnknownExceptionIsFatalNotRetried) {
  const auto [kind, message] = classify(std::runtime_error("vector::_M_range_check"));
  EXPECT_EQ(kind, "fatal");
  EXPECT_EQ(message, "cycle: unexpected error: vector::_M_range_check");
  EXPECT_EQ(classify(std::logic_error("invariant broken")).first, "fatal");
}

TEST(ConnectClassification, KnownTransientDatabaseErrorsStayRetryable) {
  EXPECT_EQ(classify(pqxx::broken_connection("server closed the connection")).first, "retryable");
  EXPECT_EQ(classify(pqxx::sql_error("could not serialize", "SELECT 1", "40001")).first,
            "retryable");
  EXPECT_EQ(classify(pqxx::sql_error("permission denied", "SELECT 1", "42501")).first, "fatal");
  EXPECT_EQ(classify(acme::Error("already classified")).first, "retryable");
}

// libpqxx 6.4 throws several of its classes without the code, and its transaction_rollback family
// (serialization failure, deadlock) is not an sql_error at all.
TEST(ConnectClassification, TheSqlstateOfEveryLibpqxxClassIsKnown) {
  using acme::db::sqlstate_of;
  EXPECT_EQ(sqlstate_of(pqxx::insufficient_privilege("ERROR:  permission denied for table t\n")),
            "42501");
  EXPECT_EQ(sqlstate_of(pqxx::undefined_table("ERROR:  relation \"t\" does not exist\n")), "42P01");
  EXPECT_EQ(sqlstate_of(pqxx::undefined_column("ERROR:  column \"c\" does not exist\n")), "42703");
  EXPECT_EQ(sqlstate_of(pqxx::deadlock_detected("ERROR:  deadlock detected\n")), "40P01");
  EXPECT_EQ(sqlstate_of(pqxx::serialization_failure("ERROR:  could not serialize\n")), "40001");
  EXPECT_EQ(sqlstate_of(pqxx::sql_error("ERROR:  duplicate key\n", "INSERT", "23505")), "23505");
  EXPECT_EQ(sqlstate_of(pqxx::insufficient_privilege("ERROR:  no\n", "SELECT", "42501")), "42501");
  EXPECT_EQ(sqlstate_of(std::runtime_error("not a database error")), "");
}

TEST(ConnectClassification, ADeadlockIsRetriedAndAMissingPrivilegeIsExplained) {
  const auto [deadlock, deadlock_message] =
      classify(pqxx::deadlock_detected("ERROR:  deadlock detected\n"));
  EXPECT_EQ(deadlock, "retryable") << deadlock_message;
  EXPECT_NE(deadlock_message.find("[SQLSTATE 40P01]"), std::string::npos) << deadlock_message;
  const auto [privilege, privilege_message] =
      classify(pqxx::insufficient_privilege("ERROR:  permission denied for schema analytics\n"));
  EXPECT_EQ(privilege, "fatal") << privilege_message;
  EXPECT_NE(privilege_message.find("[SQLSTATE 42501] (the role lacks a privilege"),
            std::string::npos)
      << privilege_message;
}

TEST(ConnectClassification, ErrorsAreShownOnOneLine) {
  EXPECT_EQ(acme::one_line("connection to server at \"127.0.0.1\", port 1 failed: Connection "
                           "refused\n\tIs the server running on that host and accepting TCP/IP "
                           "connections?\n"),
            "connection to server at \"127.0.0.1\", port 1 failed: Connection refused; Is the "
            "server running on that host and accepting TCP/IP connections?");
  EXPECT_EQ(acme::one_line("preparing the target: ERROR:  permission denied for schema analytics\n"
                           "LINE 1: CREATE TABLE IF NOT EXISTS \"analytics\".acme_migrations (\n"
                           "                                   ^\n"),
            "preparing the target: permission denied for schema analytics");
  EXPECT_EQ(acme::one_line("ERROR:  duplicate key value\nDETAIL:  Key (id)=(1) already exists.\n"),
            "duplicate key value; DETAIL:  Key (id)=(1) already exists.");
  EXPECT_EQ(acme::one_line("plain"), "plain");
}
