#include "acme/config/dotenv.hpp"

#include "acme/error.hpp"

#include <cctype>
#include <fmt/format.h>
#include <fstream>
#include <sstream>

namespace acme::config {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

bool valid_key(std::string_view key) {
  if (key.empty() || std::isdigit(static_cast<unsigned char>(key.front())) != 0) {
    return false;
  }
  for (char c : key) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '_') {
      return false;
    }
  }
  return true;
}

[[noreturn]] void malformed(std::string_view origin, std::size_t line_no, std::string_view why) {
  throw UsageError(fmt::format("{}:{}: malformed line: {}", origin, line_no, why));
}

// Parses the value part after '='; quotes are literal delimiters, never shell syntax.
std::string parse_value(std::string_view raw, std::string_view origin, std::size_t line_no) {
  std::string_view v = trim(raw);
  if (v.empty()) {
    return {};
  }
  const char quote = v.front();
  if (quote == '"' || quote == '\'') {
    std::string out;
    std::size_t i = 1;
    for (; i < v.size(); ++i) {
      const char c = v[i];
      if (c == quote) {
        break;
      }
      if (quote == '"' && c == '\\' && i + 1 < v.size()) {
        const char n = v[++i];
        out += n == 'n' ? '\n' : n == 't' ? '\t' : n;
        continue;
      }
      out += c;
    }
    if (i >= v.size()) {
      malformed(origin, line_no, "unterminated quoted value");
    }
    std::string_view rest = trim(v.substr(i + 1));
    if (!rest.empty() && rest.front() != '#') {
      malformed(origin, line_no, "unexpected text after the closing quote");
    }
    return out;
  }
  // Unquoted: an inline comment starts at " #".
  const auto hash = v.find(" #");
  if (hash != std::string_view::npos) {
    v = trim(v.substr(0, hash));
  }
  return std::string(v);
}

} // namespace

std::map<std::string, std::string> parse_dotenv(std::string_view text, std::string_view origin) {
  std::map<std::string, std::string> out;
  std::size_t line_no = 0;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    auto end = text.find('\n', pos);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    std::string_view line = trim(text.substr(pos, end - pos));
    ++line_no;
    pos = end + 1;
    if (line.empty() || line.front() == '#') {
      continue;
    }
    if (line.substr(0, 7) == "export ") {
      line = trim(line.substr(7));
    }
    const auto eq = line.find('=');
    if (eq == std::string_view::npos) {
      malformed(origin, line_no, "expected KEY=VALUE");
    }
    const std::string_view key = trim(line.substr(0, eq));
    if (!valid_key(key)) {
      malformed(origin, line_no, "the key must be letters, digits and '_'");
    }
    out[std::string(key)] = parse_value(line.substr(eq + 1), origin, line_no);
  }
  return out;
}

std::map<std::string, std::string> load_dotenv_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return {};
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return parse_dotenv(buffer.str(), path);
}

} // namespace acme::config
