/* SPDX-License-Identifier: MIT */
#include "pkg_crypto.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "hexkey.h"
#include "pkg_digest.h"

void pkg_key_dispose(struct pkg_key *k)
{
	if (!k)
		return;
	EVP_PKEY_free(k->pkey);
	memset(k, 0, sizeof(*k));
}

int pkg_key_id(const uint8_t pub[PKG_ED25519_PUB], uint8_t id[PKG_KEY_ID_LEN])
{
	uint8_t d[PKG_SHA256_LEN];

	if (pkg_sha256_buf(pub, PKG_ED25519_PUB, d))
		return -PKG_E_CRYPTO;
	memcpy(id, d, PKG_KEY_ID_LEN);
	return 0;
}

int pkg_key_from_raw(const uint8_t pub[PKG_ED25519_PUB], struct pkg_key *k)
{
	memset(k, 0, sizeof(*k));
	k->pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, PKG_ED25519_PUB);
	if (!k->pkey || pkg_key_id(pub, k->id)) {
		pkg_key_dispose(k);
		return -PKG_E_CRYPTO;
	}
	return 0;
}

static int load_key(const char *file, struct pkg_key *k, int private_key, char *err, size_t cap)
{
	const char *what = private_key ? "private" : "public";
	uint8_t pub[PKG_ED25519_PUB];
	size_t publen = sizeof(pub);
	EVP_PKEY *p;
	FILE *f;

	memset(k, 0, sizeof(*k));
	f = fopen(file, "r");
	if (!f) {
		snprintf(err, cap, "cannot open `%s': %s", file, strerror(errno));
		return -PKG_E_IO;
	}
	p = private_key ? PEM_read_PrivateKey(f, NULL, NULL, NULL)
			: PEM_read_PUBKEY(f, NULL, NULL, NULL);
	fclose(f);
	if (!p) {
		snprintf(err, cap, "`%s' is not a PEM %s key", file, what);
		return -PKG_E_FIELD;
	}
	if (EVP_PKEY_get_id(p) != EVP_PKEY_ED25519) {
		snprintf(err, cap, "`%s' holds a %s key, not an Ed25519 one", file,
			 EVP_PKEY_get0_type_name(p));
		EVP_PKEY_free(p);
		return -PKG_E_FIELD;
	}
	if (EVP_PKEY_get_raw_public_key(p, pub, &publen) != 1 || publen != sizeof(pub) ||
	    pkg_key_id(pub, k->id)) {
		snprintf(err, cap, "`%s': cannot read the public key", file);
		EVP_PKEY_free(p);
		return -PKG_E_CRYPTO;
	}
	k->pkey = p;
	k->private_key = private_key;
	return 0;
}

int pkg_key_load_private(const char *file, struct pkg_key *k, char *err, size_t errcap)
{
	return load_key(file, k, 1, err, errcap);
}

int pkg_key_load_public(const char *file, struct pkg_key *k, char *err, size_t errcap)
{
	return load_key(file, k, 0, err, errcap);
}

int pkg_aes_key_parse(const char *text, size_t len, uint8_t key[PKG_AES_KEY_LEN], const char **why)
{
	switch (hexkey_parse(text, len, key, PKG_AES_KEY_LEN)) {
	case HEXKEY_OK: return 0;
	case HEXKEY_NOT_HEX: *why = "holds a character that is not a hex digit"; break;
	case HEXKEY_TOO_MANY: *why = "holds more than 32 hex digits"; break;
	case HEXKEY_EMPTY: *why = "is empty (it must hold 32 hex digits)"; break;
	default: *why = "holds fewer than 32 hex digits"; break;
	}
	return -1;
}

int pkg_aes_key_load(const char *file, uint8_t key[PKG_AES_KEY_LEN], char *err, size_t errcap)
{
	char text[4096];
	const char *why = NULL;
	size_t n;
	FILE *f = fopen(file, "r");

	if (!f) {
		snprintf(err, errcap, "cannot open `%s': %s", file, strerror(errno));
		return -PKG_E_IO;
	}
	n = fread(text, 1, sizeof(text), f);
	if (ferror(f)) {
		snprintf(err, errcap, "cannot read `%s': %s", file, strerror(errno));
		fclose(f);
		return -PKG_E_IO;
	}
	if (n == sizeof(text) && fgetc(f) != EOF) {
		fclose(f);
		snprintf(err, errcap, "key file `%s' is too long (it must hold 32 hex digits)",
			 file);
		return -PKG_E_FIELD;
	}
	fclose(f);
	if (pkg_aes_key_parse(text, n, key, &why)) {
		snprintf(err, errcap, "key file `%s' %s", file, why);
		return -PKG_E_FIELD;
	}
	return 0;
}

int pkg_sign(const struct pkg_key *k, const uint8_t *msg, size_t n, uint8_t sig[PKG_SIG_LEN])
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	size_t len = PKG_SIG_LEN;
	int ok;

	if (!c || !k || !k->pkey || !k->private_key) {
		EVP_MD_CTX_free(c);
		return -PKG_E_CRYPTO;
	}
	ok = EVP_DigestSignInit(c, NULL, NULL, NULL, (EVP_PKEY *)k->pkey) == 1 &&
	     EVP_DigestSign(c, sig, &len, msg, n) == 1 && len == PKG_SIG_LEN;
	EVP_MD_CTX_free(c);
	return ok ? 0 : -PKG_E_CRYPTO;
}

int pkg_verify_header(const struct pkg_header *h, const uint8_t *hdr, const struct pkg_key *trusted,
		      size_t ntrusted, size_t *which)
{
	EVP_MD_CTX *c;
	int r;

	if (!h->sig_off)
		return -PKG_E_UNSIGNED;
	if (h->key_id_len != PKG_KEY_ID_LEN || h->sig_len != PKG_SIG_LEN)
		return -PKG_E_FIELD;
	for (size_t i = 0; i < ntrusted; i++) {
		if (!trusted[i].pkey ||
		    memcmp(trusted[i].id, hdr + h->key_id_off, PKG_KEY_ID_LEN) != 0)
			continue;
		if (!(c = EVP_MD_CTX_new()))
			return -PKG_E_CRYPTO;
		if (EVP_DigestVerifyInit(c, NULL, NULL, NULL, (EVP_PKEY *)trusted[i].pkey) != 1) {
			EVP_MD_CTX_free(c);
			return -PKG_E_CRYPTO;
		}
		r = EVP_DigestVerify(c, hdr + h->sig_off, PKG_SIG_LEN, hdr, h->signed_len);
		EVP_MD_CTX_free(c);
		if (r != 1)
			return -PKG_E_SIGNATURE;
		if (which)
			*which = i;
		return 0;
	}
	return -PKG_E_UNTRUSTED;
}

void pkg_gcm_dispose(struct pkg_gcm *g)
{
	if (!g)
		return;
	EVP_CIPHER_CTX_free(g->ctx);
	g->ctx = NULL;
}

int pkg_gcm_init(struct pkg_gcm *g, int encrypt, const uint8_t key[PKG_AES_KEY_LEN],
		 const uint8_t nonce[PKG_GCM_NONCE_LEN], const uint8_t *aad, size_t aad_len)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int outl, ok;

	g->ctx = c;
	g->encrypt = encrypt;
	ok = c && aad_len <= (size_t)INT32_MAX &&
	     EVP_CipherInit_ex(c, EVP_aes_128_gcm(), NULL, NULL, NULL, encrypt) == 1 &&
	     EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, PKG_GCM_NONCE_LEN, NULL) == 1 &&
	     EVP_CipherInit_ex(c, NULL, NULL, key, nonce, encrypt) == 1 &&
	     (aad_len == 0 || EVP_CipherUpdate(c, NULL, &outl, aad, (int)aad_len) == 1);
	if (!ok) {
		pkg_gcm_dispose(g);
		return -PKG_E_CRYPTO;
	}
	return 0;
}

int pkg_gcm_update(struct pkg_gcm *g, const uint8_t *in, size_t n, uint8_t *out)
{
	while (n) {
		int chunk = n > (1u << 30) ? 1 << 30 : (int)n, outl = 0;

		if (!g->ctx || EVP_CipherUpdate(g->ctx, out, &outl, in, chunk) != 1 ||
		    outl != chunk)
			return -PKG_E_CRYPTO;
		in += chunk;
		out += chunk;
		n -= (size_t)chunk;
	}
	return 0;
}

int pkg_gcm_final(struct pkg_gcm *g, uint8_t tag[PKG_GCM_TAG_LEN])
{
	uint8_t rest[16];
	int outl = 0, r = 0;

	if (!g->ctx)
		return -PKG_E_CRYPTO;
	if (g->encrypt) {
		if (EVP_CipherFinal_ex(g->ctx, rest, &outl) != 1 || outl != 0 ||
		    EVP_CIPHER_CTX_ctrl(g->ctx, EVP_CTRL_GCM_GET_TAG, PKG_GCM_TAG_LEN, tag) != 1)
			r = -PKG_E_CRYPTO;
	} else {
		if (EVP_CIPHER_CTX_ctrl(g->ctx, EVP_CTRL_GCM_SET_TAG, PKG_GCM_TAG_LEN, tag) != 1)
			r = -PKG_E_CRYPTO;
		else if (EVP_CipherFinal_ex(g->ctx, rest, &outl) != 1)
			r = -PKG_E_TAG;
	}
	pkg_gcm_dispose(g);
	return r;
}

void pkg_wipe(void *p, size_t n)
{
	if (p && n)
		OPENSSL_cleanse(p, n);
}

int pkg_random(uint8_t *out, size_t n)
{
	return n <= (size_t)INT32_MAX && RAND_bytes(out, (int)n) == 1 ? 0 : -PKG_E_CRYPTO;
}
