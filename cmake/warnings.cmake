# acme_options: language level and sanitizers; acme_warnings: the strict warning set.
add_library(acme_options INTERFACE)
target_compile_features(acme_options INTERFACE cxx_std_17)

option(ACME_SANITIZE "Build with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)
if(ACME_SANITIZE)
  target_compile_options(acme_options INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(acme_options INTERFACE -fsanitize=address,undefined)
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
