// acme-datagen fill: bulk-loads realistic, deterministic customers, products, orders and items
// with COPY, sets the id sequences past the new rows and analyzes the tables.
#include "acme/db/connection.hpp"
#include "acme/error.hpp"
#include "datagen.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <fmt/format.h>
#include <iostream>
#include <memory>
#include <pqxx/except>
#include <pqxx/nontransaction>
#include <pqxx/stream_to>
#include <pqxx/transaction>

namespace acme::datagen {
namespace {

constexpr std::int64_t k_ms_per_hour = 3'600'000;
constexpr std::int64_t k_user_ids = 50; // created_by / updated_by are back-office user ids

struct FillOptions {
  std::int64_t customers = 1000;
  std::int64_t products = 500;
  std::int64_t orders = 10000;
  std::int64_t items_per_order = 26;
  std::uint64_t seed = 1;
  std::int64_t days = 90;
  double null_fraction = 0.002;
  std::string as_of; // empty: the server's CURRENT_DATE
};

// What the fill appends to: ids already used and the day the data ends.
struct Plan {
  std::int64_t customer_base = 0; // max(customer_id) before the fill
  std::int64_t product_base = 0;
  std::int64_t order_base = 0;
  std::int64_t item_base = 0;
  std::int64_t as_of_days = 0; // days since 1970-01-01; every generated timestamp is earlier
};

// One COPY row: a text value per column, nullptr for NULL.
template <std::size_t N> using Row = std::array<const char*, N>;

// splitmix64: a stateless hash, so an order's creation time can be recomputed for its items.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30U)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27U)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31U);
}

class Filler {
public:
  Filler(pqxx::work& tx, std::string schema, const FillOptions& opts, const Plan& plan)
      : m_tx(tx), m_schema(std::move(schema)), m_opts(opts), m_plan(plan), m_rng(opts.seed),
        m_as_of_ms(plan.as_of_days * k_ms_per_day), m_span_ms(opts.days * k_ms_per_day) {}

  std::int64_t customers() {
    auto out = open("customers", {"customer_id", "customer_name", "is_active", "customer_address",
                                  "updated_at", "updated_by", "created_at", "created_by"});
    for (std::int64_t i = 1; i <= m_opts.customers; ++i) {
      const std::string id = std::to_string(m_plan.customer_base + i);
      const std::string name = customer_name(m_rng);
      const bool active = m_rng.chance(0.95);
      const bool no_address = m_rng.chance(m_opts.null_fraction);
      const std::string addr = address(m_rng);
      const std::int64_t created =
          m_as_of_ms - m_rng.between(30 * k_ms_per_day, 730 * k_ms_per_day);
      const std::int64_t updated = m_rng.chance(0.6) ? created : later(created, 365 * k_ms_per_day);
      const Stamp stamps = stamp(created, updated);
      out << Row<8>{id.c_str(),
                    name.c_str(),
                    active ? "t" : "f",
                    no_address ? nullptr : addr.c_str(),
                    stamps.updated.c_str(),
                    stamps.updated_by_null ? nullptr : stamps.updated_by.c_str(),
                    stamps.created.c_str(),
                    stamps.created_by_null ? nullptr : stamps.created_by.c_str()};
    }
    out.complete();
    return m_opts.customers;
  }

  std::int64_t products() {
    auto out =
        open("products", {"product_id", "product_name", "barcode", "unity_price", "is_active",
                          "updated_at", "updated_by", "created_at", "created_by"});
    for (std::int64_t i = 1; i <= m_opts.products; ++i) {
      const std::string id = std::to_string(m_plan.product_base + i);
      const std::string name = product_name(m_rng);
      const std::string code = barcode(m_rng);
      const std::string price = format_cents(price_cents(m_rng));
      const char* active = m_rng.chance(0.97) ? "t" : "f";
      if (m_rng.chance(m_opts.null_fraction)) {
        active = nullptr;
      }
      const std::int64_t created =
          m_as_of_ms - m_rng.between(60 * k_ms_per_day, 1095 * k_ms_per_day);
      // Prices change often: most products were touched in the last weeks.
      const std::int64_t updated =
          m_rng.chance(0.2) ? created : m_as_of_ms - m_rng.between(1, 30 * k_ms_per_day);
      const Stamp stamps = stamp(created, updated);
      out << Row<9>{id.c_str(),
                    name.c_str(),
                    code.c_str(),
                    price.c_str(),
                    active,
                    stamps.updated.c_str(),
                    stamps.updated_by_null ? nullptr : stamps.updated_by.c_str(),
                    stamps.created.c_str(),
                    stamps.created_by_null ? nullptr : stamps.created_by.c_str()};
    }
    out.complete();
    return m_opts.products;
  }

  std::int64_t orders() {
    auto out = open("orders", {"order_id", "order_date", "delivery_date", "customer_id", "status",
                               "updated_at", "updated_by", "created_at", "created_by"});
    const std::int64_t max_customer = m_plan.customer_base + m_opts.customers;
    for (std::int64_t i = 0; i < m_opts.orders; ++i) {
      const std::string id = std::to_string(m_plan.order_base + 1 + i);
      const std::int64_t created = order_created_ms(i);
      const std::int64_t order_day = created / k_ms_per_day;
      const std::int64_t age_days = m_plan.as_of_days - order_day;
      const std::int64_t delivery_day = order_day + m_rng.between(1, 5);
      const std::string order_date = format_date(order_day);
      const std::string delivery_date = format_date(delivery_day);
      const bool no_delivery = m_rng.chance(m_opts.null_fraction);
      const bool no_customer = max_customer == 0 || m_rng.chance(m_opts.null_fraction);
      const std::string customer =
          std::to_string(max_customer > 0 ? m_rng.between(1, max_customer) : 0);
      const char* status = order_status(age_days);
      std::int64_t updated = created;
      // order_status returns the k_ constants themselves, so comparing pointers is exact.
      if (status == nullptr || status == k_completed || status == k_cancelled) {
        updated = later(created, (delivery_day - order_day + 2) * k_ms_per_day);
      } else if (status != k_pending || m_rng.chance(0.3)) {
        updated = later(created, 2 * k_ms_per_day);
      }
      const Stamp stamps = stamp(created, updated);
      out << Row<9>{id.c_str(),
                    order_date.c_str(),
                    no_delivery ? nullptr : delivery_date.c_str(),
                    no_customer ? nullptr : customer.c_str(),
                    status,
                    stamps.updated.c_str(),
                    stamps.updated_by_null ? nullptr : stamps.updated_by.c_str(),
                    stamps.created.c_str(),
                    stamps.created_by_null ? nullptr : stamps.created_by.c_str()};
    }
    out.complete();
    return m_opts.orders;
  }

  std::int64_t items() {
    auto out = open("order_items", {"order_item_id", "order_id", "product_id", "quanity",
                                    "updated_at", "updated_by", "created_at", "created_by"});
    const std::int64_t max_product = m_plan.product_base + m_opts.products;
    std::int64_t item_id = m_plan.item_base;
    for (std::int64_t i = 0; i < m_opts.orders; ++i) {
      const std::string order_id = std::to_string(m_plan.order_base + 1 + i);
      const std::int64_t created = order_created_ms(i);
      const std::string created_text = format_timestamp(created);
      for (std::int64_t k = 0; k < m_opts.items_per_order; ++k) {
        const std::string id = std::to_string(++item_id);
        const bool no_product = max_product == 0;
        const std::string product = std::to_string(no_product ? 0 : m_rng.between(1, max_product));
        const std::string quantity = std::to_string(item_quantity());
        const bool no_quantity = m_rng.chance(m_opts.null_fraction);
        // Items are written with their order; a few were corrected later.
        const bool corrected = m_rng.chance(0.03);
        const std::string updated_text =
            corrected ? format_timestamp(later(created, 2 * k_ms_per_day)) : created_text;
        const std::string user = std::to_string(m_rng.between(1, k_user_ids));
        const bool no_user = m_rng.chance(m_opts.null_fraction);
        out << Row<8>{id.c_str(),
                      order_id.c_str(),
                      no_product ? nullptr : product.c_str(),
                      no_quantity ? nullptr : quantity.c_str(),
                      updated_text.c_str(),
                      no_user ? nullptr : user.c_str(),
                      created_text.c_str(),
                      no_user ? nullptr : user.c_str()};
      }
    }
    out.complete();
    return item_id - m_plan.item_base;
  }

private:
  struct Stamp {
    std::string created;
    std::string updated;
    std::string created_by;
    std::string updated_by;
    bool created_by_null = false;
    bool updated_by_null = false;
  };

  pqxx::stream_to open(const char* table, const std::vector<std::string>& columns) {
    return pqxx::stream_to(m_tx, db::qualify(m_schema, table), columns);
  }

  Stamp stamp(std::int64_t created, std::int64_t updated) {
    Stamp s;
    s.created = format_timestamp(created);
    s.updated = format_timestamp(updated);
    s.created_by = std::to_string(m_rng.between(1, k_user_ids));
    s.updated_by = m_rng.chance(0.7) ? s.created_by : std::to_string(m_rng.between(1, k_user_ids));
    s.created_by_null = m_rng.chance(m_opts.null_fraction);
    s.updated_by_null = m_rng.chance(m_opts.null_fraction);
    return s;
  }

  // A moment after `from`, at most `max_delay` later and always before the as-of day starts.
  std::int64_t later(std::int64_t from, std::int64_t max_delay) {
    const std::int64_t room = std::min(max_delay, m_as_of_ms - 1 - from);
    return room <= 0 ? from : from + m_rng.between(0, room);
  }

  // Orders are spread evenly over the period in id order, with a hashed jitter inside each slot.
  std::int64_t order_created_ms(std::int64_t i) const {
    const std::int64_t start = m_as_of_ms - m_span_ms;
    const std::int64_t slot = m_span_ms / m_opts.orders;
    // i * span / orders without overflow: split span into quotient and remainder.
    std::int64_t t = start + i * slot + (i * (m_span_ms % m_opts.orders)) / m_opts.orders;
    if (slot > 0) {
      t += static_cast<std::int64_t>(mix(m_opts.seed ^ static_cast<std::uint64_t>(i)) %
                                     static_cast<std::uint64_t>(slot));
    }
    return t;
  }

  // Recent orders are mostly still open; old ones are settled except for a few stuck ones.
  const char* order_status(std::int64_t age_days) {
    if (m_rng.chance(m_opts.null_fraction)) {
      return nullptr;
    }
    const double open_probability = age_days <= 7 ? 0.8 : (age_days <= 14 ? 0.3 : 0.03);
    if (m_rng.chance(open_probability)) {
      const std::uint64_t r = m_rng.below(100);
      return r < 40 ? k_pending : (r < 85 ? k_processing : k_reprocessing);
    }
    return m_rng.chance(0.94) ? k_completed : k_cancelled;
  }

  std::int64_t item_quantity() {
    const std::uint64_t r = m_rng.below(100);
    if (r < 50) {
      return 1;
    }
    if (r < 75) {
      return 2;
    }
    if (r < 87) {
      return 3;
    }
    return m_rng.between(4, 12);
  }

  pqxx::work& m_tx;
  std::string m_schema;
  const FillOptions& m_opts;
  const Plan& m_plan;
  Rng m_rng;
  std::int64_t m_as_of_ms;
  std::int64_t m_span_ms;
};

const std::array<std::pair<const char*, const char*>, 4> k_tables = {
    {{"customers", "customer_id"},
     {"products", "product_id"},
     {"orders", "order_id"},
     {"order_items", "order_item_id"}}};

std::int64_t resolve_as_of(pqxx::connection& conn, const std::string& as_of) {
  pqxx::nontransaction tx(conn);
  try {
    if (as_of.empty()) {
      return tx.exec1("SELECT CURRENT_DATE - DATE '1970-01-01'")[0].as<std::int64_t>();
    }
    return tx.exec_params1("SELECT $1::date - DATE '1970-01-01'", as_of)[0].as<std::int64_t>();
  } catch (const pqxx::data_exception&) {
    throw UsageError("--as-of must be a date (YYYY-MM-DD), got '" + as_of + "'");
  }
}

Plan make_plan(pqxx::work& tx, const std::string& schema) {
  std::string missing;
  for (const auto& [table, key] : k_tables) {
    const auto r = tx.exec_params1("SELECT to_regclass($1) IS NULL", db::qualify(schema, table));
    if (r[0].as<bool>()) {
      missing += (missing.empty() ? "" : ", ") + std::string(table);
    }
  }
  if (!missing.empty()) {
    throw Fatal(fmt::format("schema \"{}\" lacks the source tables ({}): run "
                            "`acme-datagen create-schema` first",
                            schema, missing));
  }
  std::array<std::int64_t, 4> bases{};
  for (std::size_t i = 0; i < k_tables.size(); ++i) {
    bases[i] = tx.exec1(fmt::format("SELECT COALESCE(max({}), 0) FROM {}", k_tables[i].second,
                                    db::qualify(schema, k_tables[i].first)))[0]
                   .as<std::int64_t>();
  }
  Plan plan;
  plan.customer_base = bases[0];
  plan.product_base = bases[1];
  plan.order_base = bases[2];
  plan.item_base = bases[3];
  return plan;
}

// Moves each BIGSERIAL sequence past the largest id so later inserts (live mode) don't collide.
void advance_sequences(pqxx::work& tx, const std::string& schema) {
  for (const auto& [table, key] : k_tables) {
    const std::string qualified = db::qualify(schema, table);
    tx.exec(fmt::format("SELECT setval(pg_get_serial_sequence({}, {}), GREATEST(max({}), 1), "
                        "max({}) IS NOT NULL) FROM {}",
                        tx.quote(qualified), tx.quote(key), key, key, qualified));
  }
}

void check_options(const FillOptions& o) {
  if (o.orders > 0 && o.items_per_order > 0 && o.products == 0) {
    // Existing products could be referenced, but a fresh schema would get dangling items.
    throw UsageError("--products must be positive when orders get items");
  }
  if (o.null_fraction < 0.0 || o.null_fraction > 1.0) {
    throw UsageError("--null-fraction must be between 0 and 1");
  }
}

int run_fill(Context& ctx, const FillOptions& opts) {
  check_options(opts);
  const Source source = resolve_source(ctx);
  auto conn = db::connect(source.dsn, "source", "acme-datagen");
  conn->set_client_encoding("UTF8");
  const auto started = std::chrono::steady_clock::now();
  std::int64_t rows = 0;
  std::int64_t items = 0;
  try {
    Plan plan = [&] {
      const std::int64_t as_of_days = resolve_as_of(*conn, opts.as_of);
      pqxx::work tx(*conn);
      Plan p = make_plan(tx, source.schema);
      p.as_of_days = as_of_days;
      tx.commit();
      return p;
    }();
    pqxx::work tx(*conn);
    Filler filler(tx, source.schema, opts, plan);
    rows += filler.customers();
    rows += filler.products();
    rows += filler.orders();
    items = filler.items();
    rows += items;
    advance_sequences(tx, source.schema);
    tx.commit();
  } catch (const UsageError&) {
    throw;
  } catch (...) {
    db::rethrow_classified("fill");
  }
  const auto loaded = std::chrono::steady_clock::now();
  try {
    pqxx::nontransaction tx(*conn);
    for (const auto& [table, key] : k_tables) {
      tx.exec("ANALYZE " + db::qualify(source.schema, table));
    }
  } catch (...) {
    db::rethrow_classified("fill: ANALYZE");
  }
  const auto analyzed = std::chrono::steady_clock::now();
  const auto load_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(loaded - started).count();
  const auto analyze_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(analyzed - loaded).count();
  const std::int64_t per_second = load_ms > 0 ? rows * 1000 / load_ms : rows;
  std::cerr << fmt::format(
      "acme-datagen: filled schema \"{}\" (seed {}): {} customers, {} products, "
      "{} orders, {} items = {} rows in {}.{:03d} s ({} rows/s); "
      "ANALYZE {}.{:03d} s\n",
      source.schema, opts.seed, opts.customers, opts.products, opts.orders, items, rows,
      load_ms / 1000, load_ms % 1000, per_second, analyze_ms / 1000, analyze_ms % 1000);
  return 0;
}

} // namespace

void add_fill_command(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<FillOptions>();
  auto* cmd = app.add_subcommand(
      "fill",
      "Append realistic data with COPY (deterministic for a seed and --as-of date), advance the "
      "id sequences and ANALYZE. Orders are spread over the --days before --as-of in id order; "
      "about 10% are open (recent ones mostly), the rest COMPLETED or CANCELLED. Every order "
      "gets exactly --items-per-order items; all references point at existing rows.");
  cmd->add_option("--customers", opts->customers, "Customers to add")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--products", opts->products, "Products to add")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--orders", opts->orders, "Orders to add")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--items-per-order", opts->items_per_order, "Items of every order")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--seed", opts->seed,
                  "Random seed: same seed, counts and --as-of give the same rows")
      ->capture_default_str();
  cmd->add_option("--days", opts->days, "Orders span this many days before --as-of")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{36500}));
  cmd->add_option("--as-of", opts->as_of,
                  "Date (YYYY-MM-DD) the history ends: every timestamp is before it "
                  "[default: the server's CURRENT_DATE]");
  cmd->add_option("--null-fraction", opts->null_fraction,
                  "Share of NULLs in each nullable column the contract allows (orders.status, "
                  "customer_id, delivery_date; order_items.quanity; customer_address; "
                  "products.is_active; *_by)")
      ->capture_default_str();
  cmd->callback([&ctx, opts] { ctx.exit_code = run_fill(ctx, *opts); });
}

} // namespace acme::datagen
