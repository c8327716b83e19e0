// acme's release version, as CMakeLists.txt's project() sets it.
#pragma once

#include <string_view>

namespace acme {

// The acme release version (from CMakeLists.txt's project()).
std::string_view version();

} // namespace acme
