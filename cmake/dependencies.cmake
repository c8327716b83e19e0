# Every dependency is a Debian 12 package (scripts/install-deps); nothing is downloaded.
find_package(PkgConfig REQUIRED)
pkg_check_modules(PQXX REQUIRED IMPORTED_TARGET libpqxx)
pkg_check_modules(PQ REQUIRED IMPORTED_TARGET libpq)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(nlohmann_json REQUIRED)
find_package(CLI11 REQUIRED)
find_package(Threads REQUIRED)
find_package(prometheus-cpp CONFIG REQUIRED) # prometheus-cpp-dev: /metrics (include/acme/ops/metrics.hpp)
# libcivetweb-dev: acme serve's HTTP server (include/acme/api/http.hpp); prometheus-cpp's /metrics
# runs on it too, so it adds no library to the binary's closure.
find_package(civetweb CONFIG REQUIRED)
if(ACME_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
