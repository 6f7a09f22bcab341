/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of a board that trusts keys and holds an AES key (device.c's
 * checks over dev_trust.c's OpenSSL calls), on mem_devstore: what is
 * refused before a byte of data (unsigned, untrusted key, bad signature,
 * no key for an encrypted package, a plain file where only signed packages
 * go, a downgrade on an authenticated version), what is refused after the
 * data and before staging (a failed tag), and that nothing refused touches
 * the slot.
 */
#include <CUnit/Basic.h>
#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dev_trust.h"
#include "device.h"
#include "frame.h"
#include "mem_devstore.h"
#include "pkg.h"
#include "pkg_crypto.h"
#include "pkg_digest.h"
#include "cunit_main.h"

static const uint8_t HOST[6] = {2, 0, 0, 0, 0, 1};
static const uint8_t AES[PKG_AES_KEY_LEN] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
					     0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};
static const uint8_t AES_WRONG[PKG_AES_KEY_LEN] = {1};

/* Two signing keys (a and b), as private keys and as raw public ones. */
static struct pkg_key key_a, key_b;
static uint8_t pub_a[PKG_ED25519_PUB], pub_b[PKG_ED25519_PUB];

static int keygen(struct pkg_key *k, uint8_t pub[PKG_ED25519_PUB])
{
	EVP_PKEY *p = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	size_t n = PKG_ED25519_PUB;

	if (!p || EVP_PKEY_get_raw_public_key(p, pub, &n) != 1 || pkg_key_id(pub, k->id) != 0) {
		EVP_PKEY_free(p);
		return -1;
	}
	k->pkey = p;
	k->private_key = 1;
	return 0;
}

static int suite_init(void)
{
	return keygen(&key_a, pub_a) || keygen(&key_b, pub_b) ? -1 : 0;
}

static int suite_clean(void)
{
	pkg_key_dispose(&key_a);
	pkg_key_dispose(&key_b);
	return 0;
}

/* ---- a package in memory ---- */

#define IMAGE_LEN 5003u

struct mem_pkg {
	uint8_t buf[PKG_HDR_MAX + IMAGE_LEN];
	size_t hdr_len, len;
	struct pkg_header h;
	uint8_t plain[IMAGE_LEN];
};

/* A package of version v for the test board, signed by k (or not),
 * encrypted under aes (or not). */
static void make_pkg(struct mem_pkg *p, const char *v, const struct pkg_key *k, const uint8_t *aes)
{
	static const char *const targets[] = {"SN-0042"};
	uint8_t plain_sha[PKG_SHA256_LEN], nonce[PKG_GCM_NONCE_LEN], zero[PKG_SIG_LEN] = {0};
	uint8_t aad[PKG_HDR_MAX], tag[PKG_GCM_TAG_LEN], c[IMAGE_LEN];
	struct pkg_header h = {0};
	struct pkg_extra x = {0};
	struct pkg_gcm g;
	int n, a;

	strcpy(h.vendor, "acme");
	strcpy(h.model, "rtu9");
	CU_ASSERT_EQUAL_FATAL(pkg_version_parse(v, &h.version), 0);
	h.type = FT_CONFIG;
	h.build_time = 1718000000;
	h.image_size = IMAGE_LEN;
	for (unsigned i = 0; i < IMAGE_LEN; i++)
		p->plain[i] = (uint8_t)(i * 13u + h.version.n[1]);
	CU_ASSERT_EQUAL_FATAL(pkg_sha256_buf(p->plain, IMAGE_LEN, plain_sha), 0);
	memcpy(h.sha256, plain_sha, PKG_SHA256_LEN);
	if (aes) {
		/* the ciphertext does not depend on the AAD: encrypt once to hash it */
		CU_ASSERT_EQUAL_FATAL(pkg_random(nonce, sizeof(nonce)), 0);
		CU_ASSERT_EQUAL_FATAL(pkg_gcm_init(&g, 1, aes, nonce, NULL, 0), 0);
		CU_ASSERT_EQUAL_FATAL(pkg_gcm_update(&g, p->plain, IMAGE_LEN, c), 0);
		CU_ASSERT_EQUAL_FATAL(pkg_gcm_final(&g, tag), 0);
		CU_ASSERT_EQUAL_FATAL(pkg_sha256_buf(c, IMAGE_LEN, h.sha256), 0);
		x.plain_sha256 = plain_sha;
		x.nonce = nonce;
		x.tag = zero;
	}
	if (k) {
		x.key_id = k->id;
		x.key_id_len = PKG_KEY_ID_LEN;
		x.sig = zero;
		x.sig_len = PKG_SIG_LEN;
	}
	n = pkg_header_write_ext(&h, targets, 1, &x, p->buf, PKG_HDR_MAX);
	CU_ASSERT_FATAL(n > 0);
	p->hdr_len = (size_t)n;
	p->len = (size_t)n + IMAGE_LEN;
	CU_ASSERT_EQUAL_FATAL(pkg_header_parse(p->buf, p->hdr_len, &p->h), 0);
	memcpy(p->buf + n, p->plain, IMAGE_LEN);
	if (aes) {
		a = pkg_gcm_aad(&p->h, p->buf, aad, sizeof(aad));
		CU_ASSERT_FATAL(a > 0);
		CU_ASSERT_EQUAL_FATAL(pkg_gcm_init(&g, 1, aes, nonce, aad, (size_t)a), 0);
		CU_ASSERT_EQUAL_FATAL(pkg_gcm_update(&g, p->buf + n, IMAGE_LEN, p->buf + n), 0);
		CU_ASSERT_EQUAL_FATAL(pkg_gcm_final(&g, p->buf + p->h.tag_off), 0);
	}
	if (k)
		CU_ASSERT_EQUAL_FATAL(pkg_sign(k, p->buf, p->h.signed_len, p->buf + p->h.sig_off),
				      0);
	CU_ASSERT_EQUAL_FATAL(pkg_header_reseal(p->buf, p->hdr_len), 0);
	CU_ASSERT_EQUAL_FATAL(pkg_header_parse(p->buf, p->hdr_len, &p->h), 0);
}

/* ---- the board ---- */

struct board {
	struct devstore st;
	struct board_device d;
	struct dev_trust t;
};

static void board_open(struct board *b, const uint8_t *trust1, const uint8_t *trust2,
		       const uint8_t *aes, unsigned signed_only)
{
	struct dev_identity id = {"acme", "rtu9", "SN-0042", 0, NULL};

	dev_trust_init(&b->t);
	if (trust1)
		CU_ASSERT_EQUAL_FATAL(dev_trust_add_raw(&b->t, trust1), 0);
	if (trust2)
		CU_ASSERT_EQUAL_FATAL(dev_trust_add_raw(&b->t, trust2), 0);
	if (aes)
		dev_trust_set_aes(&b->t, aes);
	for (int t = 1; t < FT_COUNT; t++)
		if (signed_only & 1u << t)
			dev_trust_signed_only(&b->t, t);
	id.crypto = dev_trust_ops(&b->t);
	CU_ASSERT_EQUAL_FATAL(mem_devstore_open(&b->st), 0);
	CU_ASSERT_EQUAL_FATAL(dev_open(&b->d, &b->st, &id), 0);
}

static void board_close(struct board *b)
{
	dev_close(&b->d);
	mem_devstore_close(&b->st);
	dev_trust_dispose(&b->t);
}

/* What a board does with a package: check the header (the detail, 0 when
 * it may come), then take the data and commit (0 or -errno). */
static int check(struct board *b, const struct mem_pkg *p, char *why, size_t cap)
{
	struct pkg_header h;
	uint32_t e, g;

	return dev_package_check(&b->d, FT_CONFIG, p->buf, p->hdr_len, &h, &e, &g, why, cap);
}

static int download(struct board *b, const uint8_t *data, size_t len, const struct mem_pkg *p)
{
	uint32_t got;
	int r = dev_download_begin(&b->d, FT_CONFIG, len, frame_crc32(0, data, len), 1479,
				   p ? &p->h : NULL, 0);

	if (r < 0)
		return r;
	if (p)
		dev_download_header(&b->d, data, p->hdr_len);
	for (size_t off = 0; off < len; off += 1000) {
		r = dev_download_write(&b->d, off, data + off, len - off < 1000 ? len - off : 1000);
		if (r < 0) {
			dev_download_close(&b->d, 0);
			return r;
		}
	}
	return dev_download_commit(&b->d, HOST, &got);
}

static int install(struct board *b, const struct mem_pkg *p)
{
	char why[160];
	int d = check(b, p, why, sizeof(why));

	return d ? -1000 - d : download(b, p->buf, p->len, p);
}

/* The staged image is this package, byte for byte as received. */
static void assert_staged(struct board *b, const struct mem_pkg *p)
{
	const struct dev_image *im = dev_image(&b->d, FT_CONFIG, DEV_STAGED);
	uint8_t back[sizeof(p->buf)];

	CU_ASSERT_PTR_NOT_NULL_FATAL(im);
	CU_ASSERT_EQUAL(im->size, p->len);
	CU_ASSERT_EQUAL(pkg_version_cmp(&im->version, &p->h.version), 0);
	CU_ASSERT_EQUAL(dev_read(&b->d, FT_CONFIG, DEV_STAGED, 0, back, p->len), 0);
	CU_ASSERT_EQUAL(memcmp(back, p->buf, p->len), 0);
}

static int events(struct board *b, int ev, int detail)
{
	struct dev_log_entry e;
	int n = 0;

	for (uint64_t s = 0; dev_log_read(&b->d, s, &e); s = e.seq + 1)
		n += e.event == ev && (detail < 0 || e.detail == detail);
	return n;
}

/* ---- tests ---- */

static void test_signed_accepted(void)
{
	struct board b;
	struct mem_pkg p;
	char why[160] = "";

	board_open(&b, pub_a, NULL, NULL, 0);
	make_pkg(&p, "1.1", &key_a, NULL);
	CU_ASSERT_EQUAL(check(&b, &p, why, sizeof(why)), 0);
	CU_ASSERT_EQUAL(install(&b, &p), 0);
	assert_staged(&b, &p);
	board_close(&b);
}

static void test_refused_before_data(void)
{
	struct board b;
	struct mem_pkg p;
	char why[160];

	board_open(&b, pub_a, NULL, NULL, 0);
	/* unsigned */
	make_pkg(&p, "1.1", NULL, NULL);
	CU_ASSERT_EQUAL(check(&b, &p, why, sizeof(why)), D_UNSIGNED);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "not signed"));
	/* signed by a key the board does not trust: named by its key id */
	make_pkg(&p, "1.1", &key_b, NULL);
	CU_ASSERT_EQUAL(check(&b, &p, why, sizeof(why)), D_UNTRUSTED);
	{
		char id[17];

		for (int i = 0; i < 8; i++)
			snprintf(id + 2 * i, 3, "%02x", key_b.id[i]);
		CU_ASSERT_PTR_NOT_NULL(strstr(why, id));
	}
	/* a signature that does not check: a signed field changed (the
	 * version), the header CRC made right again */
	make_pkg(&p, "1.1", &key_a, NULL);
	{
		size_t at = 0;

		for (size_t i = PKG_FIXED_LEN; i + 3 < p.hdr_len; i += 3u + get_be16(p.buf + i + 1))
			if (p.buf[i] == PKG_T_VERSION)
				at = i + 3;
		CU_ASSERT_FATAL(at > 0);
		p.buf[at + 3] ^= 0x04; /* 1.1 -> 1.5: an attacker's upgrade */
		CU_ASSERT_EQUAL(pkg_header_reseal(p.buf, p.hdr_len), 0);
	}
	CU_ASSERT_EQUAL(check(&b, &p, why, sizeof(why)), D_SIGNATURE);
	/* a byte of the signature itself */
	make_pkg(&p, "1.1", &key_a, NULL);
	p.buf[p.h.sig_off + 10] ^= 0x80;
	CU_ASSERT_EQUAL(pkg_header_reseal(p.buf, p.hdr_len), 0);
	CU_ASSERT_EQUAL(check(&b, &p, why, sizeof(why)), D_SIGNATURE);
	/* encrypted, and this board holds no AES key */
	make_pkg(&p, "1.1", &key_a, AES);
	CU_ASSERT_EQUAL(check(&b, &p, why, sizeof(why)), D_NO_KEY);
	/* nothing of it reached the slot */
	CU_ASSERT_PTR_NULL(dev_image(&b.d, FT_CONFIG, DEV_STAGED));
	CU_ASSERT_PTR_NULL(dev_image(&b.d, FT_CONFIG, DEV_ACTIVE));
	board_close(&b);
}

static void test_rollover(void)
{
	struct board b;
	struct mem_pkg p;
	char why[160];

	/* trusting both keys while the plant moves from a to b */
	board_open(&b, pub_a, pub_b, NULL, 0);
	make_pkg(&p, "1.1", &key_a, NULL);
	CU_ASSERT_EQUAL(check(&b, &p, why, sizeof(why)), 0);
	make_pkg(&p, "1.2", &key_b, NULL);
	CU_ASSERT_EQUAL(install(&b, &p), 0);
	board_close(&b);
	/* and b only, once a is retired */
	board_open(&b, pub_b, NULL, NULL, 0);
	make_pkg(&p, "1.1", &key_a, NULL);
	CU_ASSERT_EQUAL(check(&b, &p, why, sizeof(why)), D_UNTRUSTED);
	board_close(&b);
}

static void test_signed_only_plain(void)
{
	struct board b;
	char why[160];

	board_open(&b, pub_a, NULL, NULL, 1u << FT_ALGORITHM);
	CU_ASSERT_EQUAL(dev_plain_check(&b.d, FT_ALGORITHM, why, sizeof(why)), D_UNSIGNED);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "algorithm"));
	CU_ASSERT_EQUAL(dev_plain_check(&b.d, FT_CONFIG, why, sizeof(why)), 0);
	board_close(&b);
	/* a board without keys takes plain files of every type */
	board_open(&b, NULL, NULL, NULL, 0);
	CU_ASSERT_PTR_NULL(dev_trust_ops(&b.t));
	CU_ASSERT_EQUAL(dev_plain_check(&b.d, FT_ALGORITHM, why, sizeof(why)), 0);
	board_close(&b);
}

static void test_encrypted(void)
{
	struct board b;
	struct mem_pkg p;
	char why[160];

	board_open(&b, pub_a, NULL, AES, 0);
	make_pkg(&p, "2.0", &key_a, AES);
	CU_ASSERT_EQUAL(check(&b, &p, why, sizeof(why)), 0);
	CU_ASSERT_EQUAL(install(&b, &p), 0);
	/* staged as received: the host's read-back compares what it sent */
	assert_staged(&b, &p);
	CU_ASSERT_NOT_EQUAL(memcmp(p.buf + p.hdr_len, p.plain, IMAGE_LEN), 0);
	CU_ASSERT_EQUAL(events(&b, EV_STAGED, -1), 1);
	board_close(&b);
	/* unsigned but encrypted, to a board that trusts no key: the tag is
	 * what authenticates it */
	board_open(&b, NULL, NULL, AES, 0);
	make_pkg(&p, "2.0", NULL, AES);
	CU_ASSERT_EQUAL(install(&b, &p), 0);
	board_close(&b);
}

static void test_tag_refused_after_data(void)
{
	struct board b;
	struct mem_pkg p, good;
	char why[160];

	/* a package encrypted under another key: its header checks (it is
	 * signed by a trusted key, whoever encrypted it), its tag does not */
	board_open(&b, pub_a, NULL, AES, 0);
	make_pkg(&good, "1.0", &key_a, AES);
	CU_ASSERT_EQUAL_FATAL(install(&b, &good), 0);
	CU_ASSERT_EQUAL_FATAL(dev_activate(&b.d, FT_CONFIG, 0, HOST), DEV_ACT_ACTIVATED);
	make_pkg(&p, "2.0", &key_a, AES_WRONG);
	CU_ASSERT_EQUAL(check(&b, &p, why, sizeof(why)), 0);
	CU_ASSERT_EQUAL(download(&b, p.buf, p.len, &p), -EACCES);
	/* the active image is the old one; nothing staged; no image left */
	{
		const struct dev_image *im = dev_image(&b.d, FT_CONFIG, DEV_ACTIVE);

		CU_ASSERT_PTR_NOT_NULL_FATAL(im);
		CU_ASSERT_EQUAL(im->size, good.len);
		CU_ASSERT_EQUAL(im->version.n[0], 1);
	}
	CU_ASSERT_PTR_NULL(dev_image(&b.d, FT_CONFIG, DEV_STAGED));
	CU_ASSERT_EQUAL(b.d.downloads_failed, 1);
	board_close(&b);

	/* an unsigned encrypted package whose tag was changed (the header CRC
	 * made right): the board trusts no key, the tag still stops it */
	board_open(&b, NULL, NULL, AES, 0);
	make_pkg(&p, "2.0", NULL, AES);
	p.buf[p.h.tag_off] ^= 1;
	CU_ASSERT_EQUAL(pkg_header_reseal(p.buf, p.hdr_len), 0);
	CU_ASSERT_EQUAL(pkg_header_parse(p.buf, p.hdr_len, &p.h), 0);
	CU_ASSERT_EQUAL(install(&b, &p), -EACCES);
	CU_ASSERT_PTR_NULL(dev_image(&b.d, FT_CONFIG, DEV_STAGED));
	/* and the right one then goes in */
	make_pkg(&p, "2.0", NULL, AES);
	CU_ASSERT_EQUAL(install(&b, &p), 0);
	board_close(&b);
}

static void test_downgrade_authenticated(void)
{
	struct board b;
	struct mem_pkg p;
	char why[160];

	board_open(&b, pub_a, NULL, AES, 0);
	make_pkg(&p, "3.0", &key_a, AES);
	CU_ASSERT_EQUAL_FATAL(install(&b, &p), 0);
	CU_ASSERT_EQUAL_FATAL(dev_activate(&b.d, FT_CONFIG, 0, HOST), DEV_ACT_ACTIVATED);
	/* a genuine, correctly signed older release is still a downgrade */
	make_pkg(&p, "2.9", &key_a, AES);
	CU_ASSERT_EQUAL(check(&b, &p, why, sizeof(why)), D_NOT_NEWER);
	/* an unsigned "newer" one is refused for its missing signature first */
	make_pkg(&p, "9.0", NULL, NULL);
	CU_ASSERT_EQUAL(check(&b, &p, why, sizeof(why)), D_UNSIGNED);
	board_close(&b);
}

static void test_load_errors(void)
{
	struct dev_trust t;
	char err[256], path[] = "/tmp/test_dev_trust.XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("0011 2233 4455 6677 8899 aabb ccdd eeZZ\n", f);
	fclose(f);
	dev_trust_init(&t);
	CU_ASSERT_EQUAL(dev_trust_add_key(&t, "/nonexistent/k.pub", err, sizeof(err)), -PKG_E_IO);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "/nonexistent/k.pub"));
	CU_ASSERT_EQUAL(dev_trust_add_key(&t, path, err, sizeof(err)), -PKG_E_FIELD);
	CU_ASSERT_EQUAL(dev_trust_set_aes_file(&t, path, err, sizeof(err)), -PKG_E_FIELD);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, path));
	CU_ASSERT_EQUAL(dev_trust_add_raw(&t, pub_a), 0);
	CU_ASSERT_EQUAL(dev_trust_add_raw(&t, pub_a), -PKG_E_DUPLICATE);
	CU_ASSERT_EQUAL(t.nkeys, 1);
	dev_trust_dispose(&t);
	unlink(path);
}

static CU_TestInfo tests[] = {
	{"a package signed by a trusted key is staged", test_signed_accepted},
	{"unsigned, untrusted, bad signature, no key: refused before data",
	 test_refused_before_data},
	{"key rollover: two keys trusted, then one", test_rollover},
	{"--signed-only refuses a plain file of that type", test_signed_only_plain},
	{"signed and encrypted: staged as received", test_encrypted},
	{"a failed tag is refused after the data, nothing staged", test_tag_refused_after_data},
	{"downgrades stay refused on an authenticated version", test_downgrade_authenticated},
	{"key files: missing, not a key, duplicate", test_load_errors},
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{"dev_trust", suite_init, suite_clean, NULL, NULL, tests},
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return cunit_run(suites);
}
