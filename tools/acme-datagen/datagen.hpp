#pragma once
// Shared by the acme-datagen subcommands: global options, the stop flag, a deterministic random
// generator and the generators of realistic ACME source values.

#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace acme::datagen {

// Global flags in, secrets and exit code out; shared by main and every subcommand.
struct Context {
  std::optional<std::string> dsn;    // --dsn, else ACME_SOURCE_DSN
  std::optional<std::string> schema; // --schema, else ACME_SOURCE_SCHEMA, else "operations"
  std::vector<std::string> secrets;  // passwords to scrub from the final error message
  int exit_code = 0;
};

// The source database a subcommand works on.
struct Source {
  std::string dsn;
  std::string schema;
};

// Resolves --dsn/--schema (flags > environment > .env > defaults); throws UsageError without a DSN.
Source resolve_source(Context& ctx);

// A seeded generator whose sequence depends only on the seed (own distributions, no std ones).
class Rng {
public:
  // Starts the sequence for `seed`.
  explicit Rng(std::uint64_t seed) : m_engine(seed) {}

  // A uniform integer in [0, n); n must be positive.
  std::uint64_t below(std::uint64_t n);

  // A uniform integer in [lo, hi] (inclusive); lo <= hi.
  std::int64_t between(std::int64_t lo, std::int64_t hi);

  // True with probability `p`.
  bool chance(double p);

  // A uniformly chosen element of a non-empty list.
  template <typename T> const T& pick(const std::vector<T>& items) {
    const std::size_t index = below(items.size());
    return items[index];
  }

private:
  std::mt19937_64 m_engine;
};

// Milliseconds per day, for timestamps kept as integers (never floating point).
constexpr std::int64_t k_ms_per_day = 86'400'000;

// A customer name: people and companies, some with commas, quotes, non-ASCII letters and
// (about 1 in 100) a leading '=', '-', '+' or '@' that a spreadsheet would execute.
std::string customer_name(Rng& rng);

// A product name with sizes, quotes, commas and accented letters.
std::string product_name(Rng& rng);

// A postal address; rarely spans two lines.
std::string address(Rng& rng);

// A 13-digit EAN barcode with a valid check digit.
std::string barcode(Rng& rng);

// A unit price in cents, skewed towards cheap items (0.50 .. 999.99).
std::int64_t price_cents(Rng& rng);

// Formats cents as an exact decimal with two places ("1234" -> "12.34").
std::string format_cents(std::int64_t cents);

// Formats days since 1970-01-01 as "YYYY-MM-DD".
std::string format_date(std::int64_t days);

// Formats milliseconds since 1970-01-01 00:00 as "YYYY-MM-DD HH:MM:SS.mmm" (no time zone).
std::string format_timestamp(std::int64_t ms);

// The statuses an order moves through; COMPLETED and CANCELLED close it.
inline constexpr const char* k_pending = "PENDING";
inline constexpr const char* k_processing = "PROCESSING";
inline constexpr const char* k_reprocessing = "REPROCESSING";
inline constexpr const char* k_completed = "COMPLETED";
inline constexpr const char* k_cancelled = "CANCELLED";

// Subcommand registration, one file each.
void add_create_schema_command(CLI::App& app, Context& ctx);
void add_fill_command(CLI::App& app, Context& ctx);
void add_live_command(CLI::App& app, Context& ctx);

} // namespace acme::datagen
