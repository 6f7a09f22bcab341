/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the TLV readers over raw bytes. */
#include "fuzz_tlv_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char small[2];
	size_t l;

	fuzz_check_tlv(data, size);
	/* Lookups with the buffer cut short at every length up to 64 bytes. */
	for (size_t n = 0; n <= size && n <= 64; n++) {
		const uint8_t *v = tlv_find(data, n, n ? data[0] : 0, 0, &l);

		FUZZ_CHECK(!v || (v >= data + 2 && l <= n - (size_t)(v - data)));
		if (tlv_get_str(data, n, n ? data[0] : 0, small, sizeof(small)))
			FUZZ_CHECK(strlen(small) <= 1);
	}
	return 0;
}
