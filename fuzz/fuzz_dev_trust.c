/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: a board that trusts one key and holds the AES key
 * (device.c over dev_trust.c) offered the input as a package: the header
 * check of FILE_INFO, then, if it passes, the whole input as the download
 * and the commit, on mem_devstore.
 *
 * The first input byte picks the board: bit 0 trusts the key (RFC 8032's
 * first test key, as fuzz_pkg; the committed seeds are signed with it),
 * bit 1 holds the AES key, bit 2 takes config only as signed packages; the
 * rest is the package.
 *
 * The invariant, checked here independently of device.c with pkg_crypto:
 * a package is staged only if its header parses, its image hashes to the
 * header's digest and, when the board trusts the key, its signature by
 * that key checks, and, when encrypted, the board holds the key and the
 * image decrypts with a good tag to PLAIN_SHA256. Whatever is refused
 * leaves no staged image, no active one, and no image in the store.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dev_trust.h"
#include "device.h"
#include "frame.h"
#include "fuzz_pkg_keys.h"
#include "mem_devstore.h"
#include "pkg.h"
#include "pkg_crypto.h"
#include "pkg_digest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t HOST[6] = {2, 0, 0, 0, 0, 1};

/* Does the package in buf (size bytes) pass every check, made here with
 * the host's code rather than the board's? */
static int genuine(const uint8_t *buf, size_t size, int trusts, int has_aes)
{
	static struct pkg_key key;
	static uint8_t aad[PKG_HDR_MAX], out[1 << 16];
	uint8_t digest[32], tag[16];
	struct pkg_header h;
	struct pkg_sha256 s = {NULL};
	struct pkg_gcm g;
	int a, r;

	if (!key.pkey)
		FUZZ_CHECK(pkg_key_from_raw(trusted_pub, &key) == 0);
	if (pkg_header_parse(buf, size, &h) != 0 || (uint64_t)h.hdr_len + h.image_size != size)
		return 0;
	if (pkg_sha256_buf(buf + h.hdr_len, (size_t)h.image_size, digest) != 0 ||
	    memcmp(digest, h.sha256, 32))
		return 0;
	if (trusts && pkg_verify_header(&h, buf, &key, 1, NULL) != 0)
		return 0;
	if (!(h.flags & PKG_F_ENCRYPTED))
		return 1;
	if (!has_aes || !h.plain_off || !h.nonce_off || h.image_size > sizeof(out))
		return 0;
	a = pkg_gcm_aad(&h, buf, aad, sizeof(aad));
	FUZZ_CHECK(a > 0);
	FUZZ_CHECK(pkg_gcm_init(&g, 0, aes_key, buf + h.nonce_off, aad, (size_t)a) == 0);
	FUZZ_CHECK(pkg_gcm_update(&g, buf + h.hdr_len, (size_t)h.image_size, out) == 0);
	memcpy(tag, buf + h.tag_off, 16);
	r = pkg_gcm_final(&g, tag);
	if (r != 0)
		return 0;
	FUZZ_CHECK(pkg_sha256_init(&s) == 0);
	FUZZ_CHECK(pkg_sha256_update(&s, out, (size_t)h.image_size) == 0);
	FUZZ_CHECK(pkg_sha256_final(&s, digest) == 0);
	pkg_sha256_dispose(&s);
	return memcmp(digest, buf + h.plain_off, 32) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct board_device d;
	static struct devstore st;
	static int open;
	struct dev_identity id = {"V", "M", "S1", 0, NULL};
	struct dev_trust t;
	struct pkg_header h;
	uint32_t e, g, got;
	char why[160];
	int mode, detail, r, staged;
	const uint8_t *pkg;

	if (size < 1 || size > (1u << 16))
		return 0;
	mode = data[0];
	pkg = data + 1;
	size--;
	dev_trust_init(&t);
	if (mode & 1)
		FUZZ_CHECK(dev_trust_add_raw(&t, trusted_pub) == 0);
	if (mode & 2)
		dev_trust_set_aes(&t, aes_key);
	if (mode & 4 && mode & 1)
		dev_trust_signed_only(&t, FT_CONFIG);
	/* one store and device for as long as nothing is staged (opening
	 * them is most of the cost); the board's keys change per input */
	if (!open) {
		FUZZ_CHECK(mem_devstore_open(&st) == 0);
		FUZZ_CHECK(dev_open(&d, &st, &id) == 0);
		open = 1;
	}
	d.id.crypto = dev_trust_ops(&t);

	staged = 0;
	detail = size >= PKG_FIXED_LEN && !memcmp(pkg, PKG_MAGIC, PKG_MAGIC_LEN)
			 ? -1
			 : dev_plain_check(&d, FT_CONFIG, why, sizeof(why));
	if (detail == -1) {
		size_t hl = 0;

		if (pkg_header_need(pkg, size, &hl) != 0 || hl > size || hl > 1500)
			goto out;
		detail = dev_package_check(&d, FT_CONFIG, pkg, hl, &h, &e, &g, why, sizeof(why));
		if (detail)
			goto out;
		r = dev_download_begin(&d, FT_CONFIG, size, frame_crc32(0, pkg, size), 1479, &h, 0);
		FUZZ_CHECK(r == 0);
		dev_download_header(&d, pkg, hl);
		FUZZ_CHECK(dev_download_write(&d, 0, pkg, size) == 0);
		r = dev_download_commit(&d, HOST, &got);
		FUZZ_CHECK(r == 0 || r == -EPROTO || r == -EACCES);
		staged = r == 0;
		FUZZ_CHECK(!staged || genuine(pkg, size, mode & 1, mode & 2));
		FUZZ_CHECK(!!dev_image(&d, FT_CONFIG, DEV_STAGED) == staged);
	} else if (detail == 0) {
		/* a plain file may come: only where no signature is required */
		FUZZ_CHECK(!(mode & 4 && mode & 1));
	} else {
		FUZZ_CHECK(detail == D_UNSIGNED && mode & 4 && mode & 1);
	}
out:
	/* a refused package leaves nothing behind */
	FUZZ_CHECK(!dev_image(&d, FT_CONFIG, DEV_ACTIVE));
	if (!staged) {
		uint32_t ids[4];

		FUZZ_CHECK(!dev_image(&d, FT_CONFIG, DEV_STAGED));
		FUZZ_CHECK(st.img_list(st.ctx, ids, 4) == 0);
	}
	d.id.crypto = NULL;
	if (staged) {
		dev_close(&d);
		mem_devstore_close(&st);
		open = 0;
	}
	dev_trust_dispose(&t);
	return 0;
}
