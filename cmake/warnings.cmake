# acme_options: language level, sanitizers and coverage; acme_warnings: the strict warning set.
add_library(acme_options INTERFACE)
target_compile_features(acme_options INTERFACE cxx_std_17)

option(ACME_SANITIZE "Build with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)
if(ACME_SANITIZE)
  target_compile_options(acme_options INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(acme_options INTERFACE -fsanitize=address,undefined)
endif()

# gcov instrumentation for scripts/coverage (the coverage preset, with gcovr); Debug only, so the
# line counts match the source. Atomic counter updates: the full load's and the API's threads
# run the same code at once, and plain increments lose counts (gcov then prints negative branch
# counts, which gcovr 5.2 refuses to parse).
option(ACME_COVERAGE "Build with gcov coverage instrumentation (--coverage)" OFF)
if(ACME_COVERAGE)
  target_compile_options(acme_options INTERFACE --coverage -fprofile-update=atomic)
  target_link_options(acme_options INTERFACE --coverage)
endif()

# Hardening, as Debian's dpkg-buildflags has it (checked by tests/packaging/hardening.sh):
# stack protector and stack-clash protection, CET, position-independent executables, full RELRO
# with immediate binding; FORTIFY where the optimizer can use it (not with the sanitizers).
option(ACME_HARDENING "Build with the hardening flags" ON)
if(ACME_HARDENING)
  set(CMAKE_POSITION_INDEPENDENT_CODE ON)
  target_compile_options(acme_options INTERFACE -fstack-protector-strong -fstack-clash-protection
    -fcf-protection -fPIE)
  target_link_options(acme_options INTERFACE -pie -Wl,-z,relro -Wl,-z,now)
  if(NOT ACME_SANITIZE)
    target_compile_definitions(acme_options INTERFACE
      $<$<OR:$<CONFIG:Release>,$<CONFIG:RelWithDebInfo>>:_FORTIFY_SOURCE=2>)
  endif()
endif()

add_library(acme_warnings INTERFACE)
target_compile_options(acme_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wnon-virtual-dtor
  -Woverloaded-virtual -Wold-style-cast -Wnull-dereference -Wformat=2 -Wcast-align
  -Wunused -Wdouble-promotion -Wimplicit-fallthrough -Wmisleading-indentation
  -Wduplicated-cond -Wduplicated-branches -Wlogical-op -Wuseless-cast)
if(ACME_WARNINGS_AS_ERRORS)
  target_compile_options(acme_warnings INTERFACE -Werror)
endif()
