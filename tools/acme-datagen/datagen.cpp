#include "datagen.hpp"

#include "acme/config/config.hpp"
#include "acme/error.hpp"

#include <array>
#include <limits>

namespace acme::datagen {

namespace {

using Words = std::vector<const char*>;

// Writes `value` as exactly `width` decimal digits (zero-padded) at `out`.
char* put_digits(char* out, std::int64_t value, int width) {
  for (int i = width - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  return out + width;
}

struct CivilDate {
  std::int64_t year;
  std::int64_t month;
  std::int64_t day;
};

// Howard Hinnant's civil_from_days: proleptic Gregorian calendar, exact for any day count.
CivilDate civil_from_days(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t day = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t month = mp < 10 ? mp + 3 : mp - 9;
  return {yoe + era * 400 + (month <= 2 ? 1 : 0), month, day};
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  const std::int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

const Words& first_names() {
  static const Words k_words = {
      "Ana",    "José",   "Maria",   "John",   "Zoë",   "Søren",  "Françoise", "Łukasz",
      "Ngọc",   "Aiko",   "Mohamed", "Olga",   "Pedro", "Chloé",  "Björn",     "Amélie",
      "Rahul",  "Fatima", "Liam",    "Emma",   "Noah",  "Sofía",  "Mateus",    "Yuki",
      "Ingrid", "Kwame",  "Elif",    "Dmitri", "Priya", "Jürgen", "Siobhán",   "Tomás"};
  return k_words;
}

const Words& last_names() {
  static const Words k_words = {
      "Silva",  "García",  "Müller", "O'Brien",  "Smith",   "Nguyễn", "Dvořák",  "Kowalski",
      "Tanaka", "Johnson", "Ünal",   "Rossi",    "Santos",  "Novák",  "Øster",   "Dubois",
      "Costa",  "Schmidt", "Ivanov", "Patel",    "Fischer", "Moreau", "Almeida", "Nakamura",
      "Brown",  "Lopez",   "Weiß",   "D'Angelo", "Jensen",  "Li",     "Kim",     "Pereira"};
  return k_words;
}

const Words& company_suffixes() {
  static const Words k_words = {
      " Trading",    " Logistics, Inc.", " & Sons",    " GmbH",          " S.A.",
      " Ltd.",       " Foods",           " Market",    " Distribuidora", " & Co.",
      " Café, Ltd.", " Supermercado",    " Wholesale", " Delikatessen",  " Bistro"};
  return k_words;
}

const Words& business_nouns() {
  static const Words k_words = {"Bakery", "Café",    "Kitchen", "Deli",   "Pantry",
                                "Market", "Grocery", "Corner",  "Garden", "Pizzeria"};
  return k_words;
}

const Words& hazardous_names() {
  static const Words k_words = {"=1+2 Supplies",
                                "-Minus Logistics",
                                "+Plus Groceries",
                                "@Home Deliveries",
                                "=HYPERLINK(\"https://example.invalid\",\"Refund\")",
                                "-2 Below Frozen Foods",
                                "=cmd|' /C calc'!A0 Imports"};
  return k_words;
}

const Words& adjectives() {
  static const Words k_words = {"Organic", "Fresh",   "Premium", "Classic", "Smoked", "Spicy",
                                "Crème",   "Whole",   "Light",   "Extra",   "Golden", "Wild",
                                "Artisan", "Roasted", "Frozen",  "Crunchy"};
  return k_words;
}

const Words& nouns() {
  static const Words k_words = {"Coffee Beans",   "Tomatoes, canned",  "Olive Oil",
                                "Jalapeño Salsa", "Crème Fraîche",     "Pizza Stone 12\"",
                                "Rice",           "Sparkling Water",   "Dark Chocolate",
                                "Açaí Bowl",      "Pasta \"Fusilli\"", "Butter",
                                "Green Tea",      "Smørrebrød Kit",    "Maple Syrup",
                                "Paprika, sweet", "Croissants",        "Gouda",
                                "Soy Sauce",      "Bananas",           "Müsli",
                                "Peanut Butter",  "Café au lait pods", "Dumplings (餃子)"};
  return k_words;
}

const Words& sizes() {
  static const Words k_words = {"100g",  "250g", "500g",   "1kg",    "2kg",         "330ml",
                                "500ml", "1L",   "6-pack", "12 pcs", "family size", "XL"};
  return k_words;
}

const Words& streets() {
  static const Words k_words = {"Rua Augusta",      "Main Street",     "Bahnhofstraße",
                                "Avenida Paulista", "Rue de l'Église", "High St.",
                                "Calle Mayor",      "Via Roma",        "Kungsgatan",
                                "Elm Road",         "Ulica Długa",     "Market Square"};
  return k_words;
}

const Words& cities() {
  static const Words k_words = {"São Paulo", "Zürich",  "Lisboa", "New York", "Kraków",
                                "Köln",      "Québec",  "Madrid", "Tokyo",    "Reykjavík",
                                "Porto",     "Chicago", "Malmö",  "Dublin",   "Ōsaka"};
  return k_words;
}

} // namespace

Source resolve_source(Context& ctx) {
  config::Overrides overrides;
  overrides.source_dsn = ctx.dsn;
  overrides.source_schema = ctx.schema;
  const config::Config c = config::load(overrides);
  ctx.secrets = c.secrets();
  if (c.source_dsn.empty()) {
    throw UsageError("no source database configured: set ACME_SOURCE_DSN (environment or .env) "
                     "or pass --dsn");
  }
  return {c.source_dsn, c.source_schema};
}

std::uint64_t Rng::below(std::uint64_t n) {
  // Rejection sampling keeps the result unbiased and identical on every platform.
  const std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
  const std::uint64_t limit = max - max % n;
  std::uint64_t x = m_engine();
  while (x >= limit) {
    x = m_engine();
  }
  return x % n;
}

std::int64_t Rng::between(std::int64_t lo, std::int64_t hi) {
  const auto span = static_cast<std::uint64_t>(hi - lo) + 1U;
  return lo + static_cast<std::int64_t>(below(span));
}

bool Rng::chance(double p) {
  const double unit = static_cast<double>(m_engine() >> 11U) * 0x1.0p-53;
  return unit < p;
}

std::string customer_name(Rng& rng) {
  if (rng.chance(0.01)) {
    return rng.pick(hazardous_names());
  }
  const std::uint64_t kind = rng.below(100);
  if (kind < 55) {
    std::string name = rng.pick(first_names());
    if (rng.chance(0.1)) {
      name += ' ';
      name += static_cast<char>('A' + rng.below(26));
      name += '.';
    }
    return name + " " + rng.pick(last_names());
  }
  if (kind < 85) {
    return std::string(rng.pick(last_names())) + rng.pick(company_suffixes());
  }
  if (kind < 95) {
    return std::string(rng.pick(first_names())) + "'s " + rng.pick(business_nouns());
  }
  return std::string("The \"") + rng.pick(adjectives()) + "\" " + rng.pick(business_nouns()) +
         ", Ltd.";
}

std::string product_name(Rng& rng) {
  std::string name = rng.pick(adjectives());
  name += ' ';
  name += rng.pick(nouns());
  name += ' ';
  name += rng.pick(sizes());
  if (rng.chance(0.005)) {
    name = "-" + name; // a "negative" promo name that a spreadsheet would treat as a formula
  }
  return name;
}

std::string address(Rng& rng) {
  std::string out = std::to_string(rng.between(1, 2500));
  out += ' ';
  out += rng.pick(streets());
  if (rng.chance(0.01)) {
    out += "\nApt ";
    out += std::to_string(rng.between(1, 40));
    out += static_cast<char>('A' + rng.below(6));
  }
  out += ", ";
  out += std::to_string(rng.between(10000, 99999));
  out += ' ';
  out += rng.pick(cities());
  return out;
}

std::string barcode(Rng& rng) {
  std::string out(13, '0');
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < 12; ++i) {
    const std::uint64_t digit = rng.below(10);
    out[i] = static_cast<char>('0' + digit);
    sum += (i % 2 == 0) ? digit : 3 * digit;
  }
  out[12] = static_cast<char>('0' + (10 - sum % 10) % 10);
  return out;
}

std::int64_t price_cents(Rng& rng) {
  const std::uint64_t band = rng.below(10);
  if (band < 6) {
    return rng.between(50, 1999);
  }
  if (band < 9) {
    return rng.between(2000, 9999);
  }
  return rng.between(10000, 99999);
}

std::string format_cents(std::int64_t cents) {
  std::string out;
  std::uint64_t magnitude = 0;
  if (cents < 0) {
    out += '-';
    magnitude = static_cast<std::uint64_t>(-(cents + 1)) + 1U;
  } else {
    magnitude = static_cast<std::uint64_t>(cents);
  }
  out += std::to_string(magnitude / 100U);
  out += '.';
  out += static_cast<char>('0' + magnitude % 100U / 10U);
  out += static_cast<char>('0' + magnitude % 10U);
  return out;
}

std::string format_date(std::int64_t days) {
  const CivilDate d = civil_from_days(days);
  std::array<char, 10> buf{};
  char* p = put_digits(buf.data(), d.year, 4);
  *p++ = '-';
  p = put_digits(p, d.month, 2);
  *p++ = '-';
  put_digits(p, d.day, 2);
  return std::string(buf.data(), buf.size());
}

std::string format_timestamp(std::int64_t ms) {
  const std::int64_t days = floor_div(ms, k_ms_per_day);
  std::int64_t rest = ms - days * k_ms_per_day;
  std::string out = format_date(days);
  std::array<char, 13> buf{};
  char* p = buf.data();
  *p++ = ' ';
  p = put_digits(p, rest / 3'600'000, 2);
  rest %= 3'600'000;
  *p++ = ':';
  p = put_digits(p, rest / 60'000, 2);
  rest %= 60'000;
  *p++ = ':';
  p = put_digits(p, rest / 1000, 2);
  *p++ = '.';
  put_digits(p, rest % 1000, 3);
  out.append(buf.data(), buf.size());
  return out;
}

} // namespace acme::datagen
