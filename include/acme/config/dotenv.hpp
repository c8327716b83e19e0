// The .env file reader: KEY=VALUE lines parsed as literal data, nothing executed or expanded.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace acme::config {

// Parses .env text as literal KEY=VALUE data: nothing is executed or expanded.
// Supports blank lines, '#' comments, an optional leading "export ", and single- or
// double-quoted values (double quotes understand \n, \", \\). Throws UsageError naming
// `origin` and the line number for a malformed line.
std::map<std::string, std::string> parse_dotenv(std::string_view text, std::string_view origin);

// Reads and parses the file at `path`; an absent file yields an empty map.
std::map<std::string, std::string> load_dotenv_file(const std::string& path);

} // namespace acme::config
