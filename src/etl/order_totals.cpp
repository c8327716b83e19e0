#include "acme/etl/order_totals.hpp"

#include "acme/error.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fmt/format.h>

namespace acme::etl {
namespace {

constexpr std::size_t k_spill_bytes = std::size_t{64} * 1024;
constexpr int k_max_scale = 30;
constexpr int k_max_digits = 27; // |price| x 10^scale < 10^27: times any int4 fits 128 bits

// 10^0 .. 10^38, the powers a signed 128-bit integer holds.
const std::array<Int128, 39>& powers_of_ten() {
  static const std::array<Int128, 39> table = [] {
    std::array<Int128, 39> t{};
    t[0] = 1;
    for (std::size_t i = 1; i < t.size(); ++i) {
      t[i] = t[i - 1] * 10;
    }
    return t;
  }();
  return table;
}

// A finite price as an integer times 10^-scale, when it has at most k_max_digits digits in all
// and a scale of at most k_max_scale; false for anything else (NaN, infinities, bigger).
bool scaled_price(const db::BinaryNumeric& n, Int128& value, int& scale) {
  if (n.kind != db::BinaryNumeric::Kind::finite || n.dscale > k_max_scale) {
    return false;
  }
  const auto& pow10 = powers_of_ten();
  Int128 v = 0;
  for (int i = 0; i < n.ndigits; ++i) {
    const int digit = n.digit(i);
    if (digit == 0) {
      continue;
    }
    const int e = 4 * (n.weight - i) + n.dscale; // the digit's power of ten in the scaled integer
    if (e < 0) {
      // Digits below the display scale are zero in a stored numeric; anything else goes the
      // exact way.
      if (e < -3 || digit % static_cast<int>(pow10[static_cast<std::size_t>(-e)]) != 0) {
        return false;
      }
      v += digit / static_cast<int>(pow10[static_cast<std::size_t>(-e)]);
    } else {
      if (e >= k_max_digits) {
        return false;
      }
      v += digit * pow10[static_cast<std::size_t>(e)];
    }
    if (v >= pow10[k_max_digits]) {
      return false;
    }
  }
  value = n.negative ? -v : v;
  scale = n.dscale;
  return true;
}

// `v` times 10^-scale as numeric_out writes it: `scale` digits after the point.
std::string decimal_text(Int128 v, int scale) {
  const bool negative = v < 0;
  std::string digits;
  do {
    const int d = static_cast<int>(v % 10);
    digits.push_back(static_cast<char>('0' + (negative ? -d : d)));
    v /= 10;
  } while (v != 0);
  while (static_cast<int>(digits.size()) <= scale) {
    digits.push_back('0');
  }
  std::string out = negative ? "-" : "";
  for (auto i = digits.size(); i-- > 0;) {
    out += digits[i];
    if (i == static_cast<std::size_t>(scale) && scale > 0) {
      out += '.';
    }
  }
  return out;
}

} // namespace

OrderTotals::~OrderTotals() {
  if (m_spill != nullptr) {
    std::fclose(m_spill);
  }
}

void OrderTotals::add(const std::vector<db::BinaryField>& row) {
  if (row.size() <= k_price || row[k_order_id].data == nullptr) {
    return; // an item without an order counts in no order's totals
  }
  const std::int64_t order_id = db::binary_int(row[k_order_id]);
  if (!m_in_run || order_id != m_order_id) {
    end_run();
    m_in_run = true;
    m_order_id = order_id;
  }
  if (row[k_quantity].data == nullptr) {
    return; // counts as 0 items and adds no amount
  }
  const auto quantity = static_cast<std::int32_t>(db::binary_int(row[k_quantity]));
  if (row[k_price].data == nullptr) {
    m_items += quantity;
    return;
  }
  const auto price = db::binary_numeric(row[k_price]);
  Int128 value = 0;
  int scale = 0;
  if (!scaled_price(price, value, scale)) {
    exotic(order_id, quantity, price);
    return;
  }
  const auto& pow10 = powers_of_ten();
  Int128 amount = m_amount;
  int amount_scale = m_any_amount ? m_scale : scale;
  Int128 product = value * quantity; // < 10^27 x 2^31: no overflow
  if (scale > amount_scale &&
      __builtin_mul_overflow(amount, pow10[static_cast<std::size_t>(scale - amount_scale)],
                             &amount)) {
    exotic(order_id, quantity, price);
    return;
  }
  amount_scale = std::max(amount_scale, scale);
  if ((scale < amount_scale &&
       __builtin_mul_overflow(product, pow10[static_cast<std::size_t>(amount_scale - scale)],
                              &product)) ||
      __builtin_add_overflow(amount, product, &amount)) {
    exotic(order_id, quantity, price);
    return;
  }
  m_amount = amount;
  m_scale = amount_scale;
  m_any_amount = true;
  m_items += quantity;
}

void OrderTotals::exotic(std::int64_t order_id, std::int32_t quantity,
                         const db::BinaryNumeric& price) {
  put(fmt::format("{}\t{}\t\\N\t{}\n", order_id, quantity, db::numeric_text(price)));
}

void OrderTotals::end_run() {
  if (m_in_run) {
    put(fmt::format("{}\t{}\t{}\t\\N\n", m_order_id, m_items,
                    m_any_amount ? decimal_text(m_amount, m_scale) : "\\N"));
  }
  m_in_run = false;
  m_items = 0;
  m_any_amount = false;
  m_amount = 0;
  m_scale = 0;
}

void OrderTotals::put(const std::string& line) {
  m_buffer += line;
  if (m_buffer.size() < k_spill_bytes) {
    return;
  }
  if (m_spill == nullptr) {
    m_spill = std::tmpfile(); // unlinked at once: nothing stays behind, even after a crash
    if (m_spill == nullptr) {
      throw Error(fmt::format("cannot create a temporary file for the order totals: {}",
                              std::strerror(errno)));
    }
  }
  if (std::fwrite(m_buffer.data(), 1, m_buffer.size(), m_spill) != m_buffer.size()) {
    throw Error(
        fmt::format("cannot write the order totals' temporary file: {}", std::strerror(errno)));
  }
  m_buffer.clear();
}

std::int64_t OrderTotals::write(db::CopyConnection& to, const std::string& table) {
  end_run();
  if (m_spill != nullptr && std::fseek(m_spill, 0, SEEK_SET) != 0) {
    throw Error("cannot read the order totals' temporary file back");
  }
  std::string chunk(k_spill_bytes, '\0');
  bool buffer_sent = false;
  const auto n = db::copy_text_in(to, table, [&]() -> std::string_view {
    if (m_spill != nullptr) {
      const std::size_t got = std::fread(chunk.data(), 1, chunk.size(), m_spill);
      if (got > 0) {
        return {chunk.data(), got};
      }
      if (std::ferror(m_spill) != 0) {
        throw Error("cannot read the order totals' temporary file back");
      }
    }
    if (!buffer_sent) {
      buffer_sent = true;
      return m_buffer;
    }
    return {};
  });
  if (m_spill != nullptr) {
    std::fclose(m_spill);
    m_spill = nullptr;
  }
  m_buffer.clear();
  return n;
}

} // namespace acme::etl
