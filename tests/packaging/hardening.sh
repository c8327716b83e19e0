#!/usr/bin/env bash
# The acme binary carries the hardening cmake/warnings.cmake asks for, read off the ELF file with
# readelf (what Debian's hardening-check looks at): a position-independent executable, full
# RELRO (a GNU_RELRO segment and immediate binding), stack protector; and in optimized builds
# FORTIFY (the *_chk variants of libc functions).
# usage: hardening.sh ACME_BINARY BUILD_TYPE
set -euo pipefail
bin=$1 build_type=${2:-}
fail() { echo "hardening: $bin: $*" >&2; exit 1; }
headers=$(readelf -W -h -l -d "$bin")
grep -q 'Type:[[:space:]]*DYN' <<<"$headers" || fail "not a position-independent executable (PIE)"
grep -q 'GNU_RELRO' <<<"$headers" || fail "no GNU_RELRO segment (link with -z relro)"
grep -Eq 'BIND_NOW|FLAGS_1.*NOW' <<<"$headers" || fail "no immediate binding (link with -z now)"
symbols=$(readelf -W --dyn-syms "$bin")
grep -q '__stack_chk_fail' <<<"$symbols" || fail "no stack protector (__stack_chk_fail unused)"
case "$build_type" in
  Release|RelWithDebInfo)
    grep -Eq '__[a-z_]+_chk@' <<<"$symbols" || fail "no FORTIFY_SOURCE (__*_chk functions unused)" ;;
esac
echo "hardening: $bin: PIE, full RELRO, stack protector${build_type:+ ($build_type)}"
