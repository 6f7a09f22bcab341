/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the package header parser and the version parser.
 *
 * The input is parsed as it is, then again with its header CRC made right,
 * so the fuzzer reaches the TLV walk. Whatever parses must be within the
 * header, must write back to a header that parses to the same fields, and
 * must be refused when cut one byte short. The input is also a version
 * string: whatever parses formats back to itself.
 */
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "pkg.h"

#define FUZZ_CHECK(cond)                                                                           \
	do {                                                                                       \
		if (!(cond))                                                                       \
			abort();                                                                   \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_parsed(const uint8_t *buf, size_t size, const struct pkg_header *h)
{
	static char names[PKG_MAX_TARGETS][PKG_STR_MAX + 1];
	static uint8_t re[PKG_HDR_MAX];
	const char *list[PKG_MAX_TARGETS];
	struct pkg_header again;
	int n;

	FUZZ_CHECK(h->hdr_len >= PKG_HDR_MIN && h->hdr_len <= PKG_HDR_MAX && h->hdr_len <= size);
	FUZZ_CHECK(pkg_valid_name(h->vendor) && pkg_valid_name(h->model));
	FUZZ_CHECK(h->version.count >= 1 && h->version.count <= 4);
	FUZZ_CHECK(h->type >= 1 && h->type <= 4);
	FUZZ_CHECK(h->image_size <= PKG_IMAGE_MAX);
	FUZZ_CHECK(h->target_count <= PKG_MAX_TARGETS);
	FUZZ_CHECK((h->flags & ~PKG_F_KNOWN) == 0);
	FUZZ_CHECK(!h->sig_off || (h->sig_off + h->sig_len + PKG_CRC_TLV_LEN == h->hdr_len &&
				   h->signed_len + PKG_TLV_HDR_LEN == h->sig_off));
	FUZZ_CHECK(!h->key_id_off == !h->sig_off);
	for (unsigned i = 0; i < h->target_count; i++) {
		size_t l;
		const uint8_t *t = pkg_header_target(h, buf, i, &l);

		FUZZ_CHECK(t && t >= buf + PKG_FIXED_LEN && t + l <= buf + h->hdr_len);
		FUZZ_CHECK(l >= 1 && l <= PKG_STR_MAX);
		memcpy(names[i], t, l);
		names[i][l] = '\0';
		FUZZ_CHECK(pkg_valid_serial(names[i]));
		FUZZ_CHECK(pkg_header_has_target(h, buf, names[i]));
		list[i] = names[i];
	}
	FUZZ_CHECK(!pkg_header_target(h, buf, h->target_count, NULL));

	/* One byte short is truncated. */
	FUZZ_CHECK(pkg_header_parse(buf, (size_t)h->hdr_len - 1, &again) == -PKG_E_TRUNCATED);

	/* Written back without the unknown and reserved TLVs, it parses the same;
	 * it may not fit when unknown TLVs made room the written form lacks. */
	if (h->flags)
		return;
	n = pkg_header_write(h, list, h->target_count, re, sizeof(re));
	if (n == -PKG_E_NOSPACE)
		return;
	FUZZ_CHECK(n > 0 && (size_t)n <= PKG_HDR_MAX);
	FUZZ_CHECK(pkg_header_parse(re, (size_t)n, &again) == 0);
	FUZZ_CHECK(strcmp(again.vendor, h->vendor) == 0 && strcmp(again.model, h->model) == 0);
	FUZZ_CHECK(memcmp(&again.version, &h->version, sizeof(h->version)) == 0);
	FUZZ_CHECK(again.type == h->type && again.build_time == h->build_time &&
		   again.image_size == h->image_size && again.target_count == h->target_count);
	FUZZ_CHECK(memcmp(again.sha256, h->sha256, PKG_SHA256_LEN) == 0);
}

static void check_version(const uint8_t *data, size_t size)
{
	char s[40], out[PKG_VERSION_STRMAX];
	struct pkg_version v, w;
	size_t n = size < sizeof(s) - 1 ? size : sizeof(s) - 1;

	memcpy(s, data, n);
	s[n] = '\0';
	if (pkg_version_parse(s, &v) != 0)
		return;
	FUZZ_CHECK(v.count >= 1 && v.count <= 4);
	FUZZ_CHECK(pkg_version_format(&v, out, sizeof(out)) == (int)strlen(s));
	FUZZ_CHECK(strcmp(out, s) == 0);
	FUZZ_CHECK(pkg_version_parse(out, &w) == 0 && pkg_version_cmp(&v, &w) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t copy[PKG_HDR_MAX];
	struct pkg_header h;
	size_t hl = 0;
	int rc;

	check_version(data, size);
	rc = pkg_header_need(data, size, &hl);
	if (pkg_header_parse(data, size, &h) == 0) {
		FUZZ_CHECK(rc == 0 && hl == h.hdr_len);
		check_parsed(data, size, &h);
	}
	if (rc != 0 || size < hl)
		return 0;
	memcpy(copy, data, hl);
	put_be32(copy + hl - 4, frame_crc32(0, copy, hl - 4));
	rc = pkg_header_parse(copy, hl, &h);
	FUZZ_CHECK(rc <= 0 && rc > -PKG_ERR_COUNT && rc != -PKG_E_TRUNCATED);
	if (rc == 0)
		check_parsed(copy, hl, &h);
	return 0;
}
