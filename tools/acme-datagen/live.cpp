// acme-datagen live: changes the source the way the real orders system does, one transaction per
// change, until SIGTERM/SIGINT or --duration; every write stamps updated_at = CURRENT_TIMESTAMP(3).
#include "acme/db/connection.hpp"
#include "acme/error.hpp"
#include "acme/stop_signal.hpp"
#include "datagen.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <fmt/format.h>
#include <iostream>
#include <memory>
#include <optional>
#include <pqxx/except>
#include <pqxx/result>
#include <pqxx/transaction>
#include <thread>

namespace acme::datagen {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::int64_t k_user_ids = 50;

struct LiveOptions {
  double rate = 10.0;
  double duration = 0.0; // seconds; 0 runs until SIGTERM/SIGINT
  std::uint64_t seed = 1;
  std::int64_t items_per_order = 26;
  double report_every = 5.0;
  double null_fraction = 0.002;
  // Item quantity changes, item deletes and order deletes pick open orders (and their items) only,
  // instead of any key: the same picks whatever the closed history holds.
  bool edit_open_only = false;
};

// The kinds of change, with their share of the rate (per mille) and their summary label.
enum class Change : std::size_t {
  new_order,
  status,
  price,
  customer,
  quantity,
  new_customer,
  new_product,
  rename,
  delete_item,
  delete_order,
  delete_customer,
};

struct MixEntry {
  Change change;
  std::uint64_t per_mille;
  const char* label;
};

constexpr std::array<MixEntry, 11> k_mix = {{
    {Change::new_order, 200, "new_orders"},
    {Change::status, 460, "status"},
    {Change::price, 100, "prices"},
    {Change::customer, 80, "customers"},
    {Change::quantity, 60, "quantities"},
    {Change::new_customer, 20, "new_customers"},
    {Change::new_product, 10, "new_products"},
    {Change::rename, 30, "renames"},
    {Change::delete_item, 30, "deleted_items"},
    {Change::delete_order, 5, "deleted_orders"},
    {Change::delete_customer, 5, "deleted_customers"},
}};

// An order the simulator still moves forward; status 0 is NULL.
struct OpenOrder {
  std::int64_t id;
  std::uint8_t status;
};

constexpr std::array<const char*, 4> k_open_statuses = {nullptr, k_pending, k_processing,
                                                        k_reprocessing};

std::uint8_t open_status_index(const pqxx::field& f) {
  if (f.is_null()) {
    return 0;
  }
  const std::string s = f.as<std::string>();
  for (std::uint8_t i = 1; i < k_open_statuses.size(); ++i) {
    if (s == k_open_statuses[i]) {
      return i;
    }
  }
  return 2; // an unknown open status moves on like PROCESSING
}

class Simulator {
public:
  Simulator(Source source, const LiveOptions& opts)
      : m_source(std::move(source)), m_opts(opts), m_rng(opts.seed) {}

  // Connects, prepares the statements and loads the ids and open orders the changes pick from.
  void start() {
    connect();
    pqxx::work tx(*m_conn);
    const auto max_id = [&](const char* key, const char* table) {
      return tx.exec1(fmt::format("SELECT COALESCE(max({}), 0) FROM {}", key, table_name(table)))[0]
          .as<std::int64_t>();
    };
    m_max_customer = max_id("customer_id", "customers");
    m_max_product = max_id("product_id", "products");
    m_max_order = max_id("order_id", "orders");
    m_max_item = max_id("order_item_id", "order_items");
    const auto open =
        tx.exec(fmt::format("SELECT order_id, status FROM {} WHERE status IS NULL OR "
                            "status NOT IN ('COMPLETED', 'CANCELLED') ORDER BY order_id",
                            table_name("orders")));
    m_open.reserve(open.size());
    for (const auto& row : open) {
      m_open.push_back({row[0].as<std::int64_t>(), open_status_index(row[1])});
    }
    tx.commit();
    std::cerr << fmt::format("acme-datagen live: schema \"{}\", {} changes/s, {} customers, {} "
                             "products, {} orders ({} open), {} items (max ids)\n",
                             m_source.schema, m_opts.rate, m_max_customer, m_max_product,
                             m_max_order, m_open.size(), m_max_item);
  }

  // Runs changes at the configured rate until a stop signal or the duration ends.
  void run() {
    const auto started = Clock::now();
    const auto interval = std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(1.0 / m_opts.rate));
    const auto report_interval = std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(m_opts.report_every));
    const auto end = m_opts.duration > 0.0
                         ? started + std::chrono::duration_cast<Clock::duration>(
                                         std::chrono::duration<double>(m_opts.duration))
                         : Clock::time_point::max();
    auto next = started;
    auto next_report = started + report_interval;
    while (!stop_requested()) {
      const auto now = Clock::now();
      if (now >= end) {
        break;
      }
      if (now >= next_report) {
        report(now - started);
        next_report += report_interval;
      }
      if (now < next) {
        std::this_thread::sleep_for(std::min<Clock::duration>(
            {next - now, next_report - now, std::chrono::milliseconds(100)}));
        continue;
      }
      change_with_retry();
      next += interval;
      if (now - next > std::chrono::seconds(1)) {
        next = now; // fell behind (slow server): carry on at the rate instead of bursting
      }
    }
    report(Clock::now() - started);
  }

private:
  void connect() {
    m_conn = db::connect(m_source.dsn, "source", "acme-datagen live");
    m_conn->set_client_encoding("UTF8");
    const auto prepare = [&](const char* name, const std::string& sql) {
      m_conn->prepare(name, sql);
    };
    const std::string orders = table_name("orders");
    const std::string items = table_name("order_items");
    const std::string products = table_name("products");
    const std::string customers = table_name("customers");
    prepare("new_order",
            "INSERT INTO " + orders +
                " (order_date, delivery_date, customer_id, status, updated_at, updated_by, "
                "created_at, created_by) VALUES (CURRENT_DATE, CURRENT_DATE + $1::int, "
                "NULLIF($2::bigint, 0), 'PENDING', CURRENT_TIMESTAMP(3), $3, CURRENT_TIMESTAMP(3), "
                "$3) RETURNING order_id");
    prepare("new_items", "INSERT INTO " + items +
                             " (order_id, product_id, quanity, updated_at, updated_by, created_at, "
                             "created_by) SELECT $1, p, q, CURRENT_TIMESTAMP(3), $4, "
                             "CURRENT_TIMESTAMP(3), $4 FROM unnest($2::bigint[], $3::int[]) AS "
                             "u(p, q) RETURNING order_item_id");
    prepare("status", "UPDATE " + orders +
                          " SET status = $2, updated_at = CURRENT_TIMESTAMP(3), updated_by = $3 "
                          "WHERE order_id = $1");
    prepare("price", "UPDATE " + products +
                         " SET unity_price = GREATEST(round(unity_price * $2::numeric, 2), 0.01), "
                         "updated_at = CURRENT_TIMESTAMP(3), updated_by = $3 "
                         "WHERE product_id = ANY($1::bigint[])");
    prepare("customer_address", "UPDATE " + customers +
                                    " SET customer_address = $2, updated_at = "
                                    "CURRENT_TIMESTAMP(3), updated_by = $3 WHERE customer_id = $1");
    prepare("customer_active", "UPDATE " + customers +
                                   " SET is_active = NOT is_active, updated_at = "
                                   "CURRENT_TIMESTAMP(3), updated_by = $2 WHERE customer_id = $1");
    prepare("quantity", "UPDATE " + items +
                            " SET quanity = $2, updated_at = CURRENT_TIMESTAMP(3), updated_by = $3 "
                            "WHERE order_item_id = $1");
    prepare("new_customer", "INSERT INTO " + customers +
                                " (customer_name, is_active, customer_address, updated_at, "
                                "updated_by, created_at, created_by) VALUES ($1, TRUE, $2, "
                                "CURRENT_TIMESTAMP(3), $3, CURRENT_TIMESTAMP(3), $3) "
                                "RETURNING customer_id");
    prepare("new_product", "INSERT INTO " + products +
                               " (product_name, barcode, unity_price, is_active, updated_at, "
                               "updated_by, created_at, created_by) VALUES ($1, $2, $3::numeric, "
                               "TRUE, CURRENT_TIMESTAMP(3), $4, CURRENT_TIMESTAMP(3), $4) "
                               "RETURNING product_id");
    prepare("rename_customer", "UPDATE " + customers +
                                   " SET customer_name = $2, updated_at = CURRENT_TIMESTAMP(3), "
                                   "updated_by = $3 WHERE customer_id = $1");
    prepare("rename_product", "UPDATE " + products +
                                  " SET product_name = $2, updated_at = CURRENT_TIMESTAMP(3), "
                                  "updated_by = $3 WHERE product_id = $1");
    prepare("delete_item", "DELETE FROM " + items + " WHERE order_item_id = $1");
    // --edits open: an item of a given order (a key near the order's first item, which may
    // belong to the next order: then nothing changes, as a random key may miss under --edits any)
    prepare("quantity_in_order", "UPDATE " + items +
                                     " SET quanity = $3, updated_at = CURRENT_TIMESTAMP(3), "
                                     "updated_by = $4 WHERE order_item_id = $1 AND order_id = $2");
    prepare("delete_item_in_order",
            "DELETE FROM " + items + " WHERE order_item_id = $1 AND order_id = $2");
    // The contract has no index on order_items.order_id, so `WHERE order_id = $1` reads every
    // item: 0.24 s at M (5.2 M items), and at the mix's 2.5 order deletes a second 60% of a core
    // on this 2-core box went to those scans, stalling this single-connection workload (commits
    // came in bursts after each scan). An application deletes an order's items by their keys;
    // here they are found through the primary key instead (delete_order()): fill and live write
    // each order's items as one ascending key range, after the items of every earlier order.
    prepare("first_item_from", "SELECT order_id FROM " + items +
                                   " WHERE order_item_id >= $1 ORDER BY order_item_id LIMIT 1");
    prepare("delete_order_items",
            "DELETE FROM " + items +
                " WHERE order_id = $1 AND order_item_id >= $2 AND order_item_id < "
                "COALESCE((SELECT order_item_id FROM " +
                items +
                " WHERE order_item_id >= $2 AND order_id IS DISTINCT FROM $1 "
                "ORDER BY order_item_id LIMIT 1), 9223372036854775807)");
    prepare("delete_order", "DELETE FROM " + orders + " WHERE order_id = $1");
    prepare("delete_customer", "DELETE FROM " + customers + " WHERE customer_id = $1");
  }

  std::string table_name(const char* table) const { return db::qualify(m_source.schema, table); }

  // One change; a lost connection or a transient error waits and reconnects instead of ending
  // the workload (the server may be restarted under it on purpose).
  void change_with_retry() {
    try {
      change();
      return;
    } catch (...) {
      try {
        db::rethrow_classified("live");
      } catch (const Error& e) {
        std::cerr << "acme-datagen live: " << e.what() << "; reconnecting\n";
      }
    }
    auto delay = std::chrono::milliseconds(250);
    while (!stop_requested()) {
      std::this_thread::sleep_for(delay);
      try {
        connect();
        return;
      } catch (const Error& e) {
        std::cerr << "acme-datagen live: " << e.what() << '\n';
        delay = std::min<std::chrono::milliseconds>(delay * 2, std::chrono::seconds(5));
      }
    }
  }

  Change pick_change() {
    std::uint64_t r = m_rng.below(1000);
    for (const auto& entry : k_mix) {
      if (r < entry.per_mille) {
        return entry.change;
      }
      r -= entry.per_mille;
    }
    return Change::status;
  }

  std::int64_t user() { return m_rng.between(1, k_user_ids); }

  void count(Change c, std::size_t rows = 1) {
    m_counts[static_cast<std::size_t>(c)] += rows > 0 ? 1U : 0U;
    m_noops += rows > 0 ? 0U : 1U;
  }

  void change() {
    Change c = pick_change();
    if (m_max_product == 0) {
      c = Change::new_product; // new orders need products to point at
    } else if (c == Change::status && m_open.empty()) {
      c = Change::new_order;
    }
    switch (c) {
    case Change::new_order:
      new_order();
      break;
    case Change::status:
      status_change();
      break;
    case Change::price:
      price_change();
      break;
    case Change::customer:
      customer_change();
      break;
    case Change::quantity:
      if (m_opts.edit_open_only) {
        open_item_change(c, "quantity_in_order", m_rng.between(1, 12));
      } else {
        single(c, "quantity", m_max_item, m_rng.between(1, 12));
      }
      break;
    case Change::new_customer:
      new_customer();
      break;
    case Change::new_product:
      new_product();
      break;
    case Change::rename:
      rename();
      break;
    case Change::delete_item:
      if (m_opts.edit_open_only) {
        open_item_change(c, "delete_item_in_order", std::nullopt);
      } else {
        deletion(c, "delete_item", m_max_item);
      }
      break;
    case Change::delete_order:
      delete_order();
      break;
    case Change::delete_customer:
      deletion(c, "delete_customer", m_max_customer);
      break;
    }
  }

  void new_order() {
    const std::int64_t spread = m_opts.items_per_order / 6;
    const std::int64_t n = std::max<std::int64_t>(
        0, m_rng.between(m_opts.items_per_order - spread, m_opts.items_per_order + spread));
    std::string products = "{";
    std::string quantities = "{";
    for (std::int64_t i = 0; i < n; ++i) {
      const char* sep = i == 0 ? "" : ",";
      products += sep + std::to_string(m_rng.between(1, m_max_product));
      quantities += sep;
      quantities +=
          m_rng.chance(m_opts.null_fraction) ? "NULL" : std::to_string(m_rng.between(1, 5));
    }
    products += "}";
    quantities += "}";
    const std::int64_t customer = m_max_customer == 0 || m_rng.chance(m_opts.null_fraction)
                                      ? 0
                                      : m_rng.between(1, m_max_customer);
    const std::int64_t by = user();
    const std::int64_t delivery_days = m_rng.between(1, 5);
    pqxx::work tx(*m_conn);
    const std::int64_t order_id =
        tx.exec_prepared1("new_order", delivery_days, customer, by)[0].as<std::int64_t>();
    std::int64_t max_item = m_max_item;
    if (n > 0) {
      for (const auto& row : tx.exec_prepared("new_items", order_id, products, quantities, by)) {
        max_item = std::max(max_item, row[0].as<std::int64_t>());
      }
    }
    tx.commit();
    m_max_order = std::max(m_max_order, order_id);
    m_max_item = max_item;
    m_open.push_back({order_id, 1});
    m_new_items += static_cast<std::uint64_t>(n);
    count(Change::new_order);
  }

  void status_change() {
    const std::size_t index = m_rng.below(m_open.size());
    OpenOrder& order = m_open[index];
    const std::uint64_t r = m_rng.below(100);
    const char* next = k_processing;
    switch (order.status) {
    case 0:
      next = k_pending;
      break;
    case 1:
      next = r < 92 ? k_processing : k_cancelled;
      break;
    case 2:
      next = r < 85 ? k_completed : (r < 95 ? k_reprocessing : k_cancelled);
      break;
    default:
      next = r < 50 ? k_processing : (r < 95 ? k_completed : k_cancelled);
      break;
    }
    const std::int64_t by = user();
    pqxx::work tx(*m_conn);
    const auto rows = tx.exec_prepared("status", order.id, next, by).affected_rows();
    tx.commit();
    count(Change::status, rows);
    std::uint8_t next_index = 0;
    for (std::uint8_t i = 1; i < k_open_statuses.size(); ++i) {
      next_index = k_open_statuses[i] == next ? i : next_index;
    }
    if (rows == 0 || next_index == 0) {
      order = m_open.back(); // closed or gone: swap-remove keeps picking O(1)
      m_open.pop_back();
    } else {
      order.status = next_index;
    }
  }

  void price_change() {
    // Usually one product; sometimes a price-list update of several in one transaction.
    const std::int64_t n = m_rng.chance(0.1) ? m_rng.between(2, 10) : 1;
    std::string ids = "{";
    for (std::int64_t i = 0; i < n; ++i) {
      ids += (i == 0 ? "" : ",") + std::to_string(m_rng.between(1, m_max_product));
    }
    ids += "}";
    std::int64_t percent = m_rng.between(-10, 12);
    percent = percent == 0 ? 5 : percent;
    const std::string factor = format_cents(100 + percent); // 1.07, 0.95: exact decimals
    pqxx::work tx(*m_conn);
    const std::int64_t by = user();
    const auto rows = tx.exec_prepared("price", ids, factor, by).affected_rows();
    tx.commit();
    count(Change::price, rows);
  }

  void customer_change() {
    if (m_max_customer == 0) {
      return;
    }
    const std::int64_t id = m_rng.between(1, m_max_customer);
    const bool move = m_rng.chance(0.75);
    const std::string addr = move ? address(m_rng) : std::string();
    const std::int64_t by = user();
    pqxx::work tx(*m_conn);
    const pqxx::result r = move ? tx.exec_prepared("customer_address", id, addr, by)
                                : tx.exec_prepared("customer_active", id, by);
    tx.commit();
    count(Change::customer, r.affected_rows());
  }

  void single(Change c, const char* statement, std::int64_t max_id, std::int64_t value) {
    if (max_id == 0) {
      return;
    }
    const std::int64_t id = m_rng.between(1, max_id);
    const std::int64_t by = user();
    pqxx::work tx(*m_conn);
    const auto rows = tx.exec_prepared(statement, id, value, by).affected_rows();
    tx.commit();
    count(c, rows);
  }

  void new_customer() {
    const std::string name = customer_name(m_rng);
    const std::string addr = address(m_rng);
    const std::int64_t by = user();
    pqxx::work tx(*m_conn);
    const auto id = tx.exec_prepared1("new_customer", name, addr, by)[0].as<std::int64_t>();
    tx.commit();
    m_max_customer = std::max(m_max_customer, id);
    count(Change::new_customer);
  }

  void new_product() {
    const std::string name = product_name(m_rng);
    const std::string code = barcode(m_rng);
    const std::string price = format_cents(price_cents(m_rng));
    const std::int64_t by = user();
    pqxx::work tx(*m_conn);
    const auto id = tx.exec_prepared1("new_product", name, code, price, by)[0].as<std::int64_t>();
    tx.commit();
    m_max_product = std::max(m_max_product, id);
    count(Change::new_product);
  }

  void rename() {
    const bool customer = m_rng.chance(0.5);
    const std::int64_t max_id = customer ? m_max_customer : m_max_product;
    if (max_id == 0) {
      return;
    }
    const std::int64_t id = m_rng.between(1, max_id);
    const std::string name = customer ? customer_name(m_rng) : product_name(m_rng);
    const std::int64_t by = user();
    pqxx::work tx(*m_conn);
    const auto rows =
        tx.exec_prepared(customer ? "rename_customer" : "rename_product", id, name, by)
            .affected_rows();
    tx.commit();
    count(Change::rename, rows);
  }

  void deletion(Change c, const char* statement, std::int64_t max_id) {
    if (max_id == 0) {
      return;
    }
    pqxx::work tx(*m_conn);
    const auto rows = tx.exec_prepared(statement, m_rng.between(1, max_id)).affected_rows();
    tx.commit();
    count(c, rows);
  }

  void delete_order() {
    if (m_max_order == 0) {
      return;
    }
    const std::int64_t id = m_opts.edit_open_only && !m_open.empty()
                                ? m_open[m_rng.below(m_open.size())].id
                                : m_rng.between(1, m_max_order);
    pqxx::work tx(*m_conn);
    tx.exec_prepared("delete_order_items", id, first_item_key(tx, id));
    const auto rows = tx.exec_prepared("delete_order", id).affected_rows();
    tx.commit();
    count(Change::delete_order, rows);
    // A deleted open order stays in the pool until a status change finds it gone.
  }

  // --edits open: one item of a random open order, by a key from its first item on (quantity
  // change: `value` is the new quantity; delete: no value).
  void open_item_change(Change c, const char* statement, std::optional<std::int64_t> value) {
    if (m_open.empty()) {
      return;
    }
    const std::int64_t order = m_open[m_rng.below(m_open.size())].id;
    const std::int64_t spread = m_opts.items_per_order / 6;
    const std::int64_t offset =
        m_rng.between(0, std::max<std::int64_t>(0, m_opts.items_per_order - spread - 1));
    const std::int64_t by = user();
    pqxx::work tx(*m_conn);
    const std::int64_t key = first_item_key(tx, order) + offset;
    const auto rows = value ? tx.exec_prepared(statement, key, order, *value, by).affected_rows()
                            : tx.exec_prepared(statement, key, order).affected_rows();
    tx.commit();
    count(c, rows);
  }

  // The first item key from which the next item belongs to `order` or a later one, by binary
  // search (item keys ascend with order keys; ~23 primary-key probes at 5.2 M items). Items
  // written out of that order by someone else would be missed (a delete leaves them as orphans,
  // which the contract allows and every oracle reads from the source as it is).
  std::int64_t first_item_key(pqxx::work& tx, std::int64_t order) {
    std::int64_t lo = 1;
    std::int64_t hi = m_max_item + 1;
    while (lo < hi) {
      const std::int64_t mid = lo + (hi - lo) / 2;
      const auto r = tx.exec_prepared("first_item_from", mid);
      if (r.empty() || r[0][0].is_null() || r[0][0].as<std::int64_t>() >= order) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return lo;
  }

  void report(Clock::duration elapsed) const {
    const double seconds = std::chrono::duration<double>(elapsed).count();
    std::uint64_t total = m_noops;
    std::string detail;
    for (const auto& entry : k_mix) {
      const std::uint64_t n = m_counts[static_cast<std::size_t>(entry.change)];
      total += n;
      detail += fmt::format(" {}={}", entry.label, n);
    }
    std::cerr << fmt::format(
        "acme-datagen live: {:.1f} s, {} changes ({:.1f}/s), {} open orders:{} "
        "new_items={} missed={}\n",
        seconds, total, seconds > 0.0 ? static_cast<double>(total) / seconds : 0.0, m_open.size(),
        detail, m_new_items, m_noops);
  }

  Source m_source;
  const LiveOptions& m_opts;
  Rng m_rng;
  std::unique_ptr<pqxx::connection> m_conn;
  std::int64_t m_max_customer = 0;
  std::int64_t m_max_product = 0;
  std::int64_t m_max_order = 0;
  std::int64_t m_max_item = 0;
  std::vector<OpenOrder> m_open;
  std::array<std::uint64_t, k_mix.size()> m_counts{};
  std::uint64_t m_new_items = 0;
  std::uint64_t m_noops = 0;
};

int run_live(Context& ctx, const LiveOptions& opts) {
  const Source source = resolve_source(ctx);
  install_stop_handlers();
  Simulator sim(source, opts);
  try {
    sim.start();
  } catch (...) {
    db::rethrow_classified("live");
  }
  sim.run();
  return 0;
}

} // namespace

void add_live_command(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<LiveOptions>();
  auto* cmd = app.add_subcommand(
      "live",
      "Keep changing the source like the real orders system until SIGTERM/SIGINT (exit 0) or "
      "--duration. Each change is one transaction stamping updated_at = CURRENT_TIMESTAMP(3). "
      "--rate is changes (transactions) per second, mixed per mille as: new order with its items "
      "200, status transition 460, product price change 100, customer address/active 80, item "
      "quantity 60, new customer 20, new product 10, rename 30, delete item 30, delete order with "
      "its items 5, delete customer 5. So new orders/s is about rate/5.");
  cmd->add_option("--rate", opts->rate, "Changes per second")
      ->capture_default_str()
      ->check(CLI::Range(0.01, 100000.0));
  cmd->add_option("--duration", opts->duration, "Stop after this many seconds (0: until signalled)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--seed", opts->seed, "Random seed for the choice of changes")
      ->capture_default_str();
  cmd->add_option("--items-per-order", opts->items_per_order,
                  "Average items of a new order (varies by a sixth either way)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--report-every", opts->report_every, "Seconds between summary lines on stderr")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 86400.0));
  cmd->add_option("--null-fraction", opts->null_fraction,
                  "Share of NULL quanity / customer_id in new orders")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option_function<std::string>(
         "--edits", [opts](const std::string& v) { opts->edit_open_only = v == "open"; },
         "Which rows item quantity changes, item deletes and order deletes pick: any key "
         "(\"any\", the default), or open orders and their items only (\"open\": the same "
         "picks whatever closed history the source holds)")
      ->check(CLI::IsMember({"any", "open"}));
  cmd->callback([&ctx, opts] { ctx.exit_code = run_live(ctx, *opts); });
}

} // namespace acme::datagen
