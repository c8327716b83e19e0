// The four contract tables as the ETL moves them (key, columns, staging, key and target tables),
// and the key ranges and heap-block ranges that reconciliation and the parallel load use.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace acme::etl {

// How one source table flows: its key, the columns read (in staging order), the session-local
// staging and key tables, and the target table that holds one row per source row.
struct TableSpec {
  std::string_view source;  // source table name
  std::string_view pk;      // primary key column (same name in the target)
  std::string_view columns; // source select list, in the staging table's column order
  std::string_view staging; // temp table receiving changed rows
  std::string_view keys;    // temp table receiving the source's keys (reconciliation)
  std::string_view buckets; // temp table receiving the source's per-range key summaries
  std::string_view recon;   // temp table of the key ranges to reconcile
  std::string_view target;  // target table keyed by the same id
};

// Key reconciliation compares key ranges of 2^k_bucket_bits ids (bucket = id >> bits): small
// ranges, so that scattered deletes stream few keys; a summary row per 256 keys is cheap.
inline constexpr int k_bucket_bits = 8;

// An inclusive key range [lo, hi]: a slice of a parallel load, or of a key reconciliation
// (where an open end is the type's limit).
struct KeyRange {
  std::int64_t lo = 0;
  std::int64_t hi = 0;
};

// A range of a table's heap blocks [first, end) (no end: every block from `first` on): a slice
// of a parallel load read by a TID range scan, which reads its pages in order, as a sequential
// scan would, instead of visiting them through the primary key.
struct BlockRange {
  std::int64_t first = 0;
  std::optional<std::int64_t> end;
};

// Splits a table of `blocks` heap blocks into `parts` ranges of nearly equal size that cover
// every block; the last one is open-ended, so that it reaches blocks added since the count
// (rows a reader's snapshot cannot see, but the ranges never rely on that). Pure.
std::vector<BlockRange> split_blocks(std::int64_t blocks, int parts);

// "<alias>.ctid >= '(first,0)' AND <alias>.ctid < '(end,0)'". Pure.
std::string block_condition(std::string_view alias, const BlockRange& range);

// The keys of buckets `first` .. `last` (absent: unbounded on that side). Pure.
KeyRange bucket_keys(std::optional<std::int64_t> first, std::optional<std::int64_t> last);

// "<column> BETWEEN lo AND hi", or "TRUE" without a range. Pure.
std::string key_condition(std::string_view column, const std::optional<KeyRange>& range);

// The four source tables, dimensions first (the merge resolves references in this order).
inline constexpr std::array<TableSpec, 4> k_tables{{
    {"customers", "customer_id",
     "customer_id, customer_name, is_active, customer_address, updated_at, updated_by, "
     "created_at, created_by",
     "acme_stg_customers", "acme_keys_customers", "acme_buckets_customers", "acme_recon_customers",
     "customers"},
    {"products", "product_id",
     "product_id, product_name, barcode, unity_price, is_active, updated_at, updated_by, "
     "created_at, created_by",
     "acme_stg_products", "acme_keys_products", "acme_buckets_products", "acme_recon_products",
     "products"},
    {"orders", "order_id",
     "order_id, order_date, delivery_date, customer_id, status, updated_at, updated_by, "
     "created_at, created_by",
     "acme_stg_orders", "acme_keys_orders", "acme_buckets_orders", "acme_recon_orders",
     "analytical_orders"},
    {"order_items", "order_item_id",
     "order_item_id, order_id, product_id, quanity, updated_at, updated_by, created_at, created_by",
     "acme_stg_order_items", "acme_keys_order_items", "acme_buckets_order_items",
     "acme_recon_order_items", "analytical_order_items"},
}};

// The spec of the source table `source` (k_tables' names); throws on any other name.
const TableSpec& table_spec(std::string_view source);

} // namespace acme::etl
