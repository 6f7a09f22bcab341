/* SPDX-License-Identifier: MIT */
/*
 * Shared by the fuzz targets: run every TLV reader over a buffer and abort()
 * when they disagree with a plain walk of the list.
 */
#ifndef ETHDL_FUZZ_TLV_CHECK_H
#define ETHDL_FUZZ_TLV_CHECK_H

#include <stdlib.h>
#include <string.h>

#include "frame.h"

#define FUZZ_CHECK(cond)                                                                           \
	do {                                                                                       \
		if (!(cond))                                                                       \
			abort();                                                                   \
	} while (0)

/* tlv_find is linear, so only this many entries are looked up one by one. */
#define FUZZ_TLV_LOOKUPS 64

static inline void fuzz_check_tlv(const uint8_t *d, size_t n)
{
	static uint8_t copy[65536];
	unsigned seen[256] = {0};
	struct tlv_writer w;
	size_t off = 0, l;
	int entries = 0, valid;

	valid = tlv_valid(d, n);
	tlv_writer_init(&w, copy, sizeof(copy));
	while (n - off >= 2 && n - off - 2 >= d[off + 1]) {
		uint8_t type = d[off], len = d[off + 1];
		const uint8_t *v;

		if (entries++ < FUZZ_TLV_LOOKUPS) {
			v = tlv_find(d, n, type, seen[type], &l);
			FUZZ_CHECK(v == d + off + 2 && l == len);
		}
		if (seen[type] == 0) {
			uint64_t u = 0;
			char s[17];
			size_t m = len < sizeof(s) - 1 ? len : sizeof(s) - 1;

			if (tlv_get_uint(d, n, type, &u)) {
				uint64_t x = 0;

				FUZZ_CHECK(len == 1 || len == 2 || len == 4 || len == 8);
				for (size_t i = 0; i < len; i++)
					x = x << 8 | d[off + 2 + i];
				FUZZ_CHECK(u == x);
			} else {
				FUZZ_CHECK(len != 1 && len != 2 && len != 4 && len != 8);
			}
			FUZZ_CHECK(tlv_get_str(d, n, type, s, sizeof(s)));
			FUZZ_CHECK(memcmp(s, d + off + 2, m) == 0 && s[m] == '\0');
		}
		seen[type]++;
		tlv_put(&w, type, d + off + 2, len);
		off += 2u + len;
	}
	/* The walk stopped at the end exactly when the list is well formed. */
	FUZZ_CHECK(valid == (off == n));
	/* Written back out entry by entry, the list is the same bytes. */
	FUZZ_CHECK(off > sizeof(copy) || (!w.overflow && w.len == off && !memcmp(copy, d, off)));
	/* Past the last whole entry nothing more is found: for each type seen,
	 * and for one type not seen. */
	for (int t = 0, looked = 0, unseen = 0; t < 256 && looked < FUZZ_TLV_LOOKUPS; t++) {
		if (!seen[t] && unseen++)
			continue;
		looked++;
		FUZZ_CHECK(tlv_find(d, n, (uint8_t)t, seen[t], &l) == NULL);
	}
}

#endif
