/* SPDX-License-Identifier: MIT */
/*
 * The host's side of the group download (PROTOCOL.md §8): discovery,
 * target selection, and the group machine run against real board machines
 * (session/board.c over mem_devstore) on an in-memory segment (nic/hub.c),
 * each board's port losing frames at its own rate (nic impair), on a fake
 * clock: nothing sleeps.
 *
 * Set ETHDL_TEST_VERBOSE=1 to see what the machines log.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board.h"
#include "cunit_main.h"
#include "discover.h"
#include "fault.h"
#include "frame.h"
#include "host_group.h"
#include "mem_devstore.h"
#include "nic.h"
#include "pkg.h"
#include "pkg_digest.h"
#include "proto.h"
#include "select_targets.h"

#define MTU	 1500u
#define MAXB	 8
#define SEC	 1000000ull
#define GSESSION 0x67726f75u
#define PROBE_ID 0x70726f62u

static const uint8_t GMAC[6] = {0x03, 0x00, 0x5e, 0x00, 0x10, 0x01};
static const uint8_t DISC[6] = FRAME_DISCOVER_MAC;

static void test_log(void *ctx, const char *msg)
{
	if (getenv("ETHDL_TEST_VERBOSE"))
		fprintf(stderr, "    [%s] %s\n", (const char *)ctx, msg);
}

/* ---- the rig: a host on port 0, boards on ports 1..n ---- */

struct bspec {
	const char *vendor;
	double loss;	     /* frames the board's port drops on receive */
	int absent;	     /* no board runs on this port */
	int strict;	     /* no extensions: no CAP_GROUP */
	unsigned mute_after; /* falls silent after receiving this many frames */
};

struct rig {
	unsigned long wakes; /* times the clock moved on */
	struct nic_hub *hub;
	struct nic *hn;
	unsigned nb;
	struct nic *bn[MAXB];
	struct devstore st[MAXB];
	struct sess_board b[MAXB];
	int live[MAXB];
	uint8_t mac[MAXB][6];
	char serial[MAXB][16];
	uint64_t now;
	/* the file */
	uint8_t *data;
	size_t size;
	uint8_t hdr[1500];
	size_t hdr_len;
	struct sess_source src;
};

static int mem_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct rig *r = ctx;

	if (off > r->size || len > r->size - off)
		return -EIO;
	memcpy(buf, r->data + off, len);
	return 0;
}

static void fill(uint8_t *p, size_t n, uint32_t seed)
{
	uint32_t x = seed * 2654435761u + 1;

	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (uint8_t)x;
	}
}

static struct rig *rig_new(const struct bspec *spec, unsigned nb, uint64_t seed)
{
	struct rig *r = calloc(1, sizeof(*r));

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_FATAL(nb <= MAXB);
	CU_ASSERT_EQUAL_FATAL(nic_hub_new(&r->hub, nb + 1, MTU, 8192), 0);
	r->hn = nic_hub_port(r->hub, 0);
	r->nb = nb;
	r->now = 10 * SEC;
	for (unsigned i = 0; i < nb; i++) {
		struct nic *port = nic_hub_port(r->hub, i + 1);
		struct sess_board_config bc = {0};

		memcpy(r->mac[i], port->mac, 6);
		if (spec[i].absent)
			continue;
		if (spec[i].loss > 0) {
			struct nic_impair p = {.drop = spec[i].loss, .seed = seed + i, .on_rx = 1};

			CU_ASSERT_EQUAL_FATAL(nic_impair_wrap(&r->bn[i], port, &p), 0);
		} else {
			r->bn[i] = port;
		}
		if (spec[i].mute_after) {
			struct nic_fault fl = {.mute_after = spec[i].mute_after};
			struct nic *w;

			CU_ASSERT_EQUAL_FATAL(nic_fault_wrap(&w, r->bn[i], &fl), 0);
			r->bn[i] = w;
		}
		CU_ASSERT_EQUAL_FATAL(mem_devstore_open(&r->st[i]), 0);
		snprintf(r->serial[i], sizeof(r->serial[i]), "s%u", i + 1);
		bc.nic = r->bn[i];
		bc.store = &r->st[i];
		bc.vendor = spec[i].vendor ? spec[i].vendor : "acme";
		bc.model = "m1";
		bc.serial = r->serial[i];
		bc.seed = seed * 31 + i + 1;
		bc.strict = spec[i].strict;
		bc.log = test_log;
		bc.log_ctx = "board";
		CU_ASSERT_EQUAL_FATAL(sess_board_init(&r->b[i], &bc), 0);
		/* as ethdl-board does: a board with the extension listens for discovery */
		if (!spec[i].strict)
			CU_ASSERT_EQUAL_FATAL(nic_join(r->bn[i], DISC), 0);
		sess_board_poll(&r->b[i], r->now);
		r->live[i] = 1;
	}
	r->src.read = mem_read;
	r->src.ctx = r;
	return r;
}

static void rig_free(struct rig *r)
{
	for (unsigned i = 0; i < r->nb; i++) {
		if (r->live[i]) {
			sess_board_dispose(&r->b[i]);
			mem_devstore_close(&r->st[i]);
		}
		/* a board's nic (an impair wrapper owns its port), or the bare port */
		nic_close(r->bn[i] ? r->bn[i] : nic_hub_port(r->hub, i + 1));
	}
	nic_close(r->hn);
	nic_hub_free(r->hub);
	free(r->data);
	free(r);
}

static void plain_file(struct rig *r, size_t size, uint32_t seed)
{
	r->data = malloc(size);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r->data);
	fill(r->data, size, seed);
	r->size = size;
	r->hdr_len = 0;
}

/* A package for acme/m1 at version v, of an image of `image` bytes. */
static void package_file(struct rig *r, const char *v, size_t image)
{
	struct pkg_header h = {.type = FT_CONFIG, .build_time = 1700000000, .image_size = image};
	uint8_t *img = malloc(image);
	int len;

	CU_ASSERT_PTR_NOT_NULL_FATAL(img);
	fill(img, image, 77);
	snprintf(h.vendor, sizeof(h.vendor), "acme");
	snprintf(h.model, sizeof(h.model), "m1");
	CU_ASSERT_EQUAL_FATAL(pkg_version_parse(v, &h.version), 0);
	CU_ASSERT_EQUAL_FATAL(pkg_sha256_buf(img, image, h.sha256), 0);
	len = pkg_header_write(&h, NULL, 0, r->hdr, sizeof(r->hdr));
	CU_ASSERT_FATAL(len > 0);
	r->hdr_len = (size_t)len;
	r->size = (size_t)len + image;
	r->data = malloc(r->size);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r->data);
	memcpy(r->data, r->hdr, r->hdr_len);
	memcpy(r->data + len, img, image);
	free(img);
}

/* Deliver everything waiting, poll every machine, move the clock to the
 * next deadline when nothing moved. host_* are the host machine's calls. */
struct host_ops {
	void (*input)(void *m, const uint8_t *buf, size_t len, uint64_t now);
	void (*poll)(void *m, uint64_t now);
	uint64_t (*deadline)(const void *m);
	int (*done)(const void *m);
	void *m;
};

static uint64_t sent_frames(const struct rig *r)
{
	uint64_t n = r->hn->stats.tx_frames;

	for (unsigned i = 0; i < r->nb; i++)
		if (r->live[i])
			n += r->bn[i]->stats.tx_frames;
	return n;
}

static void run(struct rig *r, const struct host_ops *h, uint64_t limit_us)
{
	uint64_t end = r->now + limit_us, sent;

	while (!h->done(h->m) && r->now < end) {
		const uint8_t *buf;
		size_t len;
		int moved = 0;
		uint64_t next;

		while (nic_recv(r->hn, &buf, &len) == 1) {
			h->input(h->m, buf, len, r->now);
			moved = 1;
		}
		for (unsigned i = 0; i < r->nb; i++) {
			if (!r->live[i])
				continue;
			/* frames the port received but nobody runs on: drained */
			while (nic_recv(r->bn[i], &buf, &len) == 1) {
				sess_board_input(&r->b[i], buf, len, r->now);
				moved = 1;
			}
		}
		for (unsigned i = 0; i < r->nb; i++)
			if (!r->live[i]) {
				struct nic *p = nic_hub_port(r->hub, i + 1);

				while (nic_recv(p, &buf, &len) == 1)
					;
			}
		sent = sent_frames(r);
		h->poll(h->m, r->now);
		for (unsigned i = 0; i < r->nb; i++)
			if (r->live[i])
				sess_board_poll(&r->b[i], r->now);
		/* what was sent now is delivered now, before the clock moves */
		if (moved || sent_frames(r) != sent || h->done(h->m))
			continue;
		next = h->deadline(h->m);
		for (unsigned i = 0; i < r->nb; i++)
			if (r->live[i]) {
				uint64_t d = sess_board_next_deadline(&r->b[i]);

				if (d < next)
					next = d;
			}
		r->now = next > r->now ? next : r->now + 1;
		if (r->now > end)
			r->now = end;
		r->wakes++;
	}
}

/* ---- the group machine's adaptors ---- */

static void g_input(void *m, const uint8_t *buf, size_t len, uint64_t now)
{
	sess_group_input(m, buf, len, now);
}
static void g_poll(void *m, uint64_t now)
{
	sess_group_poll(m, now);
}
static uint64_t g_deadline(const void *m)
{
	return sess_group_next_deadline(m);
}
static int g_done(const void *m)
{
	return sess_group_done(m);
}

static void group_config(struct rig *r, struct sess_group_config *c)
{
	memset(c, 0, sizeof(*c));
	c->nic = r->hn;
	c->boards = (const uint8_t(*)[6])r->mac;
	c->nboards = r->nb;
	memcpy(c->group_mac, GMAC, 6);
	c->session_id = GSESSION;
	c->type = FT_CONFIG;
	c->name = "file.bin";
	c->size = r->size;
	c->crc = frame_crc32(0, r->data, r->size);
	CU_ASSERT_EQUAL_FATAL(pkg_sha256_buf(r->data, r->size, c->sha256), 0);
	c->src = &r->src;
	c->pkg_hdr = r->hdr_len ? r->hdr : NULL;
	c->pkg_hdr_len = r->hdr_len;
	c->rate_bps = 100000000;
	c->log = test_log;
	c->log_ctx = "host";
}

static struct sess_group *run_group(struct rig *r, const struct sess_group_config *c)
{
	struct sess_group *g = calloc(1, sizeof(*g));
	struct host_ops h = {g_input, g_poll, g_deadline, g_done, g};

	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	CU_ASSERT_EQUAL_FATAL(sess_group_init(g, c), 0);
	sess_group_start(g, r->now);
	run(r, &h, 600 * SEC);
	CU_ASSERT_FATAL(sess_group_done(g));
	return g;
}

/* Board i holds the file (or package) as its image of role. */
static int holds(struct rig *r, unsigned i, enum dev_role role)
{
	const struct dev_image *im = dev_image(sess_board_device(&r->b[i]), FT_CONFIG, role);
	uint64_t size;
	int type;
	const uint8_t *bytes;

	if (!im)
		return 0;
	bytes = mem_devstore_image(&r->st[i], im->id, &size, &type);
	return bytes && size == r->size && !memcmp(bytes, r->data, r->size);
}

static int exit_of(struct sess_group *g, unsigned i, struct sess_result *res)
{
	sess_group_result(g, i, res);
	return sess_exit_code(res);
}

static void free_group(struct sess_group *g)
{
	sess_group_dispose(g);
	free(g);
}

/* ---- group download ---- */

/* Four boards at 0, 2, 5 and 10 % loss: every one ends with the file, by
 * one pass and coded repair, with few frames beyond the blocks. */
static void test_all_identical(void)
{
	const struct bspec spec[] = {{0}, {.loss = 0.02}, {.loss = 0.05}, {.loss = 0.10}};
	struct rig *r = rig_new(spec, 4, 1);
	struct sess_group_config c;
	struct sess_group_stats st;
	struct sess_result res;
	struct sess_group *g;

	plain_file(r, 700 * 1000, 5);
	group_config(r, &c);
	c.k = 32;
	g = run_group(r, &c);
	sess_group_stats(g, &st);
	for (unsigned i = 0; i < 4; i++) {
		CU_ASSERT_EQUAL(exit_of(g, i, &res), 0);
		CU_ASSERT(holds(r, i, DEV_ACTIVE));
		CU_ASSERT(sess_group_joined(g, i));
	}
	CU_ASSERT_EQUAL(st.joined, 4);
	CU_ASSERT_EQUAL(st.data_frames, st.blocks);
	/* paced at 100 Mbit/s counting whole frames: 1508 bytes but the last,
	 * a batch (1 ms) per wake-up: about 58 for the data pass, not one a
	 * frame (474) */
	CU_ASSERT(st.data_us >= (st.blocks - 1) * 1508ull * 8 / 100 &&
		  st.data_us <= st.blocks * 1508ull * 8 / 100 + 1000);
	if (getenv("ETHDL_TEST_VERBOSE"))
		fprintf(stderr, "%lu wake-ups, %u blocks, data pass %llu us\n", r->wakes, st.blocks,
			(unsigned long long)st.data_us);
	CU_ASSERT(r->wakes < st.blocks / 3);
	CU_ASSERT(st.parity_group > 0);
	CU_ASSERT_EQUAL(st.resent_group + st.resent_unicast, 0);
	CU_ASSERT(st.rounds >= 1 && st.rounds <= 3);
	/* coded repair: what the neediest (10 %) board lost, grown by the
	 * loss, not the union of every board's losses */
	CU_ASSERT(st.data_frames + st.parity_group + st.parity_unicast <= st.blocks * 125 / 100);
	CU_ASSERT_EQUAL(st.state_per_board, sizeof(struct sess_group_board) + st.generations + 1);
	free_group(g);
	rig_free(r);
}

/* Eight boards at 5 % each (the cell, smaller): every one ends
 * with the file, and data and parity frames stay within 1.12 × the blocks
 * (a union resend would send about 1.3 ×). */
static void test_eight_at_five(void)
{
	struct bspec spec[8];
	struct rig *r;
	struct sess_group_config c;
	struct sess_group_stats st;
	struct sess_result res;
	struct sess_group *g;

	memset(spec, 0, sizeof(spec));
	for (unsigned i = 0; i < 8; i++)
		spec[i].loss = 0.05;
	r = rig_new(spec, 8, 11);
	plain_file(r, 3u << 20, 12);
	group_config(r, &c);
	g = run_group(r, &c);
	sess_group_stats(g, &st);
	for (unsigned i = 0; i < 8; i++) {
		CU_ASSERT_EQUAL(exit_of(g, i, &res), 0);
		CU_ASSERT(holds(r, i, DEV_ACTIVE));
	}
	CU_ASSERT(st.data_frames + st.parity_group + st.parity_unicast <= st.blocks * 112 / 100);
	CU_ASSERT(st.rounds <= 3);
	free_group(g);
	rig_free(r);
}

/* One board at 20 %, the rest clean: it alone lags, so it is served point
 * to point and the group gets no parity it does not need. */
static void test_one_laggard(void)
{
	const struct bspec spec[] = {{0}, {0}, {.loss = 0.20}, {0}};
	struct rig *r = rig_new(spec, 4, 2);
	struct sess_group_config c;
	struct sess_group_stats st;
	struct sess_result res;
	struct sess_group *g;

	plain_file(r, 400 * 1000, 6);
	group_config(r, &c);
	g = run_group(r, &c);
	sess_group_stats(g, &st);
	for (unsigned i = 0; i < 4; i++) {
		CU_ASSERT_EQUAL(exit_of(g, i, &res), 0);
		CU_ASSERT(holds(r, i, DEV_ACTIVE));
	}
	/* the laggard's parity goes point to point; the group gets at most what
	 * it needs once the laggard is no longer far behind */
	CU_ASSERT(st.parity_unicast > st.blocks / 10);
	CU_ASSERT(st.parity_group < st.blocks / 50);
	free_group(g);
	rig_free(r);
}

/* A package: a board of another vendor refuses GROUP_JOIN (exit 17), a
 * port with no board is given up (CONNECT_FAILED, exit 11); the others
 * stage the package and activate it. */
static void test_refusal_and_silence(void)
{
	const struct bspec spec[] = {{0}, {.vendor = "other"}, {.absent = 1}, {.loss = 0.05}};
	struct rig *r = rig_new(spec, 4, 3);
	struct sess_group_config c;
	struct sess_group_stats st;
	struct sess_result res;
	struct sess_group *g;

	package_file(r, "2.0", 300 * 1000);
	group_config(r, &c);
	c.activate = SESS_ACT_NOW;
	g = run_group(r, &c);
	sess_group_stats(g, &st);
	CU_ASSERT_EQUAL(exit_of(g, 0, &res), 0);
	CU_ASSERT_EQUAL(sess_group_act_state(g, 0), ACT_ACTIVATED);
	CU_ASSERT(holds(r, 0, DEV_ACTIVE));
	CU_ASSERT_EQUAL(exit_of(g, 1, &res), 17);
	CU_ASSERT_EQUAL(res.detail, D_POLICY);
	CU_ASSERT(res.by_board);
	CU_ASSERT(!sess_group_joined(g, 1));
	CU_ASSERT_EQUAL(exit_of(g, 2, &res), 11);
	CU_ASSERT_EQUAL(res.notice, NOTICE_CONNECT_FAILED);
	CU_ASSERT_EQUAL(exit_of(g, 3, &res), 0);
	CU_ASSERT(holds(r, 3, DEV_ACTIVE));
	CU_ASSERT_EQUAL(st.joined, 2);
	free_group(g);
	rig_free(r);
}

/* Activation in the group session: one board's health check passes after a
 * while (ACT_QUERY until it does), another's fails: rolled back, exit 18. */
static void test_activation_rolled_back(void)
{
	const struct bspec spec[] = {{0}, {0}};
	struct rig *r = rig_new(spec, 2, 12);
	struct sess_group_config c;
	struct sess_result res;
	struct sess_group *g;

	/* the first image is confirmed as it is: nothing to go back to */
	package_file(r, "1.0", 50 * 1000);
	group_config(r, &c);
	c.activate = SESS_ACT_NOW;
	g = run_group(r, &c);
	CU_ASSERT_EQUAL(exit_of(g, 0, &res), 0);
	CU_ASSERT_EQUAL(exit_of(g, 1, &res), 0);
	free_group(g);
	free(r->data);
	r->data = NULL;
	mem_devstore_set_health(&r->st[0], MEM_HEALTH_PASS, 5, 2000);
	mem_devstore_set_health(&r->st[1], MEM_HEALTH_FAIL, 3, 2000);
	package_file(r, "3.1", 100 * 1000);
	group_config(r, &c);
	c.activate = SESS_ACT_NOW;
	c.session_id++;
	g = run_group(r, &c);
	CU_ASSERT_EQUAL(exit_of(g, 0, &res), 0);
	CU_ASSERT_EQUAL(sess_group_act_state(g, 0), ACT_ACTIVATED);
	CU_ASSERT(holds(r, 0, DEV_ACTIVE));
	CU_ASSERT_EQUAL(exit_of(g, 1, &res), 18);
	CU_ASSERT(res.rolled_back);
	CU_ASSERT_EQUAL(sess_group_act_state(g, 1), ACT_ROLLED_BACK);
	CU_ASSERT_FALSE(holds(r, 1, DEV_ACTIVE));
	free_group(g);
	rig_free(r);
}

/* A board that falls silent in the middle of the data pass: its status is
 * asked 5 times, then it is given up (TIMEOUT, nothing heard); the other
 * ends well and no parity is sent for the silent one. */
static void test_silent_after_join(void)
{
	const struct bspec spec[] = {{0}, {.mute_after = 100}};
	struct rig *r = rig_new(spec, 2, 13);
	struct sess_group_config c;
	struct sess_group_stats st;
	struct sess_result res;
	struct sess_group *g;
	uint64_t t0 = r->now;

	plain_file(r, 400 * 1000, 14);
	group_config(r, &c);
	g = run_group(r, &c);
	sess_group_stats(g, &st);
	CU_ASSERT_EQUAL(exit_of(g, 0, &res), 0);
	CU_ASSERT(holds(r, 0, DEV_ACTIVE));
	CU_ASSERT_EQUAL(exit_of(g, 1, &res), 10 + NOTICE_TIMEOUT);
	CU_ASSERT_EQUAL(res.detail, D_SILENCE);
	CU_ASSERT(sess_group_joined(g, 1));
	CU_ASSERT_EQUAL(st.parity_group + st.parity_unicast, 0);
	/* five queries, 200 ms after the first, then twice as long each time
	 * up to 1.6 s: given up 4.6 s after the first, and no waiting beyond */
	CU_ASSERT(r->now - t0 < 6 * SEC);
	free_group(g);
	rig_free(r);
}

/* --repair resend: missed blocks again, no parity; the same end. */
static void test_resend(void)
{
	const struct bspec spec[] = {{.loss = 0.05}, {.loss = 0.05}, {.loss = 0.10}};
	struct rig *r = rig_new(spec, 3, 4);
	struct sess_group_config c;
	struct sess_group_stats st;
	struct sess_result res;
	struct sess_group *g;

	plain_file(r, 500 * 1000, 7);
	group_config(r, &c);
	c.repair = SESS_REPAIR_RESEND;
	g = run_group(r, &c);
	sess_group_stats(g, &st);
	for (unsigned i = 0; i < 3; i++) {
		CU_ASSERT_EQUAL(exit_of(g, i, &res), 0);
		CU_ASSERT(holds(r, i, DEV_ACTIVE));
	}
	CU_ASSERT_EQUAL(st.parity_group + st.parity_unicast, 0);
	CU_ASSERT(st.resent_group > 0);
	CU_ASSERT(st.resent_unicast > 0);
	/* never more than every board's misses */
	CU_ASSERT(st.resent_group + st.resent_unicast < st.blocks * 30 / 100);
	free_group(g);
	rig_free(r);
}

/* One round allowed, a board at 40 %: it is given up with TIMEOUT, detail
 * D_ROUNDS, and keeps its old file; the clean board ends well. */
static void test_rounds_bounded(void)
{
	const struct bspec spec[] = {{0}, {.loss = 0.40}};
	struct rig *r = rig_new(spec, 2, 5);
	struct sess_group_config c;
	struct sess_group_stats st;
	struct sess_result res;
	struct sess_group *g;

	plain_file(r, 300 * 1000, 8);
	group_config(r, &c);
	c.repair = SESS_REPAIR_RESEND;
	c.rounds = 1;
	g = run_group(r, &c);
	sess_group_stats(g, &st);
	CU_ASSERT_EQUAL(exit_of(g, 0, &res), 0);
	CU_ASSERT(holds(r, 0, DEV_ACTIVE));
	CU_ASSERT_EQUAL(exit_of(g, 1, &res), 10 + NOTICE_TIMEOUT);
	CU_ASSERT_EQUAL(res.detail, D_ROUNDS);
	CU_ASSERT(!holds(r, 1, DEV_ACTIVE));
	CU_ASSERT_EQUAL(st.rounds, 1);
	free_group(g);
	rig_free(r);
}

/* Interrupted during the data pass: every board is told to leave and its
 * result is the local failure. */
static void test_abort(void)
{
	const struct bspec spec[] = {{0}, {0}};
	struct rig *r = rig_new(spec, 2, 6);
	struct sess_group_config c;
	struct sess_group *g = calloc(1, sizeof(*g));
	struct host_ops h = {g_input, g_poll, g_deadline, g_done, g};
	struct sess_result res;

	plain_file(r, 2000 * 1000, 9);
	group_config(r, &c);
	CU_ASSERT_EQUAL_FATAL(sess_group_init(g, &c), 0);
	sess_group_start(g, r->now);
	run(r, &h, 30000); /* 30 ms: joined, data going */
	CU_ASSERT_FALSE(sess_group_done(g));
	sess_group_abort(g, -EINTR, "interrupted", r->now);
	CU_ASSERT(sess_group_done(g));
	CU_ASSERT_EQUAL(exit_of(g, 0, &res), 1);
	CU_ASSERT_EQUAL(res.local, -EINTR);
	CU_ASSERT_STRING_EQUAL(res.text, "interrupted");
	free_group(g);
	rig_free(r);
}

static void test_config_refused(void)
{
	const struct bspec spec[] = {{0}};
	struct rig *r = rig_new(spec, 1, 7);
	struct sess_group_config c;
	struct sess_group g;
	static const uint8_t disc[6] = FRAME_DISCOVER_MAC;
	static const uint8_t uni[6] = {0x02, 0, 0, 0, 0, 9};

	plain_file(r, 1000, 1);
	group_config(r, &c);
	memcpy(c.group_mac, disc, 6);
	CU_ASSERT_EQUAL(sess_group_init(&g, &c), -EINVAL);
	memcpy(c.group_mac, uni, 6);
	CU_ASSERT_EQUAL(sess_group_init(&g, &c), -EINVAL);
	memcpy(c.group_mac, GMAC, 6);
	c.block = MTU - 21; /* a parity frame would not fit */
	CU_ASSERT_EQUAL(sess_group_init(&g, &c), -EINVAL);
	c.block = 0;
	CU_ASSERT_EQUAL(sess_group_init(&g, &c), 0);
	CU_ASSERT_EQUAL(g.block, MTU - 27);
	sess_group_dispose(&g);
	/* 16 MiB at MTU 1500: 11391 blocks, 89 generations */
	CU_ASSERT(sess_group_state_per_board(16u << 20, MTU - 27, 128) <= 200);
	rig_free(r);
}

/* ---- discovery ---- */

static void d_input(void *m, const uint8_t *buf, size_t len, uint64_t now)
{
	sess_disc_input(m, buf, len, now);
}
static void d_poll(void *m, uint64_t now)
{
	sess_disc_poll(m, now);
}
static uint64_t d_deadline(const void *m)
{
	return sess_disc_next_deadline(m);
}
static int d_done(const void *m)
{
	return sess_disc_done(m);
}

static void disc_config(struct rig *r, struct sess_disc_config *c)
{
	memset(c, 0, sizeof(*c));
	c->nic = r->hn;
	c->probe_id = PROBE_ID;
	c->log = test_log;
	c->log_ctx = "discover";
}

/* Boards that answer, once each, with identity and images; a lossy one is
 * still found by a repeat; a strict board (no CAP_GROUP) is silent. */
static void test_discover_boards(void)
{
	const struct bspec spec[] = {{0}, {.loss = 0.5}, {.vendor = "other"}, {.strict = 1}};
	struct rig *r = rig_new(spec, 4, 8);
	struct sess_disc_config c;
	struct sess_disc d;
	struct host_ops h = {d_input, d_poll, d_deadline, d_done, &d};
	const struct sess_disc_board *b;
	uint64_t t0 = r->now;
	uint8_t want[2][6];
	size_t n;

	disc_config(r, &c);
	CU_ASSERT_EQUAL_FATAL(sess_disc_init(&d, &c), 0);
	sess_disc_start(&d, r->now);
	run(r, &h, 10 * SEC);
	CU_ASSERT(sess_disc_done(&d));
	/* three windows of 500 ms */
	CU_ASSERT(r->now - t0 >= 1500000 && r->now - t0 < 1600000);
	b = sess_disc_boards(&d, &n);
	CU_ASSERT_EQUAL_FATAL(n, 3);
	for (size_t i = 0; i < n; i++) {
		CU_ASSERT(b[i].info.caps & CAP_GROUP);
		CU_ASSERT(memcmp(b[i].mac, r->mac[3], 6) != 0);
		CU_ASSERT_STRING_EQUAL(b[i].info.model, "m1");
	}
	CU_ASSERT_EQUAL(d.duplicates, 0); /* heard boards were named in T_HEARD */
	sess_disc_dispose(&d);

	/* with a vendor filter, the other vendor stays silent */
	c.vendor = "other";
	c.probe_id++;
	CU_ASSERT_EQUAL_FATAL(sess_disc_init(&d, &c), 0);
	sess_disc_start(&d, r->now);
	run(r, &h, 10 * SEC);
	b = sess_disc_boards(&d, &n);
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT_EQUAL(memcmp(b[0].mac, r->mac[2], 6), 0);
	CU_ASSERT_STRING_EQUAL(b[0].info.vendor, "other");
	CU_ASSERT_STRING_EQUAL(b[0].info.serial, "s3");
	sess_disc_dispose(&d);

	/* looking for two boards (not the lossy one): done once both answered,
	 * within the first window, not after three */
	memcpy(want[0], r->mac[0], 6);
	memcpy(want[1], r->mac[2], 6);
	c.vendor = NULL;
	c.probe_id++;
	c.want = (const uint8_t(*)[6])want;
	c.nwant = 2;
	t0 = r->now;
	CU_ASSERT_EQUAL_FATAL(sess_disc_init(&d, &c), 0);
	sess_disc_start(&d, r->now);
	run(r, &h, 10 * SEC);
	CU_ASSERT(sess_disc_done(&d));
	CU_ASSERT(r->now - t0 < 500000);
	CU_ASSERT_EQUAL(d.sent, 1);
	sess_disc_boards(&d, &n);
	CU_ASSERT(n >= 2);
	sess_disc_dispose(&d);
	rig_free(r);
}

static void put_ack(struct nic *from, const uint8_t to[6], uint32_t probe, uint32_t seq,
		    const char *vendor)
{
	uint8_t d[128], buf[FRAME_BUF_MAX];
	struct tlv_writer w;
	struct frame f = {
		.version = FRAME_VERSION, .session = probe, .seq = seq, .code = FC_DISCOVER_ACK};
	int n;

	tlv_writer_init(&w, d, sizeof(d));
	tlv_put_str(&w, T_VENDOR, vendor);
	tlv_put_str(&w, T_MODEL, "m1");
	tlv_put_u32(&w, T_CAPS, CAP_GROUP);
	f.data = d;
	f.len = (uint16_t)w.len;
	memcpy(f.dst, to, 6);
	memcpy(f.src, from->mac, 6);
	n = frame_encode(buf, sizeof(buf), &f, FRAME_ETHERTYPE_DEFAULT);
	CU_ASSERT_FATAL(n > 0);
	CU_ASSERT_EQUAL(nic_send(from, buf, (size_t)n), 0);
}

/* Answers by hand: a second answer of the same board is merged, one to
 * another probe is ignored, a malformed one is refused; T_HEARD names the
 * boards heard, at most 42 to a TLV, as many as fit one frame. */
static void test_discover_dedup_heard(void)
{
	const struct bspec spec[] = {{.absent = 1}, {.absent = 1}};
	struct rig *r = rig_new(spec, 2, 9);
	struct nic *p1 = nic_hub_port(r->hub, 1), *p2 = nic_hub_port(r->hub, 2);
	struct sess_disc_config c;
	struct sess_disc d;
	uint8_t buf[FRAME_BUF_MAX];
	const uint8_t *in;
	size_t listed, len, l, n;
	struct frame f;
	const uint8_t *v;
	unsigned tlvs = 0;
	int flen;

	disc_config(r, &c);
	c.window_ms = 200;
	c.probes = 2;
	CU_ASSERT_EQUAL_FATAL(sess_disc_init(&d, &c), 0);
	sess_disc_start(&d, r->now);
	/* the probe went to the discovery address */
	CU_ASSERT_EQUAL_FATAL(nic_recv(p1, &in, &len), 0); /* not joined: not delivered */
	put_ack(p1, r->hn->mac, PROBE_ID, 1, "acme");
	put_ack(p1, r->hn->mac, PROBE_ID, 1, "acme");
	put_ack(p2, r->hn->mac, PROBE_ID + 1, 1, "acme"); /* another probe's */
	while (nic_recv(r->hn, &in, &len) == 1)
		sess_disc_input(&d, in, len, r->now);
	sess_disc_boards(&d, &n);
	CU_ASSERT_EQUAL(n, 1);
	CU_ASSERT_EQUAL(d.duplicates, 1);
	/* the second probe names the board heard */
	flen = sess_disc_probe(&d, 2, buf, sizeof(buf), &listed);
	CU_ASSERT_FATAL(flen > 0);
	CU_ASSERT_EQUAL(listed, 1);
	CU_ASSERT_EQUAL_FATAL(frame_decode(&f, buf, (size_t)flen, FRAME_ETHERTYPE_DEFAULT), 0);
	CU_ASSERT_EQUAL(f.code, FC_DISCOVER);
	CU_ASSERT_EQUAL(f.seq, 2);
	CU_ASSERT_EQUAL(f.session, PROBE_ID);
	v = tlv_find(f.data, f.len, T_HEARD, 0, &l);
	CU_ASSERT_FATAL(v && l == 6);
	CU_ASSERT_EQUAL(memcmp(v, p1->mac, 6), 0);
	/* 400 boards heard: T_HEARD of at most 42 MACs, the frame within the MTU */
	for (unsigned i = 1; i < 400; i++) {
		struct sess_disc_board *nb;

		if (d.nboards == d.cap) {
			d.cap *= 2;
			d.boards = realloc(d.boards, d.cap * sizeof(*d.boards));
			CU_ASSERT_PTR_NOT_NULL_FATAL(d.boards);
		}
		nb = &d.boards[d.nboards++];
		memset(nb, 0, sizeof(*nb));
		nb->mac[0] = 0x02;
		nb->mac[4] = (uint8_t)(i >> 8);
		nb->mac[5] = (uint8_t)i;
	}
	flen = sess_disc_probe(&d, 3, buf, sizeof(buf), &listed);
	CU_ASSERT_FATAL(flen > 0);
	CU_ASSERT((unsigned)flen <= MTU + 14u);
	CU_ASSERT_EQUAL_FATAL(frame_decode(&f, buf, (size_t)flen, FRAME_ETHERTYPE_DEFAULT), 0);
	n = 0;
	while ((v = tlv_find(f.data, f.len, T_HEARD, tlvs, &l))) {
		CU_ASSERT(l <= 42 * 6 && l % 6 == 0);
		n += l / 6;
		tlvs++;
	}
	CU_ASSERT_EQUAL(n, listed);
	CU_ASSERT(listed >= 200 && listed < 400); /* what fits at MTU 1500 */
	sess_disc_dispose(&d);
	rig_free(r);
}

/* ---- target selection ---- */

static struct sess_disc_board mkboard(uint8_t last, const char *vendor, const char *serial,
				      uint32_t caps, const char *active)
{
	struct sess_disc_board b;

	memset(&b, 0, sizeof(b));
	b.mac[0] = 0x02;
	b.mac[5] = last;
	snprintf(b.info.vendor, sizeof(b.info.vendor), "%s", vendor);
	snprintf(b.info.model, sizeof(b.info.model), "m1");
	snprintf(b.info.serial, sizeof(b.info.serial), "%s", serial);
	b.info.caps = caps;
	if (active) {
		b.info.nimages = 1;
		b.info.images[0].type = FT_CONFIG;
		b.info.images[0].role = ROLE_ACTIVE;
		if (strcmp(active, "?"))
			CU_ASSERT_EQUAL_FATAL(pkg_version_parse(active, &b.info.images[0].version),
					      0);
	}
	return b;
}

static void test_select(void)
{
	struct sess_disc_board found[6];
	struct sel_board out[8];
	struct pkg_header h = {.type = FT_CONFIG, .build_time = 1, .image_size = 10};
	const char *targets[] = {"s1", "s2", "s3", "s5", "s6"};
	uint8_t hdr[1500];
	uint8_t named[3][6];
	struct sel_file pkg = {&h, hdr, FT_CONFIG}, plain = {NULL, NULL, FT_CONFIG};
	size_t n;
	int len;

	found[0] = mkboard(1, "acme", "s1", CAP_GROUP | CAP_DEVICE, "1.0");  /* target */
	found[1] = mkboard(2, "acme", "s2", CAP_GROUP | CAP_DEVICE, "2.0");  /* up to date */
	found[2] = mkboard(3, "other", "s3", CAP_GROUP | CAP_DEVICE, "1.0"); /* other vendor */
	found[3] = mkboard(4, "acme", "s4", CAP_GROUP | CAP_DEVICE, "1.0");  /* not a target */
	found[4] = mkboard(5, "acme", "s5", CAP_DEVICE, "?");		     /* no group */
	found[5] = mkboard(6, "acme", "s6", CAP_GROUP | CAP_DEVICE, "?");    /* unknown: update */
	snprintf(h.vendor, sizeof(h.vendor), "acme");
	snprintf(h.model, sizeof(h.model), "m1");
	CU_ASSERT_EQUAL_FATAL(pkg_version_parse("2.0", &h.version), 0);
	len = pkg_header_write(&h, targets, 5, hdr, sizeof(hdr));
	CU_ASSERT_FATAL(len > 0);
	CU_ASSERT_EQUAL_FATAL(pkg_header_parse(hdr, (size_t)len, &h), 0);

	n = sel_merge(found, 6, NULL, 0, 1, out, 8);
	CU_ASSERT_EQUAL_FATAL(n, 6);
	for (size_t i = 0; i < n; i++)
		sel_classify(&out[i], &pkg);
	CU_ASSERT_EQUAL(out[0].cls, SEL_GROUP);
	CU_ASSERT_EQUAL(out[1].cls, SEL_SKIP);
	CU_ASSERT_EQUAL(out[1].reason, SEL_R_UP_TO_DATE);
	CU_ASSERT_EQUAL(out[2].reason, SEL_R_OTHER_MODEL);
	CU_ASSERT_EQUAL(out[3].reason, SEL_R_NOT_TARGET);
	CU_ASSERT_EQUAL(out[4].cls, SEL_UNICAST);
	CU_ASSERT_EQUAL(out[4].reason, SEL_R_NO_GROUP);
	CU_ASSERT_EQUAL(out[5].cls, SEL_GROUP);
	CU_ASSERT_STRING_EQUAL(sel_reason_name(SEL_R_UP_TO_DATE), "up to date");

	/* a plain file: every board that answers */
	for (size_t i = 0; i < n; i++)
		sel_classify(&out[i], &plain);
	CU_ASSERT_EQUAL(out[1].cls, SEL_GROUP);
	CU_ASSERT_EQUAL(out[2].cls, SEL_GROUP);
	CU_ASSERT_EQUAL(out[4].cls, SEL_UNICAST);

	/* named: in the order named, once each; a silent one is a failure; one
	 * found by CONNECT alone goes unicast */
	memcpy(named[0], found[3].mac, 6);
	named[1][0] = 0x02;
	memset(named[1] + 1, 0, 4);
	named[1][5] = 0x77;
	memcpy(named[2], found[3].mac, 6);
	n = sel_merge(found, 6, (const uint8_t(*)[6])named, 3, 0, out, 8);
	CU_ASSERT_EQUAL_FATAL(n, 2);
	CU_ASSERT(out[0].named && out[0].answered);
	CU_ASSERT_FALSE(out[1].answered);
	sel_classify(&out[1], &plain);
	CU_ASSERT_EQUAL(out[1].cls, SEL_FAIL);
	CU_ASSERT_EQUAL(out[1].reason, SEL_R_NOT_ANSWERING);
	out[1].answered = 1;
	out[1].by_connect = 1;
	out[1].info = &found[0].info;
	sel_classify(&out[1], &pkg);
	CU_ASSERT_EQUAL(out[1].cls, SEL_UNICAST);
	CU_ASSERT_EQUAL(out[1].reason, SEL_R_UNICAST_ONLY);
}

int main(void)
{
	CU_TestInfo group[] = {
		{"every board identical (coded repair)", test_all_identical},
		{"eight boards at 5 %: frames within 1.12 x blocks", test_eight_at_five},
		{"one board at 20 % served point to point", test_one_laggard},
		{"a refusing and a silent board", test_refusal_and_silence},
		{"activation: passed, and rolled back (exit 18)", test_activation_rolled_back},
		{"a board silent after joining is given up", test_silent_after_join},
		{"--repair resend", test_resend},
		{"rounds bounded", test_rounds_bounded},
		{"interrupted", test_abort},
		{"configuration refused", test_config_refused},
		CU_TEST_INFO_NULL,
	};
	CU_TestInfo disc[] = {
		{"boards answer, once each", test_discover_boards},
		{"duplicates and T_HEARD", test_discover_dedup_heard},
		CU_TEST_INFO_NULL,
	};
	CU_TestInfo sel[] = {
		{"classify and merge", test_select},
		CU_TEST_INFO_NULL,
	};
	CU_SuiteInfo suites[] = {
		{"group host", NULL, NULL, NULL, NULL, group},
		{"discovery", NULL, NULL, NULL, NULL, disc},
		{"target selection", NULL, NULL, NULL, NULL, sel},
		CU_SUITE_INFO_NULL,
	};

	return cunit_run(suites);
}
