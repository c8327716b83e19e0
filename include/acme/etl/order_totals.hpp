// The orders' totals of a first full load, summed exactly from the item rows as they stream
// through acme, and written as partial rows that the target adds up per order.
#pragma once

#include "acme/db/copy_connection.hpp"

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace acme::etl {

// A signed 128-bit integer (GCC and Clang): exact sums of up to 38 digits.
__extension__ using Int128 = __int128;

// The orders' totals of a first full load, summed from the denormalized item rows as they stream
// through acme (instead of a second scan, join and hash aggregate of every item in the source,
// seconds of a source core at M: bench/RESULTS.md).
//
// Items arrive in heap order, so an order's items mostly come together but may be split (a
// rewritten row moves) and may fall into two block ranges. Each run of consecutive items of one
// order becomes one partial row (order_id, items, amount, price): `items` sums the known
// quantities, `amount` the exact quantity x price of the items where both are known, with
// PostgreSQL's result scale (the largest price scale), NULL when there are none. A price the
// exact 128-bit sum cannot carry (NaN, +-Infinity, more than 27 digits, a scale above 30, or an
// overflow) is written as its own row with its quantity and price, for the target to multiply
// (`price` is NULL in every other row). Summed per order in the target
// (sql/etl/shadow_totals_streamed.sql) the partial rows give exactly the totals of
// sql/etl/order_totals_rule.sql over the source's items (tests: ParallelLoad.OrderTotals*,
// RulesBothWays.*).
//
// Memory stays bounded: the rows go to an anonymous temporary file past 64 KB.
class OrderTotals {
public:
  // Fields of the denormalized item row (LoadReader::copy_items).
  static constexpr std::size_t k_order_id = 1;
  static constexpr std::size_t k_quantity = 4;
  static constexpr std::size_t k_price = 5;

  OrderTotals() = default;
  ~OrderTotals();
  OrderTotals(const OrderTotals&) = delete;
  OrderTotals& operator=(const OrderTotals&) = delete;

  // One item row of the binary COPY stream.
  void add(const std::vector<db::BinaryField>& row);

  // Ends the last run and COPYs the partial rows into `table` (a quoted name with its column
  // list) through `to`, in its open transaction. Returns the number of rows written.
  std::int64_t write(db::CopyConnection& to, const std::string& table);

private:
  void end_run();
  void exotic(std::int64_t order_id, std::int32_t quantity, const db::BinaryNumeric& price);
  void put(const std::string& line);

  bool m_in_run = false;
  std::int64_t m_order_id = 0;
  std::int64_t m_items = 0;
  bool m_any_amount = false;
  Int128 m_amount = 0; // the amount times 10^m_scale
  int m_scale = 0;

  std::string m_buffer;
  std::FILE* m_spill = nullptr;
};

} // namespace acme::etl
