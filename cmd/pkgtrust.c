/* SPDX-License-Identifier: MIT */
#include "pkgtrust.h"

#include <errno.h>
#include <string.h>

#include "pkg_digest.h"

int pkgfile_trust(struct pkgfile *p, const struct pkg_key *trusted, size_t ntrusted)
{
	int r;

	p->sig_rc = 1;
	if (p->header_rc)
		return 0;
	r = pkg_verify_header(&p->h, p->hdr, trusted, ntrusted, &p->trusted_by);
	if (r == -PKG_E_CRYPTO)
		return r;
	p->sig_rc = r;
	return 0;
}

int pkgfile_decrypt(FILE *f, struct pkgfile *p, const uint8_t key[PKG_AES_KEY_LEN])
{
	static uint8_t aad[PKG_HDR_MAX], buf[1 << 16];
	struct pkg_gcm g = {NULL, 0};
	struct pkg_sha256 s = {NULL};
	uint8_t tag[PKG_GCM_TAG_LEN];
	uint64_t left;
	int n, r;

	p->tag_rc = 1;
	if (p->header_rc || !(p->h.flags & PKG_F_ENCRYPTED))
		return 0;
	if (!p->h.plain_off) {
		p->tag_rc = -PKG_E_MISSING;
		return 0;
	}
	if (p->file_size != (uint64_t)p->h.hdr_len + p->h.image_size) {
		p->tag_rc = -PKG_E_IMAGE_LEN;
		return 0;
	}
	n = pkg_gcm_aad(&p->h, p->hdr, aad, sizeof(aad));
	if (n < 0)
		return -PKG_E_CRYPTO;
	if (fseek(f, (long)p->h.hdr_len, SEEK_SET) != 0)
		return -PKG_E_IO;
	if (pkg_sha256_init(&s) ||
	    pkg_gcm_init(&g, 0, key, p->hdr + p->h.nonce_off, aad, (size_t)n)) {
		pkg_sha256_dispose(&s);
		return -PKG_E_CRYPTO;
	}
	r = 0;
	for (left = p->h.image_size; left && !r;) {
		size_t want = left < sizeof(buf) ? (size_t)left : sizeof(buf);
		size_t got = fread(buf, 1, want, f);

		if (got != want) {
			r = -PKG_E_IO;
			if (!errno)
				errno = EIO;
			break;
		}
		if (pkg_gcm_update(&g, buf, got, buf) || pkg_sha256_update(&s, buf, got))
			r = -PKG_E_CRYPTO;
		left -= got;
	}
	if (!r && pkg_sha256_final(&s, p->plain_sha256))
		r = -PKG_E_CRYPTO;
	pkg_sha256_dispose(&s);
	if (r) {
		pkg_gcm_dispose(&g);
		return r;
	}
	memcpy(tag, p->hdr + p->h.tag_off, sizeof(tag));
	r = pkg_gcm_final(&g, tag);
	if (r == -PKG_E_CRYPTO)
		return r;
	if (r == 0 && memcmp(p->plain_sha256, p->hdr + p->h.plain_off, PKG_SHA256_LEN) != 0)
		r = -PKG_E_PLAIN;
	p->tag_rc = r;
	return 0;
}
