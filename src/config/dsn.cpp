#include "acme/config/dsn.hpp"

#include "acme/error.hpp"

#include <algorithm>
#include <libpq-fe.h>

namespace acme::config {
namespace {

bool is_uri(const std::string& dsn) {
  return dsn.rfind("postgresql://", 0) == 0 || dsn.rfind("postgres://", 0) == 0;
}

// Position range [begin, end) of the password in a URI's userinfo, if any.
bool uri_password(const std::string& dsn, std::size_t& begin, std::size_t& end) {
  const auto scheme = dsn.find("://");
  const auto start = scheme + 3;
  const auto at = dsn.find('@', start);
  const auto slash = dsn.find('/', start);
  if (at == std::string::npos || (slash != std::string::npos && slash < at)) {
    return false;
  }
  const auto colon = dsn.find(':', start);
  if (colon == std::string::npos || colon > at) {
    return false;
  }
  begin = colon + 1;
  end = at;
  return true;
}

// Finds "password" keyword values in key=value DSNs; calls `f(begin, end)` on each value.
template <typename F> void each_kv_password(const std::string& dsn, F f) {
  std::size_t i = 0;
  while (i < dsn.size()) {
    while (i < dsn.size() && dsn[i] == ' ') {
      ++i;
    }
    const auto key_begin = i;
    while (i < dsn.size() && dsn[i] != '=' && dsn[i] != ' ') {
      ++i;
    }
    const std::string key = dsn.substr(key_begin, i - key_begin);
    while (i < dsn.size() && dsn[i] == ' ') {
      ++i;
    }
    if (i >= dsn.size() || dsn[i] != '=') {
      continue;
    }
    ++i;
    while (i < dsn.size() && dsn[i] == ' ') {
      ++i;
    }
    std::size_t vbegin = i;
    std::size_t vend = i;
    if (i < dsn.size() && dsn[i] == '\'') {
      vbegin = ++i;
      while (i < dsn.size() && dsn[i] != '\'') {
        i += (dsn[i] == '\\' && i + 1 < dsn.size()) ? 2U : 1U;
      }
      vend = std::min(i, dsn.size());
      ++i;
    } else {
      while (i < dsn.size() && dsn[i] != ' ') {
        ++i;
      }
      vend = i;
    }
    if (key == "password" && vend > vbegin) {
      f(vbegin, vend);
    }
  }
}

} // namespace

std::string mask_dsn(const std::string& dsn) {
  if (is_uri(dsn)) {
    std::string out = dsn;
    std::size_t b = 0;
    std::size_t e = 0;
    if (uri_password(out, b, e)) {
      out.replace(b, e - b, "***");
    }
    // A password may also come as a query parameter.
    const auto q = out.find("password=");
    if (q != std::string::npos) {
      auto end = out.find('&', q);
      end = end == std::string::npos ? out.size() : end;
      out.replace(q + 9, end - q - 9, "***");
    }
    return out;
  }
  std::string out;
  std::size_t last = 0;
  each_kv_password(dsn, [&](std::size_t b, std::size_t e) {
    out += dsn.substr(last, b - last);
    out += "***";
    last = e;
  });
  out += dsn.substr(last);
  return out;
}

std::vector<std::string> dsn_secrets(const std::string& dsn) {
  std::vector<std::string> out;
  if (is_uri(dsn)) {
    std::size_t b = 0;
    std::size_t e = 0;
    if (uri_password(dsn, b, e)) {
      out.push_back(dsn.substr(b, e - b));
    }
    const auto q = dsn.find("password=");
    if (q != std::string::npos) {
      auto end = dsn.find('&', q);
      end = end == std::string::npos ? dsn.size() : end;
      out.push_back(dsn.substr(q + 9, end - q - 9));
    }
  } else {
    each_kv_password(dsn,
                     [&](std::size_t b, std::size_t e) { out.push_back(dsn.substr(b, e - b)); });
  }
  out.erase(std::remove_if(out.begin(), out.end(), [](const std::string& s) { return s.empty(); }),
            out.end());
  return out;
}

std::string redact(std::string text, const std::vector<std::string>& secrets) {
  for (const auto& secret : secrets) {
    if (secret.empty()) {
      continue;
    }
    for (auto pos = text.find(secret); pos != std::string::npos; pos = text.find(secret, pos + 3)) {
      text.replace(pos, secret.size(), "***");
    }
  }
  return text;
}

std::optional<std::string> dsn_syntax_error(const std::string& dsn) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(dsn.c_str(), &error);
  if (options != nullptr) {
    PQconninfoFree(options);
    return std::nullopt;
  }
  const std::string text = one_line(error != nullptr ? error : "out of memory");
  PQfreemem(error);
  return redact(text, dsn_secrets(dsn));
}

} // namespace acme::config
