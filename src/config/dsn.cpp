#include "acme/config/dsn.hpp"

#include "acme/error.hpp"

#include <algorithm>
#include <cctype>
#include <libpq-fe.h>
#include <memory>

// Everything here reads a connection string the way libpq does (PQconninfoParse) and treats as
// secret what libpq marks secret (PQconninfoOption.dispchar "*": password, sslpassword, and any
// keyword a later libpq adds). Hand parsing is used only to find *more* text to redact, never to
// decide what may be shown.
namespace acme::config {
namespace {

using Options = std::unique_ptr<PQconninfoOption, void (*)(PQconninfoOption*)>;

struct Keywords {
  std::vector<std::string> all;
  std::vector<std::string> secret;
};

// libpq's keywords, and those it displays as "*".
const Keywords& keywords() {
  static const Keywords k = [] {
    Keywords out;
    Options defaults(PQconndefaults(), PQconninfoFree);
    if (defaults) {
      for (const PQconninfoOption* o = defaults.get(); o->keyword != nullptr; ++o) {
        out.all.emplace_back(o->keyword);
        if (o->dispchar != nullptr && o->dispchar[0] == '*') {
          out.secret.emplace_back(o->keyword);
        }
      }
    }
    if (out.secret.empty()) { // libpq could not allocate its defaults: the known secrets
      out.secret = {"password", "sslpassword"};
    }
    return out;
  }();
  return k;
}

bool is_secret_keyword(const std::string& keyword) {
  const auto& s = keywords().secret;
  return std::find(s.begin(), s.end(), keyword) != s.end();
}

bool is_keyword(const std::string& word) {
  const auto& a = keywords().all;
  return std::find(a.begin(), a.end(), word) != a.end();
}

struct Option {
  std::string keyword;
  std::string value;
  bool secret = false;
};

// The options `dsn` sets, as libpq parses them; nullopt (and libpq's reason) if it cannot.
std::optional<std::vector<Option>> parse(const std::string& dsn, std::string* reason = nullptr) {
  char* error = nullptr;
  Options options(PQconninfoParse(dsn.c_str(), &error), PQconninfoFree);
  if (!options) {
    if (reason != nullptr) {
      *reason = one_line(error != nullptr ? error : "out of memory");
    }
    PQfreemem(error);
    return std::nullopt;
  }
  std::vector<Option> out;
  for (const PQconninfoOption* o = options.get(); o->keyword != nullptr; ++o) {
    if (o->val != nullptr) {
      out.push_back({o->keyword, o->val, o->dispchar != nullptr && o->dispchar[0] == '*'});
    }
  }
  return out;
}

std::string lower(std::string text) {
  for (char& c : text) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return text;
}

bool looks_like_uri(const std::string& dsn) {
  const auto l = lower(dsn.substr(0, 14));
  return l.rfind("postgresql://", 0) == 0 || l.rfind("postgres://", 0) == 0;
}

// The password of a URI's user info as written, whatever libpq made of it: an unencoded '/' or
// '@' in it makes libpq read parts of it as host, port or database. Between the first ':' after
// the scheme and the last '@'.
std::optional<std::string> raw_uri_password(const std::string& dsn) {
  if (!looks_like_uri(dsn)) {
    return std::nullopt;
  }
  const auto start = dsn.find("://") + 3;
  const auto at = dsn.rfind('@');
  if (at == std::string::npos || at < start) {
    return std::nullopt;
  }
  const auto colon = dsn.find(':', start);
  if (colon == std::string::npos || colon > at || colon + 1 == at) {
    return std::nullopt;
  }
  return dsn.substr(colon + 1, at - colon - 1);
}

// Values written after a secret keyword anywhere in the text (key=value words, a URI's query,
// a second password= libpq overrides with the last one), as written and unescaped.
std::vector<std::string> raw_secret_values(const std::string& dsn) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < dsn.size()) {
    const auto eq = dsn.find('=', i);
    if (eq == std::string::npos) {
      break;
    }
    auto key_begin = eq;
    while (key_begin > 0 && (std::isalnum(static_cast<unsigned char>(dsn[key_begin - 1])) != 0 ||
                             dsn[key_begin - 1] == '_')) {
      --key_begin;
    }
    std::size_t v = eq + 1;
    while (v < dsn.size() && (dsn[v] == ' ' || dsn[v] == '\t' || dsn[v] == '\n')) {
      ++v;
    }
    std::size_t end = v;
    std::string unescaped;
    const bool quoted = v < dsn.size() && dsn[v] == '\'';
    if (quoted) {
      ++end;
    }
    while (end < dsn.size()) {
      const char c = dsn[end];
      if (quoted ? c == '\'' : (c == ' ' || c == '\t' || c == '\n' || c == '&')) {
        break;
      }
      if (c == '\\' && end + 1 < dsn.size()) {
        unescaped += dsn[end + 1];
        end += 2;
        continue;
      }
      unescaped += c;
      ++end;
    }
    if (is_secret_keyword(lower(dsn.substr(key_begin, eq - key_begin))) && end - v >= 3) {
      out.push_back(dsn.substr(v, end - v));
      out.push_back(unescaped);
    }
    i = std::max(end, eq + 1);
  }
  return out;
}

// %XX sequences decoded, as libpq decodes a URI's parts.
std::string percent_decoded(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() &&
        std::isxdigit(static_cast<unsigned char>(text[i + 1])) != 0 &&
        std::isxdigit(static_cast<unsigned char>(text[i + 2])) != 0) {
      out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

// A value as key=value syntax needs it: quoted when empty or holding blanks, quotes or
// backslashes (escaped inside).
std::string quote_value(const std::string& value) {
  const bool plain = !value.empty() && value.find_first_of(" \t\n\r'\\") == std::string::npos;
  if (plain) {
    return value;
  }
  std::string out = "'";
  for (const char c : value) {
    if (c == '\'' || c == '\\') {
      out += '\\';
    }
    out += c;
  }
  return out + "'";
}

bool identifier(const std::string& word) {
  return !word.empty() && std::all_of(word.begin(), word.end(), [](char c) {
    return std::islower(static_cast<unsigned char>(c)) != 0 || c == '_';
  });
}

// libpq's reason for refusing a connection string, with every quoted fragment that is not one
// of its keywords hidden: "missing "=" after "<part of a password>"" must not show the part.
// The unknown keyword of "invalid connection option" / "invalid URI query parameter" stays when
// it is a plain lowercase word: it is what the user has to fix, and the text left of an "=".
std::string safe_reason(const std::string& reason) {
  const bool names_a_key = reason.rfind("invalid connection option", 0) == 0 ||
                           reason.rfind("invalid URI query parameter", 0) == 0;
  std::string out;
  std::size_t i = 0;
  while (i < reason.size()) {
    const auto open = reason.find('"', i);
    if (open == std::string::npos) {
      out += reason.substr(i);
      break;
    }
    const auto close = reason.find('"', open + 1);
    if (close == std::string::npos) {
      out += reason.substr(i);
      break;
    }
    const std::string inner = reason.substr(open + 1, close - open - 1);
    out += reason.substr(i, open - i);
    out += '"';
    out += inner.size() <= 1 || is_keyword(inner) || (names_a_key && identifier(inner)) ? inner
                                                                                        : "***";
    out += '"';
    i = close + 1;
  }
  return out;
}

} // namespace

std::string mask_dsn(const std::string& dsn) {
  const auto options = parse(dsn);
  if (!options) {
    return "a connection string libpq cannot parse, not shown";
  }
  const auto raw = raw_uri_password(dsn);
  std::string out;
  bool password_as_written = false;
  for (const auto& o : *options) {
    password_as_written =
        password_as_written || (o.keyword == "password" && raw && o.value == percent_decoded(*raw));
  }
  if (raw && !password_as_written) {
    // libpq read the written password as host, port or database: showing those would show it.
    return "a URI whose password libpq reads as host, port or database (percent-encode '/', "
           "'@', ':' and '?' in it), not shown";
  }
  for (const auto& o : *options) {
    out += (out.empty() ? "" : " ") + o.keyword + "=" + (o.secret ? "***" : quote_value(o.value));
  }
  return out;
}

std::vector<std::string> dsn_secrets(const std::string& dsn) {
  std::vector<std::string> out;
  if (const auto options = parse(dsn)) {
    for (const auto& o : *options) {
      if (o.secret) {
        out.push_back(o.value);
      }
    }
  } else {
    out.push_back(dsn); // never shown; its parts below
  }
  if (const auto raw = raw_uri_password(dsn)) {
    out.push_back(*raw);
    for (const char sep : {'/', '@', ':', '?'}) { // the pieces libpq may show as other options
      std::size_t b = 0;
      for (auto e = raw->find(sep); b <= raw->size(); e = raw->find(sep, b)) {
        e = e == std::string::npos ? raw->size() : e;
        if (e - b >= 3 && e - b < raw->size()) {
          out.push_back(raw->substr(b, e - b));
        }
        b = e + 1;
      }
    }
  }
  const auto values = raw_secret_values(dsn);
  out.insert(out.end(), values.begin(), values.end());
  out.erase(std::remove_if(out.begin(), out.end(), [](const std::string& s) { return s.empty(); }),
            out.end());
  // Longest first: a secret that contains another is replaced whole.
  std::sort(out.begin(), out.end(), [](const std::string& a, const std::string& b) {
    return a.size() != b.size() ? a.size() > b.size() : a < b;
  });
  out.erase(std::unique(out.begin(), out.end()), out.end());
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
  std::string reason;
  if (parse(dsn, &reason)) {
    return std::nullopt;
  }
  return redact(safe_reason(reason), dsn_secrets(dsn));
}

} // namespace acme::config
