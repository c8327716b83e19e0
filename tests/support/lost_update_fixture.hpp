#pragma once

#include "support/etl_fixture.hpp"

#include <fmt/format.h>
#include <string>

namespace acme::test {

// An EtlTest with a small order/item data set and helpers to change and read order statuses.
class LostUpdate : public EtlTest {
protected:
  // `orders` orders of `items` items each, two customers, three products.
  void seed(int orders, int items) {
    src_exec(
        fmt::format("INSERT INTO {c} (customer_id, customer_name) VALUES (1, 'Ann'), (2, 'Bob');"
                    "INSERT INTO {p} (product_id, product_name, barcode, unity_price) "
                    "  VALUES (1, 'W', 'B1', 2.5), (2, 'X', 'B2', 3), (3, 'Y', 'B3', 0.1);"
                    "INSERT INTO {o} (order_id, customer_id, status, delivery_date) "
                    "  SELECT g, 1 + g % 2, 'PENDING', DATE '2026-12-01' + g % 7 FROM "
                    "generate_series(1, {n}) g;"
                    "INSERT INTO {i} (order_item_id, order_id, product_id, quanity) "
                    "  SELECT (o - 1) * {k} + j, o, 1 + j % 3, j FROM generate_series(1, {n}) o, "
                    "  generate_series(1, {k}) j",
                    fmt::arg("c", src("customers")), fmt::arg("p", src("products")),
                    fmt::arg("o", src("orders")), fmt::arg("i", src("order_items")),
                    fmt::arg("n", orders), fmt::arg("k", items)));
  }
  std::string target_status(int order_id) {
    return tgt_value(fmt::format("SELECT status FROM {} WHERE order_id = {}",
                                 tgt("analytical_orders"), order_id));
  }
  // Commits an update of `order_id` now, with a fresh updated_at.
  void touch(int order_id, const std::string& status) {
    src_exec(fmt::format("UPDATE {} SET status = '{}', updated_at = CURRENT_TIMESTAMP(3) "
                         "WHERE order_id = {}",
                         src("orders"), status, order_id));
  }
};

} // namespace acme::test
