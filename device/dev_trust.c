/* SPDX-License-Identifier: MIT */
#include "dev_trust.h"

#include <stdio.h>
#include <string.h>

static int verify(void *ctx, const struct pkg_header *h, const uint8_t *hdr)
{
	struct dev_trust *t = ctx;

	switch (pkg_verify_header(h, hdr, t->keys, t->nkeys, NULL)) {
	case 0: return 0;
	case -PKG_E_UNTRUSTED: return 1;
	case -PKG_E_FIELD:
	case -PKG_E_UNSIGNED: return -2;
	default: return -1;
	}
}

static int decrypt_begin(void *ctx, const struct pkg_header *h, const uint8_t *hdr)
{
	static uint8_t aad[PKG_HDR_MAX];
	struct dev_trust *t = ctx;
	int n = pkg_gcm_aad(h, hdr, aad, sizeof(aad));

	t->failed = 0;
	if (n < 0 || !h->nonce_off || !h->plain_off || pkg_sha256_init(&t->sha) < 0) {
		t->failed = 1;
		return -1;
	}
	if (pkg_gcm_init(&t->gcm, 0, t->aes, hdr + h->nonce_off, aad, (size_t)n) < 0) {
		pkg_sha256_dispose(&t->sha);
		t->failed = 1;
		return -1;
	}
	return 0;
}

static int decrypt_update(void *ctx, const uint8_t *in, size_t n)
{
	static uint8_t out[1 << 16];
	struct dev_trust *t = ctx;
	size_t used = 0;

	while (n && !t->failed) {
		size_t k = n < sizeof(out) ? n : sizeof(out);

		if (pkg_gcm_update(&t->gcm, in, k, out) < 0 ||
		    pkg_sha256_update(&t->sha, out, k) < 0)
			t->failed = 1;
		used = k > used ? k : used;
		in += k;
		n -= k;
	}
	pkg_wipe(out, used); /* the plaintext written, not the whole buffer each time */
	return t->failed ? -1 : 0;
}

static int decrypt_end(void *ctx, const struct pkg_header *h, const uint8_t *hdr)
{
	struct dev_trust *t = ctx;
	uint8_t tag[PKG_GCM_TAG_LEN], plain[PKG_SHA256_LEN];
	int r;

	if (t->failed) {
		pkg_gcm_dispose(&t->gcm);
		pkg_sha256_dispose(&t->sha);
		return -1;
	}
	memcpy(tag, hdr + h->tag_off, sizeof(tag));
	r = pkg_gcm_final(&t->gcm, tag);
	if (pkg_sha256_final(&t->sha, plain) < 0 && r == 0)
		r = -PKG_E_CRYPTO;
	pkg_sha256_dispose(&t->sha);
	if (r == -PKG_E_TAG)
		return 1;
	if (r < 0)
		return -1;
	return memcmp(plain, hdr + h->plain_off, PKG_SHA256_LEN) ? 2 : 0;
}

void dev_trust_init(struct dev_trust *t)
{
	memset(t, 0, sizeof(*t));
	t->ops.ctx = t;
}

static int add(struct dev_trust *t, struct pkg_key *k, const char *what, char *err, size_t errcap)
{
	for (size_t i = 0; i < t->nkeys; i++)
		if (!memcmp(t->keys[i].id, k->id, PKG_KEY_ID_LEN)) {
			snprintf(err, errcap, "%s: this key is already trusted", what);
			pkg_key_dispose(k);
			return -PKG_E_DUPLICATE;
		}
	if (t->nkeys == DEV_TRUST_KEYS) {
		snprintf(err, errcap, "%s: a board trusts at most %d keys", what, DEV_TRUST_KEYS);
		pkg_key_dispose(k);
		return -PKG_E_NOSPACE;
	}
	t->keys[t->nkeys++] = *k;
	t->ops.trusts_keys = 1;
	t->ops.verify = verify;
	return 0;
}

int dev_trust_add_key(struct dev_trust *t, const char *file, char *err, size_t errcap)
{
	struct pkg_key k;
	int r = pkg_key_load_public(file, &k, err, errcap);

	return r < 0 ? r : add(t, &k, file, err, errcap);
}

int dev_trust_add_raw(struct dev_trust *t, const uint8_t pub[PKG_ED25519_PUB])
{
	struct pkg_key k;
	char err[64];

	if (pkg_key_from_raw(pub, &k) < 0)
		return -1;
	return add(t, &k, "key", err, sizeof(err));
}

void dev_trust_set_aes(struct dev_trust *t, const uint8_t key[PKG_AES_KEY_LEN])
{
	memcpy(t->aes, key, PKG_AES_KEY_LEN);
	t->have_aes = 1;
	t->ops.decrypt_begin = decrypt_begin;
	t->ops.decrypt_update = decrypt_update;
	t->ops.decrypt_end = decrypt_end;
}

int dev_trust_set_aes_file(struct dev_trust *t, const char *file, char *err, size_t errcap)
{
	uint8_t key[PKG_AES_KEY_LEN];
	int r = pkg_aes_key_load(file, key, err, errcap);

	if (r < 0)
		return r;
	dev_trust_set_aes(t, key);
	pkg_wipe(key, sizeof(key));
	return 0;
}

void dev_trust_signed_only(struct dev_trust *t, int type)
{
	if (type > 0 && type < 32)
		t->ops.signed_only |= 1u << type;
}

const struct dev_crypto *dev_trust_ops(struct dev_trust *t)
{
	return t->nkeys || t->have_aes || t->ops.signed_only ? &t->ops : NULL;
}

void dev_trust_dispose(struct dev_trust *t)
{
	for (size_t i = 0; i < t->nkeys; i++)
		pkg_key_dispose(&t->keys[i]);
	pkg_wipe(t->aes, sizeof(t->aes));
	memset(t, 0, sizeof(*t));
}
