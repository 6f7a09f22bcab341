/* SPDX-License-Identifier: MIT */
#include "pkg_digest.h"

#include <string.h>

#include <openssl/evp.h>

int pkg_sha256_init(struct pkg_sha256 *s)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	s->ctx = NULL;
	if (!c)
		return -PKG_E_CRYPTO;
	if (EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(c);
		return -PKG_E_CRYPTO;
	}
	s->ctx = c;
	return 0;
}

int pkg_sha256_update(struct pkg_sha256 *s, const void *p, size_t n)
{
	if (!s->ctx)
		return -PKG_E_CRYPTO;
	if (n && EVP_DigestUpdate(s->ctx, p, n) != 1)
		return -PKG_E_CRYPTO;
	return 0;
}

int pkg_sha256_final(struct pkg_sha256 *s, uint8_t out[PKG_SHA256_LEN])
{
	unsigned int len = 0;

	if (!s->ctx || EVP_DigestFinal_ex(s->ctx, out, &len) != 1 || len != PKG_SHA256_LEN)
		return -PKG_E_CRYPTO;
	return 0;
}

void pkg_sha256_dispose(struct pkg_sha256 *s)
{
	if (!s)
		return;
	EVP_MD_CTX_free(s->ctx);
	s->ctx = NULL;
}

int pkg_sha256_buf(const void *p, size_t n, uint8_t out[PKG_SHA256_LEN])
{
	struct pkg_sha256 s;
	int rc;

	if ((rc = pkg_sha256_init(&s)) != 0)
		return rc;
	if ((rc = pkg_sha256_update(&s, p, n)) == 0)
		rc = pkg_sha256_final(&s, out);
	pkg_sha256_dispose(&s);
	return rc;
}

int pkg_sha256_file(FILE *f, uint64_t max, uint8_t out[PKG_SHA256_LEN], uint64_t *n, int *more)
{
	static const size_t chunk = 64 * 1024;
	unsigned char buf[64 * 1024];
	struct pkg_sha256 s;
	uint64_t total = 0;
	int rc;

	if (more)
		*more = 0;
	if ((rc = pkg_sha256_init(&s)) != 0)
		return rc;
	while (total < max) {
		size_t want = max - total < chunk ? (size_t)(max - total) : chunk;
		size_t got = fread(buf, 1, want, f);

		if ((rc = pkg_sha256_update(&s, buf, got)) != 0)
			goto out;
		total += got;
		if (got < want)
			break;
	}
	if (ferror(f)) {
		rc = -PKG_E_IO;
		goto out;
	}
	if (total == max && more) {
		int c = fgetc(f);

		if (c == EOF && ferror(f)) {
			rc = -PKG_E_IO;
			goto out;
		}
		*more = c != EOF;
	}
	rc = pkg_sha256_final(&s, out);
out:
	pkg_sha256_dispose(&s);
	if (n)
		*n = total;
	return rc;
}

int pkg_check_image(const struct pkg_header *h, FILE *f, uint8_t got[PKG_SHA256_LEN])
{
	uint8_t d[PKG_SHA256_LEN];
	uint64_t n = 0;
	int more = 0, rc;

	if ((rc = pkg_sha256_file(f, h->image_size, d, &n, &more)) != 0)
		return rc;
	if (got)
		memcpy(got, d, PKG_SHA256_LEN);
	if (n != h->image_size || more)
		return -PKG_E_IMAGE_LEN;
	return memcmp(d, h->sha256, PKG_SHA256_LEN) == 0 ? 0 : -PKG_E_DIGEST;
}
