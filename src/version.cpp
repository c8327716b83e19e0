#include "acme/version.hpp"

namespace acme {

std::string_view version() {
  return ACME_VERSION;
}

} // namespace acme
