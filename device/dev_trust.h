/* SPDX-License-Identifier: MIT */
/*
 * dev_trust — the reference board's keys for signed and encrypted packages
 * (PACKAGE.md §5) and the dev_crypto calls over them, through OpenSSL's EVP
 * interface (pkg_crypto.h). A port to firmware provides the same four calls
 * over its own crypto; this file is not part of what it ports.
 */
#ifndef ETHDL_DEV_TRUST_H
#define ETHDL_DEV_TRUST_H

#include <stddef.h>
#include <stdint.h>

#include "device.h"
#include "pkg_crypto.h"
#include "pkg_digest.h"

#define DEV_TRUST_KEYS 16 /* trusted keys at once (rollover needs two) */

struct dev_trust {
	struct dev_crypto ops; /* what the device calls; ops.ctx is this struct */
	struct pkg_key keys[DEV_TRUST_KEYS];
	size_t nkeys;
	uint8_t aes[PKG_AES_KEY_LEN];
	int have_aes;
	/* the decryption under way */
	struct pkg_gcm gcm;
	struct pkg_sha256 sha;
	int failed;
};

/** An empty trust store: trusts no key, holds no AES key, every type may
 *  take a plain file. */
void dev_trust_init(struct dev_trust *t);
/** Trust the Ed25519 public key in PEM file (repeatable). 0, or a negative
 *  pkg error with err naming the file and the problem: -PKG_E_IO (cannot
 *  read it), -PKG_E_FIELD (not an Ed25519 public key), -PKG_E_DUPLICATE
 *  (trusted already), -PKG_E_NOSPACE (too many keys), -PKG_E_CRYPTO. */
int dev_trust_add_key(struct dev_trust *t, const char *file, char *err, size_t errcap);
/** Trust a raw Ed25519 public key. 0 or -1. */
int dev_trust_add_raw(struct dev_trust *t, const uint8_t pub[PKG_ED25519_PUB]);
/** Decrypt with the AES-128 key in KEYFILE (32 hex digits). 0, or
 *  -PKG_E_IO / -PKG_E_FIELD with err naming the file and the problem. */
int dev_trust_set_aes_file(struct dev_trust *t, const char *file, char *err, size_t errcap);
void dev_trust_set_aes(struct dev_trust *t, const uint8_t key[PKG_AES_KEY_LEN]);
/** Files of this type must come as signed packages. */
void dev_trust_signed_only(struct dev_trust *t, int type);
/** The calls for dev_identity.crypto, or NULL when t holds nothing at all
 *  (then the board behaves as one without keys). */
const struct dev_crypto *dev_trust_ops(struct dev_trust *t);
/** Forget the keys (the AES key is wiped). */
void dev_trust_dispose(struct dev_trust *t);

#endif
