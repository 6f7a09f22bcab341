/* SPDX-License-Identifier: MIT */
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "auth_ossl.h"

static int ossl_hmac(void *ctx, const uint8_t *key, size_t klen, const uint8_t *const *part,
		     const size_t *len, unsigned n, uint8_t out[32])
{
	static char digest[] = "SHA256";
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
		OSSL_PARAM_construct_end(),
	};
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *c = mac ? EVP_MAC_CTX_new(mac) : NULL;
	size_t outl = 0;
	int ok = c && EVP_MAC_init(c, key, klen, params);

	(void)ctx;
	for (unsigned i = 0; ok && i < n; i++)
		ok = !len[i] || EVP_MAC_update(c, part[i], len[i]);
	ok = ok && EVP_MAC_final(c, out, &outl, 32) && outl == 32;
	EVP_MAC_CTX_free(c);
	EVP_MAC_free(mac);
	return ok ? 0 : -1;
}

static int ossl_random(void *ctx, uint8_t *out, size_t n)
{
	(void)ctx;
	return RAND_bytes(out, (int)n) == 1 ? 0 : -1;
}

static int ossl_equal(void *ctx, const void *a, const void *b, size_t n)
{
	(void)ctx;
	return CRYPTO_memcmp(a, b, n) == 0;
}

const struct sess_auth_ops sess_auth_ossl_ops = {
	.ctx = NULL,
	.hmac_sha256 = ossl_hmac,
	.random = ossl_random,
	.equal = ossl_equal,
};
