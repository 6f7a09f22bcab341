/* SPDX-License-Identifier: MIT */
/* A package file's signature and encryption on the host: check the
 * signature against trusted keys, and decrypt the image to check its tag
 * and plaintext digest, as `ethdl inspect` and `ethdl pack` do. */
#ifndef ETHDL_CMD_PKGTRUST_H
#define ETHDL_CMD_PKGTRUST_H

#include <stdio.h>

#include "pkg_crypto.h"
#include "pkgfile.h"

/**
 * Check the signature of a package whose header pkgfile_check accepted,
 * against ntrusted keys: sets p->sig_rc (0, -PKG_E_UNSIGNED,
 * -PKG_E_UNTRUSTED, -PKG_E_SIGNATURE, -PKG_E_FIELD) and p->trusted_by.
 * Returns 0, or -PKG_E_CRYPTO when the check could not be made.
 */
int pkgfile_trust(struct pkgfile *p, const struct pkg_key *trusted, size_t ntrusted);

/**
 * Decrypt the image of an encrypted package (f is the package, any
 * position) with key, discarding the plaintext: sets p->tag_rc (0 when the
 * tag checks and the plaintext's SHA-256 is PLAIN_SHA256; -PKG_E_TAG,
 * -PKG_E_PLAIN, -PKG_E_MISSING without PLAIN_SHA256, -PKG_E_IMAGE_LEN) and
 * p->plain_sha256. A package that is not encrypted leaves tag_rc 1.
 * Returns 0, -PKG_E_IO or -PKG_E_CRYPTO.
 */
int pkgfile_decrypt(FILE *f, struct pkgfile *p, const uint8_t key[PKG_AES_KEY_LEN]);

#endif
