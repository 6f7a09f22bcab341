/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for pkg_crypto: key ids, KEYFILEs, Ed25519 keys from PEM,
 * signing and verifying a header, AES-128-GCM of an image with the header
 * as additional data (docs/PACKAGE.md §5), and what every altered byte of a
 * signed or encrypted package comes to.
 *
 * Packages are made here the way `ethdl pack` makes them: the header with
 * zeroed tag and signature, the image encrypted with the header as AAD, the
 * tag filled in, the signature over the signed prefix, the CRC last.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "cunit_main.h"
#include "frame.h"
#include "pkg.h"
#include "pkg_crypto.h"
#include "pkg_digest.h"
#include "proto.h"

/* ---- fixtures: keys as PEM files in a temporary directory ---- */

static char dir[64];
static char priv_a[96], pub_a[96], priv_b[96], pub_b[96], pub_ec[96], junk[96];
static struct pkg_key key_a, key_b, pub_key_a, pub_key_b;

static int write_key(EVP_PKEY *k, const char *path, int private_key)
{
	FILE *f = fopen(path, "w");
	int ok;

	if (!f)
		return -1;
	ok = private_key ? PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL)
			 : PEM_write_PUBKEY(f, k);
	return fclose(f) == 0 && ok == 1 ? 0 : -1;
}

static int make_pair(const char *priv, const char *pub)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	int r;

	if (!k)
		return -1;
	r = write_key(k, priv, 1) || write_key(k, pub, 0);
	EVP_PKEY_free(k);
	return r ? -1 : 0;
}

static int suite_init(void)
{
	char err[256];
	EVP_PKEY *ec;
	FILE *f;

	snprintf(dir, sizeof(dir), "/tmp/test_pkg_crypto.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(priv_a, sizeof(priv_a), "%s/a.pem", dir);
	snprintf(pub_a, sizeof(pub_a), "%s/a.pub", dir);
	snprintf(priv_b, sizeof(priv_b), "%s/b.pem", dir);
	snprintf(pub_b, sizeof(pub_b), "%s/b.pub", dir);
	snprintf(pub_ec, sizeof(pub_ec), "%s/ec.pub", dir);
	snprintf(junk, sizeof(junk), "%s/junk", dir);
	if (make_pair(priv_a, pub_a) || make_pair(priv_b, pub_b))
		return -1;
	ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (!ec || write_key(ec, pub_ec, 0)) {
		EVP_PKEY_free(ec);
		return -1;
	}
	EVP_PKEY_free(ec);
	if (!(f = fopen(junk, "w")) || fputs("not a key\n", f) < 0 || fclose(f))
		return -1;
	if (pkg_key_load_private(priv_a, &key_a, err, sizeof(err)) ||
	    pkg_key_load_private(priv_b, &key_b, err, sizeof(err)) ||
	    pkg_key_load_public(pub_a, &pub_key_a, err, sizeof(err)) ||
	    pkg_key_load_public(pub_b, &pub_key_b, err, sizeof(err)))
		return -1;
	return 0;
}

static int suite_clean(void)
{
	const char *files[] = {priv_a, pub_a, priv_b, pub_b, pub_ec, junk};

	pkg_key_dispose(&key_a);
	pkg_key_dispose(&key_b);
	pkg_key_dispose(&pub_key_a);
	pkg_key_dispose(&pub_key_b);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		unlink(files[i]);
	rmdir(dir);
	return 0;
}

static const uint8_t AES[PKG_AES_KEY_LEN] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
					     0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};

/* ---- making a package in memory ---- */

struct mem_pkg {
	uint8_t buf[PKG_HDR_MAX + 4096];
	size_t hdr_len, len;
};

#define IMAGE_LEN 3001u

static void image_bytes(uint8_t *img)
{
	for (unsigned i = 0; i < IMAGE_LEN; i++)
		img[i] = (uint8_t)(i * 7u + 3u);
}

/* A package of the test image, signed by k (or not), encrypted under aes
 * (or not). 0, or a negative error. */
static int make_pkg(struct mem_pkg *p, const struct pkg_key *k, const uint8_t *aes)
{
	static const char *const targets[] = {"SN-1", "SN-2"};
	uint8_t img[IMAGE_LEN], plain[PKG_SHA256_LEN], nonce[PKG_GCM_NONCE_LEN];
	uint8_t zero[PKG_SIG_LEN], aad[PKG_HDR_MAX], tag[PKG_GCM_TAG_LEN];
	struct pkg_header h, ph;
	struct pkg_extra x;
	struct pkg_gcm g;
	int n, a, r;

	memset(&h, 0, sizeof(h));
	memset(&x, 0, sizeof(x));
	memset(zero, 0, sizeof(zero));
	strcpy(h.vendor, "Acme Controls");
	strcpy(h.model, "IO-4821");
	pkg_version_parse("1.10.3", &h.version);
	h.type = FT_CONFIG;
	h.build_time = 1718000000;
	h.image_size = IMAGE_LEN;
	image_bytes(img);
	if ((r = pkg_sha256_buf(img, IMAGE_LEN, plain)) != 0)
		return r;
	memcpy(h.sha256, plain, PKG_SHA256_LEN);
	if (aes) {
		/* The ciphertext does not depend on the AAD: encrypt once to hash it. */
		uint8_t c[IMAGE_LEN];

		if ((r = pkg_random(nonce, sizeof(nonce))) != 0 ||
		    (r = pkg_gcm_init(&g, 1, aes, nonce, NULL, 0)) != 0 ||
		    (r = pkg_gcm_update(&g, img, IMAGE_LEN, c)) != 0 ||
		    (r = pkg_gcm_final(&g, tag)) != 0 ||
		    (r = pkg_sha256_buf(c, IMAGE_LEN, h.sha256)) != 0)
			return r;
		x.plain_sha256 = plain;
		x.nonce = nonce;
		x.tag = zero;
	}
	if (k) {
		x.key_id = k->id;
		x.key_id_len = PKG_KEY_ID_LEN;
		x.sig = zero;
		x.sig_len = PKG_SIG_LEN;
	}
	n = pkg_header_write_ext(&h, targets, 2, &x, p->buf, PKG_HDR_MAX);
	if (n < 0)
		return n;
	p->hdr_len = (size_t)n;
	p->len = (size_t)n + IMAGE_LEN;
	if ((r = pkg_header_parse(p->buf, p->hdr_len, &ph)) != 0)
		return r;
	memcpy(p->buf + n, img, IMAGE_LEN);
	if (aes) {
		if ((a = pkg_gcm_aad(&ph, p->buf, aad, sizeof(aad))) < 0)
			return a;
		if ((r = pkg_gcm_init(&g, 1, aes, nonce, aad, (size_t)a)) != 0 ||
		    (r = pkg_gcm_update(&g, p->buf + n, IMAGE_LEN, p->buf + n)) != 0 ||
		    (r = pkg_gcm_final(&g, p->buf + ph.tag_off)) != 0)
			return r;
	}
	if (k && (r = pkg_sign(k, p->buf, ph.signed_len, p->buf + ph.sig_off)) != 0)
		return r;
	return pkg_header_reseal(p->buf, p->hdr_len);
}

/* Decrypt and check a package as a board with the key would: the tag, then
 * the plaintext's digest. 0 or a negative error. The plaintext, when out. */
static int open_pkg(const struct mem_pkg *p, const uint8_t *aes, uint8_t *out)
{
	uint8_t aad[PKG_HDR_MAX], img[PKG_HDR_MAX + 4096], d[PKG_SHA256_LEN];
	struct pkg_header h;
	struct pkg_gcm g;
	size_t done = 0;
	int a, r;

	if ((r = pkg_header_parse(p->buf, p->len, &h)) != 0)
		return r;
	if (p->len != h.hdr_len + h.image_size)
		return -PKG_E_IMAGE_LEN;
	if ((r = pkg_sha256_buf(p->buf + h.hdr_len, h.image_size, d)) != 0)
		return r;
	if (memcmp(d, h.sha256, PKG_SHA256_LEN))
		return -PKG_E_DIGEST;
	if ((a = pkg_gcm_aad(&h, p->buf, aad, sizeof(aad))) < 0)
		return a;
	if (!h.plain_off)
		return -PKG_E_MISSING;
	if ((r = pkg_gcm_init(&g, 0, aes, p->buf + h.nonce_off, aad, (size_t)a)) != 0)
		return r;
	/* In uneven pieces: the API streams. */
	while (done < h.image_size) {
		size_t n = h.image_size - done < 517 ? h.image_size - done : 517;

		if ((r = pkg_gcm_update(&g, p->buf + h.hdr_len + done, n, img + done)) != 0) {
			pkg_gcm_dispose(&g);
			return r;
		}
		done += n;
	}
	if ((r = pkg_gcm_final(&g, (uint8_t *)p->buf + h.tag_off)) != 0)
		return r;
	if ((r = pkg_sha256_buf(img, h.image_size, d)) != 0)
		return r;
	if (memcmp(d, p->buf + h.plain_off, PKG_SHA256_LEN))
		return -PKG_E_PLAIN;
	if (out)
		memcpy(out, img, h.image_size);
	return 0;
}

/* Verify a package's signature against the given trusted keys. */
static int verify_pkg(const struct mem_pkg *p, const struct pkg_key *trusted, size_t n,
		      size_t *which)
{
	struct pkg_header h;
	int r = pkg_header_parse(p->buf, p->len, &h);

	return r ? r : pkg_verify_header(&h, p->buf, trusted, n, which);
}

/* ---- key ids and key files ---- */

static void test_key_id(void)
{
	/* RFC 8032 §7.1, test 1: the public key; its SHA-256 starts 21fe31df... */
	static const uint8_t pub[32] = {0xd7, 0x5a, 0x98, 0x01, 0x82, 0xb1, 0x0a, 0xb7,
					0xd5, 0x4b, 0xfe, 0xd3, 0xc9, 0x64, 0x07, 0x3a,
					0x0e, 0xe1, 0x72, 0xf3, 0xda, 0xa6, 0x23, 0x25,
					0xaf, 0x02, 0x1a, 0x68, 0xf7, 0x07, 0x51, 0x1a};
	static const uint8_t want[8] = {0x21, 0xfe, 0x31, 0xdf, 0xa1, 0x54, 0xa2, 0x61};
	uint8_t id[PKG_KEY_ID_LEN];
	struct pkg_key raw;

	CU_ASSERT_EQUAL(pkg_key_id(pub, id), 0);
	CU_ASSERT_EQUAL(memcmp(id, want, sizeof(want)), 0);
	CU_ASSERT_EQUAL_FATAL(pkg_key_from_raw(pub, &raw), 0);
	CU_ASSERT_EQUAL(memcmp(raw.id, want, sizeof(want)), 0);
	CU_ASSERT(!raw.private_key);
	pkg_key_dispose(&raw);
	CU_ASSERT_PTR_NULL(raw.pkey);
	/* A private key and its public half have the same id; two keys differ. */
	CU_ASSERT_EQUAL(memcmp(key_a.id, pub_key_a.id, PKG_KEY_ID_LEN), 0);
	CU_ASSERT_NOT_EQUAL(memcmp(key_a.id, key_b.id, PKG_KEY_ID_LEN), 0);
	CU_ASSERT(key_a.private_key && !pub_key_a.private_key);
}

static int parse_key(const char *text, uint8_t key[PKG_AES_KEY_LEN], const char **why)
{
	*why = NULL;
	return pkg_aes_key_parse(text, strlen(text), key, why);
}

static void test_keyfile_parse(void)
{
	static const char *const good[] = {
		"00112233445566778899aabbccddeeff",
		"00112233445566778899AABBCCDDEEFF\n",
		"  0011 2233 4455 6677\n8899 aabb ccdd eeff  \r\n",
		"\t00112233445566778899aabb\tccddeeff\v\f",
		"0 0 1 1 2 2 3 3 4 4 5 5 6 6 7 7 8 8 9 9 a a b b c c d d e e f f",
	};
	static const struct {
		const char *text, *why;
	} bad[] = {
		{"00112233445566778899aabbccddeef", "fewer than 32"},
		{"00112233445566778899aabbccddeeff0", "more than 32"},
		{"00112233445566778899aabbccddeefg", "not a hex digit"},
		{"0x00112233445566778899aabbccddeeff", "not a hex digit"},
		{"00112233-44556677-8899aabb-ccddeeff", "not a hex digit"},
		{"", "empty"},
		{" \n\t\r\n", "empty"},
		{"00112233445566778899aabbccddeeff # comment", "not a hex digit"},
	};
	uint8_t k[PKG_AES_KEY_LEN];
	const char *why;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		memset(k, 0x5a, sizeof(k));
		CU_ASSERT_EQUAL(parse_key(good[i], k, &why), 0);
		CU_ASSERT_EQUAL(memcmp(k, AES, sizeof(k)), 0);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(k, 0x5a, sizeof(k));
		CU_ASSERT_EQUAL(parse_key(bad[i].text, k, &why), -1);
		CU_ASSERT_PTR_NOT_NULL_FATAL(why);
		CU_ASSERT_PTR_NOT_NULL(strstr(why, bad[i].why));
		CU_ASSERT_EQUAL(k[0], 0x5a); /* untouched */
	}
	/* Wiped: no byte of the key is left. */
	memcpy(k, AES, sizeof(k));
	pkg_wipe(k, sizeof(k));
	for (size_t i = 0; i < sizeof(k); i++)
		CU_ASSERT_EQUAL(k[i], 0);
	/* A NUL inside is not a hex digit either. */
	CU_ASSERT_EQUAL(pkg_aes_key_parse("0011223344556677\0"
					  "8899aabbccddeeff",
					  33, k, &why),
			-1);
}

static void test_keyfile_load(void)
{
	char path[128], err[256];
	uint8_t k[PKG_AES_KEY_LEN];
	FILE *f;

	snprintf(path, sizeof(path), "%s/aes.key", dir);
	f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("0011 2233 4455 6677 8899 aabb ccdd eeff\n", f);
	fclose(f);
	CU_ASSERT_EQUAL(pkg_aes_key_load(path, k, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(memcmp(k, AES, sizeof(k)), 0);

	f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("0011223344556677\n", f);
	fclose(f);
	CU_ASSERT_EQUAL(pkg_aes_key_load(path, k, err, sizeof(err)), -PKG_E_FIELD);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, path));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "fewer than 32 hex digits"));
	unlink(path);

	CU_ASSERT_EQUAL(pkg_aes_key_load(path, k, err, sizeof(err)), -PKG_E_IO);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, path));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "cannot open"));
}

static void test_pem_errors(void)
{
	struct pkg_key k;
	char err[256], missing[128];

	snprintf(missing, sizeof(missing), "%s/none.pem", dir);
	CU_ASSERT_EQUAL(pkg_key_load_private(missing, &k, err, sizeof(err)), -PKG_E_IO);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, missing));
	CU_ASSERT_PTR_NULL(k.pkey);
	CU_ASSERT_EQUAL(pkg_key_load_public(junk, &k, err, sizeof(err)), -PKG_E_FIELD);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, junk));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "not a PEM public key"));
	CU_ASSERT_EQUAL(pkg_key_load_private(pub_a, &k, err, sizeof(err)), -PKG_E_FIELD);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "not a PEM private key"));
	CU_ASSERT_EQUAL(pkg_key_load_public(pub_ec, &k, err, sizeof(err)), -PKG_E_FIELD);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "not an Ed25519"));
	CU_ASSERT_PTR_NULL(k.pkey);
	pkg_key_dispose(&k); /* harmless on an empty key */
	pkg_key_dispose(NULL);
}

/* ---- signatures ---- */

static void test_sign_verify(void)
{
	static struct mem_pkg p;
	struct pkg_key trusted[2];
	struct pkg_header h;
	size_t which = 99;

	CU_ASSERT_EQUAL_FATAL(make_pkg(&p, &key_a, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(pkg_header_parse(p.buf, p.len, &h), 0);
	CU_ASSERT_EQUAL(h.key_id_len, PKG_KEY_ID_LEN);
	CU_ASSERT_EQUAL(h.sig_len, PKG_SIG_LEN);
	CU_ASSERT_EQUAL(memcmp(p.buf + h.key_id_off, key_a.id, PKG_KEY_ID_LEN), 0);
	CU_ASSERT_EQUAL(h.sig_off + PKG_SIG_LEN + PKG_CRC_TLV_LEN, h.hdr_len);
	CU_ASSERT_EQUAL(h.flags, 0);
	CU_ASSERT_EQUAL(verify_pkg(&p, &pub_key_a, 1, &which), 0);
	CU_ASSERT_EQUAL(which, 0);
	/* A private key verifies too: it holds the public half. */
	CU_ASSERT_EQUAL(verify_pkg(&p, &key_a, 1, NULL), 0);
	/* Key rollover: the second of two trusted keys. */
	trusted[0] = pub_key_b;
	trusted[1] = pub_key_a;
	CU_ASSERT_EQUAL(verify_pkg(&p, trusted, 2, &which), 0);
	CU_ASSERT_EQUAL(which, 1);
	/* Not trusted: b only, or nothing. */
	CU_ASSERT_EQUAL(verify_pkg(&p, &pub_key_b, 1, NULL), -PKG_E_UNTRUSTED);
	CU_ASSERT_EQUAL(verify_pkg(&p, NULL, 0, NULL), -PKG_E_UNTRUSTED);
	/* Ed25519 is deterministic: signing again gives the same bytes. */
	{
		uint8_t sig[PKG_SIG_LEN];

		CU_ASSERT_EQUAL(pkg_sign(&key_a, p.buf, h.signed_len, sig), 0);
		CU_ASSERT_EQUAL(memcmp(sig, p.buf + h.sig_off, PKG_SIG_LEN), 0);
		CU_ASSERT_EQUAL(pkg_sign(&pub_key_a, p.buf, h.signed_len, sig), -PKG_E_CRYPTO);
	}
}

static void test_wrong_signer(void)
{
	static struct mem_pkg p;
	struct pkg_header h;

	/* Signed by b but naming a's key id: a's key does not verify it. */
	CU_ASSERT_EQUAL_FATAL(make_pkg(&p, &key_b, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(pkg_header_parse(p.buf, p.len, &h), 0);
	memcpy(p.buf + h.key_id_off, key_a.id, PKG_KEY_ID_LEN);
	pkg_header_reseal(p.buf, p.hdr_len);
	CU_ASSERT_EQUAL(verify_pkg(&p, &pub_key_a, 1, NULL), -PKG_E_SIGNATURE);
	/* A key id or signature that is not Ed25519's length is malformed. */
	{
		static const char *const none[] = {NULL};
		static const uint8_t kid[4] = {1, 2, 3, 4};
		static uint8_t sig[PKG_SIG_LEN];
		struct pkg_extra x;
		uint8_t buf[PKG_HDR_MAX];
		int n;

		memset(&x, 0, sizeof(x));
		x.key_id = kid;
		x.key_id_len = sizeof(kid);
		x.sig = sig;
		x.sig_len = sizeof(sig);
		n = pkg_header_write_ext(&h, none, 0, &x, buf, sizeof(buf));
		CU_ASSERT_FATAL(n > 0);
		CU_ASSERT_EQUAL_FATAL(pkg_header_parse(buf, (size_t)n, &h), 0);
		CU_ASSERT_EQUAL(pkg_verify_header(&h, buf, &pub_key_a, 1, NULL), -PKG_E_FIELD);
	}
}

static void test_unsigned(void)
{
	static struct mem_pkg p;
	struct pkg_header h;
	uint8_t aad[PKG_HDR_MAX];

	CU_ASSERT_EQUAL_FATAL(make_pkg(&p, NULL, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(pkg_header_parse(p.buf, p.len, &h), 0);
	CU_ASSERT_EQUAL(h.sig_off, 0);
	CU_ASSERT_EQUAL(h.key_id_off, 0);
	CU_ASSERT_EQUAL(h.flags, 0);
	CU_ASSERT_EQUAL(h.plain_off, 0);
	CU_ASSERT_EQUAL(pkg_verify_header(&h, p.buf, &pub_key_a, 1, NULL), -PKG_E_UNSIGNED);
	CU_ASSERT_EQUAL(pkg_gcm_aad(&h, p.buf, aad, sizeof(aad)), -PKG_E_FIELD);
	/* The extended writer without extras writes today's bytes exactly. */
	{
		uint8_t a[PKG_HDR_MAX], b[PKG_HDR_MAX];
		struct pkg_extra x;
		int n, m;

		memset(&x, 0, sizeof(x));
		n = pkg_header_write(&h, NULL, 0, a, sizeof(a));
		m = pkg_header_write_ext(&h, NULL, 0, &x, b, sizeof(b));
		CU_ASSERT(n > 0);
		CU_ASSERT_EQUAL(n, m);
		CU_ASSERT_EQUAL(memcmp(a, b, (size_t)n), 0);
	}
}

/* ---- encryption ---- */

static void test_encrypt_roundtrip(void)
{
	static struct mem_pkg p, q;
	uint8_t img[IMAGE_LEN], got[IMAGE_LEN], d[PKG_SHA256_LEN], aad[PKG_HDR_MAX];
	struct pkg_header h, g;
	int a;

	image_bytes(img);
	CU_ASSERT_EQUAL_FATAL(make_pkg(&p, &key_a, AES), 0);
	CU_ASSERT_EQUAL_FATAL(pkg_header_parse(p.buf, p.len, &h), 0);
	CU_ASSERT_EQUAL(h.flags, PKG_F_ENCRYPTED);
	CU_ASSERT(h.plain_off && h.nonce_off && h.tag_off && h.sig_off);
	/* The image bytes are ciphertext; SHA256 is theirs, PLAIN_SHA256 the plain. */
	CU_ASSERT_NOT_EQUAL(memcmp(p.buf + h.hdr_len, img, 64), 0);
	CU_ASSERT_EQUAL(pkg_sha256_buf(p.buf + h.hdr_len, IMAGE_LEN, d), 0);
	CU_ASSERT_EQUAL(memcmp(d, h.sha256, PKG_SHA256_LEN), 0);
	CU_ASSERT_EQUAL(pkg_sha256_buf(img, IMAGE_LEN, d), 0);
	CU_ASSERT_EQUAL(memcmp(d, p.buf + h.plain_off, PKG_SHA256_LEN), 0);
	/* Decrypts to the image with the key; the signature checks too. */
	CU_ASSERT_EQUAL(open_pkg(&p, AES, got), 0);
	CU_ASSERT_EQUAL(memcmp(got, img, IMAGE_LEN), 0);
	CU_ASSERT_EQUAL(verify_pkg(&p, &pub_key_a, 1, NULL), 0);
	/* The AAD is the signed prefix with the tag zeroed. */
	a = pkg_gcm_aad(&h, p.buf, aad, sizeof(aad));
	CU_ASSERT_EQUAL(a, h.signed_len);
	CU_ASSERT_EQUAL(memcmp(aad, p.buf, h.tag_off), 0);
	CU_ASSERT_EQUAL(memcmp(aad + h.tag_off, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16), 0);
	CU_ASSERT_EQUAL(pkg_gcm_aad(&h, p.buf, aad, (size_t)a - 1), -PKG_E_NOSPACE);
	/* Unsigned: the AAD runs to the CRC TLV. */
	CU_ASSERT_EQUAL_FATAL(make_pkg(&q, NULL, AES), 0);
	CU_ASSERT_EQUAL_FATAL(pkg_header_parse(q.buf, q.len, &g), 0);
	CU_ASSERT_EQUAL(pkg_gcm_aad(&g, q.buf, aad, sizeof(aad)), g.hdr_len - PKG_CRC_TLV_LEN);
	CU_ASSERT_EQUAL(open_pkg(&q, AES, NULL), 0);
	/* A fresh nonce each time: the same image encrypts differently. */
	CU_ASSERT_NOT_EQUAL(memcmp(p.buf + h.nonce_off, q.buf + g.nonce_off, 12), 0);
	CU_ASSERT_NOT_EQUAL(memcmp(p.buf + h.hdr_len, q.buf + g.hdr_len, 64), 0);
}

static void test_wrong_aes_key(void)
{
	static struct mem_pkg p;
	uint8_t k[PKG_AES_KEY_LEN];

	memcpy(k, AES, sizeof(k));
	k[15] ^= 1;
	CU_ASSERT_EQUAL_FATAL(make_pkg(&p, &key_a, AES), 0);
	CU_ASSERT_EQUAL(open_pkg(&p, k, NULL), -PKG_E_TAG);
	CU_ASSERT_EQUAL(open_pkg(&p, AES, NULL), 0);
}

/* The header's fields, by type, for naming a flipped byte. */
static uint8_t field_at(const uint8_t *hdr, size_t hdr_len, size_t at)
{
	size_t off = PKG_FIXED_LEN;

	if (at < PKG_FIXED_LEN)
		return 0;
	while (off < hdr_len) {
		size_t l = get_be16(hdr + off + 1);

		if (at < off + PKG_TLV_HDR_LEN + l)
			return hdr[off];
		off += PKG_TLV_HDR_LEN + l;
	}
	return 0;
}

/*
 * Every byte of a signed and encrypted package, flipped alone (and the CRC
 * made right again, so the change reaches the checks past it): the header
 * is refused by the parser, or the signature fails, or the key is not
 * trusted (a changed key id), or the image digest, the tag or the plain
 * digest fails. Never accepted. Each field is hit and gives the expected
 * failure.
 */
static void test_every_byte_flipped(void)
{
	static struct mem_pkg good, p;
	struct pkg_header h;
	unsigned by_kind[8] = {0};

	CU_ASSERT_EQUAL_FATAL(make_pkg(&good, &key_a, AES), 0);
	CU_ASSERT_EQUAL_FATAL(pkg_header_parse(good.buf, good.len, &h), 0);
	for (size_t i = 0; i < good.len; i++) {
		uint8_t type = field_at(good.buf, good.hdr_len, i);
		int rp, sig, tag;

		p = good;
		p.buf[i] ^= 0x01;
		if (i < good.hdr_len - 4)
			pkg_header_reseal(p.buf, p.hdr_len);
		rp = pkg_header_parse(p.buf, p.len, &h);
		sig = rp ? rp : verify_pkg(&p, &pub_key_a, 1, NULL);
		tag = rp ? rp : open_pkg(&p, AES, NULL);
		CU_ASSERT(rp != 0 || sig != 0 || tag != 0);
		if (rp || (sig == 0 && tag == 0)) {
			by_kind[0]++;
			continue;
		}
		if (i >= good.hdr_len) {
			/* Ciphertext: the signed digest of it differs. */
			CU_ASSERT_EQUAL(sig, 0);
			CU_ASSERT_EQUAL(tag, -PKG_E_DIGEST);
			by_kind[1]++;
		} else if (type == PKG_T_SIGNATURE) {
			CU_ASSERT_EQUAL(sig, -PKG_E_SIGNATURE);
			CU_ASSERT_EQUAL(tag, 0); /* outside the AAD */
			by_kind[2]++;
		} else if (type == PKG_T_KEY_ID) {
			CU_ASSERT_EQUAL(sig, -PKG_E_UNTRUSTED);
			CU_ASSERT_EQUAL(tag, -PKG_E_TAG); /* in the AAD */
			by_kind[3]++;
		} else if (type == PKG_T_GCM_TAG) {
			CU_ASSERT_EQUAL(sig, -PKG_E_SIGNATURE);
			CU_ASSERT_EQUAL(tag, -PKG_E_TAG);
			by_kind[4]++;
		} else if (type == PKG_T_SHA256) {
			CU_ASSERT_EQUAL(sig, -PKG_E_SIGNATURE);
			CU_ASSERT_EQUAL(tag, -PKG_E_DIGEST);
			by_kind[5]++;
		} else if (type == PKG_T_HDR_CRC) {
			CU_FAIL("a flipped CRC byte parsed");
		} else {
			/* Every other header byte: signed, and in the AAD. */
			CU_ASSERT_EQUAL(sig, -PKG_E_SIGNATURE);
			/* (MISSING: PLAIN_SHA256's type byte turned into an unknown type) */
			CU_ASSERT(tag == -PKG_E_TAG || tag == -PKG_E_IMAGE_LEN ||
				  tag == -PKG_E_MISSING);
			by_kind[6]++;
		}
	}
	CU_ASSERT_EQUAL(by_kind[0] + by_kind[1] + by_kind[2] + by_kind[3] + by_kind[4] +
				by_kind[5] + by_kind[6],
			good.len);
	CU_ASSERT_EQUAL(by_kind[1], IMAGE_LEN);
	CU_ASSERT_EQUAL(by_kind[2], PKG_SIG_LEN);
	CU_ASSERT_EQUAL(by_kind[3], PKG_KEY_ID_LEN);
	CU_ASSERT_EQUAL(by_kind[4], PKG_GCM_TAG_LEN);
	CU_ASSERT_EQUAL(by_kind[5], PKG_SHA256_LEN);
	/* vendor, model, version, nonce, plain digest, ... all reach the checks */
	CU_ASSERT(by_kind[6] >= 13 + 7 + 6 + PKG_GCM_NONCE_LEN + PKG_SHA256_LEN);
}

/* Encrypted but not signed: the tag alone guards the header and image. */
static void test_flipped_unsigned_encrypted(void)
{
	static struct mem_pkg good, p;
	struct pkg_header h;
	unsigned tag_fails = 0;

	CU_ASSERT_EQUAL_FATAL(make_pkg(&good, NULL, AES), 0);
	for (size_t i = PKG_FIXED_LEN; i < good.len; i++) {
		int r;

		if (i >= good.hdr_len - PKG_CRC_TLV_LEN && i < good.hdr_len)
			continue; /* the CRC TLV: the parser's */
		p = good;
		p.buf[i] ^= 0x80;
		if (i < good.hdr_len)
			pkg_header_reseal(p.buf, p.hdr_len);
		if (pkg_header_parse(p.buf, p.len, &h) != 0)
			continue;
		r = open_pkg(&p, AES, NULL);
		CU_ASSERT(r == -PKG_E_TAG || r == -PKG_E_DIGEST || r == -PKG_E_IMAGE_LEN ||
			  r == -PKG_E_MISSING);
		/* With the ciphertext digest made right, the tag still catches it. */
		if (r == -PKG_E_DIGEST && i >= good.hdr_len) {
			CU_ASSERT_EQUAL_FATAL(pkg_header_parse(p.buf, p.len, &h), 0);
			/* SHA256's value sits right before the PLAIN_SHA256 TLV. */
			pkg_sha256_buf(p.buf + h.hdr_len, h.image_size,
				       p.buf + h.plain_off - PKG_TLV_HDR_LEN - PKG_SHA256_LEN);
			pkg_header_reseal(p.buf, p.hdr_len);
			CU_ASSERT_EQUAL(open_pkg(&p, AES, NULL), -PKG_E_TAG);
		}
		if (r == -PKG_E_TAG)
			tag_fails++;
	}
	CU_ASSERT(tag_fails > 0);
}

static CU_TestInfo key_tests[] = {
	{"key id: first 8 bytes of SHA-256 of the raw public key", test_key_id},
	{"KEYFILE text: whitespace ignored, 31/33 digits, non-hex, empty", test_keyfile_parse},
	{"KEYFILE file: good, short, missing, named in the error", test_keyfile_load},
	{"PEM: missing, not PEM, wrong kind, not Ed25519", test_pem_errors},
	CU_TEST_INFO_NULL,
};

static CU_TestInfo sig_tests[] = {
	{"sign then verify; rollover; untrusted; deterministic", test_sign_verify},
	{"a wrong signer under a trusted key id; malformed lengths", test_wrong_signer},
	{"unsigned package parses, is reported unsigned, bytes as before", test_unsigned},
	CU_TEST_INFO_NULL,
};

static CU_TestInfo gcm_tests[] = {
	{"encrypt then decrypt; digests; AAD; fresh nonce", test_encrypt_roundtrip},
	{"wrong AES key: tag fails", test_wrong_aes_key},
	{"every byte of a signed encrypted package flipped", test_every_byte_flipped},
	{"every byte of an encrypted unsigned package flipped", test_flipped_unsigned_encrypted},
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{"keys", suite_init, suite_clean, NULL, NULL, key_tests},
	{"signatures", suite_init, suite_clean, NULL, NULL, sig_tests},
	{"encryption", suite_init, suite_clean, NULL, NULL, gcm_tests},
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return cunit_run(suites);
}
