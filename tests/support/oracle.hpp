#pragma once

#include <pqxx/connection>
#include <string>
#include <vector>

namespace acme::test {

// Checks design.md §3's invariant: computes the expected analytical rows with SQL over the
// source tables and compares them with the target, column by column. Closed orders and their
// items keep a settled customer name, product name and price, so for them the oracle only
// demands a value when the source has one to give; every order's total_amount must equal the sum
// over its target items.
// Returns human-readable differences (empty = the invariant holds).
std::vector<std::string>
invariant_violations(pqxx::connection& source, const std::string& source_schema,
                     pqxx::connection& target, const std::string& target_schema,
                     const std::vector<std::string>& closed_statuses = {"COMPLETED", "CANCELLED"});

} // namespace acme::test
