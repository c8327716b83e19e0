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
# libcivetweb-dev: prometheus-cpp's exposer (run-continuous-etl's /metrics) runs on it.
find_package(civetweb CONFIG REQUIRED)
# libcpp-httplib-dev (0.11, a compiled library built with OpenSSL 3): acme serve's HTTP parser
# (include/acme/api/http.hpp); its pkg-config flags carry the CPPHTTPLIB_*_SUPPORT definitions
# the library was built with, which its header must see the same. OpenSSL: acme serve's TLS.
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib>=0.11)
find_package(OpenSSL REQUIRED)
if(ACME_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
