/* SPDX-License-Identifier: MIT */
/*
 * The board's side of the group download (PROTOCOL.md §8): one board
 * machine over a loop nic, fed frames the test builds, on a fake clock,
 * storing into mem_devstore. Discovery and its random delay, GROUP_JOIN
 * accepted and refused, data with gaps and the needs the board reports,
 * parity decoded back to the exact bytes, verify, the idle timer, leave,
 * activation after GROUP_DONE, and a board that is not in the group.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board.h"
#include "cunit_main.h"
#include "fec.h"
#include "frame.h"
#include "mem_devstore.h"
#include "nic.h"
#include "pkg.h"
#include "pkg_digest.h"
#include "proto.h"

#define MTU 1500

static const uint8_t MAC_H[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
static const uint8_t MAC_B[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02};
static const uint8_t MAC_H2[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x03};
static const uint8_t GMAC[6] = {0x03, 0x00, 0x00, 0x00, 0x10, 0x01};
static const uint8_t DMAC[6] = FRAME_DISCOVER_MAC;
static const uint8_t BCAST[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

#define GSESSION 0x6a6f696eu

struct rig {
	struct nic *hn, *bn;
	struct devstore st;
	struct sess_board b;
	uint64_t now;
	uint8_t in[FRAME_BUF_MAX]; /* the last frame the board sent */
	struct frame f;		   /* ... decoded */
};

static void quiet(void *ctx, const char *msg)
{
	(void)ctx;
	(void)msg;
}

static struct rig *rig_new_cfg(uint64_t seed, int strict, uint64_t max_file)
{
	struct rig *r = calloc(1, sizeof(*r));
	struct sess_board_config bc = {.vendor = "acme",
				       .model = "m1",
				       .serial = "s1",
				       .seed = seed,
				       .strict = strict,
				       .max_file = max_file,
				       .log = quiet};

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL_FATAL(nic_loop_pair(&r->hn, &r->bn, MAC_H, MAC_B, MTU, 0), 0);
	CU_ASSERT_EQUAL_FATAL(mem_devstore_open(&r->st), 0);
	bc.nic = r->bn;
	bc.store = &r->st;
	CU_ASSERT_EQUAL_FATAL(sess_board_init(&r->b, &bc), 0);
	r->now = 1000000;
	sess_board_poll(&r->b, r->now); /* the device's first wake-up */
	return r;
}

static struct rig *rig_new(void)
{
	return rig_new_cfg(0, 0, 0);
}

static void rig_free(struct rig *r)
{
	sess_board_dispose(&r->b);
	mem_devstore_close(&r->st);
	nic_close(r->hn);
	nic_close(r->bn);
	free(r);
}

/* Feed the board one frame from src to dst. */
static void put(struct rig *r, const uint8_t src[6], const uint8_t dst[6], uint32_t session,
		uint32_t seq, uint8_t code, const uint8_t *data, size_t len)
{
	uint8_t buf[FRAME_BUF_MAX];
	struct frame f = {.session = session, .seq = seq, .code = code, .len = (uint16_t)len,
			  .data = data, .version = FRAME_VERSION};
	int n;

	memcpy(f.src, src, 6);
	memcpy(f.dst, dst, 6);
	n = frame_encode(buf, sizeof(buf), &f, FRAME_ETHERTYPE_DEFAULT);
	CU_ASSERT_FATAL(n > 0);
	sess_board_input(&r->b, buf, (size_t)n, r->now);
}

static void put_w(struct rig *r, uint32_t seq, uint8_t code, const struct tlv_writer *w)
{
	put(r, MAC_H, MAC_B, GSESSION, seq, code, w ? w->buf : NULL, w ? w->len : 0);
}

/* The next frame the board sent: 1 (in r->f), or 0. */
static int next_out(struct rig *r)
{
	const uint8_t *p;
	size_t len;

	if (nic_recv(r->hn, &p, &len) != 1)
		return 0;
	memcpy(r->in, p, len);
	CU_ASSERT_EQUAL_FATAL(frame_decode(&r->f, r->in, len, FRAME_ETHERTYPE_DEFAULT), 0);
	return 1;
}

static void expect(struct rig *r, uint8_t code)
{
	int got = next_out(r);
	char text[200] = "";

	CU_ASSERT_EQUAL_FATAL(got, 1);
	tlv_get_str(r->f.data, r->f.len, T_TEXT, text, sizeof(text));
	if (r->f.code != code)
		fprintf(stderr, "\nexpected %s, got %s %s\n", frame_code_name(code),
			frame_code_name(r->f.code), text);
	CU_ASSERT_EQUAL_FATAL(r->f.code, code);
}

static void expect_none(struct rig *r)
{
	CU_ASSERT_EQUAL(next_out(r), 0);
}

static uint64_t tlv_u(const struct frame *f, uint8_t type)
{
	uint64_t v = 0;

	CU_ASSERT(tlv_get_uint(f->data, f->len, type, &v));
	return v;
}

static void expect_error(struct rig *r, int notice, int detail)
{
	char text[200] = "";

	expect(r, FC_ERROR);
	tlv_get_str(r->f.data, r->f.len, T_TEXT, text, sizeof(text));
	if (tlv_u(&r->f, T_DETAIL) != (uint64_t)detail)
		fprintf(stderr, "\nERROR: %s\n", text);
	CU_ASSERT_EQUAL(tlv_u(&r->f, T_NOTICE), (uint64_t)notice);
	CU_ASSERT_EQUAL(tlv_u(&r->f, T_DETAIL), (uint64_t)detail);
}

static void fill(uint8_t *p, size_t n, uint32_t seed)
{
	uint32_t x = seed * 2654435761u + 1;

	for (size_t i = 0; i < n; i++) {
		x = x * 1103515245u + 12345u;
		p[i] = (uint8_t)(x >> 16);
	}
}

/* ---- discovery ---- */

static void discover(struct rig *r, const uint8_t dst[6], uint32_t probe, uint32_t seq,
		     uint32_t delay_ms, const char *vendor, const uint8_t *heard, size_t nheard)
{
	uint8_t d[400];
	struct tlv_writer w;

	tlv_writer_init(&w, d, sizeof(d));
	tlv_put_u32(&w, T_DELAY_MS, delay_ms);
	if (vendor)
		tlv_put_str(&w, T_VENDOR, vendor);
	if (nheard)
		tlv_put(&w, T_HEARD, heard, nheard * 6);
	put(r, MAC_H, dst, probe, seq, FC_DISCOVER, d, w.len);
}

/* After a probe: when the answer is due (the board's deadline), and that it
 * comes then and not a microsecond before. Returns the delay, or -1 when
 * the board stays silent. */
static int64_t answer_delay(struct rig *r, uint32_t probe, uint32_t seq)
{
	uint64_t t = sess_board_next_deadline(&r->b), start = r->now;

	if (t >= start + 60000000) {
		sess_board_poll(&r->b, start + 60000000);
		expect_none(r);
		return -1;
	}
	CU_ASSERT_FATAL(t >= start);
	if (t > start) {
		sess_board_poll(&r->b, t - 1);
		expect_none(r);
	}
	sess_board_poll(&r->b, t);
	r->now = t;
	expect(r, FC_DISCOVER_ACK);
	CU_ASSERT_EQUAL(r->f.session, probe);
	CU_ASSERT_EQUAL(r->f.seq, seq);
	CU_ASSERT_EQUAL(memcmp(r->f.dst, MAC_H, 6), 0);
	CU_ASSERT(tlv_u(&r->f, T_CAPS) & CAP_GROUP);
	return (int64_t)(t - start);
}

static void test_discover_spread(void)
{
	unsigned bucket[10] = {0};
	int64_t lo = INT64_MAX, hi = 0;

	for (uint64_t seed = 1; seed <= 200; seed++) {
		struct rig *r = rig_new_cfg(seed * 7919, 0, 0);
		int64_t d;

		discover(r, DMAC, 0x1000u + (uint32_t)seed, 1, 500, NULL, NULL, 0);
		d = answer_delay(r, 0x1000u + (uint32_t)seed, 1);
		CU_ASSERT(d >= 0 && d < 500000);
		if (d >= 0 && d < 500000)
			bucket[d / 50000]++;
		lo = d < lo ? d : lo;
		hi = d > hi ? d : hi;
		rig_free(r);
	}
	for (int i = 0; i < 10; i++)
		CU_ASSERT(bucket[i] > 0);
	CU_ASSERT(lo < 25000);
	CU_ASSERT(hi > 475000);
}

static void test_discover_repeats(void)
{
	struct rig *r = rig_new();
	uint8_t heard[12];

	/* a second copy of a repeat is not a second answer */
	discover(r, DMAC, 7, 1, 500, NULL, NULL, 0);
	discover(r, DMAC, 7, 1, 500, NULL, NULL, 0);
	CU_ASSERT(answer_delay(r, 7, 1) >= 0);
	discover(r, DMAC, 7, 1, 500, NULL, NULL, 0);
	CU_ASSERT_EQUAL(answer_delay(r, 7, 1), -1);
	/* the next repeat is answered again; one that lists the board is not */
	discover(r, DMAC, 7, 2, 500, NULL, NULL, 0);
	CU_ASSERT(answer_delay(r, 7, 2) >= 0);
	memcpy(heard, MAC_H2, 6);
	memcpy(heard + 6, MAC_B, 6);
	discover(r, DMAC, 7, 3, 500, NULL, heard, 2);
	CU_ASSERT_EQUAL(answer_delay(r, 7, 3), -1);
	discover(r, DMAC, 7, 4, 500, NULL, heard, 1); /* only the other board heard */
	CU_ASSERT(answer_delay(r, 7, 4) >= 0);
	/* T_DELAY_MS 0: at once */
	discover(r, DMAC, 8, 1, 0, NULL, NULL, 0);
	CU_ASSERT_EQUAL(answer_delay(r, 8, 1), 0);
	rig_free(r);
}

static void test_discover_filters(void)
{
	struct rig *r = rig_new();
	uint8_t d[64];
	struct tlv_writer w;

	discover(r, DMAC, 1, 1, 100, "other", NULL, 0);
	CU_ASSERT_EQUAL(answer_delay(r, 1, 1), -1);
	discover(r, DMAC, 2, 1, 100, "acme", NULL, 0);
	CU_ASSERT(answer_delay(r, 2, 1) >= 0);
	tlv_writer_init(&w, d, sizeof(d));
	tlv_put_u32(&w, T_DELAY_MS, 100);
	tlv_put_str(&w, T_MODEL, "m2");
	put(r, MAC_H, DMAC, 3, 1, FC_DISCOVER, d, w.len);
	CU_ASSERT_EQUAL(answer_delay(r, 3, 1), -1);
	/* broadcast is taken; the board's own address is not the discovery address */
	discover(r, BCAST, 4, 1, 100, NULL, NULL, 0);
	CU_ASSERT(answer_delay(r, 4, 1) >= 0);
	discover(r, MAC_B, 5, 1, 100, NULL, NULL, 0);
	CU_ASSERT_EQUAL(answer_delay(r, 5, 1), -1);
	/* a board in a session still answers, and the session goes on */
	put(r, MAC_H2, MAC_B, 0x55, 0, FC_CONNECT, NULL, 0);
	expect(r, FC_CONNECT_ACK);
	CU_ASSERT(tlv_u(&r->f, T_CAPS) & CAP_GROUP);
	discover(r, DMAC, 6, 1, 100, NULL, NULL, 0);
	CU_ASSERT(answer_delay(r, 6, 1) >= 0);
	CU_ASSERT_FALSE(sess_board_idle(&r->b));
	rig_free(r);

	r = rig_new_cfg(1, 1, 0); /* strict: no CAP_GROUP, silent */
	discover(r, DMAC, 9, 1, 100, NULL, NULL, 0);
	CU_ASSERT_EQUAL(answer_delay(r, 9, 1), -1);
	put(r, MAC_H, MAC_B, 0x56, 0, FC_CONNECT, NULL, 0);
	expect(r, FC_CONNECT_ACK);
	CU_ASSERT_EQUAL(tlv_u(&r->f, T_CAPS) & CAP_GROUP, 0);
	rig_free(r);

	r = rig_new(); /* a board that takes no part in group downloads */
	r->b.cfg.no_group = 1;
	discover(r, DMAC, 10, 1, 100, NULL, NULL, 0);
	CU_ASSERT_EQUAL(answer_delay(r, 10, 1), -1);
	put(r, MAC_H, MAC_B, 0x57, 0, FC_CONNECT, NULL, 0);
	expect(r, FC_CONNECT_ACK);
	CU_ASSERT_EQUAL(tlv_u(&r->f, T_CAPS), CAP_WINDOW | CAP_RESUME | CAP_DEVICE);
	rig_free(r);
}

/* ---- joining ---- */

struct gfile {
	uint8_t *data;
	size_t size;
	unsigned block, k;
	uint32_t frames, ngens;
	uint8_t hdr[1500]; /* a package's header, hdr_len bytes; 0 = a plain file */
	size_t hdr_len;
};

static void gfile_init(struct gfile *g, size_t size, unsigned block, unsigned k, uint32_t seed)
{
	memset(g, 0, sizeof(*g));
	g->data = malloc(size ? size : 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(g->data);
	fill(g->data, size, seed);
	g->size = size;
	g->block = block;
	g->k = k;
	g->frames = (uint32_t)((size + block - 1) / block);
	g->ngens = (g->frames + k - 1) / k;
}

/* A package for vendor/model at version v: header then an image. */
static void gfile_package(struct gfile *g, const char *vendor, const char *v, size_t image,
			  unsigned block, unsigned k)
{
	struct pkg_header h = {.type = FT_CONFIG, .build_time = 1700000000, .image_size = image};
	uint8_t *img = malloc(image), hdr[1500];
	int len;

	CU_ASSERT_PTR_NOT_NULL_FATAL(img);
	fill(img, image, 99);
	snprintf(h.vendor, sizeof(h.vendor), "%s", vendor);
	snprintf(h.model, sizeof(h.model), "%s", "m1");
	CU_ASSERT_EQUAL_FATAL(pkg_version_parse(v, &h.version), 0);
	CU_ASSERT_EQUAL_FATAL(pkg_sha256_buf(img, image, h.sha256), 0);
	len = pkg_header_write(&h, NULL, 0, hdr, sizeof(hdr));
	CU_ASSERT_FATAL(len > 0);
	gfile_init(g, (size_t)len + image, block, k, 1);
	memcpy(g->hdr, hdr, (size_t)len);
	memcpy(g->data, hdr, (size_t)len);
	memcpy(g->data + len, img, image);
	g->hdr_len = (size_t)len;
	free(img);
}

static void join_tlv(struct tlv_writer *w, uint8_t *d, size_t cap, const struct gfile *g,
		     const uint8_t gmac[6], uint32_t crc, uint32_t idle_ms)
{
	tlv_writer_init(w, d, cap);
	tlv_put(w, T_GROUP_MAC, gmac, 6);
	tlv_put_u8(w, T_TYPE, FT_CONFIG);
	tlv_put_u64(w, T_SIZE, g->size);
	tlv_put_u16(w, T_BLOCK, (uint16_t)g->block);
	tlv_put_u32(w, T_FRAMES, g->frames);
	tlv_put_u32(w, T_CRC, crc);
	tlv_put_u16(w, T_GEN, (uint16_t)g->k);
	if (idle_ms)
		tlv_put_u32(w, T_IDLE_MS, idle_ms);
	tlv_put_str(w, T_NAME, "file.bin");
	for (size_t off = 0; off < g->hdr_len; off += 255)
		tlv_put(w, T_PKG_HDR, g->hdr + off, g->hdr_len - off < 255 ? g->hdr_len - off : 255);
}

static void join(struct rig *r, const struct gfile *g, uint32_t session, uint32_t idle_ms)
{
	uint8_t d[1500];
	struct tlv_writer w;

	join_tlv(&w, d, sizeof(d), g, GMAC, frame_crc32(0, g->data, g->size), idle_ms);
	put(r, MAC_H, MAC_B, session, 0, FC_GROUP_JOIN, d, w.len);
}

static void join_ok(struct rig *r, const struct gfile *g)
{
	join(r, g, GSESSION, 0);
	expect(r, FC_GROUP_JOIN_ACK);
	CU_ASSERT_EQUAL(r->f.session, GSESSION);
	CU_ASSERT_EQUAL(tlv_u(&r->f, T_GEN), g->k);
	CU_ASSERT_EQUAL(tlv_u(&r->f, T_BLOCK), g->block);
}

static void data(struct rig *r, const struct gfile *g, uint32_t seq)
{
	size_t off = (size_t)(seq - 1) * g->block;
	size_t len = g->size - off < g->block ? g->size - off : g->block;

	put(r, MAC_H, GMAC, GSESSION, seq, FC_GROUP_DATA, g->data + off, len);
}

/* Parity index idx of generation gen, sent to the group. */
static void parity(struct rig *r, const struct gfile *g, uint32_t gen, unsigned idx)
{
	unsigned kg = gen + 1 < g->ngens ? g->k : g->frames - gen * g->k;
	uint8_t *src = calloc(kg, g->block), *out = malloc(6 + g->block);
	const uint8_t *sp[FEC_MAX_K];
	uint8_t *pp[1];

	CU_ASSERT_PTR_NOT_NULL_FATAL(src);
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	for (unsigned j = 0; j < kg; j++) {
		size_t off = ((size_t)gen * g->k + j) * g->block;
		size_t len = g->size - off < g->block ? g->size - off : g->block;

		memcpy(src + (size_t)j * g->block, g->data + off, len);
		sp[j] = src + (size_t)j * g->block;
	}
	pp[0] = out + 6;
	memset(pp[0], 0x5a, g->block);
	if (idx < fec_max_parity(kg)) /* (else a frame out of range) */
		CU_ASSERT_EQUAL_FATAL(fec_encode(kg, g->block, sp, idx, 1, pp), 0);
	put_be32(out, gen);
	out[4] = (uint8_t)idx;
	out[5] = 0;
	put(r, MAC_H, GMAC, GSESSION, 0, FC_GROUP_PARITY, out, 6 + g->block);
	free(src);
	free(out);
}

static void query(struct rig *r, uint32_t id, unsigned want, uint32_t first)
{
	uint8_t d[16];
	struct tlv_writer w;

	tlv_writer_init(&w, d, sizeof(d));
	tlv_put_u8(&w, T_WANT, (uint8_t)want);
	tlv_put_u32(&w, T_FIRST, first);
	put_w(r, id, FC_GROUP_QUERY, &w);
	expect(r, FC_GROUP_STATUS);
	CU_ASSERT_EQUAL(r->f.seq, id);
}

/* The T_NEEDS entries of the last GROUP_STATUS, as gen * 1000 + need. */
static unsigned needs(struct rig *r, uint32_t *out, unsigned cap)
{
	const uint8_t *v;
	size_t l;
	unsigned n = 0;

	for (unsigned i = 0; (v = tlv_find(r->f.data, r->f.len, T_NEEDS, i, &l)); i++) {
		CU_ASSERT(l % 6 == 0 && l <= 252);
		for (size_t j = 0; j + 6 <= l && n < cap; j += 6)
			out[n++] = get_be32(v + j) * 1000 + get_be16(v + j + 4);
	}
	return n;
}

static void test_join_refused(void)
{
	struct rig *r = rig_new_cfg(0, 0, 50000);
	struct gfile g, big, p;
	uint8_t d[1500], bad[6] = {0x02, 0, 0, 0, 0, 9};
	struct tlv_writer w;

	gfile_init(&g, 20000, 1000, 8, 1);
	/* group address: unicast, or the discovery address */
	join_tlv(&w, d, sizeof(d), &g, bad, 0, 0);
	put_w(r, 0, FC_GROUP_JOIN, &w);
	expect_error(r, NOTICE_WRONG_COMMAND, D_BAD_FIELD);
	join_tlv(&w, d, sizeof(d), &g, DMAC, 0, 0);
	put(r, MAC_H, MAC_B, GSESSION + 1, 0, FC_GROUP_JOIN, d, w.len);
	expect_error(r, NOTICE_WRONG_COMMAND, D_BAD_FIELD);
	/* K out of range; a block that leaves no room for the parity header */
	g.k = 129;
	join(r, &g, GSESSION + 2, 0);
	expect_error(r, NOTICE_WRONG_COMMAND, D_BAD_FIELD);
	free(g.data);
	gfile_init(&g, 20000, MTU - 26, 8, 1);
	join(r, &g, GSESSION + 3, 0);
	expect_error(r, NOTICE_WRONG_COMMAND, D_BAD_FIELD);
	free(g.data);
	gfile_init(&g, 20000, MTU - 27, 8, 1);
	join(r, &g, GSESSION + 4, 0);
	expect(r, FC_GROUP_JOIN_ACK);
	put(r, MAC_H, MAC_B, GSESSION + 4, 0, FC_GROUP_LEAVE, NULL, 0);
	expect(r, FC_GROUP_LEAVE_ACK);
	/* too big for the board */
	gfile_init(&big, 60000, 1000, 8, 2);
	join(r, &big, GSESSION + 5, 0);
	expect_error(r, NOTICE_NONE, D_TOO_BIG);
	/* packages: another vendor (13), malformed (16) */
	gfile_package(&p, "other", "1.0", 3000, 1000, 8);
	join(r, &p, GSESSION + 6, 0);
	expect_error(r, NOTICE_NONE, D_POLICY);
	p.hdr[20] ^= 0xff;
	join(r, &p, GSESSION + 7, 0);
	expect_error(r, NOTICE_FILE_CRC, D_PKG);
	CU_ASSERT(sess_board_idle(&r->b));
	CU_ASSERT_EQUAL(sess_board_device(&r->b)->dl, DEV_DL_NONE);
	free(p.data);
	free(big.data);
	free(g.data);
	rig_free(r);
}

static void test_join_busy(void)
{
	struct rig *r = rig_new();
	struct gfile g;
	uint8_t d[1500];
	struct tlv_writer w;

	gfile_init(&g, 5000, 1000, 4, 3);
	/* a unicast session with another host */
	put(r, MAC_H2, MAC_B, 0x77, 0, FC_CONNECT, NULL, 0);
	expect(r, FC_CONNECT_ACK);
	join(r, &g, GSESSION, 0);
	expect_error(r, NOTICE_NONE, D_BUSY);
	CU_ASSERT_EQUAL(memcmp(r->f.dst, MAC_H, 6), 0);
	put(r, MAC_H2, MAC_B, 0x77, 0, FC_DISCONNECT, NULL, 0);
	expect(r, FC_DISCONNECT_ACK);
	/* in a group: another host's JOIN is busy, the group goes on */
	join_ok(r, &g);
	join(r, &g, GSESSION, 0); /* the same JOIN again: the same answer */
	expect(r, FC_GROUP_JOIN_ACK);
	join_tlv(&w, d, sizeof(d), &g, GMAC, frame_crc32(0, g.data, g.size), 0);
	put(r, MAC_H2, MAC_B, GSESSION + 9, 0, FC_GROUP_JOIN, d, w.len);
	expect_error(r, NOTICE_NONE, D_BUSY);
	CU_ASSERT_EQUAL(memcmp(r->f.dst, MAC_H2, 6), 0);
	put(r, MAC_H2, MAC_B, 0x78, 0, FC_CONNECT, NULL, 0);
	expect(r, FC_ERROR);
	query(r, 5, 1, 0);
	CU_ASSERT_EQUAL(tlv_u(&r->f, T_HAVE), 0);
	/* the same host with a new group session: it takes over */
	join(r, &g, GSESSION + 1, 0);
	expect_error(r, NOTICE_NONE, D_SUPERSEDED);
	CU_ASSERT_EQUAL(r->f.session, GSESSION);
	expect(r, FC_GROUP_JOIN_ACK);
	CU_ASSERT_EQUAL(r->f.session, GSESSION + 1);
	free(g.data);
	rig_free(r);
}

/* The bytes of the store's image of type in role. */
static const uint8_t *stored(struct rig *r, enum dev_role role, uint64_t *size)
{
	const struct dev_image *im = dev_image(sess_board_device(&r->b), FT_CONFIG, role);
	int type;

	CU_ASSERT_PTR_NOT_NULL_FATAL(im);
	return mem_devstore_image(&r->st, im->id, size, &type);
}

static void verify_done(struct rig *r, const struct gfile *g, enum dev_role role)
{
	uint8_t sha[32];
	const uint8_t *v, *bytes;
	size_t l;
	uint64_t n;

	put_w(r, 0, FC_GROUP_VERIFY, NULL);
	expect(r, FC_GROUP_DONE);
	CU_ASSERT_EQUAL(tlv_u(&r->f, T_TYPE), FT_CONFIG);
	CU_ASSERT_EQUAL(tlv_u(&r->f, T_SIZE), g->size);
	CU_ASSERT_EQUAL(tlv_u(&r->f, T_CRC), frame_crc32(0, g->data, g->size));
	CU_ASSERT_EQUAL_FATAL(pkg_sha256_buf(g->data, g->size, sha), 0);
	v = tlv_find(r->f.data, r->f.len, T_SHA256, 0, &l);
	CU_ASSERT_FATAL(v && l == 32);
	CU_ASSERT_EQUAL(memcmp(v, sha, 32), 0);
	bytes = stored(r, role, &n);
	CU_ASSERT_EQUAL_FATAL(n, g->size);
	CU_ASSERT_EQUAL(memcmp(bytes, g->data, g->size), 0);
	/* a repeated VERIFY gets the same GROUP_DONE */
	put_w(r, 0, FC_GROUP_VERIFY, NULL);
	expect(r, FC_GROUP_DONE);
	CU_ASSERT_EQUAL(tlv_u(&r->f, T_CRC), frame_crc32(0, g->data, g->size));
}

static int missing(uint32_t seq)
{
	/* generation 1 misses 3 (blocks 9..16), 4 misses 1, 9 (the last, 4
	 * blocks) misses 2 */
	return seq == 9 || seq == 12 || seq == 16 || seq == 35 || seq == 73 || seq == 76;
}

static void test_gaps_parity(void)
{
	struct rig *r = rig_new();
	struct gfile g;
	uint32_t nd[16];
	const uint8_t *bm;
	size_t l;

	gfile_init(&g, 75500, 1000, 8, 5); /* 76 blocks, the last of 500 bytes */
	CU_ASSERT_EQUAL_FATAL(g.frames, 76);
	CU_ASSERT_EQUAL_FATAL(g.ngens, 10);
	join_ok(r, &g);
	for (uint32_t s = 1; s <= g.frames; s++)
		if (!missing(s))
			data(r, &g, s);
	data(r, &g, 1); /* a repeat */
	expect_none(r);
	query(r, 1, 1, 0);
	CU_ASSERT_EQUAL(tlv_u(&r->f, T_HAVE), 70);
	CU_ASSERT_EQUAL_FATAL(needs(r, nd, 16), 3);
	CU_ASSERT_EQUAL(nd[0], 1003);
	CU_ASSERT_EQUAL(nd[1], 4001);
	CU_ASSERT_EQUAL(nd[2], 9002);
	CU_ASSERT_EQUAL(tlv_u(&r->f, T_GEN_NEXT), 0);
	query(r, 2, 1, 2);
	CU_ASSERT_EQUAL_FATAL(needs(r, nd, 16), 2);
	CU_ASSERT_EQUAL(nd[0], 4001);
	/* the bitmap: bit i = block BASE+i held */
	query(r, 3, 2, 1);
	CU_ASSERT_EQUAL(tlv_u(&r->f, T_BASE), 1);
	bm = tlv_find(r->f.data, r->f.len, T_BITMAP, 0, &l);
	CU_ASSERT_FATAL(bm && l == 10);
	for (uint32_t s = 1; s <= g.frames; s++)
		CU_ASSERT_EQUAL((bm[(s - 1) / 8] >> ((s - 1) % 8)) & 1, !missing(s));
	CU_ASSERT_EQUAL(tlv_u(&r->f, T_GEN_NEXT), 0);
	/* one symbol short: two parity frames (one twice) for generation 1
	 * still need one, nothing decoded; VERIFY answers with the needs */
	parity(r, &g, 1, 0);
	parity(r, &g, 1, 0);
	parity(r, &g, 1, 7);
	put_w(r, 9, FC_GROUP_VERIFY, NULL);
	expect(r, FC_GROUP_STATUS);
	CU_ASSERT_EQUAL_FATAL(needs(r, nd, 16), 3);
	CU_ASSERT_EQUAL(nd[0], 1001);
	CU_ASSERT_EQUAL(tlv_u(&r->f, T_HAVE), 70);
	CU_ASSERT_EQUAL(sess_board_device(&r->b)->dl, DEV_DL_OPEN);
	/* the missing symbols come as parity, any indices: all decoded */
	parity(r, &g, 1, 200);
	parity(r, &g, 4, 5);
	parity(r, &g, 9, 250); /* the last generation (k 4) has 251 indices */
	parity(r, &g, 9, 251); /* out of range: ignored */
	query(r, 4, 1, 0);
	CU_ASSERT_EQUAL(needs(r, nd, 16), 1);
	parity(r, &g, 9, 3);
	query(r, 5, 1, 0);
	CU_ASSERT_EQUAL(tlv_u(&r->f, T_HAVE), 76);
	CU_ASSERT_EQUAL(needs(r, nd, 16), 0);
	parity(r, &g, 1, 9); /* a generation already complete: ignored */
	data(r, &g, 9);
	expect_none(r);
	verify_done(r, &g, DEV_ACTIVE);
	CU_ASSERT_EQUAL(sess_board_device(&r->b)->downloads_ok, 1);
	free(g.data);
	rig_free(r);
}

/* Many generations short: the report fills one frame and says where to go on. */
static void test_needs_paging(void)
{
	struct rig *r = rig_new();
	struct gfile g;
	uint32_t nd[400], total = 0, first = 0, rounds = 0;

	gfile_init(&g, 300 * 100, 100, 1, 6); /* 300 generations of 1 block */
	join_ok(r, &g);
	do {
		unsigned n;

		query(r, 10 + rounds, 1, first);
		n = needs(r, nd, 400);
		CU_ASSERT(n > 0 && n <= 242);
		CU_ASSERT(r->f.len <= MTU - 21);
		CU_ASSERT_EQUAL(nd[0], first * 1000 + 1);
		total += n;
		first = (uint32_t)tlv_u(&r->f, T_GEN_NEXT);
		CU_ASSERT(first == 0 || first == nd[n - 1] / 1000 + 1);
	} while (first && ++rounds < 10);
	CU_ASSERT_EQUAL(total, 300);
	CU_ASSERT_EQUAL(rounds, 1);
	/* the bitmap of 300 blocks in one pair; of 30000 in several */
	query(r, 50, 2, 1);
	CU_ASSERT_EQUAL(tlv_u(&r->f, T_GEN_NEXT), 0);
	free(g.data);
	rig_free(r);

	r = rig_new();
	gfile_init(&g, 30000 * 10, 10, 1, 6);
	join_ok(r, &g);
	query(r, 51, 2, 1);
	{
		const uint8_t *v;
		size_t l;
		unsigned pairs = 0;

		while ((v = tlv_find(r->f.data, r->f.len, T_BASE, pairs, &l))) {
			CU_ASSERT_EQUAL(get_be32(v), 1 + pairs * 2040);
			CU_ASSERT_PTR_NOT_NULL(tlv_find(r->f.data, r->f.len, T_BITMAP, pairs, &l));
			CU_ASSERT_EQUAL(l, 255);
			pairs++;
		}
		CU_ASSERT_EQUAL(pairs, 5);
		CU_ASSERT_EQUAL(tlv_u(&r->f, T_GEN_NEXT), 1 + 5 * 2040);
	}
	free(g.data);
	rig_free(r);
}

/* A plain file downloaded by the group and made active. */
static void group_download(struct rig *r, const struct gfile *g)
{
	join_ok(r, g);
	for (uint32_t s = 1; s <= g->frames; s++)
		data(r, g, s);
	verify_done(r, g, DEV_ACTIVE);
	put(r, MAC_H, GMAC, GSESSION, 0, FC_GROUP_LEAVE, NULL, 0);
	expect(r, FC_GROUP_LEAVE_ACK);
	CU_ASSERT(sess_board_idle(&r->b));
}

static void test_idle_timeout(void)
{
	struct rig *r = rig_new();
	struct gfile g1, g2;
	uint64_t n, t;
	struct dev_log_entry e;
	int failed = 0;

	gfile_init(&g1, 4000, 1000, 4, 7);
	gfile_init(&g2, 4000, 1000, 4, 8);
	group_download(r, &g1);
	join(r, &g2, GSESSION + 1, 2000);
	expect(r, FC_GROUP_JOIN_ACK);
	put(r, MAC_H, GMAC, GSESSION + 1, 1, FC_GROUP_DATA, g2.data, 1000);
	r->now += 1500000;
	put(r, MAC_H, GMAC, GSESSION + 1, 2, FC_GROUP_DATA, g2.data + 1000, 1000);
	t = sess_board_next_deadline(&r->b);
	CU_ASSERT_EQUAL(t, r->now + 2000000);
	sess_board_poll(&r->b, t - 1);
	expect_none(r);
	sess_board_poll(&r->b, t);
	expect_error(r, NOTICE_TIMEOUT, D_SILENCE);
	CU_ASSERT_EQUAL(r->f.session, GSESSION + 1);
	CU_ASSERT(sess_board_idle(&r->b));
	CU_ASSERT_EQUAL(sess_board_device(&r->b)->dl, DEV_DL_NONE);
	CU_ASSERT_EQUAL(memcmp(stored(r, DEV_ACTIVE, &n), g1.data, g1.size), 0);
	for (uint64_t seq = 1; dev_log_read(sess_board_device(&r->b), seq, &e); seq = e.seq + 1)
		failed += e.event == EV_FAILED && e.notice == NOTICE_TIMEOUT;
	CU_ASSERT_EQUAL(failed, 1);
	/* the group is over for this board */
	put(r, MAC_H, MAC_B, GSESSION + 1, 3, FC_GROUP_QUERY, NULL, 0);
	expect_error(r, NOTICE_NONE, D_LEFT);
	put(r, MAC_H, GMAC, GSESSION + 1, 3, FC_GROUP_DATA, g2.data + 2000, 1000);
	expect_none(r);
	free(g1.data);
	free(g2.data);
	rig_free(r);
}

static void test_leave(void)
{
	struct rig *r = rig_new();
	struct gfile g;

	gfile_init(&g, 4000, 1000, 4, 9);
	join_ok(r, &g);
	data(r, &g, 1);
	put(r, MAC_H, GMAC, GSESSION, 0, FC_GROUP_LEAVE, NULL, 0);
	expect(r, FC_GROUP_LEAVE_ACK);
	CU_ASSERT_EQUAL(memcmp(r->f.dst, MAC_H, 6), 0);
	CU_ASSERT(sess_board_idle(&r->b));
	CU_ASSERT_EQUAL(sess_board_device(&r->b)->dl, DEV_DL_NONE);
	CU_ASSERT_PTR_NULL(dev_image(sess_board_device(&r->b), FT_CONFIG, DEV_ACTIVE));
	put(r, MAC_H, MAC_B, GSESSION, 0, FC_GROUP_LEAVE, NULL, 0);
	expect(r, FC_GROUP_LEAVE_ACK);
	put_w(r, 0, FC_GROUP_VERIFY, NULL);
	expect_error(r, NOTICE_NONE, D_LEFT);
	join(r, &g, GSESSION, 0); /* a late copy of the JOIN: the group is over */
	expect_none(r);
	free(g.data);
	rig_free(r);
}

static void test_never_joined(void)
{
	struct rig *r = rig_new();
	uint8_t d[8] = {0};

	put_w(r, 4, FC_GROUP_QUERY, NULL);
	expect_error(r, NOTICE_NONE, D_LEFT);
	CU_ASSERT_EQUAL(r->f.session, GSESSION);
	put_w(r, 0, FC_GROUP_VERIFY, NULL);
	expect_error(r, NOTICE_NONE, D_LEFT);
	put(r, MAC_H, GMAC, GSESSION, 1, FC_GROUP_DATA, d, sizeof(d));
	put(r, MAC_H, GMAC, GSESSION, 0, FC_GROUP_PARITY, d, sizeof(d));
	expect_none(r);
	put(r, MAC_H, GMAC, GSESSION, 0, FC_GROUP_LEAVE, NULL, 0);
	expect(r, FC_GROUP_LEAVE_ACK);
	CU_ASSERT(sess_board_idle(&r->b));
	rig_free(r);
}

static void test_verify_crc_fails(void)
{
	struct rig *r = rig_new();
	struct gfile g1, g2;
	uint8_t d[1500];
	struct tlv_writer w;
	uint64_t n;

	gfile_init(&g1, 3000, 1000, 4, 10);
	gfile_init(&g2, 3000, 1000, 4, 11);
	group_download(r, &g1);
	join_tlv(&w, d, sizeof(d), &g2, GMAC, 0x12345678, 0);
	put(r, MAC_H, MAC_B, GSESSION + 1, 0, FC_GROUP_JOIN, d, w.len);
	expect(r, FC_GROUP_JOIN_ACK);
	for (uint32_t s = 1; s <= 3; s++)
		put(r, MAC_H, GMAC, GSESSION + 1, s, FC_GROUP_DATA, g2.data + (s - 1) * 1000, 1000);
	put(r, MAC_H, MAC_B, GSESSION + 1, 0, FC_GROUP_VERIFY, NULL, 0);
	expect_error(r, NOTICE_FILE_CRC, D_FILE_CRC);
	CU_ASSERT(sess_board_idle(&r->b));
	put(r, MAC_H, MAC_B, GSESSION + 1, 0, FC_GROUP_VERIFY, NULL, 0);
	expect_error(r, NOTICE_FILE_CRC, D_FILE_CRC);
	CU_ASSERT_EQUAL(memcmp(stored(r, DEV_ACTIVE, &n), g1.data, g1.size), 0);
	free(g1.data);
	free(g2.data);
	rig_free(r);
}

static void test_package_activate(void)
{
	struct rig *r = rig_new();
	struct gfile p;
	uint8_t d[32];
	struct tlv_writer w;

	gfile_package(&p, "acme", "2.0", 5000, 1400, 4);
	join_ok(r, &p);
	/* ACTIVATE before GROUP_DONE does not fit */
	for (uint32_t s = 1; s <= p.frames; s++)
		if (s != 2)
			data(r, &p, s);
	parity(r, &p, 0, 1);
	tlv_writer_init(&w, d, sizeof(d));
	tlv_put_u8(&w, T_TYPE, FT_CONFIG);
	put_w(r, 0, FC_ACT_QUERY, &w);
	expect(r, FC_ACT_STATE);
	put_w(r, 0, FC_INFO, NULL);
	expect(r, FC_INFO_ACK);
	CU_ASSERT(tlv_u(&r->f, T_CAPS) & CAP_GROUP);
	verify_done(r, &p, DEV_STAGED);
	CU_ASSERT_PTR_NULL(dev_image(sess_board_device(&r->b), FT_CONFIG, DEV_ACTIVE));
	tlv_put_u8(&w, T_ACT_MODE, 1);
	put_w(r, 0, FC_ACTIVATE, &w);
	expect(r, FC_ACT_STATE);
	CU_ASSERT_EQUAL(tlv_u(&r->f, T_ACT_STATE), ACT_ACTIVATED);
	put_w(r, 0, FC_ACTIVATE, &w); /* repeated: the same answer, nothing changes */
	expect(r, FC_ACT_STATE);
	CU_ASSERT_EQUAL(tlv_u(&r->f, T_ACT_STATE), ACT_ACTIVATED);
	CU_ASSERT_PTR_NOT_NULL(dev_image(sess_board_device(&r->b), FT_CONFIG, DEV_ACTIVE));
	CU_ASSERT_PTR_NULL(dev_image(sess_board_device(&r->b), FT_CONFIG, DEV_STAGED));
	put_w(r, 0, FC_GROUP_LEAVE, NULL);
	expect(r, FC_GROUP_LEAVE_ACK);
	/* the active package is untouched by the leave */
	CU_ASSERT_PTR_NOT_NULL(dev_image(sess_board_device(&r->b), FT_CONFIG, DEV_ACTIVE));
	free(p.data);
	rig_free(r);
}

static void test_activate_before_done(void)
{
	struct rig *r = rig_new();
	struct gfile p;
	uint8_t d[32];
	struct tlv_writer w;

	gfile_package(&p, "acme", "2.0", 3000, 1000, 4);
	join_ok(r, &p);
	tlv_writer_init(&w, d, sizeof(d));
	tlv_put_u8(&w, T_TYPE, FT_CONFIG);
	tlv_put_u8(&w, T_ACT_MODE, 1);
	put_w(r, 0, FC_ACTIVATE, &w);
	expect_error(r, NOTICE_WRONG_COMMAND, D_UNEXPECTED_CODE);
	CU_ASSERT(sess_board_idle(&r->b));
	CU_ASSERT_EQUAL(sess_board_device(&r->b)->dl, DEV_DL_NONE);
	free(p.data);
	rig_free(r);
}

static void test_empty_file(void)
{
	struct rig *r = rig_new();
	struct gfile g;

	gfile_init(&g, 0, 1000, 8, 1);
	join_ok(r, &g);
	query(r, 1, 1, 0);
	CU_ASSERT_EQUAL(tlv_u(&r->f, T_HAVE), 0);
	CU_ASSERT_PTR_NULL(tlv_find(r->f.data, r->f.len, T_NEEDS, 0, NULL));
	verify_done(r, &g, DEV_ACTIVE);
	free(g.data);
	rig_free(r);
}

static CU_TestInfo tests[] = {
	{"discovery: answers spread over the window, none early", test_discover_spread},
	{"discovery: one answer per repeat, T_HEARD silences", test_discover_repeats},
	{"discovery: vendor/model filter, broadcast, in a session, strict", test_discover_filters},
	{"join: refusals (group address, K, block, size, package)", test_join_refused},
	{"join: busy, repeated, superseded", test_join_busy},
	{"data with gaps: exact needs; parity decodes the exact bytes", test_gaps_parity},
	{"status: needs and bitmaps fill one frame and page on", test_needs_paging},
	{"idle timer: ERROR TIMEOUT, download dropped, active kept", test_idle_timeout},
	{"leave: acknowledged, download dropped, later questions D_LEFT", test_leave},
	{"a board not in the group: D_LEFT, LEAVE_ACK", test_never_joined},
	{"verify: a CRC mismatch is FILE_CRC and the active file stays", test_verify_crc_fails},
	{"package: staged by the group, then activated", test_package_activate},
	{"ACTIVATE before GROUP_DONE does not fit", test_activate_before_done},
	{"an empty file", test_empty_file},
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{"group_board", NULL, NULL, NULL, NULL, tests},
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return cunit_run(suites);
}
