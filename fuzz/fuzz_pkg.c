/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the package header parser and the version parser.
 *
 * The input is parsed as it is, then again with its header CRC made right,
 * so the fuzzer reaches the TLV walk. Whatever parses must be within the
 * header, must write back to a header that parses to the same fields, and
 * must be refused when cut one byte short. The input is also a version
 * string: whatever parses formats back to itself.
 *
 * Signed and encrypted headers (docs/PACKAGE.md §5): the signature is
 * checked against one trusted key (RFC 8032's first test key; the seeds
 * signed_* are signed with it), the GCM additional data is taken and the
 * bytes after the header are decrypted under a fixed key. Whatever the input,
 * these return one of their documented answers; a header whose signed bytes
 * were changed never verifies; and the header written back with the same
 * extra fields parses to the same offsets.
 */
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "fuzz_pkg_keys.h"
#include "pkg.h"
#include "pkg_crypto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_crypto(const uint8_t *buf, size_t size, const struct pkg_header *h)
{
	static struct pkg_key key;
	static uint8_t aad[PKG_HDR_MAX], out[4096], copy[PKG_HDR_MAX];
	struct pkg_header again;
	struct pkg_gcm g;
	size_t which = 7;
	int r, a;

	if (!key.pkey)
		FUZZ_CHECK(pkg_key_from_raw(trusted_pub, &key) == 0);
	r = pkg_verify_header(h, buf, &key, 1, &which);
	FUZZ_CHECK(r == 0 || r == -PKG_E_UNSIGNED || r == -PKG_E_UNTRUSTED ||
		   r == -PKG_E_SIGNATURE || r == -PKG_E_FIELD);
	FUZZ_CHECK(r != -PKG_E_UNSIGNED || !h->sig_off);
	if (r == 0) {
		FUZZ_CHECK(which == 0 && h->sig_len == 64 && h->key_id_len == 8);
		FUZZ_CHECK(memcmp(buf + h->key_id_off, key.id, 8) == 0);
		/* Any signed byte changed (CRC made right) and it no longer verifies. */
		memcpy(copy, buf, h->hdr_len);
		copy[size % h->signed_len] ^= 0x20;
		pkg_header_reseal(copy, h->hdr_len);
		if (pkg_header_parse(copy, h->hdr_len, &again) == 0)
			FUZZ_CHECK(pkg_verify_header(&again, copy, &key, 1, NULL) != 0);
	}

	a = pkg_gcm_aad(h, buf, aad, sizeof(aad));
	if (!(h->flags & PKG_F_ENCRYPTED)) {
		FUZZ_CHECK(a == -PKG_E_FIELD && !h->nonce_off && !h->tag_off && !h->plain_off);
		return;
	}
	FUZZ_CHECK(h->nonce_off && h->tag_off);
	FUZZ_CHECK(a == (h->sig_off ? h->signed_len : h->hdr_len - (int)PKG_CRC_TLV_LEN));
	FUZZ_CHECK(h->tag_off + 16 <= a);
	for (int i = 0; i < 16; i++)
		FUZZ_CHECK(aad[h->tag_off + i] == 0);
	FUZZ_CHECK(memcmp(aad, buf, h->tag_off) == 0);
	FUZZ_CHECK(pkg_gcm_init(&g, 0, aes_key, buf + h->nonce_off, aad, (size_t)a) == 0);
	{
		size_t n = size - h->hdr_len;
		uint8_t tag[16]; /* checked, not written: a copy of the header's */

		n = n < sizeof(out) ? n : sizeof(out);
		FUZZ_CHECK(pkg_gcm_update(&g, buf + h->hdr_len, n, out) == 0);
		memcpy(tag, buf + h->tag_off, sizeof(tag));
		r = pkg_gcm_final(&g, tag);
		FUZZ_CHECK(r == 0 || r == -PKG_E_TAG);
	}
}

/* Written back with the same signing and encryption fields, a header parses
 * to the same flags and field lengths. */
static void check_extra(const struct pkg_header *h, const uint8_t *buf, const char *const *list)
{
	static uint8_t re[PKG_HDR_MAX];
	struct pkg_extra x;
	struct pkg_header again;
	int n;

	memset(&x, 0, sizeof(x));
	if (h->flags & PKG_F_ENCRYPTED) {
		if (!h->plain_off)
			return; /* the writer always writes PLAIN_SHA256 */
		x.plain_sha256 = buf + h->plain_off;
		x.nonce = buf + h->nonce_off;
		x.tag = buf + h->tag_off;
	}
	if (h->sig_off) {
		x.key_id = buf + h->key_id_off;
		x.key_id_len = h->key_id_len;
		x.sig = buf + h->sig_off;
		x.sig_len = h->sig_len;
	}
	n = pkg_header_write_ext(h, list, h->target_count, &x, re, sizeof(re));
	if (n == -PKG_E_NOSPACE)
		return;
	FUZZ_CHECK(n > 0);
	FUZZ_CHECK(pkg_header_parse(re, (size_t)n, &again) == 0);
	FUZZ_CHECK(again.flags == h->flags && again.sig_len == h->sig_len &&
		   again.key_id_len == h->key_id_len && !again.plain_off == !h->plain_off);
	if (h->sig_off)
		FUZZ_CHECK(memcmp(re + again.sig_off, buf + h->sig_off, h->sig_len) == 0 &&
			   again.signed_len + 3u == again.sig_off);
	if (h->plain_off)
		FUZZ_CHECK(memcmp(re + again.tag_off, buf + h->tag_off, 16) == 0 &&
			   memcmp(re + again.plain_off, buf + h->plain_off, 32) == 0);
}

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

	FUZZ_CHECK(!h->plain_off || (h->flags & PKG_F_ENCRYPTED));
	FUZZ_CHECK(!h->plain_off || h->plain_off + PKG_SHA256_LEN + PKG_CRC_TLV_LEN <= h->hdr_len);
	check_crypto(buf, size, h);
	check_extra(h, buf, list);

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
