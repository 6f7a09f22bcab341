/* SPDX-License-Identifier: MIT */
/*
 * pkg_digest — SHA-256 for packages, through OpenSSL's EVP interface.
 *
 * Host side only (links libcrypto): `ethdl pack` and `ethdl inspect` hash
 * the image with it, and the board emulator verifies an image with it. The
 * firmware-clean parser is pkg.h.
 */
#ifndef ETHDL_PKG_DIGEST_H
#define ETHDL_PKG_DIGEST_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pkg.h"

/** A running SHA-256. Caller-owned; _init before use, _dispose after. */
struct pkg_sha256 {
	void *ctx; /* EVP_MD_CTX */
};

/** Start a digest. Returns 0 or -PKG_E_CRYPTO (s is then disposed). */
int pkg_sha256_init(struct pkg_sha256 *s);
/** Add n bytes. Returns 0 or -PKG_E_CRYPTO. */
int pkg_sha256_update(struct pkg_sha256 *s, const void *p, size_t n);
/** Finish into out; s can be disposed or initialised again. 0 or -PKG_E_CRYPTO. */
int pkg_sha256_final(struct pkg_sha256 *s, uint8_t out[PKG_SHA256_LEN]);
/** Free what s holds; safe on a disposed or zeroed s. */
void pkg_sha256_dispose(struct pkg_sha256 *s);

/** The digest of one buffer. 0 or -PKG_E_CRYPTO. */
int pkg_sha256_buf(const void *p, size_t n, uint8_t out[PKG_SHA256_LEN]);

/**
 * The digest of what f holds from its current position to the end, reading
 * at most max bytes (stops there without reading further). Sets *n to the
 * bytes hashed and *more to 1 if f still had bytes after max (more may be
 * NULL). Returns 0, -PKG_E_IO or -PKG_E_CRYPTO.
 */
int pkg_sha256_file(FILE *f, uint64_t max, uint8_t out[PKG_SHA256_LEN], uint64_t *n, int *more);

/**
 * Check an image stream against a parsed header: hashes what f holds from
 * its position, and compares the length with h->image_size and the digest
 * with h->sha256. Sets got (may be NULL) to the digest it computed. Returns
 * 0, -PKG_E_IMAGE_LEN, -PKG_E_DIGEST, -PKG_E_IO or -PKG_E_CRYPTO.
 */
int pkg_check_image(const struct pkg_header *h, FILE *f, uint8_t got[PKG_SHA256_LEN]);

#endif
