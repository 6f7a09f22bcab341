/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: frame_decode over arbitrary bytes. A frame that decodes
 * must encode back to the same bytes and decode to the same fields, and its
 * data goes through the TLV readers.
 */
#include "fuzz_tlv_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t out[FRAME_BUF_MAX], sealed[FRAME_BUF_MAX];

static int same_fields(const struct frame *a, const struct frame *b)
{
	return !memcmp(a->dst, b->dst, 6) && !memcmp(a->src, b->src, 6) &&
	       a->version == b->version && a->flags == b->flags && a->session == b->session &&
	       a->seq == b->seq && a->code == b->code && a->len == b->len &&
	       (a->len == 0 || !memcmp(a->data, b->data, a->len));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct frame f, g;
	size_t end, total;
	int r, n;

	r = frame_decode(&f, data, size, FRAME_ETHERTYPE_DEFAULT);
	FUZZ_CHECK(r <= 0 && r > -FRAME_E_NOSPACE);
	FUZZ_CHECK(strcmp(frame_strerror(r), "?") != 0);
	if (r == 0 || r == -FRAME_E_CRC || r == -FRAME_E_CODE) {
		/* Filled in, and the data lies inside the input. */
		FUZZ_CHECK(f.data == data + FRAME_HDR_LEN && f.len <= FRAME_MAX_DATA);
		FUZZ_CHECK(FRAME_HDR_LEN + f.len + FRAME_TRL_LEN <= size);
		fuzz_check_tlv(f.data, f.len);
	}
	if (r != 0)
		return 0;

	FUZZ_CHECK(f.version == FRAME_VERSION && frame_code_known(f.code));
	FUZZ_CHECK(strcmp(frame_code_name(f.code), "?") != 0);
	FUZZ_CHECK(frame_decode(&g, data, size, FRAME_ETHERTYPE_DEFAULT + 1) == -FRAME_E_ETHERTYPE);

	end = FRAME_HDR_LEN + f.len + FRAME_TRL_LEN;
	total = end < FRAME_MIN_LEN ? FRAME_MIN_LEN : end;
	n = frame_encode(out, sizeof(out), &f, FRAME_ETHERTYPE_DEFAULT);
	FUZZ_CHECK(n >= 0 && (size_t)n == total);
	/* Everything up to the end flag is determined by the fields. */
	FUZZ_CHECK(memcmp(out, data, end) == 0);
	FUZZ_CHECK(frame_decode(&g, out, (size_t)n, FRAME_ETHERTYPE_DEFAULT) == 0);
	FUZZ_CHECK(g.data == out + FRAME_HDR_LEN && same_fields(&f, &g));

	/* Sealing data already in place gives the same frame. */
	memcpy(sealed + FRAME_HDR_LEN, f.data, f.len);
	g = f;
	g.data = NULL;
	FUZZ_CHECK(frame_seal(sealed, sizeof(sealed), &g, FRAME_ETHERTYPE_DEFAULT) == n);
	FUZZ_CHECK(memcmp(sealed, out, (size_t)n) == 0);
	return 0;
}
