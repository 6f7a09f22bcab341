#!/bin/sh
# SPDX-License-Identifier: MIT
# check_board_clean.sh LIB.a...: the board machine's libraries need nothing
# outside themselves but memory, string and text functions of the C library
# (and the compiler's own helpers), and Intel ISA-L's erasure code (the
# group codec, group/fec.c: ec_* and gf_* of libisal, which a board may
# link): no libpcap, no libnet, no OpenSSL, no POSIX file or socket call. Prints what else they need, and fails if anything.
set -u
defined=$(nm -g --defined-only "$@" 2>/dev/null | awk 'NF == 3 { print $3 }' | sort -u)
undefined=$(nm -g -u "$@" 2>/dev/null | awk 'NF == 2 { print $2 }' | sort -u)
isal='ec_init_tables|ec_encode_data|ec_encode_data_update|gf_gen_cauchy1_matrix|gf_gen_rs_matrix|gf_invert_matrix|gf_mul|gf_inv'
allowed='^('"$isal"'|memcpy|memmove|memset|memcmp|strlen|strnlen|strcmp|strncmp|strchr|strcpy|strncpy|strerror|calloc|malloc|realloc|free|snprintf|vsnprintf|__(memcpy|memset|memmove|snprintf|vsnprintf)_chk|__stack_chk_fail|__cpu_indicator_init|__cpu_model|_GLOBAL_OFFSET_TABLE_|__(a|ub|l|t)san_.*|__sanitizer_.*|__sancov_.*)$'
bad=0
for s in $undefined; do
	echo "$defined" | grep -qx -- "$s" && continue
	if ! echo "$s" | grep -Eq "$allowed"; then
		echo "board machine needs $s"
		bad=1
	fi
done
[ $bad = 0 ] && echo "board machine: $(echo "$undefined" | wc -w) undefined symbols, all within itself or allowed"
exit $bad
