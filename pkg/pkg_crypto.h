/* SPDX-License-Identifier: MIT */
/*
 * pkg_crypto — signing and encryption of packages (docs/PACKAGE.md §5),
 * through OpenSSL's EVP interface: Ed25519 signatures, AES-128-GCM, keys.
 *
 * Host side only (links libcrypto). The parser in pkg.h stays free of it:
 * it bounds and locates the fields, this file checks what they say.
 */
#ifndef ETHDL_PKG_CRYPTO_H
#define ETHDL_PKG_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "pkg.h"

#define PKG_KEY_ID_LEN	   8u  /* first 8 bytes of SHA-256 of the raw public key */
#define PKG_ED25519_PUB	   32u /* a raw Ed25519 public key */
#define PKG_SIG_LEN	   64u /* an Ed25519 signature */
#define PKG_AES_KEY_LEN	   16u /* AES-128 */
#define PKG_GCM_NONCE_LEN  12u
#define PKG_GCM_TAG_LEN	   16u
#define PKG_KEYFILE_DIGITS 32u /* a KEYFILE: 32 hex digits */

/** An Ed25519 key, private or public, and its key id. */
struct pkg_key {
	void *pkey; /* EVP_PKEY */
	uint8_t id[PKG_KEY_ID_LEN];
	int private_key;
};

/**
 * Load an Ed25519 private (pkg_key_load_private) or public key from a PEM
 * file. Returns 0, or a negative error with a sentence in err naming the
 * file and the problem: -PKG_E_IO (cannot open it), -PKG_E_FIELD (not a PEM
 * key of that kind, or not Ed25519), -PKG_E_CRYPTO; k is then empty.
 */
int pkg_key_load_private(const char *file, struct pkg_key *k, char *err, size_t errcap);
int pkg_key_load_public(const char *file, struct pkg_key *k, char *err, size_t errcap);
/** A public key from its 32 raw bytes (as a board may hold it). 0 or
 *  -PKG_E_CRYPTO (k is then empty). */
int pkg_key_from_raw(const uint8_t pub[PKG_ED25519_PUB], struct pkg_key *k);
/** Free what k holds; safe on an empty or zeroed k. */
void pkg_key_dispose(struct pkg_key *k);

/** The key id of a raw Ed25519 public key. 0 or -PKG_E_CRYPTO. */
int pkg_key_id(const uint8_t pub[PKG_ED25519_PUB], uint8_t id[PKG_KEY_ID_LEN]);

/**
 * Parse the text of a KEYFILE: exactly 32 hex digits (either case), any
 * whitespace anywhere ignored. Returns 0, or -1 with *why set to what is
 * wrong (a static sentence).
 */
int pkg_aes_key_parse(const char *text, size_t len, uint8_t key[PKG_AES_KEY_LEN], const char **why);
/** Read and parse a KEYFILE. 0, or -PKG_E_IO (cannot read it) or -PKG_E_FIELD
 *  (its content), with err naming the file and the problem. */
int pkg_aes_key_load(const char *file, uint8_t key[PKG_AES_KEY_LEN], char *err, size_t errcap);

/** Sign n bytes with a private key into sig. 0 or -PKG_E_CRYPTO. */
int pkg_sign(const struct pkg_key *k, const uint8_t *msg, size_t n, uint8_t sig[PKG_SIG_LEN]);

/**
 * Check the signature of a parsed header (hdr is the buffer h was parsed
 * from) against the trusted public keys: the one whose id is KEY_ID.
 * Returns 0 (valid, by trusted[*which]), -PKG_E_UNSIGNED, -PKG_E_FIELD (the
 * key id or signature has a length other than Ed25519's), -PKG_E_UNTRUSTED
 * (no trusted key has that id: not checked), -PKG_E_SIGNATURE, or
 * -PKG_E_CRYPTO. which may be NULL.
 */
int pkg_verify_header(const struct pkg_header *h, const uint8_t *hdr, const struct pkg_key *trusted,
		      size_t ntrusted, size_t *which);

/** A running AES-128-GCM encryption or decryption. */
struct pkg_gcm {
	void *ctx; /* EVP_CIPHER_CTX */
	int encrypt;
};

/** Start; the AAD is given here, whole. 0 or -PKG_E_CRYPTO (g is then empty). */
int pkg_gcm_init(struct pkg_gcm *g, int encrypt, const uint8_t key[PKG_AES_KEY_LEN],
		 const uint8_t nonce[PKG_GCM_NONCE_LEN], const uint8_t *aad, size_t aad_len);
/** Transform n bytes of in into out (n bytes; may be in). 0 or -PKG_E_CRYPTO. */
int pkg_gcm_update(struct pkg_gcm *g, const uint8_t *in, size_t n, uint8_t *out);
/**
 * Finish. Encrypting: writes the tag. Decrypting: checks tag, returns
 * -PKG_E_TAG when it differs (the plaintext given out must then be
 * discarded). 0 or -PKG_E_CRYPTO otherwise. g is disposed either way.
 */
int pkg_gcm_final(struct pkg_gcm *g, uint8_t tag[PKG_GCM_TAG_LEN]);
/** Free what g holds; safe on an empty g. */
void pkg_gcm_dispose(struct pkg_gcm *g);

/** Overwrite n bytes (a key) so that the compiler cannot drop it. */
void pkg_wipe(void *p, size_t n);

/** Fresh random bytes (a nonce). 0 or -PKG_E_CRYPTO. */
int pkg_random(uint8_t *out, size_t n);

#endif
