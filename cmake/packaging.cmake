# Installation layout beyond the two binaries (src/, tools/acme-datagen/ install those), and the
# Debian packages:  cpack --config build/<preset>/CPackConfig.cmake -G DEB
#   acme          the production package: acme, units, roles, docs (component "acme")
#   acme-datagen  the demo and test data generator (component "datagen"), for demos and the
#                 compose stack's demo image; never needed where acme syncs real data
# All destinations are relative to the prefix, so `cmake --install` (default /usr/local) and the
# .deb (prefix /usr) use the same rules; systemd reads units from both <prefix>/lib/systemd/system.
#   bin/acme, bin/acme-datagen (package acme-datagen)
#   lib/systemd/system/acme-etl{,-once}.service, acme-etl.timer, acme-reports.{service,timer},
#   acme-api.service
#   share/acme/acme.env.example    template of /etc/acme/acme.env (the .deb's postinst copies it)
#   share/acme/roles/*.psql        least-privilege roles for the DBA (docs/operations.md)
#   share/doc/acme/                README.md, docs/*.md (its links), env.example, examples/cron.d-acme
# `make install`/cpack do not build first (cmake --install never does): build, then package.
# This keeps cpack from re-running a build, e.g. when the packaging test runs it under ctest.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)

set(ACME_UNIT_DIR "lib/systemd/system" CACHE STRING "Where systemd unit files are installed (relative to the prefix)")

install(FILES
  deploy/systemd/acme-etl.service
  deploy/systemd/acme-etl-once.service
  deploy/systemd/acme-etl.timer
  deploy/systemd/acme-reports.service
  deploy/systemd/acme-reports.timer
  deploy/systemd/acme-api.service
  DESTINATION "${ACME_UNIT_DIR}")
install(FILES deploy/acme.env.example DESTINATION "${CMAKE_INSTALL_DATADIR}/acme")
install(FILES sql/roles/source_reader.psql sql/roles/target_writer.psql sql/roles/source_owner.psql
  DESTINATION "${CMAKE_INSTALL_DATADIR}/acme/roles")
# README.md is optional so that a tree without it still installs.
install(FILES README.md DESTINATION "${CMAKE_INSTALL_DOCDIR}" OPTIONAL)
# Under docs/, as in the tree, so that README's links to them work where it is installed.
file(GLOB ACME_DOC_PAGES CONFIGURE_DEPENDS "${CMAKE_CURRENT_SOURCE_DIR}/docs/*.md")
install(FILES ${ACME_DOC_PAGES} DESTINATION "${CMAKE_INSTALL_DOCDIR}/docs")
install(FILES .env.example DESTINATION "${CMAKE_INSTALL_DOCDIR}" RENAME env.example)
install(FILES deploy/cron/acme DESTINATION "${CMAKE_INSTALL_DOCDIR}/examples" RENAME cron.d-acme)

# --- Debian package -------------------------------------------------------------------------
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME acme)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL acme datagen)
set(CPACK_DEBIAN_ACME_PACKAGE_NAME acme)
set(CPACK_DEBIAN_DATAGEN_PACKAGE_NAME acme-datagen)
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_VENDOR "ACME Delivery Services")
set(CPACK_PACKAGE_CONTACT "ACME data engineering <data-engineering@acme.example>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_DESCRIPTION
  "acme keeps an analytical copy of the ACME orders database in a second PostgreSQL database, \
incrementally (cron, systemd timer or service), and exports business reports as CSV.")
set(CPACK_COMPONENT_ACME_DESCRIPTION "${CPACK_PACKAGE_DESCRIPTION_SUMMARY}\n ${CPACK_PACKAGE_DESCRIPTION}")
set(CPACK_COMPONENT_DATAGEN_DESCRIPTION "demo and test data generator for acme\n \
acme-datagen creates the ACME orders schema, fills it with synthetic customers and orders and \
plays a live orders workload against it. For demos and tests only: it writes to the database it \
is given.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES TRUE)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION database)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Runtime libraries (libpqxx-6.4, libpq5, libspdlog1.10, libfmt9, libcpp-httplib0.11, libssl3,
# libstdc++6, ...) are computed from the binaries by dpkg-shlibdeps, with the minimum versions
# they need; the Docker runtime image installs this package, so both get the same libraries. passwd: the postinst's useradd.
set(CPACK_DEBIAN_ACME_PACKAGE_DEPENDS "passwd")
find_program(ACME_DPKG_SHLIBDEPS dpkg-shlibdeps)
if(ACME_DPKG_SHLIBDEPS)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
else()
  message(STATUS "dpkg-shlibdeps not found (package dpkg-dev): the .debs list their libraries by name")
  set(libs "libpqxx-6.4, libpq5, libspdlog1.10, libfmt9, libstdc++6, libgcc-s1, libc6")
  set(CPACK_DEBIAN_ACME_PACKAGE_DEPENDS
    "passwd, ${libs}, libprometheus-cpp-pull1.0, libprometheus-cpp-core1.0, libcivetweb1, libcpp-httplib0.11, libssl3")
  set(CPACK_DEBIAN_DATAGEN_PACKAGE_DEPENDS "${libs}")
endif()
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "ca-certificates")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "postgresql-client")
# Only the acme package creates the acme user and its directories.
set(CPACK_DEBIAN_ACME_PACKAGE_CONTROL_EXTRA
  "${PROJECT_SOURCE_DIR}/deploy/debian/postinst"
  "${PROJECT_SOURCE_DIR}/deploy/debian/prerm"
  "${PROJECT_SOURCE_DIR}/deploy/debian/postrm")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
include(CPack)
