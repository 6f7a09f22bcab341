/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for pkg/: versions, the header (write, parse, every refusal),
 * targets, and SHA-256 through pkg_digest.
 *
 * Buffers handed to the parser are malloc'd at their exact size, so a build
 * with AddressSanitizer reports any read past the end.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>

#include "cunit_main.h"
#include "frame.h"
#include "pkg.h"
#include "pkg_digest.h"
#include "proto.h"

/* ---- helpers ---- */

static uint64_t rng_state = 0x2545F4914F6CDD1Dull;

static uint32_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545F4914F6CDD1Dull) >> 32);
}

/* Parse a copy of buf in a heap block of exactly len bytes. */
static int parse_exact(const uint8_t *buf, size_t len, struct pkg_header *h)
{
	uint8_t *q = malloc(len ? len : 1);
	int rc;

	if (!q)
		return 1000;
	if (len)
		memcpy(q, buf, len);
	rc = pkg_header_parse(q, len, h);
	free(q);
	return rc;
}

static int need_exact(const uint8_t *buf, size_t len, size_t *hl)
{
	uint8_t *q = malloc(len ? len : 1);
	int rc;

	if (!q)
		return 1000;
	if (len)
		memcpy(q, buf, len);
	rc = pkg_header_need(q, len, hl);
	free(q);
	return rc;
}

/* Recompute the header CRC of a header of hl bytes after the test edited it. */
static void reseal(uint8_t *buf, size_t hl)
{
	put_be32(buf + hl - 4, frame_crc32(0, buf, hl - 4));
}

static const uint8_t SHA[32] = {0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
				0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
				0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};

static struct pkg_header sample(void)
{
	struct pkg_header h;

	memset(&h, 0, sizeof(h));
	strcpy(h.vendor, "Acme Controls");
	strcpy(h.model, "IO-4821");
	pkg_version_parse("1.10.3", &h.version);
	h.type = FT_ALGORITHM;
	h.build_time = 1718000000ull;
	h.image_size = 123456;
	memcpy(h.sha256, SHA, 32);
	return h;
}

/* A header built TLV by TLV, for the shapes pkg_header_write never makes. */
struct hb {
	uint8_t buf[PKG_HDR_MAX + 256];
	size_t len;
	uint16_t flags;
};

static void hb_init(struct hb *b)
{
	memset(b->buf, 0, sizeof(b->buf));
	b->len = PKG_FIXED_LEN;
	b->flags = 0;
}

static void hb_tlv(struct hb *b, uint8_t type, const void *v, size_t len)
{
	b->buf[b->len] = type;
	put_be16(b->buf + b->len + 1, (uint16_t)len);
	if (len)
		memcpy(b->buf + b->len + 3, v, len);
	b->len += 3 + len;
}

static void hb_str(struct hb *b, uint8_t type, const char *s)
{
	hb_tlv(b, type, s, strlen(s));
}

static void hb_u64(struct hb *b, uint8_t type, uint64_t v)
{
	uint8_t t[8];

	put_be64(t, v);
	hb_tlv(b, type, t, 8);
}

static void hb_u8(struct hb *b, uint8_t type, uint8_t v)
{
	hb_tlv(b, type, &v, 1);
}

/* Every required TLV but skip (0: all), with valid values. */
static void hb_required(struct hb *b, int skip)
{
	static const uint8_t ver[6] = {0, 1, 0, 10, 0, 3};

	if (skip != PKG_T_VENDOR)
		hb_str(b, PKG_T_VENDOR, "Acme Controls");
	if (skip != PKG_T_MODEL)
		hb_str(b, PKG_T_MODEL, "IO-4821");
	if (skip != PKG_T_VERSION)
		hb_tlv(b, PKG_T_VERSION, ver, sizeof(ver));
	if (skip != PKG_T_TYPE)
		hb_u8(b, PKG_T_TYPE, FT_CONFIG);
	if (skip != PKG_T_BUILD_TIME)
		hb_u64(b, PKG_T_BUILD_TIME, 1718000000ull);
	if (skip != PKG_T_IMAGE_SIZE)
		hb_u64(b, PKG_T_IMAGE_SIZE, 1000);
	if (skip != PKG_T_SHA256)
		hb_tlv(b, PKG_T_SHA256, SHA, 32);
}

/* Append the CRC TLV (padding with an unknown TLV to PKG_HDR_MIN) and fill
 * the fixed part; returns the header length. */
static size_t hb_seal(struct hb *b)
{
	static const uint8_t zero[PKG_HDR_MIN];

	if (b->len + PKG_CRC_TLV_LEN < PKG_HDR_MIN) {
		size_t pad = PKG_HDR_MIN - PKG_CRC_TLV_LEN - b->len;

		hb_tlv(b, 0x7E, zero, pad < 3 ? 0 : pad - 3);
	}
	hb_tlv(b, PKG_T_HDR_CRC, "\0\0\0\0", 4);
	memcpy(b->buf, PKG_MAGIC, 8);
	put_be16(b->buf + 8, PKG_FORMAT);
	put_be16(b->buf + 10, (uint16_t)b->len);
	put_be16(b->buf + 12, b->flags);
	reseal(b->buf, b->len);
	return b->len;
}

/* Parse what b holds once sealed. */
static int hb_parse(struct hb *b, struct pkg_header *h)
{
	size_t n = hb_seal(b);

	return parse_exact(b->buf, n, h);
}

/* ---- versions ---- */

static void test_version_parse_good(void)
{
	static const struct {
		const char *s;
		uint8_t count;
		uint16_t n[4];
	} good[] = {
		{"0", 1, {0}},
		{"1", 1, {1}},
		{"1.2", 2, {1, 2}},
		{"1.2.3", 3, {1, 2, 3}},
		{"1.2.3.4", 4, {1, 2, 3, 4}},
		{"0.0.0.0", 4, {0, 0, 0, 0}},
		{"10.20.300", 3, {10, 20, 300}},
		{"65535", 1, {65535}},
		{"65535.65535.65535.65535", 4, {65535, 65535, 65535, 65535}},
		{"1.0.10", 3, {1, 0, 10}},
	};

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct pkg_version v;

		memset(&v, 0xAA, sizeof(v));
		CU_ASSERT_EQUAL(pkg_version_parse(good[i].s, &v), 0);
		CU_ASSERT_EQUAL(v.count, good[i].count);
		for (int k = 0; k < 4; k++)
			CU_ASSERT_EQUAL(v.n[k], good[i].n[k]);
	}
}

static void test_version_parse_bad(void)
{
	static const char *const bad[] = {
		"",
		".",
		"..",
		"1.",
		".1",
		"1..2",
		"1.2.",
		"+1",
		"-1",
		"1.+2",
		"1.-2",
		" 1",
		"1 ",
		"1. 2",
		"1\t",
		"1.2\n",
		"1.2.3.4.5",
		"1.2.3.4.0",
		"65536",
		"1.65536",
		"100000",
		"99999999999999999999",
		"4294967297",
		"01",
		"1.02",
		"00",
		"0x10",
		"1e3",
		"1,2",
		"1.2a",
		"a",
		"v1.2",
		"1.2-rc1",
		"1.2+build",
		"\xef\xbc\x91",
		"1/2",
		"1:2",
	};
	struct pkg_version v, before;

	memset(&v, 0x5A, sizeof(v));
	before = v;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CU_ASSERT_EQUAL(pkg_version_parse(bad[i], &v), -PKG_E_VERSION);
		CU_ASSERT(memcmp(&v, &before, sizeof(v)) == 0);
	}
	CU_ASSERT_EQUAL(pkg_version_parse(NULL, &v), -PKG_E_VERSION);
	CU_ASSERT_EQUAL(pkg_version_parse("1", NULL), -PKG_E_VERSION);
}

static int cmp_s(const char *a, const char *b)
{
	struct pkg_version x, y;

	if (pkg_version_parse(a, &x) || pkg_version_parse(b, &y))
		return 99;
	return pkg_version_cmp(&x, &y);
}

static void test_version_cmp(void)
{
	CU_ASSERT_EQUAL(cmp_s("1.10.0", "1.9.3"), 1);
	CU_ASSERT_EQUAL(cmp_s("1.9.3", "1.10.0"), -1);
	CU_ASSERT_EQUAL(cmp_s("1.2", "1.2.0"), 0);
	CU_ASSERT_EQUAL(cmp_s("1.2.0.0", "1.2"), 0);
	CU_ASSERT_EQUAL(cmp_s("1", "1.0.0.0"), 0);
	CU_ASSERT_EQUAL(cmp_s("1.2.0.1", "1.2"), 1);
	CU_ASSERT_EQUAL(cmp_s("1.2", "1.2.0.1"), -1);
	CU_ASSERT_EQUAL(cmp_s("2", "1.65535.65535.65535"), 1);
	CU_ASSERT_EQUAL(cmp_s("1.2.3.4", "1.2.3.5"), -1);
	CU_ASSERT_EQUAL(cmp_s("1.2.3.65535", "1.2.4"), -1);
	CU_ASSERT_EQUAL(cmp_s("0", "0.0"), 0);
	CU_ASSERT_EQUAL(cmp_s("10", "9"), 1);
	CU_ASSERT_EQUAL(cmp_s("65535.65535.65535.65535", "65535.65535.65535.65535"), 0);

	/* Against the order of 4-tuples, over random versions with few values. */
	for (int i = 0; i < 20000; i++) {
		struct pkg_version a, b;
		uint64_t ka = 0, kb = 0;
		int want;

		memset(&a, 0, sizeof(a));
		memset(&b, 0, sizeof(b));
		a.count = (uint8_t)(1 + rnd() % 4);
		b.count = (uint8_t)(1 + rnd() % 4);
		for (int k = 0; k < 4; k++) {
			if (k < a.count)
				a.n[k] = (uint16_t)(rnd() % 3 == 0 ? 65535 : rnd() % 3);
			if (k < b.count)
				b.n[k] = (uint16_t)(rnd() % 3 == 0 ? 65535 : rnd() % 3);
			ka = ka << 16 | a.n[k];
			kb = kb << 16 | b.n[k];
		}
		want = ka < kb ? -1 : ka > kb;
		CU_ASSERT_EQUAL(pkg_version_cmp(&a, &b), want);
		CU_ASSERT_EQUAL(pkg_version_cmp(&b, &a), -want);
	}
}

static void test_version_format(void)
{
	struct pkg_version v, w;
	char out[PKG_VERSION_STRMAX];
	char small[8];

	CU_ASSERT_EQUAL(pkg_version_parse("65535.65535.65535.65535", &v), 0);
	CU_ASSERT_EQUAL(pkg_version_format(&v, out, sizeof(out)), 23);
	CU_ASSERT_STRING_EQUAL(out, "65535.65535.65535.65535");
	CU_ASSERT_EQUAL(pkg_version_parse("1.0.10", &v), 0);
	CU_ASSERT_EQUAL(pkg_version_format(&v, out, sizeof(out)), 6);
	CU_ASSERT_STRING_EQUAL(out, "1.0.10");

	/* Exactly enough room, and one byte short. */
	CU_ASSERT_EQUAL(pkg_version_parse("1.2.30", &v), 0);
	CU_ASSERT_EQUAL(pkg_version_format(&v, small, 7), 6);
	CU_ASSERT_STRING_EQUAL(small, "1.2.30");
	CU_ASSERT_EQUAL(pkg_version_format(&v, small, 6), -PKG_E_NOSPACE);
	CU_ASSERT_EQUAL(pkg_version_parse("1.2.3", &v), 0);
	CU_ASSERT_EQUAL(pkg_version_format(&v, small, 6), 5);
	CU_ASSERT_STRING_EQUAL(small, "1.2.3");
	CU_ASSERT_EQUAL(pkg_version_format(&v, small, 5), -PKG_E_NOSPACE);
	CU_ASSERT_EQUAL(pkg_version_format(&v, NULL, 0), -PKG_E_NOSPACE);

	v.count = 0;
	CU_ASSERT_EQUAL(pkg_version_format(&v, out, sizeof(out)), -PKG_E_VERSION);
	v.count = 5;
	CU_ASSERT_EQUAL(pkg_version_format(&v, out, sizeof(out)), -PKG_E_VERSION);

	/* format then parse gives the same version back. */
	for (int i = 0; i < 5000; i++) {
		memset(&v, 0, sizeof(v));
		v.count = (uint8_t)(1 + rnd() % 4);
		for (int k = 0; k < v.count; k++)
			v.n[k] = (uint16_t)(rnd() % 4 == 0 ? rnd() % 10 : rnd());
		CU_ASSERT_FATAL(pkg_version_format(&v, out, sizeof(out)) > 0);
		CU_ASSERT_EQUAL_FATAL(pkg_version_parse(out, &w), 0);
		CU_ASSERT(memcmp(&v, &w, sizeof(v)) == 0);
	}
}

/* ---- header: write and parse ---- */

static void test_roundtrip(void)
{
	static const char *const targets[] = {"SN-0001", "SN-0002", "A", "X-99/7"};
	struct pkg_header in = sample(), out;
	uint8_t buf[PKG_HDR_MAX];
	char v[PKG_VERSION_STRMAX];
	size_t hl = 0, l;
	const uint8_t *t;
	int n;

	n = pkg_header_write(&in, targets, 4, buf, sizeof(buf));
	CU_ASSERT_FATAL(n >= (int)PKG_HDR_MIN);
	CU_ASSERT_EQUAL(pkg_header_need(buf, PKG_FIXED_LEN, &hl), 0);
	CU_ASSERT_EQUAL(hl, (size_t)n);
	CU_ASSERT_EQUAL_FATAL(parse_exact(buf, (size_t)n, &out), 0);
	CU_ASSERT_EQUAL(out.format, PKG_FORMAT);
	CU_ASSERT_EQUAL(out.hdr_len, n);
	CU_ASSERT_EQUAL(out.flags, 0);
	CU_ASSERT_STRING_EQUAL(out.vendor, "Acme Controls");
	CU_ASSERT_STRING_EQUAL(out.model, "IO-4821");
	CU_ASSERT_EQUAL(pkg_version_format(&out.version, v, sizeof(v)), 6);
	CU_ASSERT_STRING_EQUAL(v, "1.10.3");
	CU_ASSERT_EQUAL(out.type, FT_ALGORITHM);
	CU_ASSERT_EQUAL(out.build_time, 1718000000ull);
	CU_ASSERT_EQUAL(out.image_size, 123456);
	CU_ASSERT(memcmp(out.sha256, SHA, 32) == 0);
	CU_ASSERT_EQUAL(out.target_count, 4);
	CU_ASSERT_EQUAL(out.crc, get_be32(buf + n - 4));
	CU_ASSERT_EQUAL(out.key_id_off, 0);
	CU_ASSERT_EQUAL(out.sig_off, 0);
	CU_ASSERT_EQUAL(out.nonce_off, 0);
	CU_ASSERT_EQUAL(out.tag_off, 0);
	for (unsigned i = 0; i < 4; i++) {
		t = pkg_header_target(&out, buf, i, &l);
		CU_ASSERT_FATAL(t != NULL);
		CU_ASSERT_EQUAL(l, strlen(targets[i]));
		CU_ASSERT(memcmp(t, targets[i], l) == 0);
	}
	CU_ASSERT_PTR_NULL(pkg_header_target(&out, buf, 4, &l));

	/* The same header, no targets; bytes after the header are not read. */
	n = pkg_header_write(&in, NULL, 0, buf, sizeof(buf));
	CU_ASSERT_FATAL(n > 0);
	CU_ASSERT_EQUAL(pkg_header_parse(buf, sizeof(buf), &out), 0);
	CU_ASSERT_EQUAL(out.target_count, 0);
	CU_ASSERT_PTR_NULL(pkg_header_target(&out, buf, 0, &l));

	/* Limits that are allowed: 4 GiB - 1, empty image, one-part version,
	 * 63-byte strings, every file type. */
	in.image_size = PKG_IMAGE_MAX;
	memset(in.vendor, 'V', 63);
	in.vendor[63] = '\0';
	memset(in.model, ' ', 63);
	in.model[63] = '\0';
	pkg_version_parse("7", &in.version);
	for (uint8_t type = FT_CONFIG; type <= FT_REDUNDANCY; type++) {
		in.type = type;
		n = pkg_header_write(&in, NULL, 0, buf, sizeof(buf));
		CU_ASSERT_FATAL(n > 0);
		CU_ASSERT_EQUAL_FATAL(parse_exact(buf, (size_t)n, &out), 0);
		CU_ASSERT_EQUAL(out.type, type);
		CU_ASSERT_EQUAL(out.image_size, PKG_IMAGE_MAX);
		CU_ASSERT_STRING_EQUAL(out.vendor, in.vendor);
		CU_ASSERT_STRING_EQUAL(out.model, in.model);
		CU_ASSERT_EQUAL(out.version.count, 1);
		CU_ASSERT_EQUAL(out.version.n[0], 7);
	}
	in.image_size = 0;
	n = pkg_header_write(&in, NULL, 0, buf, sizeof(buf));
	CU_ASSERT_EQUAL(parse_exact(buf, (size_t)n, &out), 0);
	CU_ASSERT_EQUAL(out.image_size, 0);
}

/* The bytes of a known header, so a change of format is a conscious one. */
static void test_golden(void)
{
	static const uint8_t want[] = {
		'E', 'T', 'H', 'D', 'L', 'P', 'K', 'G', 0x00, 0x01, 0x00, 0x68, 0x00, 0x00,
		/* vendor "V" */
		0x01, 0x00, 0x01, 'V',
		/* model "M" */
		0x02, 0x00, 0x01, 'M',
		/* version 1.2.3 */
		0x03, 0x00, 0x06, 0x00, 0x01, 0x00, 0x02, 0x00, 0x03,
		/* type config */
		0x04, 0x00, 0x01, 0x01,
		/* build time 0x0102030405060708 */
		0x05, 0x00, 0x08, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
		/* target "S1" */
		0x06, 0x00, 0x02, 'S', '1',
		/* image size 3 */
		0x07, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03,
		/* SHA-256 */
		0x08, 0x00, 0x20, 0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
		0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4,
		0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad,
		/* CRC, its value checked below */
		0xFF, 0x00, 0x04};
	static const char *const t[] = {"S1"};
	struct pkg_header h;
	uint8_t buf[256];
	int n;

	memset(&h, 0, sizeof(h));
	strcpy(h.vendor, "V");
	strcpy(h.model, "M");
	pkg_version_parse("1.2.3", &h.version);
	h.type = FT_CONFIG;
	h.build_time = 0x0102030405060708ull;
	h.image_size = 3;
	memcpy(h.sha256, SHA, 32);
	n = pkg_header_write(&h, t, 1, buf, sizeof(buf));
	CU_ASSERT_EQUAL_FATAL(n, (int)sizeof(want) + 4);
	CU_ASSERT(memcmp(buf, want, sizeof(want)) == 0);
	/* A CRC32 computed here bit by bit, not with frame_crc32. */
	{
		uint32_t crc = 0xFFFFFFFFu;

		for (size_t i = 0; i < sizeof(want); i++) {
			crc ^= want[i];
			for (int k = 0; k < 8; k++)
				crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
		}
		CU_ASSERT_EQUAL(get_be32(buf + sizeof(want)), ~crc);
	}
}

static void test_need(void)
{
	struct pkg_header h = sample();
	uint8_t buf[PKG_HDR_MAX];
	size_t hl = 12345;
	int n = pkg_header_write(&h, NULL, 0, buf, sizeof(buf));

	CU_ASSERT_FATAL(n > 0);
	for (size_t len = 0; len < PKG_FIXED_LEN; len++) {
		CU_ASSERT_EQUAL(need_exact(buf, len, &hl), -PKG_E_TRUNCATED);
		CU_ASSERT_EQUAL(hl, 12345);
	}
	CU_ASSERT_EQUAL(pkg_header_need(NULL, 100, &hl), -PKG_E_TRUNCATED);
	for (size_t len = PKG_FIXED_LEN; len <= (size_t)n; len++) {
		hl = 0;
		CU_ASSERT_EQUAL(need_exact(buf, len, &hl), 0);
		CU_ASSERT_EQUAL(hl, (size_t)n);
	}
	CU_ASSERT_EQUAL(pkg_header_need(buf, PKG_FIXED_LEN, NULL), 0);
}

static void test_truncated(void)
{
	static const char *const targets[] = {"SN-1", "SN-2"};
	struct pkg_header in = sample(), out;
	uint8_t buf[PKG_HDR_MAX];
	int n = pkg_header_write(&in, targets, 2, buf, sizeof(buf));

	CU_ASSERT_FATAL(n > 0);
	for (int len = 0; len < n; len++)
		CU_ASSERT_EQUAL(parse_exact(buf, (size_t)len, &out), -PKG_E_TRUNCATED);
	CU_ASSERT_EQUAL(parse_exact(buf, (size_t)n, &out), 0);
	CU_ASSERT_EQUAL(pkg_header_parse(NULL, 0, &out), -PKG_E_TRUNCATED);
}

static void test_magic(void)
{
	struct pkg_header h = sample();
	uint8_t buf[PKG_HDR_MAX];
	int n = pkg_header_write(&h, NULL, 0, buf, sizeof(buf));

	CU_ASSERT_FATAL(n > 0);
	for (int i = 0; i < 8; i++) {
		uint8_t save = buf[i];

		buf[i] = (uint8_t)(save ^ 0x20); /* "eTHDLPKG" and so on */
		CU_ASSERT_EQUAL(need_exact(buf, PKG_FIXED_LEN, NULL), -PKG_E_MAGIC);
		CU_ASSERT_EQUAL(parse_exact(buf, (size_t)n, &h), -PKG_E_MAGIC);
		buf[i] = save;
	}
	memset(buf, 0, 8);
	CU_ASSERT_EQUAL(parse_exact(buf, (size_t)n, &h), -PKG_E_MAGIC);
}

static void test_format_version(void)
{
	static const uint16_t bad[] = {0, 2, 0x0100, 0xFFFF};
	struct pkg_header h = sample();
	uint8_t buf[PKG_HDR_MAX];
	int n = pkg_header_write(&h, NULL, 0, buf, sizeof(buf));

	CU_ASSERT_FATAL(n > 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		put_be16(buf + 8, bad[i]);
		reseal(buf, (size_t)n);
		CU_ASSERT_EQUAL(need_exact(buf, PKG_FIXED_LEN, NULL), -PKG_E_FORMAT);
		CU_ASSERT_EQUAL(parse_exact(buf, (size_t)n, &h), -PKG_E_FORMAT);
	}
}

static void test_header_length(void)
{
	static const uint16_t bad[] = {0,
				       1,
				       PKG_FIXED_LEN,
				       PKG_FIXED_LEN + PKG_CRC_TLV_LEN,
				       PKG_HDR_MIN - 1,
				       PKG_HDR_MAX + 1,
				       0xFFFF};
	struct pkg_header h = sample();
	uint8_t buf[PKG_HDR_MAX + 16];
	int n = pkg_header_write(&h, NULL, 0, buf, sizeof(buf));

	CU_ASSERT_FATAL(n > 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		put_be16(buf + 10, bad[i]);
		CU_ASSERT_EQUAL(need_exact(buf, PKG_FIXED_LEN, NULL), -PKG_E_HDR_LEN);
		CU_ASSERT_EQUAL(parse_exact(buf, (size_t)n, &h), -PKG_E_HDR_LEN);
	}
	/* Beyond the buffer: longer than what the caller holds. */
	put_be16(buf + 10, (uint16_t)(n + 10));
	CU_ASSERT_EQUAL(parse_exact(buf, (size_t)n, &h), -PKG_E_TRUNCATED);
	put_be16(buf + 10, PKG_HDR_MAX);
	CU_ASSERT_EQUAL(parse_exact(buf, (size_t)n, &h), -PKG_E_TRUNCATED);
	/* Shorter or longer than the TLVs, with a valid CRC where it says:
	 * the TLVs then run past the CRC, or the CRC is not where they end. */
	n = pkg_header_write(&h, NULL, 0, buf, sizeof(buf));
	memset(buf + n, 0, 16);
	for (int d = -3; d <= 10; d++) {
		size_t hl = (size_t)(n + d);

		if (d == 0)
			continue;
		n = pkg_header_write(&h, NULL, 0, buf, sizeof(buf));
		memset(buf + n, 0, 16);
		put_be16(buf + 10, (uint16_t)hl);
		buf[hl - 7] = PKG_T_HDR_CRC;
		put_be16(buf + hl - 6, 4);
		reseal(buf, hl);
		CU_ASSERT_EQUAL(parse_exact(buf, hl, &h), -PKG_E_TLV);
	}
}

static void test_flags(void)
{
	struct pkg_header h = sample();
	uint8_t buf[PKG_HDR_MAX];
	int n = pkg_header_write(&h, NULL, 0, buf, sizeof(buf));

	CU_ASSERT_FATAL(n > 0);
	for (int bit = 1; bit < 16; bit++) {
		put_be16(buf + 12, (uint16_t)(1u << bit));
		reseal(buf, (size_t)n);
		CU_ASSERT_EQUAL(parse_exact(buf, (size_t)n, &h), -PKG_E_FLAGS);
	}
	/* Encrypted without nonce and tag. */
	put_be16(buf + 12, PKG_F_ENCRYPTED);
	reseal(buf, (size_t)n);
	CU_ASSERT_EQUAL(parse_exact(buf, (size_t)n, &h), -PKG_E_MISSING);
	/* write makes no encrypted header. */
	h = sample();
	h.flags = PKG_F_ENCRYPTED;
	CU_ASSERT_EQUAL(pkg_header_write(&h, NULL, 0, buf, sizeof(buf)), -PKG_E_FLAGS);
}

/* One flipped bit anywhere in the header is refused; from the flags on, it
 * is a CRC mismatch. */
static void test_bitflips(void)
{
	static const char *const targets[] = {"SN-1", "SN-2", "SN-3"};
	struct pkg_header in = sample(), out;
	uint8_t buf[PKG_HDR_MAX];
	int n = pkg_header_write(&in, targets, 3, buf, sizeof(buf));

	CU_ASSERT_FATAL(n > 0);
	for (int i = 0; i < n; i++) {
		for (int b = 0; b < 8; b++) {
			int rc;

			buf[i] ^= (uint8_t)(1u << b);
			rc = parse_exact(buf, (size_t)n, &out);
			CU_ASSERT(rc < 0);
			if (i < 8) {
				CU_ASSERT_EQUAL(rc, -PKG_E_MAGIC);
			} else if (i < 10) {
				CU_ASSERT_EQUAL(rc, -PKG_E_FORMAT);
			} else if (i >= 12) {
				CU_ASSERT_EQUAL(rc, -PKG_E_CRC);
			}
			buf[i] ^= (uint8_t)(1u << b);
		}
	}
	CU_ASSERT_EQUAL(parse_exact(buf, (size_t)n, &out), 0);
}

static void test_tlv_malformed(void)
{
	struct pkg_header h;
	struct hb b;
	size_t n;

	/* A TLV whose length runs past the CRC. */
	hb_init(&b);
	hb_required(&b, 0);
	n = hb_seal(&b);
	put_be16(b.buf + PKG_FIXED_LEN + 1, 0x1000);
	reseal(b.buf, n);
	CU_ASSERT_EQUAL(parse_exact(b.buf, n, &h), -PKG_E_TLV);
	/* ... by one byte: the last TLV before the CRC, one longer. */
	hb_init(&b);
	hb_required(&b, PKG_T_SHA256);
	hb_tlv(&b, PKG_T_SHA256, SHA, 32);
	n = hb_seal(&b);
	put_be16(b.buf + n - 7 - 35 + 1, 33);
	reseal(b.buf, n);
	CU_ASSERT_EQUAL(parse_exact(b.buf, n, &h), -PKG_E_TLV);
	/* One and two stray bytes before the CRC: not a whole TLV head. */
	for (int stray = 1; stray <= 2; stray++) {
		hb_init(&b);
		hb_required(&b, 0);
		memset(b.buf + b.len, 0x7E, (size_t)stray);
		b.len += (size_t)stray;
		CU_ASSERT_EQUAL(hb_parse(&b, &h), -PKG_E_TLV);
	}
	/* A CRC TLV in the middle. */
	hb_init(&b);
	hb_required(&b, 0);
	hb_tlv(&b, PKG_T_HDR_CRC, "\0\0\0\0", 4);
	CU_ASSERT_EQUAL(hb_parse(&b, &h), -PKG_E_TLV);
	/* The signature not second to last. */
	hb_init(&b);
	hb_required(&b, 0);
	hb_tlv(&b, PKG_T_KEY_ID, "\x01\x02\x03\x04", 4);
	hb_tlv(&b, PKG_T_SIGNATURE, SHA, 32);
	hb_str(&b, 0x7E, "after");
	CU_ASSERT_EQUAL(hb_parse(&b, &h), -PKG_E_TLV);
	/* The last TLV is not a CRC, though a CRC sits at the end. */
	hb_init(&b);
	hb_required(&b, 0);
	n = hb_seal(&b);
	b.buf[n - 7] = 0xFE;
	reseal(b.buf, n);
	CU_ASSERT_EQUAL(parse_exact(b.buf, n, &h), -PKG_E_CRC);
	b.buf[n - 7] = PKG_T_HDR_CRC;
	put_be16(b.buf + n - 6, 5);
	reseal(b.buf, n);
	CU_ASSERT_EQUAL(parse_exact(b.buf, n, &h), -PKG_E_CRC);
}

static void test_unknown_skipped(void)
{
	struct pkg_header h;
	struct hb b;
	static const uint8_t big[1000];

	hb_init(&b);
	hb_tlv(&b, 0x00, NULL, 0);
	hb_tlv(&b, 0x7F, big, sizeof(big));
	hb_required(&b, 0);
	hb_tlv(&b, 0x09, "x", 1);
	hb_tlv(&b, 0x15, big, 3);
	hb_tlv(&b, 0xFE, NULL, 0);
	CU_ASSERT_EQUAL(hb_parse(&b, &h), 0);
	CU_ASSERT_STRING_EQUAL(h.vendor, "Acme Controls");
	CU_ASSERT_EQUAL(h.image_size, 1000);
}

static void test_missing(void)
{
	static const int req[] = {PKG_T_VENDOR,	    PKG_T_MODEL,      PKG_T_VERSION, PKG_T_TYPE,
				  PKG_T_BUILD_TIME, PKG_T_IMAGE_SIZE, PKG_T_SHA256};
	struct pkg_header h;
	struct hb b;

	hb_init(&b);
	hb_required(&b, 0);
	CU_ASSERT_EQUAL(hb_parse(&b, &h), 0);
	for (size_t i = 0; i < sizeof(req) / sizeof(req[0]); i++) {
		hb_init(&b);
		hb_required(&b, req[i]);
		CU_ASSERT_EQUAL(hb_parse(&b, &h), -PKG_E_MISSING);
	}
	/* Key id and signature come together. */
	hb_init(&b);
	hb_required(&b, 0);
	hb_tlv(&b, PKG_T_KEY_ID, "\x01", 1);
	CU_ASSERT_EQUAL(hb_parse(&b, &h), -PKG_E_MISSING);
	hb_init(&b);
	hb_required(&b, 0);
	hb_tlv(&b, PKG_T_SIGNATURE, SHA, 32);
	CU_ASSERT_EQUAL(hb_parse(&b, &h), -PKG_E_MISSING);
	/* Encrypted needs nonce and tag. */
	hb_init(&b);
	hb_required(&b, 0);
	hb_tlv(&b, PKG_T_GCM_NONCE, SHA, 12);
	b.flags = PKG_F_ENCRYPTED;
	CU_ASSERT_EQUAL(hb_parse(&b, &h), -PKG_E_MISSING);
	hb_init(&b);
	hb_required(&b, 0);
	hb_tlv(&b, PKG_T_GCM_TAG, SHA, 16);
	b.flags = PKG_F_ENCRYPTED;
	CU_ASSERT_EQUAL(hb_parse(&b, &h), -PKG_E_MISSING);
}

static void test_duplicate(void)
{
	static const int once[] = {PKG_T_VENDOR,     PKG_T_MODEL,      PKG_T_VERSION, PKG_T_TYPE,
				   PKG_T_BUILD_TIME, PKG_T_IMAGE_SIZE, PKG_T_SHA256,  PKG_T_KEY_ID,
				   PKG_T_GCM_NONCE,  PKG_T_GCM_TAG};
	struct pkg_header h;
	struct hb b;

	for (size_t i = 0; i < sizeof(once) / sizeof(once[0]); i++) {
		struct hb one;

		/* The valid value of this type, as hb_required writes it. */
		hb_init(&one);
		hb_required(&one, 0);
		hb_tlv(&one, PKG_T_KEY_ID, "\x01", 1);
		hb_tlv(&one, PKG_T_GCM_NONCE, SHA, 12);
		hb_tlv(&one, PKG_T_GCM_TAG, SHA, 16);
		hb_init(&b);
		hb_required(&b, 0);
		hb_tlv(&b, PKG_T_KEY_ID, "\x01", 1);
		hb_tlv(&b, PKG_T_GCM_NONCE, SHA, 12);
		hb_tlv(&b, PKG_T_GCM_TAG, SHA, 16);
		/* Copy the first TLV of the type again. */
		for (size_t off = PKG_FIXED_LEN; off < one.len;) {
			size_t l = get_be16(one.buf + off + 1);

			if (one.buf[off] == once[i]) {
				hb_tlv(&b, one.buf[off], one.buf + off + 3, l);
				break;
			}
			off += 3 + l;
		}
		hb_tlv(&b, PKG_T_SIGNATURE, SHA, 32);
		b.flags = PKG_F_ENCRYPTED;
		CU_ASSERT_EQUAL(hb_parse(&b, &h), -PKG_E_DUPLICATE);
	}
	hb_init(&b);
	hb_required(&b, 0);
	hb_tlv(&b, PKG_T_KEY_ID, "\x01", 1);
	hb_tlv(&b, PKG_T_SIGNATURE, SHA, 32);
	hb_tlv(&b, PKG_T_SIGNATURE, SHA, 32);
	CU_ASSERT_EQUAL(hb_parse(&b, &h), -PKG_E_DUPLICATE);
}

/* One bad TLV added to (or in place of) a valid set. */
static int with_tlv(int skip, uint8_t type, const void *v, size_t len)
{
	struct pkg_header h;
	struct hb b;

	hb_init(&b);
	hb_required(&b, skip);
	hb_tlv(&b, type, v, len);
	return hb_parse(&b, &h);
}

static void test_fields(void)
{
	char s64[65];
	uint8_t z[40] = {0};

	memset(s64, 'a', 64);
	s64[64] = '\0';
	CU_ASSERT_EQUAL(with_tlv(PKG_T_VENDOR, PKG_T_VENDOR, "", 0), -PKG_E_FIELD);
	CU_ASSERT_EQUAL(with_tlv(PKG_T_VENDOR, PKG_T_VENDOR, s64, 64), -PKG_E_FIELD);
	CU_ASSERT_EQUAL(with_tlv(PKG_T_VENDOR, PKG_T_VENDOR, s64, 63), 0);
	CU_ASSERT_EQUAL(with_tlv(PKG_T_VENDOR, PKG_T_VENDOR, "a\0b", 3), -PKG_E_FIELD);
	CU_ASSERT_EQUAL(with_tlv(PKG_T_VENDOR, PKG_T_VENDOR, "a\nb", 3), -PKG_E_FIELD);
	CU_ASSERT_EQUAL(with_tlv(PKG_T_VENDOR, PKG_T_VENDOR, "a\x7f", 2), -PKG_E_FIELD);
	CU_ASSERT_EQUAL(with_tlv(PKG_T_VENDOR, PKG_T_VENDOR, "Str\xc3\xb6", 5), -PKG_E_FIELD);
	CU_ASSERT_EQUAL(with_tlv(PKG_T_MODEL, PKG_T_MODEL, "", 0), -PKG_E_FIELD);
	CU_ASSERT_EQUAL(with_tlv(PKG_T_MODEL, PKG_T_MODEL, "a\tb", 3), -PKG_E_FIELD);
	CU_ASSERT_EQUAL(with_tlv(PKG_T_TYPE, PKG_T_TYPE, "\x00", 1), -PKG_E_FIELD);
	CU_ASSERT_EQUAL(with_tlv(PKG_T_TYPE, PKG_T_TYPE, "\x05", 1), -PKG_E_FIELD);
	CU_ASSERT_EQUAL(with_tlv(PKG_T_TYPE, PKG_T_TYPE, "\xff", 1), -PKG_E_FIELD);
	CU_ASSERT_EQUAL(with_tlv(PKG_T_TYPE, PKG_T_TYPE, "\x00\x01", 2), -PKG_E_FIELD);
	CU_ASSERT_EQUAL(with_tlv(PKG_T_TYPE, PKG_T_TYPE, "", 0), -PKG_E_FIELD);
	CU_ASSERT_EQUAL(with_tlv(PKG_T_BUILD_TIME, PKG_T_BUILD_TIME, z, 4), -PKG_E_FIELD);
	CU_ASSERT_EQUAL(with_tlv(PKG_T_BUILD_TIME, PKG_T_BUILD_TIME, z, 9), -PKG_E_FIELD);
	CU_ASSERT_EQUAL(with_tlv(PKG_T_IMAGE_SIZE, PKG_T_IMAGE_SIZE, z, 7), -PKG_E_FIELD);
	CU_ASSERT_EQUAL(with_tlv(PKG_T_SHA256, PKG_T_SHA256, z, 31), -PKG_E_FIELD);
	CU_ASSERT_EQUAL(with_tlv(PKG_T_SHA256, PKG_T_SHA256, z, 33), -PKG_E_FIELD);
	CU_ASSERT_EQUAL(with_tlv(0, PKG_T_TARGET, "", 0), -PKG_E_FIELD);
	CU_ASSERT_EQUAL(with_tlv(0, PKG_T_TARGET, "SN 1", 4), -PKG_E_FIELD);
	CU_ASSERT_EQUAL(with_tlv(0, PKG_T_TARGET, s64, 64), -PKG_E_FIELD);
	CU_ASSERT_EQUAL(with_tlv(0, PKG_T_TARGET, s64, 63), 0);
	CU_ASSERT_EQUAL(with_tlv(0, PKG_T_KEY_ID, z, 0), -PKG_E_FIELD);
	CU_ASSERT_EQUAL(with_tlv(0, PKG_T_KEY_ID, z, 33), -PKG_E_FIELD);
	CU_ASSERT_EQUAL(with_tlv(0, PKG_T_SIGNATURE, z, 0), -PKG_E_FIELD);
	CU_ASSERT_EQUAL(with_tlv(0, PKG_T_GCM_NONCE, z, 11), -PKG_E_FIELD);
	CU_ASSERT_EQUAL(with_tlv(0, PKG_T_GCM_TAG, z, 17), -PKG_E_FIELD);
	/* Nonce and tag without the encrypted flag. */
	CU_ASSERT_EQUAL(with_tlv(0, PKG_T_GCM_NONCE, z, 12), -PKG_E_FIELD);
	CU_ASSERT_EQUAL(with_tlv(0, PKG_T_GCM_TAG, z, 16), -PKG_E_FIELD);
	/* Versions: 0, 1, 3, 10 bytes. */
	CU_ASSERT_EQUAL(with_tlv(PKG_T_VERSION, PKG_T_VERSION, z, 0), -PKG_E_VERSION);
	CU_ASSERT_EQUAL(with_tlv(PKG_T_VERSION, PKG_T_VERSION, z, 1), -PKG_E_VERSION);
	CU_ASSERT_EQUAL(with_tlv(PKG_T_VERSION, PKG_T_VERSION, z, 3), -PKG_E_VERSION);
	CU_ASSERT_EQUAL(with_tlv(PKG_T_VERSION, PKG_T_VERSION, z, 10), -PKG_E_VERSION);
	CU_ASSERT_EQUAL(with_tlv(PKG_T_VERSION, PKG_T_VERSION, z, 8), 0);
}

static void test_reserved_parts(void)
{
	struct pkg_header h;
	struct hb b;
	size_t key_at, sig_tlv, nonce_at, tag_at;
	uint8_t sig[64];

	memset(sig, 0x5A, sizeof(sig));
	hb_init(&b);
	hb_required(&b, 0);
	key_at = b.len + 3;
	hb_tlv(&b, PKG_T_KEY_ID, "\x11\x22\x33\x44\x55\x66\x77\x88", 8);
	nonce_at = b.len + 3;
	hb_tlv(&b, PKG_T_GCM_NONCE, SHA, 12);
	tag_at = b.len + 3;
	hb_tlv(&b, PKG_T_GCM_TAG, SHA, 16);
	sig_tlv = b.len;
	hb_tlv(&b, PKG_T_SIGNATURE, sig, sizeof(sig));
	b.flags = PKG_F_ENCRYPTED;
	CU_ASSERT_EQUAL_FATAL(hb_parse(&b, &h), 0);
	CU_ASSERT_EQUAL(h.flags, PKG_F_ENCRYPTED);
	CU_ASSERT_EQUAL(h.key_id_off, key_at);
	CU_ASSERT_EQUAL(h.key_id_len, 8);
	CU_ASSERT_EQUAL(h.nonce_off, nonce_at);
	CU_ASSERT_EQUAL(h.tag_off, tag_at);
	CU_ASSERT_EQUAL(h.sig_off, sig_tlv + 3);
	CU_ASSERT_EQUAL(h.sig_len, 64);
	CU_ASSERT_EQUAL(h.signed_len, sig_tlv);
	CU_ASSERT_EQUAL(h.hdr_len, sig_tlv + 3 + 64 + PKG_CRC_TLV_LEN);
	CU_ASSERT(memcmp(b.buf + h.sig_off, sig, 64) == 0);
}

static void test_image_size(void)
{
	struct pkg_header h = sample();
	uint8_t buf[PKG_HDR_MAX];
	struct hb b;

	hb_init(&b);
	hb_required(&b, PKG_T_IMAGE_SIZE);
	hb_u64(&b, PKG_T_IMAGE_SIZE, PKG_IMAGE_MAX + 1);
	CU_ASSERT_EQUAL(hb_parse(&b, &h), -PKG_E_TOO_BIG);
	hb_init(&b);
	hb_required(&b, PKG_T_IMAGE_SIZE);
	hb_u64(&b, PKG_T_IMAGE_SIZE, UINT64_MAX);
	CU_ASSERT_EQUAL(hb_parse(&b, &h), -PKG_E_TOO_BIG);
	hb_init(&b);
	hb_required(&b, PKG_T_IMAGE_SIZE);
	hb_u64(&b, PKG_T_IMAGE_SIZE, PKG_IMAGE_MAX);
	CU_ASSERT_EQUAL(hb_parse(&b, &h), 0);
	CU_ASSERT_EQUAL(h.image_size, PKG_IMAGE_MAX);

	h = sample();
	h.image_size = PKG_IMAGE_MAX + 1;
	CU_ASSERT_EQUAL(pkg_header_write(&h, NULL, 0, buf, sizeof(buf)), -PKG_E_TOO_BIG);
	h.image_size = UINT64_MAX;
	CU_ASSERT_EQUAL(pkg_header_write(&h, NULL, 0, buf, sizeof(buf)), -PKG_E_TOO_BIG);
}

static void test_targets_count(void)
{
	static char names[PKG_MAX_TARGETS + 1][8];
	const char *list[PKG_MAX_TARGETS + 1];
	struct pkg_header h = sample(), out;
	uint8_t buf[PKG_HDR_MAX];
	struct hb b;
	int n;

	for (unsigned i = 0; i <= PKG_MAX_TARGETS; i++) {
		snprintf(names[i], sizeof(names[i]), "S%u", i);
		list[i] = names[i];
	}
	n = pkg_header_write(&h, list, PKG_MAX_TARGETS, buf, sizeof(buf));
	CU_ASSERT_FATAL(n > 0);
	CU_ASSERT_EQUAL_FATAL(parse_exact(buf, (size_t)n, &out), 0);
	CU_ASSERT_EQUAL(out.target_count, PKG_MAX_TARGETS);
	CU_ASSERT(pkg_header_has_target(&out, buf, "S0"));
	CU_ASSERT(pkg_header_has_target(&out, buf, "S255"));
	CU_ASSERT(!pkg_header_has_target(&out, buf, "S256"));
	CU_ASSERT_EQUAL(pkg_header_write(&h, list, PKG_MAX_TARGETS + 1, buf, sizeof(buf)),
			-PKG_E_TARGETS);

	/* 257 target TLVs by hand. */
	hb_init(&b);
	hb_required(&b, 0);
	for (unsigned i = 0; i <= PKG_MAX_TARGETS; i++)
		hb_str(&b, PKG_T_TARGET, names[i]);
	CU_ASSERT_EQUAL(hb_parse(&b, &out), -PKG_E_TARGETS);
	/* 40,000 would not fit the header at all. */
	{
		size_t many = 0;

		hb_init(&b);
		hb_required(&b, 0);
		while (b.len + 4 + PKG_CRC_TLV_LEN <= PKG_HDR_MAX) {
			hb_str(&b, PKG_T_TARGET, "Z");
			many++;
		}
		CU_ASSERT(many > PKG_MAX_TARGETS);
		CU_ASSERT_EQUAL(hb_parse(&b, &out), -PKG_E_TARGETS);
	}
}

static void test_targets_lookup(void)
{
	static const char *const t[] = {"SN-0001", "SN-0002", "sn-0003", "X"};
	struct pkg_header h = sample(), out;
	uint8_t buf[PKG_HDR_MAX];
	int n;

	n = pkg_header_write(&h, t, 4, buf, sizeof(buf));
	CU_ASSERT_EQUAL_FATAL(parse_exact(buf, (size_t)n, &out), 0);
	CU_ASSERT(pkg_header_has_target(&out, buf, "SN-0001"));
	CU_ASSERT(pkg_header_has_target(&out, buf, "SN-0002"));
	CU_ASSERT(pkg_header_has_target(&out, buf, "sn-0003"));
	CU_ASSERT(pkg_header_has_target(&out, buf, "X"));
	CU_ASSERT(!pkg_header_has_target(&out, buf, "SN-0003"));
	CU_ASSERT(!pkg_header_has_target(&out, buf, "SN-000"));
	CU_ASSERT(!pkg_header_has_target(&out, buf, "SN-00011"));
	CU_ASSERT(!pkg_header_has_target(&out, buf, ""));
	CU_ASSERT(!pkg_header_has_target(&out, buf, "x"));
	CU_ASSERT(!pkg_header_has_target(&out, buf, NULL));
	CU_ASSERT(!pkg_header_has_target(NULL, buf, "X"));

	/* No target list: any board. */
	n = pkg_header_write(&h, NULL, 0, buf, sizeof(buf));
	CU_ASSERT_EQUAL_FATAL(parse_exact(buf, (size_t)n, &out), 0);
	CU_ASSERT(pkg_header_has_target(&out, buf, "anything"));
	CU_ASSERT(pkg_header_has_target(&out, buf, ""));
}

static void test_write_errors(void)
{
	static char long_serials[PKG_MAX_TARGETS][64];
	const char *list[PKG_MAX_TARGETS];
	struct pkg_header h;
	uint8_t buf[PKG_HDR_MAX];
	int n;

	h = sample();
	h.vendor[0] = '\0';
	CU_ASSERT_EQUAL(pkg_header_write(&h, NULL, 0, buf, sizeof(buf)), -PKG_E_FIELD);
	h = sample();
	memset(h.model, 'm', sizeof(h.model)); /* no NUL within 64 bytes */
	CU_ASSERT_EQUAL(pkg_header_write(&h, NULL, 0, buf, sizeof(buf)), -PKG_E_FIELD);
	h = sample();
	h.model[2] = '\n';
	CU_ASSERT_EQUAL(pkg_header_write(&h, NULL, 0, buf, sizeof(buf)), -PKG_E_FIELD);
	h = sample();
	h.type = 0;
	CU_ASSERT_EQUAL(pkg_header_write(&h, NULL, 0, buf, sizeof(buf)), -PKG_E_FIELD);
	h.type = 5;
	CU_ASSERT_EQUAL(pkg_header_write(&h, NULL, 0, buf, sizeof(buf)), -PKG_E_FIELD);
	h = sample();
	h.version.count = 0;
	CU_ASSERT_EQUAL(pkg_header_write(&h, NULL, 0, buf, sizeof(buf)), -PKG_E_VERSION);
	h.version.count = 5;
	CU_ASSERT_EQUAL(pkg_header_write(&h, NULL, 0, buf, sizeof(buf)), -PKG_E_VERSION);
	h = sample();
	{
		const char *bad[] = {"ok", "has space"};
		const char *empty[] = {""};

		CU_ASSERT_EQUAL(pkg_header_write(&h, bad, 2, buf, sizeof(buf)), -PKG_E_FIELD);
		CU_ASSERT_EQUAL(pkg_header_write(&h, empty, 1, buf, sizeof(buf)), -PKG_E_FIELD);
	}

	/* Too small a buffer, at every length. */
	n = pkg_header_write(&h, NULL, 0, buf, sizeof(buf));
	CU_ASSERT_FATAL(n > 0);
	for (int cap = 0; cap < n; cap++) {
		uint8_t *q = malloc((size_t)(cap ? cap : 1));

		CU_ASSERT_EQUAL(pkg_header_write(&h, NULL, 0, q, (size_t)cap), -PKG_E_NOSPACE);
		free(q);
	}
	CU_ASSERT_EQUAL(pkg_header_write(&h, NULL, 0, NULL, 100), -PKG_E_NOSPACE);

	/* 256 serials of 63 bytes do not fit PKG_HDR_MAX. */
	for (unsigned i = 0; i < PKG_MAX_TARGETS; i++) {
		memset(long_serials[i], 'A' + (int)(i % 26), 63);
		long_serials[i][63] = '\0';
		list[i] = long_serials[i];
	}
	{
		static uint8_t big[2 * PKG_HDR_MAX];

		CU_ASSERT_EQUAL(pkg_header_write(&h, list, PKG_MAX_TARGETS, big, sizeof(big)),
				-PKG_E_NOSPACE);
		/* As many as fit: the largest header parses. */
		n = 0;
		for (unsigned k = PKG_MAX_TARGETS; k > 0 && n <= 0; k--)
			n = pkg_header_write(&h, list, k, big, sizeof(big));
		CU_ASSERT_FATAL(n > 0);
		CU_ASSERT(n > (int)PKG_HDR_MAX - 66 && n <= (int)PKG_HDR_MAX);
		CU_ASSERT_EQUAL(parse_exact(big, (size_t)n, &h), 0);
	}
}

static void test_valid_strings(void)
{
	CU_ASSERT(pkg_valid_name("Acme Controls GmbH"));
	CU_ASSERT(pkg_valid_name(" "));
	CU_ASSERT(!pkg_valid_name(""));
	CU_ASSERT(!pkg_valid_name(NULL));
	CU_ASSERT(!pkg_valid_name("tab\there"));
	CU_ASSERT(!pkg_valid_name("\xc3\xa9"));
	CU_ASSERT(pkg_valid_serial("SN-0001/A"));
	CU_ASSERT(!pkg_valid_serial("SN 0001"));
	CU_ASSERT(!pkg_valid_serial(""));
	CU_ASSERT(!pkg_valid_serial(NULL));
	CU_ASSERT(pkg_valid_serial(
		"123456789012345678901234567890123456789012345678901234567890123"));
	CU_ASSERT(!pkg_valid_serial(
		"1234567890123456789012345678901234567890123456789012345678901234"));
}

static void test_strerror(void)
{
	for (int i = 0; i < PKG_ERR_COUNT; i++) {
		CU_ASSERT_STRING_NOT_EQUAL(pkg_strerror(i), "?");
		CU_ASSERT_STRING_EQUAL(pkg_strerror(-i), pkg_strerror(i));
		for (int k = 0; k < i; k++)
			CU_ASSERT_STRING_NOT_EQUAL(pkg_strerror(i), pkg_strerror(k));
	}
	CU_ASSERT_STRING_EQUAL(pkg_strerror(PKG_ERR_COUNT), "?");
	CU_ASSERT_STRING_EQUAL(pkg_strerror(-PKG_ERR_COUNT), "?");
	CU_ASSERT_STRING_EQUAL(pkg_strerror(INT_MIN), "?");
	CU_ASSERT_STRING_EQUAL(pkg_strerror(INT_MAX), "?");
}

/* Random edits with the CRC made right again: the TLV walk never reads
 * outside the header, and whatever parses writes back to the same fields. */
static void test_random_resealed(void)
{
	static const char *const t[] = {"SN-1", "SN-2"};
	static char tnames[PKG_MAX_TARGETS][PKG_STR_MAX + 1];
	const char *tl[PKG_MAX_TARGETS];
	struct pkg_header in = sample(), out, again;
	uint8_t orig[PKG_HDR_MAX], buf[PKG_HDR_MAX], re[PKG_HDR_MAX];
	int n = pkg_header_write(&in, t, 2, orig, sizeof(orig));
	int parsed = 0;

	CU_ASSERT_FATAL(n > 0);
	for (int iter = 0; iter < 20000; iter++) {
		int edits = 1 + (int)(rnd() % 4), rc;

		memcpy(buf, orig, (size_t)n);
		for (int e = 0; e < edits; e++) {
			size_t at = PKG_FIXED_LEN + rnd() % ((unsigned)n - PKG_FIXED_LEN - 4);

			buf[at] = (uint8_t)(rnd() % 2 ? rnd() : buf[at] ^ (1u << (rnd() % 8)));
		}
		reseal(buf, (size_t)n);
		rc = parse_exact(buf, (size_t)n, &out);
		CU_ASSERT(rc <= 0 && rc > -PKG_ERR_COUNT);
		if (rc != 0)
			continue;
		parsed++;
		for (unsigned i = 0; i < out.target_count; i++) {
			size_t l;
			const uint8_t *p = pkg_header_target(&out, buf, i, &l);

			CU_ASSERT_FATAL(p != NULL && l <= PKG_STR_MAX);
			memcpy(tnames[i], p, l);
			tnames[i][l] = '\0';
			tl[i] = tnames[i];
		}
		CU_ASSERT_FATAL(pkg_header_write(&out, tl, out.target_count, re, sizeof(re)) > 0);
		CU_ASSERT_EQUAL_FATAL(pkg_header_parse(re, sizeof(re), &again), 0);
		CU_ASSERT_STRING_EQUAL(again.vendor, out.vendor);
		CU_ASSERT_STRING_EQUAL(again.model, out.model);
		CU_ASSERT_EQUAL(pkg_version_cmp(&again.version, &out.version), 0);
		CU_ASSERT_EQUAL(again.version.count, out.version.count);
		CU_ASSERT_EQUAL(again.type, out.type);
		CU_ASSERT_EQUAL(again.build_time, out.build_time);
		CU_ASSERT_EQUAL(again.image_size, out.image_size);
		CU_ASSERT(memcmp(again.sha256, out.sha256, 32) == 0);
		CU_ASSERT_EQUAL(again.target_count, out.target_count);
	}
	CU_ASSERT(parsed > 100);
}

/* ---- digest ---- */

static int hex_eq(const uint8_t *d, const char *hex)
{
	char s[65];

	for (int i = 0; i < 32; i++)
		snprintf(s + 2 * i, 3, "%02x", d[i]);
	return strcmp(s, hex) == 0;
}

static void test_sha256_kat(void)
{
	uint8_t d[32];
	struct pkg_sha256 s;
	char a[1000];

	CU_ASSERT_EQUAL(pkg_sha256_buf("abc", 3, d), 0);
	CU_ASSERT(hex_eq(d, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
	CU_ASSERT(memcmp(d, SHA, 32) == 0);
	CU_ASSERT_EQUAL(pkg_sha256_buf("", 0, d), 0);
	CU_ASSERT(hex_eq(d, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
	CU_ASSERT_EQUAL(
		pkg_sha256_buf("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, d),
		0);
	CU_ASSERT(hex_eq(d, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"));

	/* A million 'a', in pieces. */
	memset(a, 'a', sizeof(a));
	CU_ASSERT_EQUAL_FATAL(pkg_sha256_init(&s), 0);
	for (int i = 0; i < 1000; i++)
		CU_ASSERT_EQUAL(pkg_sha256_update(&s, a, sizeof(a)), 0);
	CU_ASSERT_EQUAL(pkg_sha256_update(&s, NULL, 0), 0);
	CU_ASSERT_EQUAL(pkg_sha256_final(&s, d), 0);
	pkg_sha256_dispose(&s);
	pkg_sha256_dispose(&s);
	pkg_sha256_dispose(NULL);
	CU_ASSERT(hex_eq(d, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"));
	CU_ASSERT_EQUAL(pkg_sha256_update(&s, a, 1), -PKG_E_CRYPTO);
	CU_ASSERT_EQUAL(pkg_sha256_final(&s, d), -PKG_E_CRYPTO);
}

static void test_sha256_file(void)
{
	static uint8_t data[200000];
	uint8_t want[32], got[32];
	uint64_t n;
	int more;
	FILE *f = tmpfile();

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)rnd();
	CU_ASSERT_EQUAL_FATAL(fwrite(data, 1, sizeof(data), f), sizeof(data));

	/* The whole file. */
	rewind(f);
	CU_ASSERT_EQUAL(pkg_sha256_buf(data, sizeof(data), want), 0);
	CU_ASSERT_EQUAL(pkg_sha256_file(f, UINT64_MAX, got, &n, &more), 0);
	CU_ASSERT_EQUAL(n, sizeof(data));
	CU_ASSERT_EQUAL(more, 0);
	CU_ASSERT(memcmp(want, got, 32) == 0);
	/* Exactly its length: nothing more. */
	rewind(f);
	CU_ASSERT_EQUAL(pkg_sha256_file(f, sizeof(data), got, &n, &more), 0);
	CU_ASSERT_EQUAL(n, sizeof(data));
	CU_ASSERT_EQUAL(more, 0);
	CU_ASSERT(memcmp(want, got, 32) == 0);
	/* A prefix, from an offset, with more after it. */
	fseek(f, 1000, SEEK_SET);
	CU_ASSERT_EQUAL(pkg_sha256_buf(data + 1000, 70000, want), 0);
	CU_ASSERT_EQUAL(pkg_sha256_file(f, 70000, got, &n, &more), 0);
	CU_ASSERT_EQUAL(n, 70000);
	CU_ASSERT_EQUAL(more, 1);
	CU_ASSERT(memcmp(want, got, 32) == 0);
	fclose(f);
}

static void test_check_image(void)
{
	static uint8_t data[5000];
	struct pkg_header h = sample();
	uint8_t got[32];
	FILE *f;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)rnd();
	CU_ASSERT_EQUAL(pkg_sha256_buf(data, sizeof(data), h.sha256), 0);
	h.image_size = sizeof(data);

	f = tmpfile();
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fwrite(data, 1, sizeof(data), f);
	rewind(f);
	CU_ASSERT_EQUAL(pkg_check_image(&h, f, got), 0);
	CU_ASSERT(memcmp(got, h.sha256, 32) == 0);
	/* One byte more in the file than the header says. */
	fputc(0, f);
	rewind(f);
	CU_ASSERT_EQUAL(pkg_check_image(&h, f, NULL), -PKG_E_IMAGE_LEN);
	/* One byte less. */
	h.image_size = sizeof(data) + 2;
	rewind(f);
	CU_ASSERT_EQUAL(pkg_check_image(&h, f, NULL), -PKG_E_IMAGE_LEN);
	/* A changed byte. */
	h.image_size = sizeof(data);
	fseek(f, 4321, SEEK_SET);
	fputc(data[4321] ^ 1, f);
	fflush(f);
	if (ftruncate(fileno(f), sizeof(data)) == 0) {
		rewind(f);
		CU_ASSERT_EQUAL(pkg_check_image(&h, f, got), -PKG_E_DIGEST);
		CU_ASSERT(memcmp(got, h.sha256, 32) != 0);
	} else {
		CU_FAIL("ftruncate");
	}
	fclose(f);
}

/* The 9-byte wire form: round trip, the exact bytes, a count above 4. */
static void test_version_wire(void)
{
	struct pkg_version v = {{1, 10, 0, 0}, 3}, w;
	uint8_t b[PKG_VERSION_WIRE];
	static const uint8_t want[PKG_VERSION_WIRE] = {3, 0, 1, 0, 10, 0, 0, 0, 0};

	pkg_version_put(b, &v);
	CU_ASSERT_EQUAL(memcmp(b, want, sizeof(b)), 0);
	CU_ASSERT_EQUAL(pkg_version_get(b, &w), 0);
	CU_ASSERT_EQUAL(pkg_version_cmp(&v, &w), 0);
	CU_ASSERT_EQUAL(w.count, 3);
	b[0] = 5;
	CU_ASSERT_EQUAL(pkg_version_get(b, &w), -PKG_E_VERSION);
	CU_ASSERT_EQUAL(w.count, 0);
}

static CU_TestInfo version_tests[] = {
	{"parse: good versions", test_version_parse_good},
	{"parse: a long list of bad ones", test_version_parse_bad},
	{"compare: numeric, missing parts are 0", test_version_cmp},
	{"format: exact room, round trip", test_version_format},
	{"wire form: 9 bytes, round trip, count above 4", test_version_wire},
	CU_TEST_INFO_NULL,
};

static CU_TestInfo header_tests[] = {
	{"write then parse: every field", test_roundtrip},
	{"golden bytes", test_golden},
	{"need: header length from the fixed part", test_need},
	{"truncated at every length", test_truncated},
	{"wrong magic", test_magic},
	{"wrong format version", test_format_version},
	{"header length: too small, too big, beyond the buffer, off the TLVs", test_header_length},
	{"unknown flags; encrypted without nonce and tag", test_flags},
	{"one flipped bit anywhere is refused", test_bitflips},
	{"malformed TLVs", test_tlv_malformed},
	{"unknown TLVs are skipped", test_unknown_skipped},
	{"each required field missing", test_missing},
	{"duplicate fields", test_duplicate},
	{"field values out of range", test_fields},
	{"key id, signature, nonce, tag located", test_reserved_parts},
	{"image size bound", test_image_size},
	{"target count bound", test_targets_count},
	{"target lookup", test_targets_lookup},
	{"write refusals and small buffers", test_write_errors},
	{"names and serials", test_valid_strings},
	{"strerror", test_strerror},
	{"random edits, resealed", test_random_resealed},
	CU_TEST_INFO_NULL,
};

static CU_TestInfo digest_tests[] = {
	{"SHA-256 known answers", test_sha256_kat},
	{"SHA-256 of a file: whole, prefix, offset", test_sha256_file},
	{"image check: good, long, short, changed", test_check_image},
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{"pkg_version", NULL, NULL, NULL, NULL, version_tests},
	{"pkg_header", NULL, NULL, NULL, NULL, header_tests},
	{"pkg_digest", NULL, NULL, NULL, NULL, digest_tests},
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return cunit_run(suites);
}
