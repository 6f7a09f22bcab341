/* SPDX-License-Identifier: MIT */
/*
 * Read-back as it comes (CAP_OVERLAP, PROTOCOL.md §10): the host and the
 * board machines back to back over the loop nic (impaired where loss is
 * wanted), the board over the in-memory store, a fake clock. The store's
 * reads of the image can be made to lie for chosen bytes (not the board's
 * own CRC pass, which reads in 16 KiB pieces): a store that returns other
 * bytes than it holds.
 */
#include <CUnit/Basic.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board_int.h"
#include "common.h"
#include "cunit_main.h"
#include "frame.h"
#include "host_int.h"
#include "mem_devstore.h"
#include "nic.h"
#include "proto.h"
#include "session.h"

#define SEC	1000000ull
#define T0	(5 * SEC)
#define SID	0x0f1a9001u
#define MIB	(1u << 20)
#define BLOCK	1479u
#define RBYTES	(64u * (BLOCK - 4)) /* bytes of a region at MTU 1500 */
#define MAXLIES 4

static const uint8_t MAC_H[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x11};
static const uint8_t MAC_B[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x22};

struct rig {
	struct devstore mem, st;
	struct nic *hn, *bn;
	struct sess_board b;
	struct sess_host h;
	struct sess_board_config bc;
	struct sess_host_config hc;
	struct sess_source src;
	struct sess_sink sink;
	uint8_t *data, *rb;
	size_t size;
	uint64_t now;
	int board_dead;
	/* the store lies: byte at[i] of the image is read xor 0x40, left[i]
	 * more times (-1: always) */
	uint64_t lie_at[MAXLIES];
	int lie_left[MAXLIES];
	unsigned nlies;
	int (*hook)(struct rig *r); /* called each turn; nonzero: stop calling */
	int hook_done;
	unsigned injected;
	/* frames to the host it never sees: nonzero drops */
	int (*host_drop)(struct rig *r, const uint8_t *buf, size_t len);
	uint64_t t_done;   /* when the first DOWNLOAD_DONE came */
	uint64_t t_proven; /* when every region was proven */
	unsigned dropped;
};

static struct rig *cur; /* the rig whose store lies (one at a time) */
static int (*inner_read_open)(void *, uint64_t, void *, size_t);
static int (*inner_read)(void *, uint32_t, uint64_t, void *, size_t);

static void lie(uint64_t off, void *buf, size_t len)
{
	/* the board's CRC pass reads 16 KiB at a time (the files here are
	 * multiples of it): it sees the truth; the read-back reads runs of
	 * 1475-byte chunks, never 16 KiB */
	if (!cur || len == 16384)
		return;
	for (unsigned i = 0; i < cur->nlies; i++)
		if (cur->lie_left[i] && cur->lie_at[i] >= off && cur->lie_at[i] - off < len) {
			((uint8_t *)buf)[cur->lie_at[i] - off] ^= 0x40;
			if (cur->lie_left[i] > 0)
				cur->lie_left[i]--;
		}
}

static int lying_read_open(void *ctx, uint64_t off, void *buf, size_t len)
{
	int r = inner_read_open(ctx, off, buf, len);

	if (r == 0)
		lie(off, buf, len);
	return r;
}

static int lying_read(void *ctx, uint32_t id, uint64_t off, void *buf, size_t len)
{
	int r = inner_read(ctx, id, off, buf, len);

	if (r == 0)
		lie(off, buf, len);
	return r;
}

static int mem_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct rig *r = ctx;

	if (off > r->size || len > r->size - off)
		return -EIO;
	memcpy(buf, r->data + off, len);
	return 0;
}

static int rb_begin(void *ctx, uint64_t size)
{
	struct rig *r = ctx;

	free(r->rb);
	r->rb = calloc(1, size ? size : 1);
	return r->rb ? 0 : -ENOMEM;
}

static int rb_write(void *ctx, uint64_t off, const void *buf, size_t len)
{
	struct rig *r = ctx;

	memcpy(r->rb + off, buf, len);
	return 0;
}

static int rb_finish(void *ctx, struct sess_verdict *v)
{
	struct rig *r = ctx;

	memset(v, 0, sizeof(*v));
	v->differs = memcmp(r->rb, r->data, r->size) != 0;
	return 0;
}

static void test_log(void *ctx, const char *msg)
{
	if (getenv("ETHDL_TEST_VERBOSE"))
		fprintf(stderr, "    [%s] %s\n", (const char *)ctx, msg);
}

/* A rig for a download of size bytes; loss (0: none) on the host's link
 * both ways. Adjust r->bc / r->hc, then rig_start. */
static struct rig *rig_new(size_t size, double loss)
{
	struct rig *r = calloc(1, sizeof(*r));
	struct nic *hl;

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	r->size = size;
	r->data = malloc(size ? size : 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r->data);
	for (size_t i = 0; i < size; i++)
		r->data[i] = (uint8_t)(i * 131 + (i >> 11) * 7 + 3);
	r->now = T0;
	CU_ASSERT_EQUAL_FATAL(mem_devstore_open(&r->mem), 0);
	r->st = r->mem;
	inner_read_open = r->mem.img_read_open;
	inner_read = r->mem.img_read;
	r->st.img_read_open = lying_read_open;
	r->st.img_read = lying_read;
	cur = r;
	CU_ASSERT_EQUAL_FATAL(nic_loop_pair(&hl, &r->bn, MAC_H, MAC_B, 1500, 0), 0);
	if (loss > 0) {
		struct nic_impair ip = {.drop = loss, .seed = 7, .on_tx = 1, .on_rx = 1};

		CU_ASSERT_EQUAL_FATAL(nic_impair_wrap(&r->hn, hl, &ip), 0);
	} else {
		r->hn = hl;
	}
	r->bc.nic = r->bn;
	r->bc.store = &r->st;
	r->bc.vendor = "acme";
	r->bc.model = "unit";
	r->bc.serial = "0042";
	r->bc.log = test_log;
	r->bc.log_ctx = "board";
	r->src = (struct sess_source){mem_read, r};
	r->sink = (struct sess_sink){rb_begin, rb_write, rb_finish, r};
	r->hc.nic = r->hn;
	memcpy(r->hc.board, MAC_B, 6);
	r->hc.job = SESS_DOWNLOAD;
	r->hc.readback = 1;
	r->hc.type = FT_CONFIG;
	r->hc.name = "overlap.bin";
	r->hc.size = size;
	r->hc.crc = frame_crc32(0, r->data, size);
	r->hc.src = &r->src;
	r->hc.sink = &r->sink;
	r->hc.session_id = SID;
	r->hc.log = test_log;
	r->hc.log_ctx = "host";
	return r;
}

static void rig_start(struct rig *r)
{
	CU_ASSERT_EQUAL_FATAL(sess_board_init(&r->b, &r->bc), 0);
	CU_ASSERT_EQUAL_FATAL(sess_host_init(&r->h, &r->hc), 0);
	sess_host_start(&r->h, r->now);
}

static void rig_free(struct rig *r)
{
	sess_host_dispose(&r->h);
	if (!r->board_dead)
		sess_board_dispose(&r->b);
	nic_close(r->hn);
	nic_close(r->bn);
	mem_devstore_close(&r->mem);
	cur = NULL;
	free(r->rb);
	free(r->data);
	free(r);
}

/* Run until the host is done (or 60 s of fake time). */
static void run(struct rig *r)
{
	uint64_t end = r->now + 60 * SEC, host_tx = r->hn->stats.tx_frames;

	while (!sess_host_done(&r->h) && r->now < end) {
		const uint8_t *buf;
		size_t len;
		uint64_t next;

		while (nic_recv(r->bn, &buf, &len) == 1)
			if (!r->board_dead)
				sess_board_input(&r->b, buf, len, r->now);
		if (r->hook && !r->hook_done)
			r->hook_done = r->hook(r);
		if (!r->board_dead)
			sess_board_poll(&r->b, r->now);
		while (nic_recv(r->hn, &buf, &len) == 1)
			if (!r->host_drop || !r->host_drop(r, buf, len))
				sess_host_input(&r->h, buf, len, r->now);
		sess_host_poll(&r->h, r->now);
		next = sess_host_next_deadline(&r->h);
		if (!r->board_dead && sess_board_next_deadline(&r->b) < next)
			next = sess_board_next_deadline(&r->b);
		/* a frame the host sent this turn reaches the board 20 us on,
		 * not at the next deadline */
		if (r->hn->stats.tx_frames != host_tx)
			next = r->now;
		host_tx = r->hn->stats.tx_frames;
		r->now = next > r->now + 20 ? (next < r->now + SEC ? next : r->now + SEC) : r->now + 20;
	}
}

static int exit_code(const struct rig *r)
{
	return sess_exit_code(sess_host_result(&r->h));
}

static struct sess_host_stats stats(const struct rig *r)
{
	struct sess_host_stats st;

	sess_host_stats(&r->h, &st);
	return st;
}

static int region_done(const struct rig *r, uint32_t g)
{
	const struct host_ovl *o = &r->h.ovl;

	return o->on && g < o->g.regions && o->pass[g] &&
	       o->got[g] == ovl_full_mask(ovl_region_chunks(&o->g, g));
}

/* The board holds the file as its active config. */
static int board_holds(const struct rig *r)
{
	const struct dev_image *im = dev_image(sess_board_device(&r->b), FT_CONFIG, DEV_ACTIVE);
	uint64_t size = 0;
	const uint8_t *p = im ? mem_devstore_image(&r->mem, im->id, &size, NULL) : NULL;

	return p && size == r->size && memcmp(p, r->data, r->size) == 0;
}

/* ---- the verdict ---- */

static void test_verified_while_downloading(void)
{
	struct rig *r = rig_new(MIB, 0);
	struct sess_host_stats st;

	rig_start(r);
	run(r);
	st = stats(r);
	CU_ASSERT_EQUAL(exit_code(r), 0);
	CU_ASSERT(r->h.board.caps & CAP_OVERLAP);
	CU_ASSERT(st.overlap);
	/* every byte compared, most of them before DOWNLOAD_DONE */
	CU_ASSERT_EQUAL(st.ovl_during + st.ovl_after, MIB);
	CU_ASSERT(st.ovl_during > MIB / 2);
	CU_ASSERT_EQUAL(r->h.ovl.proven, r->h.ovl.g.regions);
	CU_ASSERT_EQUAL(r->b.ovl.rereads, 0);
	/* the store is read in runs of chunks, not a read per chunk (709) */
	CU_ASSERT(r->b.ovl.chunks_sent >= r->h.ovl.g.nchunks);
	CU_ASSERT(r->b.ovl.reads <= r->h.ovl.g.regions * (OVL_REGION_CHUNKS / 16 + 1));
	CU_ASSERT(board_holds(r));
	rig_free(r);
}

/* The first CONNECT_ACK and the first DISCONNECT_ACK lost: the round trip
 * is not known from CONNECT (it went twice), but the replies since give
 * it, so DISCONNECT goes again a few ms later, not timeout/30 (100 ms). */
static uint64_t t_dack[2];
static unsigned n_cack, n_dack;
static int drop_acks(struct rig *r, const uint8_t *buf, size_t len)
{
	if (len < 29)
		return 0;
	if (buf[26] == FC_CONNECT_ACK && n_cack++ == 0)
		return 1;
	if (buf[26] == FC_DISCONNECT_ACK) {
		if (n_dack < 2)
			t_dack[n_dack] = r->now;
		return n_dack++ == 0;
	}
	return 0;
}

static void test_rtt_after_lost_connect(void)
{
	struct rig *r = rig_new(MIB, 0);

	n_cack = n_dack = 0;
	r->host_drop = drop_acks;
	rig_start(r);
	run(r);
	CU_ASSERT_EQUAL(exit_code(r), 0);
	CU_ASSERT_EQUAL(n_cack, 2);
	CU_ASSERT_EQUAL_FATAL(n_dack, 2);
	if (getenv("ETHDL_TEST_VERBOSE"))
		fprintf(stderr, "DISCONNECT again after %llu us\n",
			(unsigned long long)(t_dack[1] - t_dack[0]));
	CU_ASSERT(t_dack[1] - t_dack[0] < 20000);
	rig_free(r);
}

/* Read-back credit a poll could not spend (no region complete yet) is
 * kept for the next, up to 512 chunks, so the read-back catches up with
 * the data instead of falling behind for good. Checked after each board
 * poll: while region 0 is incomplete, the credit equals the data frames
 * stored; it never exceeds 512. */
static unsigned credit_seen, credit_max, credit_checks;
static int watch_credit(struct rig *r)
{
	const struct board_ovl *o = &r->b.ovl;
	uint32_t have = r->b.rx.rw.have;

	if (!o->on)
		return 0;
	if (o->credit > credit_max)
		credit_max = o->credit;
	if (!o->pass[0] && have >= 20 && have < 60) {
		credit_checks++;
		if (o->credit == have)
			credit_seen++;
	}
	return 0;
}

static void test_credit_kept(void)
{
	struct rig *r = rig_new(4 * MIB, 0);

	credit_seen = credit_max = credit_checks = 0;
	r->hook = watch_credit;
	r->hc.window = 16; /* the data comes a few frames a turn */
	rig_start(r);
	run(r);
	CU_ASSERT_EQUAL(exit_code(r), 0);
	CU_ASSERT(credit_checks > 0);
	CU_ASSERT_EQUAL(credit_seen, credit_checks);
	CU_ASSERT(credit_max <= 512);
	CU_ASSERT(r->h.ovl.bytes_during > 4 * MIB / 2);
	rig_free(r);
}

/* After a download, INFO (twice: the first computes the image's SHA-256,
 * which the store then marks known) reports the image with only the
 * wire's flag bits (PROTOCOL.md: version, package; the rest zero), never
 * the store's own "SHA-256 known". */
static void test_info_image_flags(void)
{
	struct rig *r = rig_new(MIB, 0);

	rig_start(r);
	run(r);
	CU_ASSERT_EQUAL_FATAL(exit_code(r), 0);
	for (int k = 0; k < 2; k++) {
		const struct sess_info *in;

		sess_host_dispose(&r->h);
		r->hc.job = SESS_INFO;
		r->hc.session_id = SID + 1 + (uint32_t)k;
		CU_ASSERT_EQUAL_FATAL(sess_host_init(&r->h, &r->hc), 0);
		sess_host_start(&r->h, r->now);
		run(r);
		CU_ASSERT_EQUAL(exit_code(r), 0);
		in = sess_host_info(&r->h);
		CU_ASSERT_EQUAL_FATAL(in->nimages, 1);
		CU_ASSERT_EQUAL(in->images[0].size, MIB);
		CU_ASSERT_EQUAL(in->images[0].flags & ~(PROTO_IMG_F_VERSION | PROTO_IMG_F_PACKAGE), 0);
		CU_ASSERT_EQUAL(in->images[0].flags, 0); /* a plain file: no version */
	}
	rig_free(r);
}

/* (b) The store returns other bytes for two regions: READBACK_MISMATCH at
 * the first differing byte of the lowest, counting both. */
static void test_store_lies(void)
{
	struct rig *r = rig_new(MIB, 0);
	uint64_t low = 5 * (uint64_t)RBYTES + 777, high = 8 * (uint64_t)RBYTES + 12;

	r->lie_at[0] = high;
	r->lie_at[1] = low;
	r->lie_left[0] = r->lie_left[1] = -1;
	r->nlies = 2;
	rig_start(r);
	run(r);
	CU_ASSERT_EQUAL(exit_code(r), 15);
	CU_ASSERT_EQUAL(sess_host_result(&r->h)->notice, NOTICE_READBACK_MISMATCH);
	CU_ASSERT_EQUAL(sess_host_result(&r->h)->offset, low);
	CU_ASSERT_EQUAL(sess_host_result(&r->h)->ndiff, 2);
	/* what the board stored is right: only its reads lie */
	CU_ASSERT(board_holds(r));
	rig_free(r);
}

/* (a) Region 0's first read lies; once the host holds all of it, a late
 * copy of block 1 comes to the board: the board writes it again, reads
 * region 0 again (pass 2), and the host takes the newer read-back. */
static int late_retransmission(struct rig *r)
{
	uint8_t buf[FRAME_BUF_MAX];
	int n;

	if (!region_done(r, 0) || r->b.state != B_DL_DATA)
		return 0;
	CU_ASSERT(r->h.ovl.ndiff[0] > 0); /* the first pass differed */
	n = sess_encode(r->hn, 0, buf, sizeof(buf), MAC_B, SID, 1, FC_FILE_DATA,
			FRAME_FLAG_RETX, r->data, BLOCK);
	CU_ASSERT_FATAL(n > 0);
	CU_ASSERT_EQUAL(nic_send(r->hn, buf, (size_t)n), 0);
	r->injected++;
	return 1;
}

static void test_rewritten_region_read_again(void)
{
	struct rig *r = rig_new(MIB, 0);

	r->lie_at[0] = 100;
	r->lie_left[0] = 1; /* only the first read of that byte */
	r->nlies = 1;
	r->hook = late_retransmission;
	rig_start(r);
	run(r);
	CU_ASSERT_EQUAL(r->injected, 1);
	CU_ASSERT_EQUAL(exit_code(r), 0);
	CU_ASSERT_EQUAL(r->b.ovl.rereads, 1);
	CU_ASSERT_EQUAL(r->h.ovl.rereads, 1);
	CU_ASSERT_EQUAL(r->h.ovl.pass[0], 2);
	CU_ASSERT_EQUAL(r->h.ovl.ndiff[0], 0);
	CU_ASSERT(board_holds(r));
	rig_free(r);

	/* the same lie without the late copy: the mismatch stands */
	r = rig_new(MIB, 0);
	r->lie_at[0] = 100;
	r->lie_left[0] = 1;
	r->nlies = 1;
	rig_start(r);
	run(r);
	CU_ASSERT_EQUAL(exit_code(r), 15);
	CU_ASSERT_EQUAL(sess_host_result(&r->h)->offset, 100);
	CU_ASSERT_EQUAL(sess_host_result(&r->h)->ndiff, 1);
	rig_free(r);
}

/* (c) The board dies with some regions proven, or after DOWNLOAD_DONE
 * before OVL_DONE: never a success. */
static int kill_after_three(struct rig *r)
{
	if (r->h.ovl.proven < 3)
		return 0;
	sess_board_dispose(&r->b);
	r->board_dead = 1;
	return 1;
}

/* (between the board's input and its poll: DOWNLOAD_DONE went, the rest of
 * the read-back and OVL_DONE not) */
static int kill_after_done(struct rig *r)
{
	if (r->board_dead || r->b.state != B_READY || !r->b.ovl.committed)
		return 0;
	sess_board_dispose(&r->b);
	r->board_dead = 1;
	return 1;
}

static void test_board_dies(void)
{
	int (*hooks[])(struct rig *) = {kill_after_three, kill_after_done};

	for (size_t i = 0; i < 2; i++) {
		struct rig *r = rig_new(MIB, 0);
		int notice;

		r->hook = hooks[i];
		rig_start(r);
		run(r);
		notice = sess_host_result(&r->h)->notice;
		CU_ASSERT(r->board_dead);
		CU_ASSERT(sess_host_done(&r->h));
		/* the second board died after DOWNLOAD_DONE reached the host */
		CU_ASSERT(i == 0 || r->h.ovl.after);
		CU_ASSERT_NOT_EQUAL(exit_code(r), 0);
		CU_ASSERT(notice == NOTICE_TIMEOUT || notice == NOTICE_CONNECT_FAILED);
		rig_free(r);
	}
}

/* ---- negotiation ---- */

static void test_negotiation(void)
{
	struct rig *r;
	struct sess_host_stats st;

	/* a board without the bit: the read-back after the download */
	r = rig_new(MIB / 4, 0);
	r->bc.no_overlap = 1;
	rig_start(r);
	run(r);
	st = stats(r);
	CU_ASSERT_EQUAL(exit_code(r), 0);
	CU_ASSERT_FALSE(r->h.board.caps & CAP_OVERLAP);
	CU_ASSERT_FALSE(st.overlap);
	CU_ASSERT_EQUAL(st.bytes_rb, MIB / 4);
	CU_ASSERT_EQUAL(r->b.ovl.chunks_sent, 0);
	rig_free(r);

	/* a host that does not offer it: the board does not advertise it */
	r = rig_new(MIB / 4, 0);
	r->hc.no_overlap = 1;
	rig_start(r);
	run(r);
	CU_ASSERT_EQUAL(exit_code(r), 0);
	CU_ASSERT_FALSE(r->h.board.caps & CAP_OVERLAP);
	CU_ASSERT_FALSE(stats(r).overlap);
	CU_ASSERT_EQUAL(stats(r).bytes_rb, MIB / 4);
	rig_free(r);

	/* strict, on either side: never */
	for (int side = 0; side < 2; side++) {
		r = rig_new(MIB / 4, 0);
		if (side)
			r->bc.strict = 1;
		else
			r->hc.strict = 1;
		rig_start(r);
		run(r);
		CU_ASSERT_EQUAL(exit_code(r), 0);
		CU_ASSERT_FALSE(r->b.overlap);
		CU_ASSERT_FALSE(stats(r).overlap);
		CU_ASSERT_EQUAL(r->b.ovl.chunks_sent, 0);
		CU_ASSERT_EQUAL(stats(r).bytes_rb, MIB / 4);
		rig_free(r);
	}

	/* --no-readback: not offered */
	r = rig_new(MIB / 4, 0);
	r->hc.readback = 0;
	rig_start(r);
	run(r);
	CU_ASSERT_EQUAL(exit_code(r), 0);
	CU_ASSERT_FALSE(r->h.board.caps & CAP_OVERLAP);
	CU_ASSERT_EQUAL(r->b.ovl.chunks_sent, 0);
	rig_free(r);
}

/* (e) 5 % loss both ways: verified, every byte compared, every region
 * proven in the board's newest pass. */
static void test_loss_both_ways(void)
{
	struct rig *r = rig_new(2 * MIB, 0.05);
	struct sess_host_stats st;
	struct nic_impair_stats is;

	rig_start(r);
	run(r);
	st = stats(r);
	nic_impair_get_stats(r->hn, &is);
	CU_ASSERT(is.dropped > 100);
	CU_ASSERT_EQUAL(exit_code(r), 0);
	CU_ASSERT(st.overlap);
	CU_ASSERT(st.ovl_during + st.ovl_after >= 2 * MIB);
	CU_ASSERT_EQUAL(r->h.ovl.proven, r->h.ovl.g.regions);
	if (getenv("ETHDL_TEST_VERBOSE"))
		fprintf(stderr, "passes host %llu board %llu rereads %llu/%llu\n",
			(unsigned long long)r->h.ovl.passes, (unsigned long long)r->b.ovl.passes,
			(unsigned long long)r->h.ovl.rereads, (unsigned long long)r->b.ovl.rereads);
	CU_ASSERT_EQUAL(r->h.ovl.passes, r->b.ovl.passes);
	CU_ASSERT(board_holds(r));
	rig_free(r);
}

/* Two chunks lost during the download; after DOWNLOAD_DONE, of the two
 * asked for, one comes and one is lost once more. */
#define LOST_A 100u
#define LOST_B 300u
static int drop_two_chunks(struct rig *r, const uint8_t *buf, size_t len)
{
	uint32_t seq;

	if (len < 29)
		return 0;
	seq = (uint32_t)buf[22] << 24 | (uint32_t)buf[23] << 16 | (uint32_t)buf[24] << 8 | buf[25];
	if (buf[26] == FC_DOWNLOAD_DONE && !r->t_done)
		r->t_done = r->now;
	if (buf[26] != FC_OVL_DATA || (seq != LOST_A && seq != LOST_B))
		return 0;
	if (!r->t_done || (seq == LOST_A && r->injected++ == 0)) {
		r->dropped++;
		return 1;
	}
	return 0;
}

static int note_proven(struct rig *r)
{
	if (r->h.ovl.on && r->h.ovl.g.regions && r->h.ovl.proven == r->h.ovl.g.regions)
		r->t_proven = r->now;
	return r->t_proven != 0;
}

/* (e2) After the download, a chunk still missing once the board said
 * OVL_DONE is asked for again at once when chunks came since the last
 * question (it was lost: the board had sent all it was asked for), not an
 * interval later (5 ms here: 8 round trips, at least 5 ms). */
static void test_lost_again_asked_at_once(void)
{
	struct rig *r = rig_new(MIB, 0);

	r->host_drop = drop_two_chunks;
	r->hook = note_proven;
	rig_start(r);
	run(r);
	CU_ASSERT_EQUAL(exit_code(r), 0);
	CU_ASSERT(r->dropped >= 3);
	CU_ASSERT_EQUAL(r->injected, 2); /* LOST_A came twice after DOWNLOAD_DONE */
	CU_ASSERT(r->t_done > 0);
	if (getenv("ETHDL_TEST_VERBOSE"))
		fprintf(stderr, "proven %llu us after DOWNLOAD_DONE\n",
			(unsigned long long)(r->t_proven - r->t_done));
	CU_ASSERT(r->t_proven > r->t_done);
	CU_ASSERT(r->t_proven - r->t_done < 2000);
	CU_ASSERT_EQUAL(r->h.ovl.proven, r->h.ovl.g.regions);
	CU_ASSERT(board_holds(r));
	rig_free(r);
}

/* (f) The host's memory for the read-back: a few words per region, no
 * buffer that grows with the file. */
static void test_host_memory(void)
{
	static const size_t sizes[] = {64 * 1024, MIB, 4 * MIB};
	size_t mem[3];

	for (size_t i = 0; i < 3; i++) {
		struct rig *r = rig_new(sizes[i], 0);

		rig_start(r);
		run(r);
		CU_ASSERT_EQUAL(exit_code(r), 0);
		mem[i] = host_ovl_memory(&r->h);
		/* 21 bytes per region of 94,400 bytes above a fixed part */
		CU_ASSERT_EQUAL(mem[i] - sizeof(struct host_ovl), 21u * r->h.ovl.g.regions);
		CU_ASSERT(mem[i] - sizeof(struct host_ovl) <= sizes[i] / 4000 + 21);
		rig_free(r);
	}
	/* 64 times the file, at most 64 times 21 bytes a region more */
	CU_ASSERT(mem[2] - mem[0] < 1024);
	CU_ASSERT(sizeof(struct host_ovl) < FRAME_MAX_DATA + 1024);
}

static CU_TestInfo tests[] = {
	{"verified while downloading", test_verified_while_downloading},
	{"a store that lies about two regions: mismatch at the lowest", test_store_lies},
	{"a region written again is read again, the newer pass counts",
	 test_rewritten_region_read_again},
	{"the board dies: never a success", test_board_dies},
	{"negotiation: no bit, strict, no read-back", test_negotiation},
	{"5 % loss both ways: verified", test_loss_both_ways},
	{"lost again after the download: asked for at once", test_lost_again_asked_at_once},
	{"host memory per region, not per byte", test_host_memory},
	{"INFO after it: T_IMAGE flags are the wire's bits only", test_info_image_flags},
	{"read-back credit not spent is kept, up to 512", test_credit_kept},
	{"a lost CONNECT_ACK: later replies give the round trip", test_rtt_after_lost_connect},
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{"overlap", NULL, NULL, NULL, NULL, tests},
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return cunit_run(suites);
}
