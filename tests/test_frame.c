/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for frame/: CRC32, frame encode/decode, names, TLV.
 *
 * Buffers handed to the decoders are malloc'd at their exact size, so a build
 * with AddressSanitizer reports any read past the end.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>

#include "frame.h"
/* The generated slice-by-8 tables, checked entry by entry against a bitwise CRC. */
#include "crc32_table.h"

#define ETYPE	 FRAME_ETHERTYPE_DEFAULT
#define MTU1500	 FRAME_DATA_FOR_MTU(1500u)
#define MTU9000	 FRAME_DATA_FOR_MTU(9000u)
#define SESSION	 0xA1B2C3D4u
#define SEQ	 0x01020304u
#define FLAGS	 (FRAME_FLAG_ACKREQ | FRAME_FLAG_RETX)
#define CODE_BAD 0x7F

static const uint8_t DST[6] = {0x02, 0x00, 0x5e, 0x10, 0x20, 0x01};
static const uint8_t SRC[6] = {0x02, 0x00, 0x5e, 0x10, 0x20, 0x02};

/* ---- helpers ---- */

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint32_t rnd(void)
{
	/* xorshift64*: deterministic, so a failure reproduces. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545F4914F6CDD1Dull) >> 32);
}

static void fill_random(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)rnd();
}

/* Reference CRC32: one bit at a time, no table. */
static uint32_t crc32_bitwise(uint32_t crc, const uint8_t *p, size_t len)
{
	crc = ~crc;
	while (len--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
	}
	return ~crc;
}

static struct frame mkframe(uint8_t code, uint16_t len, const uint8_t *data)
{
	struct frame f;

	memset(&f, 0, sizeof(f));
	memcpy(f.dst, DST, 6);
	memcpy(f.src, SRC, 6);
	f.version = FRAME_VERSION;
	f.flags = FLAGS;
	f.session = SESSION;
	f.seq = SEQ;
	f.code = code;
	f.len = len;
	f.data = data;
	return f;
}

/* Pattern data that never contains the end flag 90 EB. */
static void fill_pattern(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 7 + 3) & 0x7F;
}

static size_t expected_total(size_t len)
{
	size_t end = FRAME_HDR_LEN + len + FRAME_TRL_LEN;

	return end < FRAME_MIN_LEN ? FRAME_MIN_LEN : end;
}

/* Copy n bytes to a fresh exact-size heap block. */
static uint8_t *dup_exact(const uint8_t *p, size_t n)
{
	uint8_t *q = malloc(n ? n : 1);

	if (q && n)
		memcpy(q, p, n);
	return q;
}

/* Encode into a fresh exact-size buffer; returns it and its length in *n. */
static uint8_t *encode_exact(const struct frame *f, uint16_t etype, size_t *n)
{
	size_t total = expected_total(f->len);
	uint8_t *buf = malloc(total);

	if (!buf)
		return NULL;
	if (frame_encode(buf, total, f, etype) != (int)total) {
		free(buf);
		return NULL;
	}
	*n = total;
	return buf;
}

/* Rewrite the CRC of an encoded frame after the test has edited it. */
static void reseal_crc(uint8_t *buf, uint16_t len)
{
	put_be32(buf + FRAME_HDR_LEN + len,
		 crc32_bitwise(0, buf + FRAME_ETH_LEN, FRAME_HDR_LEN - FRAME_ETH_LEN + len));
}

/* Every byte of an encoded frame where it belongs; returns 1 if all is right. */
static int layout_ok(const uint8_t *buf, size_t n, const struct frame *f, uint16_t etype)
{
	size_t crc_off = FRAME_HDR_LEN + f->len;
	size_t end = crc_off + FRAME_TRL_LEN;
	uint32_t crc = crc32_bitwise(0, buf + 14, 15u + f->len);

	if (n != expected_total(f->len) || n < FRAME_MIN_LEN)
		return 0;
	if (memcmp(buf, f->dst, 6) || memcmp(buf + 6, f->src, 6))
		return 0;
	if (buf[12] != (uint8_t)(etype >> 8) || buf[13] != (uint8_t)etype)
		return 0;
	if (buf[14] != 0xEB || buf[15] != 0x90 || buf[16] != 1 || buf[17] != f->flags)
		return 0;
	if (buf[18] != (uint8_t)(f->session >> 24) || buf[19] != (uint8_t)(f->session >> 16) ||
	    buf[20] != (uint8_t)(f->session >> 8) || buf[21] != (uint8_t)f->session)
		return 0;
	if (buf[22] != (uint8_t)(f->seq >> 24) || buf[23] != (uint8_t)(f->seq >> 16) ||
	    buf[24] != (uint8_t)(f->seq >> 8) || buf[25] != (uint8_t)f->seq)
		return 0;
	if (buf[26] != f->code || buf[27] != (uint8_t)(f->len >> 8) || buf[28] != (uint8_t)f->len)
		return 0;
	if (f->len && memcmp(buf + FRAME_HDR_LEN, f->data, f->len))
		return 0;
	if (buf[crc_off] != (uint8_t)(crc >> 24) || buf[crc_off + 1] != (uint8_t)(crc >> 16) ||
	    buf[crc_off + 2] != (uint8_t)(crc >> 8) || buf[crc_off + 3] != (uint8_t)crc)
		return 0;
	if (buf[end - 2] != 0x90 || buf[end - 1] != 0xEB)
		return 0;
	for (size_t i = end; i < n; i++)
		if (buf[i] != 0)
			return 0;
	return 1;
}

/* Decoded fields equal the encoded ones; data points into buf. */
static int fields_ok(const struct frame *d, const struct frame *f, const uint8_t *buf)
{
	return memcmp(d->dst, f->dst, 6) == 0 && memcmp(d->src, f->src, 6) == 0 &&
	       d->version == FRAME_VERSION && d->flags == f->flags && d->session == f->session &&
	       d->seq == f->seq && d->code == f->code && d->len == f->len &&
	       d->data == buf + FRAME_HDR_LEN &&
	       (f->len == 0 || memcmp(d->data, f->data, f->len) == 0);
}

/* ---- CRC32 ---- */

static void test_crc_check_value(void)
{
	CU_ASSERT_EQUAL(frame_crc32(0, "123456789", 9), 0xCBF43926u);
	CU_ASSERT_EQUAL(frame_crc32_bytewise(0, "123456789", 9), 0xCBF43926u);
	CU_ASSERT_EQUAL(crc32_bitwise(0, (const uint8_t *)"123456789", 9), 0xCBF43926u);
	CU_ASSERT_EQUAL(frame_crc32(0, "The quick brown fox jumps over the lazy dog", 43),
			0x414FA339u);
	CU_ASSERT_EQUAL(frame_crc32(0, "a", 1), 0xE8B7BE43u);
}

static void test_crc_empty(void)
{
	CU_ASSERT_EQUAL(frame_crc32(0, "", 0), 0);
	CU_ASSERT_EQUAL(frame_crc32(0, NULL, 0), 0);
	CU_ASSERT_EQUAL(frame_crc32_bytewise(0, NULL, 0), 0);
	/* An empty continuation leaves a running value unchanged. */
	CU_ASSERT_EQUAL(frame_crc32(0xCBF43926u, NULL, 0), 0xCBF43926u);
	CU_ASSERT_EQUAL(frame_crc32_bytewise(0x12345678u, "", 0), 0x12345678u);
}

static void test_crc_incremental(void)
{
	uint8_t buf[97];
	uint32_t whole;
	int bad = 0;

	fill_random(buf, sizeof(buf));
	whole = frame_crc32(0, buf, sizeof(buf));
	CU_ASSERT_EQUAL(whole, crc32_bitwise(0, buf, sizeof(buf)));
	for (size_t i = 0; i <= sizeof(buf); i++) {
		if (frame_crc32(frame_crc32(0, buf, i), buf + i, sizeof(buf) - i) != whole)
			bad++;
		if (frame_crc32_bytewise(frame_crc32_bytewise(0, buf, i), buf + i,
					 sizeof(buf) - i) != whole)
			bad++;
		for (size_t j = i; j <= sizeof(buf); j += 5) {
			uint32_t c = frame_crc32(0, buf, i);

			c = frame_crc32(c, buf + i, j - i);
			if (frame_crc32(c, buf + j, sizeof(buf) - j) != whole)
				bad++;
		}
	}
	CU_ASSERT_EQUAL(bad, 0);
}

/* Every path — carry-less multiplication (x86_64 with PCLMULQDQ), slice-by-8,
 * byte at a time — must agree, at every length around the 16- and 64-byte
 * block edges and every alignment. */
static void test_crc_slice_vs_bytewise(void)
{
	static uint8_t buf[1100 + 16];
	int bad = 0, bad_sliced = 0;

	for (size_t len = 0; len <= 1100; len += len < 300 ? 1 : 7) {
		for (size_t align = 0; align < 16; align++) {
			uint32_t seed = (len & 1) ? rnd() : 0;
			uint32_t ref;

			fill_random(buf, sizeof(buf));
			ref = frame_crc32_bytewise(seed, buf + align, len);
			if (frame_crc32(seed, buf + align, len) != ref)
				bad++;
			if (frame_crc32_sliced(seed, buf + align, len) != ref)
				bad_sliced++;
		}
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(bad_sliced, 0);
}

static void test_crc_table_bitwise(void)
{
	int bad = 0;

	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
		if (crc32_tab[0][i] != c)
			bad++;
		/* Table k is the CRC of byte i followed by k zero bytes. */
		for (int t = 1; t < 8; t++) {
			c = (c >> 8) ^ crc32_tab[0][c & 0xFF];
			if (crc32_tab[t][i] != c)
				bad++;
		}
	}
	CU_ASSERT_EQUAL(bad, 0);
}

static void test_crc_vs_bitwise_random(void)
{
	uint8_t buf[2048];
	int bad = 0;

	for (int n = 0; n < 200; n++) {
		size_t len = rnd() % sizeof(buf);
		size_t off = rnd() % (sizeof(buf) - len + 1);

		fill_random(buf, sizeof(buf));
		if (frame_crc32(0, buf + off, len) != crc32_bitwise(0, buf + off, len))
			bad++;
		if (frame_crc32_bytewise(0, buf + off, len) != crc32_bitwise(0, buf + off, len))
			bad++;
	}
	CU_ASSERT_EQUAL(bad, 0);
}

/* ---- codes and names ---- */

static const int base_codes[15] = {
	FC_CONNECT,	 FC_DOWNLOAD,	   FC_FILE_INFO,     FC_FILE_DATA,	FC_READBACK,
	FC_DISCONNECT,	 FC_CONNECT_ACK,   FC_DOWNLOAD_ACK,  FC_FILE_INFO_ACK,	FC_DOWNLOAD_DONE,
	FC_READBACK_ACK, FC_READBACK_DATA, FC_READBACK_DONE, FC_DISCONNECT_ACK, FC_ERROR,
};

static void test_code_known(void)
{
	int known = 0, bad = 0;

	for (int i = 0; i < 15; i++) {
		CU_ASSERT_TRUE(frame_code_known(base_codes[i]));
		CU_ASSERT_EQUAL(frame_code_from_board(base_codes[i]), i >= 6);
	}
	for (int c = 0; c < 256; c++) {
		int base = 0;

		for (int i = 0; i < 15; i++)
			base |= base_codes[i] == c;
		if (!frame_code_known(c))
			continue;
		known++;
		/* Extensions live in their own ranges. */
		if (!base && !((c >= (int)FC_EXT_HOST_FIRST && c <= (int)FC_EXT_HOST_LAST) ||
			       (c >= (int)FC_EXT_BOARD_FIRST && c <= (int)FC_EXT_BOARD_LAST)))
			bad++;
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_TRUE(known >= 15);
	CU_ASSERT_FALSE(frame_code_known(0));
	CU_ASSERT_FALSE(frame_code_known(CODE_BAD));
	CU_ASSERT_FALSE(frame_code_known(-1));
	CU_ASSERT_FALSE(frame_code_known(0x100 | FC_CONNECT));
	CU_ASSERT_FALSE(frame_code_from_board(FC_STATUS_QUERY));
	CU_ASSERT_TRUE(frame_code_from_board(FC_BOARD_STATUS));
}

static void test_code_names(void)
{
	const char *names[256];
	int n = 0, bad = 0;

	for (int c = 0; c < 256; c++) {
		const char *s = frame_code_name(c);

		CU_ASSERT_PTR_NOT_NULL_FATAL(s);
		if (!frame_code_known(c)) {
			if (strcmp(s, "?"))
				bad++;
			continue;
		}
		if (!strcmp(s, "?") || !*s)
			bad++;
		for (int i = 0; i < n; i++)
			if (!strcmp(names[i], s))
				bad++;
		names[n++] = s;
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_STRING_EQUAL(frame_code_name(FC_FILE_DATA), "FILE_DATA");
	CU_ASSERT_STRING_EQUAL(frame_code_name(-1), "?");
	CU_ASSERT_STRING_EQUAL(frame_code_name(INT_MAX), "?");
}

static void test_notice_names(void)
{
	static const char *const want[] = {
		"CONNECT_FAILED", "FRAME_CRC",	       "FILE_CRC",
		"TIMEOUT",	  "READBACK_MISMATCH", "WRONG_COMMAND",
	};

	for (int i = 1; i <= 6; i++)
		CU_ASSERT_STRING_EQUAL(frame_notice_name(i), want[i - 1]);
	CU_ASSERT_EQUAL(NOTICE_COUNT, 7);
	CU_ASSERT_STRING_NOT_EQUAL(frame_notice_name(NOTICE_NONE), "?");
	CU_ASSERT_STRING_EQUAL(frame_notice_name(NOTICE_COUNT), "?");
	CU_ASSERT_STRING_EQUAL(frame_notice_name(-1), "?");
	CU_ASSERT_STRING_EQUAL(frame_notice_name(INT_MIN), "?");
}

static void test_strerror(void)
{
	int bad = 0;

	for (int e = 1; e < FRAME_ERR_COUNT; e++) {
		const char *s = frame_strerror(e);

		CU_ASSERT_PTR_NOT_NULL_FATAL(s);
		if (!*s || !strcmp(s, "?") || s != frame_strerror(-e))
			bad++;
		for (int j = 0; j < e; j++)
			if (!strcmp(frame_strerror(j), s))
				bad++;
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_STRING_EQUAL(frame_strerror(FRAME_ERR_COUNT), "?");
	CU_ASSERT_STRING_EQUAL(frame_strerror(-FRAME_ERR_COUNT), "?");
	CU_ASSERT_STRING_EQUAL(frame_strerror(INT_MAX), "?");
	CU_ASSERT_STRING_EQUAL(frame_strerror(INT_MIN), "?");
}

/* ---- encode and decode ---- */

static void test_roundtrip_all_codes(void)
{
	static const uint16_t lens[] = {0, 1, 25, 26, 100, MTU1500, MTU9000};
	static uint8_t data[MTU9000];
	int codes = 0, bad_enc = 0, bad_layout = 0, bad_dec = 0;

	fill_random(data, sizeof(data));
	for (int c = 0; c < 256; c++) {
		if (!frame_code_known(c))
			continue;
		codes++;
		for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
			struct frame f = mkframe((uint8_t)c, lens[i], data), d;
			size_t n = 0;
			uint8_t *buf = encode_exact(&f, ETYPE, &n);

			if (!buf) {
				bad_enc++;
				continue;
			}
			if (!layout_ok(buf, n, &f, ETYPE))
				bad_layout++;
			memset(&d, 0xA5, sizeof(d));
			if (frame_decode(&d, buf, n, ETYPE) != 0 || !fields_ok(&d, &f, buf))
				bad_dec++;
			free(buf);
		}
	}
	CU_ASSERT_EQUAL(codes, 44); /* 15 base, 4 window, 8 device, 12 group, 2 authentication,
				     * 3 read-back as it comes */
	CU_ASSERT_EQUAL(bad_enc, 0);
	CU_ASSERT_EQUAL(bad_layout, 0);
	CU_ASSERT_EQUAL(bad_dec, 0);
}

/* One frame written out by hand, byte by byte. */
static void test_wire_golden(void)
{
	static const uint8_t want_head[29] = {
		0x02, 0x00, 0x5e, 0x10, 0x20, 0x01, 0x02, 0x00, 0x5e, 0x10,
		0x20, 0x02, 0x88, 0xB5, 0xEB, 0x90, 0x01, 0x05, 0xA1, 0xB2,
		0xC3, 0xD4, 0x01, 0x02, 0x03, 0x04, 0x04, 0x00, 0x03,
	};
	const uint8_t data[3] = {'a', 'b', 'c'};
	struct frame f = mkframe(FC_FILE_DATA, 3, data);
	uint8_t buf[64];
	uint32_t crc;

	memset(buf, 0xCC, sizeof(buf));
	CU_ASSERT_EQUAL_FATAL(frame_encode(buf, sizeof(buf), &f, ETYPE), 60);
	CU_ASSERT_EQUAL(memcmp(buf, want_head, 29), 0);
	CU_ASSERT_EQUAL(memcmp(buf + 29, "abc", 3), 0);
	crc = crc32_bitwise(0, buf + 14, 18);
	CU_ASSERT_EQUAL(get_be32(buf + 32), crc);
	CU_ASSERT_EQUAL(buf[36], 0x90);
	CU_ASSERT_EQUAL(buf[37], 0xEB);
	for (int i = 38; i < 60; i++)
		CU_ASSERT_EQUAL(buf[i], 0);
	/* Nothing written past the returned length. */
	CU_ASSERT_EQUAL(buf[60], 0xCC);
}

static void test_min_length_pad(void)
{
	uint8_t data[40], buf[128];

	fill_pattern(data, sizeof(data));
	for (uint16_t len = 0; len <= sizeof(data); len++) {
		struct frame f = mkframe(FC_FILE_DATA, len, data);
		int n;

		memset(buf, 0xFF, sizeof(buf));
		n = frame_encode(buf, sizeof(buf), &f, ETYPE);
		CU_ASSERT_EQUAL(n, (int)expected_total(len));
		CU_ASSERT_TRUE(n >= (int)FRAME_MIN_LEN);
		CU_ASSERT_TRUE(n > 0 && layout_ok(buf, (size_t)n, &f, ETYPE));
	}
}

static void test_version_zero_defaults(void)
{
	struct frame f = mkframe(FC_CONNECT, 0, NULL), d;
	uint8_t buf[FRAME_MIN_LEN];

	f.version = 0;
	CU_ASSERT_EQUAL_FATAL(frame_encode(buf, sizeof(buf), &f, ETYPE), 60);
	CU_ASSERT_EQUAL(buf[16], FRAME_VERSION);
	CU_ASSERT_EQUAL(frame_decode(&d, buf, sizeof(buf), ETYPE), 0);
	CU_ASSERT_EQUAL(d.version, FRAME_VERSION);
}

static void test_ethertype_configurable(void)
{
	uint8_t data[10] = {0};
	struct frame f = mkframe(FC_CONNECT, sizeof(data), data), d;
	size_t n = 0;
	uint8_t *buf;

	fill_pattern(data, sizeof(data));
	buf = encode_exact(&f, 0x88B6, &n);
	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	CU_ASSERT_EQUAL(buf[12], 0x88);
	CU_ASSERT_EQUAL(buf[13], 0xB6);
	CU_ASSERT_TRUE(layout_ok(buf, n, &f, 0x88B6));
	CU_ASSERT_EQUAL(frame_decode(&d, buf, n, 0x88B6), 0);
	CU_ASSERT_TRUE(fields_ok(&d, &f, buf));
	CU_ASSERT_EQUAL(frame_decode(&d, buf, n, 0x88B5), -FRAME_E_ETHERTYPE);
	CU_ASSERT_EQUAL(frame_decode(&d, buf, n, 0xB688), -FRAME_E_ETHERTYPE);
	free(buf);
}

static void test_decode_short(void)
{
	uint8_t full[FRAME_MIN_LEN];
	struct frame f = mkframe(FC_CONNECT, 0, NULL), d;

	CU_ASSERT_EQUAL_FATAL(frame_encode(full, sizeof(full), &f, ETYPE), 60);
	for (size_t len = 0; len < FRAME_HDR_LEN + FRAME_TRL_LEN; len++) {
		uint8_t *buf = dup_exact(full, len);

		CU_ASSERT_EQUAL(frame_decode(&d, buf, len, ETYPE), -FRAME_E_SHORT);
		free(buf);
	}
	/* 35 bytes is the smallest frame: a runt without the pad is accepted. */
	{
		uint8_t *buf = dup_exact(full, 35);

		CU_ASSERT_EQUAL(frame_decode(&d, buf, 35, ETYPE), 0);
		free(buf);
	}
}

static void test_decode_ethertype(void)
{
	uint8_t buf[FRAME_MIN_LEN];
	struct frame f = mkframe(FC_CONNECT, 0, NULL), d;

	CU_ASSERT_EQUAL_FATAL(frame_encode(buf, sizeof(buf), &f, ETYPE), 60);
	buf[12] = 0x08;
	buf[13] = 0x00;
	CU_ASSERT_EQUAL(frame_decode(&d, buf, sizeof(buf), ETYPE), -FRAME_E_ETHERTYPE);
	buf[12] = 0x88;
	buf[13] = 0xB4;
	CU_ASSERT_EQUAL(frame_decode(&d, buf, sizeof(buf), ETYPE), -FRAME_E_ETHERTYPE);
	buf[13] = 0xB5;
	CU_ASSERT_EQUAL(frame_decode(&d, buf, sizeof(buf), ETYPE), 0);
}

static void test_decode_start(void)
{
	uint8_t buf[FRAME_MIN_LEN];
	struct frame f = mkframe(FC_CONNECT, 0, NULL), d;

	CU_ASSERT_EQUAL_FATAL(frame_encode(buf, sizeof(buf), &f, ETYPE), 60);
	buf[14] = 0x90;
	buf[15] = 0xEB; /* the end flag where the start flag belongs */
	CU_ASSERT_EQUAL(frame_decode(&d, buf, sizeof(buf), ETYPE), -FRAME_E_START);
	buf[14] = 0xEB;
	buf[15] = 0x91;
	CU_ASSERT_EQUAL(frame_decode(&d, buf, sizeof(buf), ETYPE), -FRAME_E_START);
	buf[14] = 0xEA;
	buf[15] = 0x90;
	CU_ASSERT_EQUAL(frame_decode(&d, buf, sizeof(buf), ETYPE), -FRAME_E_START);
}

static void test_decode_version(void)
{
	static const uint8_t versions[] = {0, 2, 0x81, 0xFF};
	uint8_t buf[FRAME_MIN_LEN];
	struct frame f = mkframe(FC_CONNECT, 0, NULL), d;

	for (size_t i = 0; i < sizeof(versions); i++) {
		CU_ASSERT_EQUAL_FATAL(frame_encode(buf, sizeof(buf), &f, ETYPE), 60);
		buf[16] = versions[i];
		reseal_crc(buf, 0); /* only the version is wrong */
		CU_ASSERT_EQUAL(frame_decode(&d, buf, sizeof(buf), ETYPE), -FRAME_E_VERSION);
	}
}

static void test_decode_length(void)
{
	static const uint16_t claims[] = {26, 27, 100, 0x7FFF, 0x8000, 0xFFFF};
	uint8_t data[20] = {0};
	uint8_t buf[FRAME_MIN_LEN];
	struct frame f = mkframe(FC_FILE_DATA, sizeof(data), data), d;

	fill_pattern(data, sizeof(data));
	/* 60-byte buffer: room for up to 25 data bytes. */
	for (size_t i = 0; i < sizeof(claims) / sizeof(claims[0]); i++) {
		CU_ASSERT_EQUAL_FATAL(frame_encode(buf, sizeof(buf), &f, ETYPE), 60);
		put_be16(buf + 27, claims[i]);
		CU_ASSERT_EQUAL(frame_decode(&d, buf, sizeof(buf), ETYPE), -FRAME_E_LENGTH);
	}
	/* Exactly filling the buffer is fine; one byte short of it is not. */
	{
		uint8_t big[25];
		struct frame g = mkframe(FC_FILE_DATA, sizeof(big), big);
		uint8_t *b;

		fill_pattern(big, sizeof(big));
		CU_ASSERT_EQUAL_FATAL(frame_encode(buf, sizeof(buf), &g, ETYPE), 60);
		CU_ASSERT_EQUAL(frame_decode(&d, buf, 60, ETYPE), 0);
		b = dup_exact(buf, 59);
		CU_ASSERT_EQUAL(frame_decode(&d, b, 59, ETYPE), -FRAME_E_LENGTH);
		free(b);
	}
}

static void test_decode_length_over_max(void)
{
	/* A data length above FRAME_MAX_DATA is refused even when the buffer
	 * holds it and the CRC is right: no frame may outgrow FRAME_BUF_MAX. */
	size_t n = FRAME_HDR_LEN + 0xFFFFu + FRAME_TRL_LEN;
	uint8_t *buf = calloc(1, n);
	struct frame f = mkframe(FC_FILE_DATA, 0, NULL), d;

	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	CU_ASSERT_EQUAL(frame_encode(buf, n, &f, ETYPE), 60);
	put_be16(buf + 27, 0xFFFF);
	reseal_crc(buf, 0xFFFF);
	buf[n - 2] = FRAME_END0;
	buf[n - 1] = FRAME_END1;
	CU_ASSERT_EQUAL(frame_decode(&d, buf, n, ETYPE), -FRAME_E_LENGTH);
	free(buf);
}

static void test_decode_bitflips(void)
{
	uint8_t data[12] = {0};
	struct frame f = mkframe(FC_DOWNLOAD, sizeof(data), data), d;
	size_t n = 0, end = FRAME_HDR_LEN + sizeof(data) + FRAME_TRL_LEN;
	uint8_t *buf;
	int zero = 0, wrong = 0;

	fill_pattern(data, sizeof(data));
	buf = encode_exact(&f, ETYPE, &n);
	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	/* Every bit from the start flag to the end flag. */
	for (size_t i = FRAME_ETH_LEN; i < end; i++) {
		for (int bit = 0; bit < 8; bit++) {
			int want, r;

			buf[i] ^= (uint8_t)(1u << bit);
			if (i < 16) {
				want = -FRAME_E_START;
			} else if (i == 16) {
				want = -FRAME_E_VERSION;
			} else if (i == 27 || i == 28) {
				size_t l = get_be16(buf + 27),
				       e = FRAME_HDR_LEN + l + FRAME_TRL_LEN;

				if (e > n)
					want = -FRAME_E_LENGTH;
				else if (buf[e - 2] != 0x90 || buf[e - 1] != 0xEB)
					want = -FRAME_E_END;
				else
					want = -FRAME_E_CRC;
			} else if (i >= end - 2) {
				want = -FRAME_E_END;
			} else {
				want = -FRAME_E_CRC;
			}
			r = frame_decode(&d, buf, n, ETYPE);
			if (r == 0)
				zero++;
			if (r != want) {
				wrong++;
				printf("\nflip byte %zu bit %d: got %d want %d\n", i, bit, r, want);
			}
			buf[i] ^= (uint8_t)(1u << bit);
		}
	}
	CU_ASSERT_EQUAL(zero, 0);
	CU_ASSERT_EQUAL(wrong, 0);
	/* The Ethernet addresses are not covered: a flip there still decodes. */
	buf[3] ^= 0x10;
	CU_ASSERT_EQUAL(frame_decode(&d, buf, n, ETYPE), 0);
	CU_ASSERT_EQUAL(d.dst[3], DST[3] ^ 0x10);
	/* The pad is not covered either. */
	buf[n - 1] = 0x55;
	CU_ASSERT_EQUAL(frame_decode(&d, buf, n, ETYPE), 0);
	free(buf);
}

static void test_decode_crc_fills_frame(void)
{
	uint8_t data[8] = {0};
	struct frame f = mkframe(FC_READBACK_DATA, sizeof(data), data), d;
	uint8_t buf[FRAME_MIN_LEN];

	fill_pattern(data, sizeof(data));
	CU_ASSERT_EQUAL_FATAL(frame_encode(buf, sizeof(buf), &f, ETYPE), 60);
	buf[FRAME_HDR_LEN + 3] ^= 0x40;
	memset(&d, 0, sizeof(d));
	CU_ASSERT_EQUAL(frame_decode(&d, buf, sizeof(buf), ETYPE), -FRAME_E_CRC);
	CU_ASSERT_EQUAL(d.session, SESSION);
	CU_ASSERT_EQUAL(d.seq, SEQ);
	CU_ASSERT_EQUAL(d.code, FC_READBACK_DATA);
	CU_ASSERT_EQUAL(memcmp(d.src, SRC, 6), 0);
	/* A wrong CRC field (rather than wrong data) is a CRC error too. */
	buf[FRAME_HDR_LEN + 3] ^= 0x40;
	buf[FRAME_HDR_LEN + sizeof(data)] ^= 0xFF;
	CU_ASSERT_EQUAL(frame_decode(&d, buf, sizeof(buf), ETYPE), -FRAME_E_CRC);
}

static void test_decode_end(void)
{
	static const uint8_t ends[][2] = {{0xEB, 0x90}, {0x90, 0xEA}, {0x00, 0x00}, {0x91, 0xEB}};
	uint8_t data[30] = {0};
	struct frame f = mkframe(FC_FILE_INFO, sizeof(data), data), d;
	size_t n = 0, end = FRAME_HDR_LEN + sizeof(data) + FRAME_TRL_LEN;
	uint8_t *buf;

	fill_pattern(data, sizeof(data));
	buf = encode_exact(&f, ETYPE, &n);
	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	for (size_t i = 0; i < sizeof(ends) / sizeof(ends[0]); i++) {
		buf[end - 2] = ends[i][0];
		buf[end - 1] = ends[i][1];
		reseal_crc(buf, sizeof(data)); /* the CRC stays valid */
		CU_ASSERT_EQUAL(frame_decode(&d, buf, n, ETYPE), -FRAME_E_END);
	}
	buf[end - 2] = FRAME_END0;
	buf[end - 1] = FRAME_END1;
	CU_ASSERT_EQUAL(frame_decode(&d, buf, n, ETYPE), 0);
	free(buf);
}

static void test_decode_unknown_code(void)
{
	uint8_t data[4] = {1, 2, 3, 4};
	struct frame f = mkframe(CODE_BAD, sizeof(data), data), d;
	uint8_t buf[FRAME_MIN_LEN];
	int bad = 0;

	/* Encode does not judge the code; decode does, after the CRC. */
	CU_ASSERT_EQUAL_FATAL(frame_encode(buf, sizeof(buf), &f, ETYPE), 60);
	CU_ASSERT_EQUAL(get_be32(buf + FRAME_HDR_LEN + 4), crc32_bitwise(0, buf + 14, 19));
	memset(&d, 0, sizeof(d));
	CU_ASSERT_EQUAL(frame_decode(&d, buf, sizeof(buf), ETYPE), -FRAME_E_CODE);
	CU_ASSERT_EQUAL(d.code, CODE_BAD);
	CU_ASSERT_EQUAL(d.seq, SEQ);
	CU_ASSERT_EQUAL(d.len, 4);
	for (int c = 0; c < 256; c++) {
		f.code = (uint8_t)c;
		if (frame_encode(buf, sizeof(buf), &f, ETYPE) != 60)
			bad++;
		if (frame_decode(&d, buf, sizeof(buf), ETYPE) !=
		    (frame_code_known(c) ? 0 : -FRAME_E_CODE))
			bad++;
	}
	CU_ASSERT_EQUAL(bad, 0);
}

static void test_decode_trailing_bytes(void)
{
	uint8_t data[100] = {0}, buf[200];
	struct frame f = mkframe(FC_FILE_DATA, sizeof(data), data), d;
	int n;

	/* Extra bytes after the end flag (a captured FCS, say) are ignored. */
	fill_random(data, sizeof(data));
	n = frame_encode(buf, sizeof(buf), &f, ETYPE);
	CU_ASSERT_EQUAL_FATAL(n, 135);
	fill_random(buf + n, sizeof(buf) - (size_t)n);
	CU_ASSERT_EQUAL(frame_decode(&d, buf, sizeof(buf), ETYPE), 0);
	CU_ASSERT_TRUE(fields_ok(&d, &f, buf));
}

static void test_encode_nospace(void)
{
	static const uint16_t lens[] = {0, 10, 25, 26, 100, MTU1500};
	static uint8_t data[MTU1500];
	static uint8_t buf[MTU1500 + 64];
	int bad = 0;

	fill_random(data, sizeof(data));
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		struct frame f = mkframe(FC_FILE_DATA, lens[i], data);
		size_t total = expected_total(lens[i]);

		for (size_t cap = 0; cap < total; cap++)
			if (frame_encode(buf, cap, &f, ETYPE) != -FRAME_E_NOSPACE ||
			    frame_seal(buf, cap, &f, ETYPE) != -FRAME_E_NOSPACE)
				bad++;
		if (frame_encode(buf, total, &f, ETYPE) != (int)total)
			bad++;
	}
	CU_ASSERT_EQUAL(bad, 0);
}

static void test_encode_toolong(void)
{
	uint8_t *data = calloc(1, FRAME_MAX_DATA + 1);
	uint8_t *buf = malloc(FRAME_BUF_MAX + 64);
	struct frame f = mkframe(FC_FILE_DATA, FRAME_MAX_DATA + 1, data), d;
	size_t n = 0;
	uint8_t *exact;

	CU_ASSERT_PTR_NOT_NULL_FATAL(data);
	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	CU_ASSERT_EQUAL(frame_encode(buf, FRAME_BUF_MAX + 64, &f, ETYPE), -FRAME_E_TOOLONG);
	CU_ASSERT_EQUAL(frame_seal(buf, FRAME_BUF_MAX + 64, &f, ETYPE), -FRAME_E_TOOLONG);
	f.len = 0xFFFF;
	CU_ASSERT_EQUAL(frame_encode(buf, FRAME_BUF_MAX + 64, &f, ETYPE), -FRAME_E_TOOLONG);
	/* The largest frame fits FRAME_BUF_MAX exactly and round-trips. */
	f.len = FRAME_MAX_DATA;
	fill_random(data, FRAME_MAX_DATA);
	CU_ASSERT_EQUAL(frame_encode(buf, FRAME_BUF_MAX, &f, ETYPE), (int)FRAME_BUF_MAX);
	exact = encode_exact(&f, ETYPE, &n);
	CU_ASSERT_PTR_NOT_NULL_FATAL(exact);
	CU_ASSERT_EQUAL(n, FRAME_BUF_MAX);
	CU_ASSERT_TRUE(layout_ok(exact, n, &f, ETYPE));
	CU_ASSERT_EQUAL(frame_decode(&d, exact, n, ETYPE), 0);
	CU_ASSERT_TRUE(fields_ok(&d, &f, exact));
	free(exact);
	free(buf);
	free(data);
}

static void test_seal_equals_encode(void)
{
	static const uint16_t lens[] = {0, 1, 25, 100, MTU1500, MTU9000};
	static uint8_t data[MTU9000];
	static uint8_t a[MTU9000 + 64], b[MTU9000 + 64];
	int bad = 0;

	fill_random(data, sizeof(data));
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		struct frame f = mkframe(FC_FILE_DATA, lens[i], data);
		int na, nb;

		memset(a, 0x33, sizeof(a));
		memset(b, 0x77, sizeof(b));
		na = frame_encode(a, sizeof(a), &f, 0x88B6);
		/* The sender reads file data straight into the frame buffer. */
		memcpy(b + FRAME_HDR_LEN, data, lens[i]);
		f.data = NULL;
		nb = frame_seal(b, sizeof(b), &f, 0x88B6);
		if (na != nb || na < (int)FRAME_MIN_LEN || memcmp(a, b, (size_t)na))
			bad++;
	}
	CU_ASSERT_EQUAL(bad, 0);
}

static void test_encode_in_place(void)
{
	/* frame_encode with f->data already at buf + FRAME_HDR_LEN. */
	uint8_t data[50], buf[128] = {0};
	struct frame f = mkframe(FC_READBACK_DATA, sizeof(data), buf + FRAME_HDR_LEN), d;

	fill_random(data, sizeof(data));
	memcpy(buf + FRAME_HDR_LEN, data, sizeof(data));
	CU_ASSERT_EQUAL_FATAL(frame_encode(buf, sizeof(buf), &f, ETYPE), 85);
	CU_ASSERT_EQUAL(frame_decode(&d, buf, 85, ETYPE), 0);
	CU_ASSERT_EQUAL(d.len, sizeof(data));
	CU_ASSERT_EQUAL(memcmp(d.data, data, sizeof(data)), 0);
}

/* ---- TLV ---- */

static void test_tlv_roundtrip(void)
{
	uint8_t buf[256], blob[3] = {9, 8, 7};
	struct tlv_writer w;
	uint64_t v = 0;
	char s[64];
	size_t l = 0;
	const uint8_t *p;

	tlv_writer_init(&w, buf, sizeof(buf));
	tlv_put_u8(&w, 1, 0xAB);
	tlv_put_u16(&w, 2, 0xBEEF);
	tlv_put_u32(&w, 3, 0xDEADBEEFu);
	tlv_put_u64(&w, 4, 0x0123456789ABCDEFull);
	tlv_put_str(&w, 5, "ethdl board");
	tlv_put(&w, 6, blob, sizeof(blob));
	tlv_put(&w, 7, NULL, 0);
	CU_ASSERT_FALSE(w.overflow);
	CU_ASSERT_EQUAL(w.len, 3u + 4 + 6 + 10 + 13 + 5 + 2);
	CU_ASSERT_TRUE(tlv_valid(buf, w.len));

	CU_ASSERT_TRUE(tlv_get_uint(buf, w.len, 1, &v) && v == 0xAB);
	CU_ASSERT_TRUE(tlv_get_uint(buf, w.len, 2, &v) && v == 0xBEEF);
	CU_ASSERT_TRUE(tlv_get_uint(buf, w.len, 3, &v) && v == 0xDEADBEEFu);
	CU_ASSERT_TRUE(tlv_get_uint(buf, w.len, 4, &v) && v == 0x0123456789ABCDEFull);
	CU_ASSERT_TRUE(tlv_get_str(buf, w.len, 5, s, sizeof(s)));
	CU_ASSERT_STRING_EQUAL(s, "ethdl board");
	p = tlv_find(buf, w.len, 6, 0, &l);
	CU_ASSERT_TRUE(p && l == 3 && memcmp(p, blob, 3) == 0);
	p = tlv_find(buf, w.len, 7, 0, &l);
	CU_ASSERT_TRUE(p != NULL && l == 0);
	CU_ASSERT_PTR_NULL(tlv_find(buf, w.len, 8, 0, &l));
	CU_ASSERT_FALSE(tlv_get_uint(buf, w.len, 8, &v));
	CU_ASSERT_FALSE(tlv_get_str(buf, w.len, 8, s, sizeof(s)));
	/* Big-endian on the wire. */
	CU_ASSERT_EQUAL(buf[5], 0xBE);
	CU_ASSERT_EQUAL(buf[6], 0xEF);
}

static void test_tlv_nth(void)
{
	uint8_t buf[64];
	struct tlv_writer w;
	size_t l = 0;
	const uint8_t *p;

	tlv_writer_init(&w, buf, sizeof(buf));
	tlv_put_u8(&w, 9, 10);
	tlv_put_u16(&w, 1, 0x1111);
	tlv_put_u8(&w, 9, 11);
	tlv_put_str(&w, 2, "x");
	tlv_put_u8(&w, 9, 12);
	CU_ASSERT_FALSE(w.overflow);
	for (unsigned n = 0; n < 3; n++) {
		p = tlv_find(buf, w.len, 9, n, &l);
		CU_ASSERT_TRUE(p && l == 1 && *p == 10 + n);
	}
	CU_ASSERT_PTR_NULL(tlv_find(buf, w.len, 9, 3, &l));
	CU_ASSERT_PTR_NULL(tlv_find(buf, w.len, 9, UINT_MAX, &l));
	p = tlv_find(buf, w.len, 2, 0, &l);
	CU_ASSERT_TRUE(p && l == 1 && *p == 'x');
}

static void test_tlv_overflow(void)
{
	uint8_t buf[16];
	struct tlv_writer w;
	uint64_t v = 0;

	tlv_writer_init(&w, buf, sizeof(buf));
	tlv_put_u64(&w, 1, 42); /* 10 bytes */
	tlv_put_u32(&w, 2, 7);	/* 6 more: exactly full */
	CU_ASSERT_FALSE(w.overflow);
	CU_ASSERT_EQUAL(w.len, 16);
	tlv_put(&w, 3, NULL, 0); /* even an empty TLV needs 2 bytes */
	CU_ASSERT_TRUE(w.overflow);
	CU_ASSERT_EQUAL(w.len, 16);
	CU_ASSERT_TRUE(tlv_valid(buf, w.len));
	CU_ASSERT_TRUE(tlv_get_uint(buf, w.len, 2, &v) && v == 7);

	tlv_writer_init(&w, buf, sizeof(buf));
	tlv_put_str(&w, 1, "0123456789ABCDEF"); /* 18 > 16 */
	CU_ASSERT_TRUE(w.overflow);
	CU_ASSERT_EQUAL(w.len, 0);

	/* A value longer than a length byte can say. */
	{
		static uint8_t big[300], out[400];

		tlv_writer_init(&w, out, sizeof(out));
		tlv_put(&w, 1, big, 256);
		CU_ASSERT_TRUE(w.overflow);
		CU_ASSERT_EQUAL(w.len, 0);
		tlv_writer_init(&w, out, sizeof(out));
		tlv_put(&w, 1, big, 255);
		CU_ASSERT_FALSE(w.overflow);
		CU_ASSERT_EQUAL(w.len, 257);
	}
	/* A zero-capacity writer. */
	tlv_writer_init(&w, NULL, 0);
	tlv_put_u8(&w, 1, 1);
	CU_ASSERT_TRUE(w.overflow);
	CU_ASSERT_EQUAL(w.len, 0);
}

static void test_tlv_str_long(void)
{
	char s[300], out[300];
	uint8_t buf[300];
	struct tlv_writer w;
	size_t l = 0;

	memset(s, 'q', sizeof(s) - 1);
	s[sizeof(s) - 1] = '\0';
	tlv_writer_init(&w, buf, sizeof(buf));
	tlv_put_str(&w, 4, s); /* cut to the 255 a length byte can say */
	CU_ASSERT_FALSE(w.overflow);
	CU_ASSERT_EQUAL(w.len, 257);
	CU_ASSERT_PTR_NOT_NULL(tlv_find(buf, w.len, 4, 0, &l));
	CU_ASSERT_EQUAL(l, 255);
	CU_ASSERT_TRUE(tlv_get_str(buf, w.len, 4, out, sizeof(out)));
	CU_ASSERT_EQUAL(strlen(out), 255);
}

static void test_tlv_valid_truncated(void)
{
	uint8_t buf[64];
	struct tlv_writer w;
	size_t full;
	int bad = 0;

	tlv_writer_init(&w, buf, sizeof(buf));
	tlv_put_u32(&w, 1, 1);
	tlv_put_str(&w, 2, "hello");
	tlv_put_u8(&w, 3, 3);
	full = w.len;
	CU_ASSERT_TRUE(tlv_valid(buf, full));
	CU_ASSERT_TRUE(tlv_valid(buf, 0));
	CU_ASSERT_TRUE(tlv_valid(NULL, 0));
	/* Valid only where a TLV ends: after 6, 13 and 16 bytes. */
	for (size_t len = 0; len <= full; len++) {
		uint8_t *p = dup_exact(buf, len);
		int want = len == 0 || len == 6 || len == 13 || len == 16;

		if (tlv_valid(p, len) != want)
			bad++;
		free(p);
	}
	CU_ASSERT_EQUAL(bad, 0);
}

static void test_tlv_find_bounds(void)
{
	/* Second TLV claims 200 bytes, only 3 are there. */
	static const uint8_t list[] = {1, 1, 0x55, 2, 200, 'a', 'b', 'c'};
	uint8_t *p = dup_exact(list, sizeof(list));
	size_t l = 0;
	uint64_t v = 0;
	char s[8];

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_FALSE(tlv_valid(p, sizeof(list)));
	CU_ASSERT_PTR_EQUAL(tlv_find(p, sizeof(list), 1, 0, &l), p + 2);
	CU_ASSERT_EQUAL(l, 1);
	CU_ASSERT_PTR_NULL(tlv_find(p, sizeof(list), 2, 0, &l));
	CU_ASSERT_PTR_NULL(tlv_find(p, sizeof(list), 3, 0, &l));
	CU_ASSERT_FALSE(tlv_get_str(p, sizeof(list), 2, s, sizeof(s)));
	CU_ASSERT_FALSE(tlv_get_uint(p, sizeof(list), 2, &v));
	free(p);

	/* A lone type byte with no length byte. */
	{
		static const uint8_t one[] = {1, 1, 0x55, 7};

		p = dup_exact(one, sizeof(one));
		CU_ASSERT_FALSE(tlv_valid(p, sizeof(one)));
		CU_ASSERT_PTR_NULL(tlv_find(p, sizeof(one), 7, 0, &l));
		CU_ASSERT_PTR_NOT_NULL(tlv_find(p, sizeof(one), 1, 0, &l));
		free(p);
	}
	/* dlen shorter than the buffer: the finder stops at dlen. */
	{
		static const uint8_t two[] = {1, 2, 0xAA, 0xBB, 2, 1, 0xCC};

		CU_ASSERT_PTR_NULL(tlv_find(two, 3, 1, 0, &l));
		CU_ASSERT_PTR_NULL(tlv_find(two, 6, 2, 0, &l));
		CU_ASSERT_PTR_NOT_NULL(tlv_find(two, 7, 2, 0, &l));
	}
}

static void test_tlv_get_uint_width(void)
{
	static const uint8_t list[] = {1, 3, 1, 2, 3, 2, 0, 3, 5, 1, 2, 3, 4, 5, 4, 16,
				       0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
	uint64_t v = 77;

	CU_ASSERT_TRUE(tlv_valid(list, sizeof(list)));
	CU_ASSERT_FALSE(tlv_get_uint(list, sizeof(list), 1, &v));
	CU_ASSERT_FALSE(tlv_get_uint(list, sizeof(list), 2, &v));
	CU_ASSERT_FALSE(tlv_get_uint(list, sizeof(list), 3, &v));
	CU_ASSERT_FALSE(tlv_get_uint(list, sizeof(list), 4, &v));
	CU_ASSERT_EQUAL(v, 77); /* untouched on failure */
}

static void test_tlv_get_str(void)
{
	uint8_t buf[64];
	struct tlv_writer w;
	char s[8];

	tlv_writer_init(&w, buf, sizeof(buf));
	tlv_put_str(&w, 1, "0123456789");
	tlv_put_str(&w, 2, "");
	memset(s, 'z', sizeof(s));
	CU_ASSERT_TRUE(tlv_get_str(buf, w.len, 1, s, sizeof(s)));
	CU_ASSERT_STRING_EQUAL(s, "0123456");
	CU_ASSERT_TRUE(tlv_get_str(buf, w.len, 1, s, 1));
	CU_ASSERT_STRING_EQUAL(s, "");
	memset(s, 'z', sizeof(s));
	CU_ASSERT_TRUE(tlv_get_str(buf, w.len, 1, s, 2));
	CU_ASSERT_EQUAL(s[0], '0');
	CU_ASSERT_EQUAL(s[1], '\0');
	CU_ASSERT_EQUAL(s[2], 'z'); /* nothing written past cap */
	CU_ASSERT_FALSE(tlv_get_str(buf, w.len, 1, s, 0));
	CU_ASSERT_TRUE(tlv_get_str(buf, w.len, 2, s, sizeof(s)));
	CU_ASSERT_STRING_EQUAL(s, "");
}

/* ---- no read outside the buffer ---- */

static int decode_sane(const uint8_t *buf, size_t len, uint16_t etype)
{
	struct frame d;
	int r = frame_decode(&d, buf, len, etype);

	if (r > 0 || r <= -FRAME_ERR_COUNT || r == -FRAME_E_NOSPACE || r == -FRAME_E_TOOLONG)
		return 0;
	if (r == 0 || r == -FRAME_E_CRC || r == -FRAME_E_CODE) {
		if (d.data != buf + FRAME_HDR_LEN || d.len > FRAME_MAX_DATA ||
		    FRAME_HDR_LEN + d.len + FRAME_TRL_LEN > len)
			return 0;
		/* Touch the data so ASan checks the span. */
		if (d.len &&
		    frame_crc32(0, d.data, d.len) != frame_crc32_bytewise(0, d.data, d.len))
			return 0;
		(void)tlv_valid(d.data, d.len);
	}
	return 1;
}

static void test_decode_prefixes(void)
{
	static uint8_t data[MTU9000];
	struct frame f = mkframe(FC_FILE_DATA, MTU9000, data);
	size_t n = 0;
	uint8_t *full;
	int bad = 0, ok = 0;

	fill_random(data, sizeof(data));
	full = encode_exact(&f, ETYPE, &n);
	CU_ASSERT_PTR_NOT_NULL_FATAL(full);
	for (size_t len = 0; len <= n; len++) {
		uint8_t *p = dup_exact(full, len);

		if (!decode_sane(p, len, ETYPE))
			bad++;
		if (len < n) {
			struct frame d;

			if (frame_decode(&d, p, len, ETYPE) == 0)
				ok++;
		}
		free(p);
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(ok, 0); /* no proper prefix of a frame decodes */
	free(full);
}

static void test_decode_random(void)
{
	static uint8_t scratch[2048];
	int bad = 0, ok = 0;

	for (int iter = 0; iter < 100000; iter++) {
		size_t len = rnd() % 200;
		uint8_t *p;

		if (iter % 10 == 0)
			len = rnd() % sizeof(scratch);
		fill_random(scratch, len);
		/* Make most of them get past the early checks. */
		if (len >= 17 && rnd() % 4) {
			put_be16(scratch + 12, ETYPE);
			scratch[14] = FRAME_START0;
			scratch[15] = FRAME_START1;
			scratch[16] = FRAME_VERSION;
		}
		if (len >= 35 && rnd() % 2) {
			uint16_t l = (uint16_t)(rnd() % (len - 33));

			if (rnd() % 8 == 0)
				l = (uint16_t)rnd();
			put_be16(scratch + 27, l);
			if (FRAME_HDR_LEN + (size_t)l + FRAME_TRL_LEN <= len) {
				scratch[FRAME_HDR_LEN + l + 4] = FRAME_END0;
				scratch[FRAME_HDR_LEN + l + 5] = FRAME_END1;
				if (rnd() % 2)
					reseal_crc(scratch, l);
			}
		}
		p = dup_exact(scratch, len);
		if (!decode_sane(p, len, ETYPE))
			bad++;
		{
			struct frame d;

			if (frame_decode(&d, p, len, ETYPE) == 0)
				ok++;
		}
		free(p);
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_TRUE(ok > 100); /* the generator reaches the end of decode */
}

static void test_tlv_random(void)
{
	uint8_t scratch[300];
	int bad = 0;

	for (int iter = 0; iter < 20000; iter++) {
		size_t len = rnd() % sizeof(scratch), l = 0;
		uint8_t type, *p;
		const uint8_t *v;
		uint64_t u;
		char s[16];

		fill_random(scratch, len);
		for (size_t i = 1; i < len; i += 2)
			scratch[i] %= 16; /* short lengths, so lists are often valid */
		type = (uint8_t)(len ? scratch[0] : 0);
		p = dup_exact(scratch, len);
		(void)tlv_valid(p, len);
		for (unsigned n = 0; n < 4; n++) {
			v = tlv_find(p, len, type, n, &l);
			if (v && (v < p || v + l > p + len))
				bad++;
		}
		(void)tlv_get_uint(p, len, type, &u);
		if (tlv_get_str(p, len, type, s, sizeof(s)) && strlen(s) >= sizeof(s))
			bad++;
		free(p);
	}
	CU_ASSERT_EQUAL(bad, 0);
}

/* ---- main ---- */

struct test_def {
	const char *name;
	CU_TestFunc fn;
};

#define T(fn)                                                                                      \
	{                                                                                          \
#fn, fn                                                                            \
	}

static const struct test_def tests[] = {
	T(test_crc_check_value),
	T(test_crc_empty),
	T(test_crc_incremental),
	T(test_crc_slice_vs_bytewise),
	T(test_crc_table_bitwise),
	T(test_crc_vs_bitwise_random),
	T(test_code_known),
	T(test_code_names),
	T(test_notice_names),
	T(test_strerror),
	T(test_roundtrip_all_codes),
	T(test_wire_golden),
	T(test_min_length_pad),
	T(test_version_zero_defaults),
	T(test_ethertype_configurable),
	T(test_decode_short),
	T(test_decode_ethertype),
	T(test_decode_start),
	T(test_decode_version),
	T(test_decode_length),
	T(test_decode_length_over_max),
	T(test_decode_bitflips),
	T(test_decode_crc_fills_frame),
	T(test_decode_end),
	T(test_decode_unknown_code),
	T(test_decode_trailing_bytes),
	T(test_encode_nospace),
	T(test_encode_toolong),
	T(test_seal_equals_encode),
	T(test_encode_in_place),
	T(test_tlv_roundtrip),
	T(test_tlv_nth),
	T(test_tlv_overflow),
	T(test_tlv_str_long),
	T(test_tlv_valid_truncated),
	T(test_tlv_find_bounds),
	T(test_tlv_get_uint_width),
	T(test_tlv_get_str),
	T(test_decode_prefixes),
	T(test_decode_random),
	T(test_tlv_random),
};

int main(void)
{
	CU_pSuite suite;
	int ret = 1;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return CU_get_error();
	suite = CU_add_suite("frame", NULL, NULL);
	if (!suite)
		goto cleanup;
	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		if (!CU_add_test(suite, tests[i].name, tests[i].fn))
			goto cleanup;
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	ret = CU_get_number_of_failures() != 0;
cleanup:
	CU_cleanup_registry();
	return ret;
}
