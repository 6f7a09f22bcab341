/* SPDX-License-Identifier: MIT */
/*
 * Hostile input (issue 10). Both machines on an in-memory hub of three
 * ports (host, board, and an attacker that sends whatever it likes onto the
 * segment), on a fake clock, the board storing into mem_devstore with an
 * old image already active.
 *
 * Board: frames from strangers and from other sessions, injected over the
 * link in the middle of a download (windowed and strict), change nothing:
 * the download completes, is read back byte for byte, and the new file is
 * what the board runs. CRC-valid frames with nonsense fields from the
 * session's own host are refused with the right notice and detail, and the
 * old image stays. A flood of 100,000 stranger frames does not stop a
 * download nor grow what the board keeps. A disk that fills up in the middle
 * of the data is reported (notice 0, detail D_STORAGE) and the old image
 * stays.
 *
 * Host: against a scripted hostile board it never reports success unless
 * every byte was read back and compared equal, and it ends by its timers.
 *
 * Set ETHDL_TEST_VERBOSE=1 to see what the machines log.
 */
#include <CUnit/Basic.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board.h"
#include "cunit_main.h"
#include "frame.h"
#include "host.h"
#include "mem_devstore.h"
#include "nic.h"
#include "proto.h"

#define MTU	  1500u
#define BLOCK	  1479u
#define SEC	  1000000ull
#define T0	  (5 * SEC)
#define STEP	  100u
#define SID	  0x5e5510a1u
#define PREV_SIZE 3000u
#define MAX_STEPS 200000u
#define TIMEOUT	  (3 * SEC) /* the machines' default timer */

/* hub ports 0, 1, 2 have these MACs (nic_hub_new) */
static const uint8_t MAC_H[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
static const uint8_t MAC_B[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02};
static const uint8_t MAC_X[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x03};
static const uint8_t DMAC[6] = FRAME_DISCOVER_MAC;
static const uint8_t GMAC[6] = {0x03, 0x00, 0x00, 0x00, 0x10, 0x01};

static unsigned long board_log_lines; /* lines the board machine logged */

static void test_log(void *ctx, const char *msg)
{
	if (!strcmp(ctx, "board"))
		board_log_lines++;
	if (getenv("ETHDL_TEST_VERBOSE"))
		fprintf(stderr, "    [%s] %s\n", (const char *)ctx, msg);
}

static void fill(uint8_t *p, size_t n, uint32_t seed)
{
	uint32_t x = seed * 2654435761u + 1;

	for (size_t i = 0; i < n; i++) {
		x = x * 1103515245u + 12345u;
		p[i] = (uint8_t)(x >> 16);
	}
}

/* ERROR's TLVs */
static size_t error_tlv(uint8_t *d, size_t cap, int notice, int detail, const char *text)
{
	struct tlv_writer w;

	tlv_writer_init(&w, d, cap);
	tlv_put_u8(&w, T_NOTICE, (uint8_t)notice);
	tlv_put_u16(&w, T_DETAIL, (uint16_t)detail);
	tlv_put_str(&w, T_TEXT, text);
	return w.len;
}

static size_t make_frame(uint8_t *buf, const uint8_t dst[6], const uint8_t src[6], uint32_t session,
			 uint32_t seq, uint8_t code, const uint8_t *data, size_t len)
{
	struct frame f = {.version = FRAME_VERSION,
			  .session = session,
			  .seq = seq,
			  .code = code,
			  .len = (uint16_t)len,
			  .data = data};
	int n;

	memcpy(f.dst, dst, 6);
	memcpy(f.src, src, 6);
	n = frame_encode(buf, FRAME_BUF_MAX, &f, FRAME_ETHERTYPE_DEFAULT);
	CU_ASSERT_FATAL(n > 0);
	return (size_t)n;
}

/* ---- a sink that compares with the file and counts every byte ---- */

struct cmp_sink {
	const uint8_t *file;
	uint64_t file_size, size;
	uint8_t *seen; /* per byte of the read-back: how many times written */
	uint64_t bytes, ndiff, first_diff;
	int twice; /* some byte was written twice */
};

static int cmp_begin(void *ctx, uint64_t size)
{
	struct cmp_sink *c = ctx;

	if (size > (64u << 20))
		return -EFBIG;
	free(c->seen);
	c->seen = calloc(1, size ? size : 1);
	if (!c->seen)
		return -ENOMEM;
	c->size = size;
	c->bytes = c->ndiff = 0;
	c->first_diff = UINT64_MAX;
	c->twice = 0;
	return 0;
}

static int cmp_write(void *ctx, uint64_t off, const void *buf, size_t len)
{
	struct cmp_sink *c = ctx;
	const uint8_t *p = buf;

	if (off > c->size || len > c->size - off)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		uint64_t o = off + i;

		if (c->seen[o]++)
			c->twice = 1;
		if (o >= c->file_size || c->file[o] != p[i]) {
			c->ndiff++;
			if (o < c->first_diff)
				c->first_diff = o;
		}
	}
	c->bytes += len;
	return 0;
}

static int cmp_finish(void *ctx, struct sess_verdict *v)
{
	struct cmp_sink *c = ctx;

	memset(v, 0, sizeof(*v));
	if (c->size != c->file_size && c->first_diff == UINT64_MAX)
		c->first_diff = c->size < c->file_size ? c->size : c->file_size;
	v->differs = c->ndiff || c->size != c->file_size;
	v->first_diff = c->first_diff;
	v->ndiff = c->ndiff;
	return 0;
}

/* Every byte of the file was read back exactly once and equal. */
static int cmp_all_equal(const struct cmp_sink *c)
{
	if (!c->seen || c->size != c->file_size || c->ndiff || c->twice || c->bytes != c->file_size)
		return 0;
	for (uint64_t i = 0; i < c->size; i++)
		if (c->seen[i] != 1)
			return 0;
	return 1;
}

/* ====================================================================== */
/* Board side: host, board and attacker on a hub                           */
/* ====================================================================== */

struct rig;
typedef void (*inject_fn)(struct rig *r);

struct rig {
	struct nic_hub *hub;
	struct nic *hn, *bn, *xn;
	struct devstore st, st_full; /* st_full: st whose writes fail once "full" */
	struct sess_board b;
	struct sess_host h;
	struct sess_source src;
	struct cmp_sink cmp;
	struct sess_sink sink;
	uint8_t *data;
	size_t size;
	uint32_t crc;
	uint8_t prev[PREV_SIZE];
	uint64_t now;
	unsigned steps;
	int strict;
	/* the attacker */
	inject_fn inject;   /* called once, in the middle of the data */
	uint32_t inject_at; /* ... when the board holds this many frames */
	int injected;
	unsigned flood_burst;	  /* stranger frames sent per frame the board takes */
	unsigned long flood_left; /* ... until this many were sent */
	unsigned long flood_sent, flood_replyable;
	uint64_t to_x;			  /* frames the attacker's port received */
	uint8_t file_info[FRAME_BUF_MAX]; /* the host's FILE_INFO, as it went */
	size_t file_info_len;
	/* before the session */
	uint64_t sessions0, ok0, failed0;
	struct mem_devstore_calls calls0;
};

static int src_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct rig *r = ctx;

	if (off > r->size || len > r->size - off)
		return -EIO;
	memcpy(buf, r->data + off, len);
	return 0;
}

/* The disk fills up: from when full is set, every image write is -ENOSPC. */
static int disk_full;
static int (*real_img_write)(void *ctx, uint64_t off, const void *buf, size_t len);

static int full_img_write(void *ctx, uint64_t off, const void *buf, size_t len)
{
	if (disk_full)
		return -ENOSPC;
	return real_img_write(ctx, off, buf, len);
}

struct ropts {
	size_t size;
	int strict;
	unsigned window;
	uint64_t max_file;
	int full_disk_store; /* the board's store goes through full_img_write */
	unsigned depth;	     /* hub queue per port; 0 = 4096 */
};

static struct rig *rig_open(const struct ropts *o)
{
	struct rig *r = calloc(1, sizeof(*r));
	struct sess_board_config bc;
	struct sess_host_config hc;
	struct board_device *d = calloc(1, sizeof(*d));
	struct dev_identity id = {"acme", "unit", "0001", 0, NULL};
	uint32_t got;

	CU_ASSERT_FATAL(r && d);
	CU_ASSERT_EQUAL_FATAL(nic_hub_new(&r->hub, 3, MTU, o->depth), 0);
	r->hn = nic_hub_port(r->hub, 0);
	r->bn = nic_hub_port(r->hub, 1);
	r->xn = nic_hub_port(r->hub, 2);
	CU_ASSERT_FATAL(r->hn && r->bn && r->xn);
	/* the board's port hears everything on the segment, as a veth does */
	CU_ASSERT_EQUAL_FATAL(nic_hub_promisc(r->hub, 1, 1), 0);

	r->strict = o->strict;
	r->size = o->size;
	r->data = malloc(o->size ? o->size : 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r->data);
	fill(r->data, o->size, 17);
	r->crc = frame_crc32(0, r->data, o->size);

	/* what the board runs before: an old image, active */
	CU_ASSERT_EQUAL_FATAL(mem_devstore_open(&r->st), 0);
	fill(r->prev, PREV_SIZE, 1000);
	CU_ASSERT_FATAL(dev_open(d, &r->st, &id) == 0);
	CU_ASSERT_EQUAL_FATAL(dev_download_begin(d, FT_CONFIG, PREV_SIZE,
						 frame_crc32(0, r->prev, PREV_SIZE), PREV_SIZE,
						 NULL, 0),
			      0);
	CU_ASSERT_EQUAL_FATAL(dev_download_write(d, 0, r->prev, PREV_SIZE), 0);
	CU_ASSERT_EQUAL_FATAL(dev_download_commit(d, MAC_H, &got), 0);
	dev_close(d);
	free(d);

	memset(&bc, 0, sizeof(bc));
	bc.nic = r->bn;
	bc.store = &r->st;
	if (o->full_disk_store) {
		r->st_full = r->st;
		real_img_write = r->st.img_write;
		r->st_full.img_write = full_img_write;
		disk_full = 0;
		bc.store = &r->st_full;
	}
	bc.vendor = "acme";
	bc.model = "unit";
	bc.serial = "0001";
	bc.strict = o->strict;
	bc.max_file = o->max_file;
	bc.log = test_log;
	bc.log_ctx = "board";
	CU_ASSERT_EQUAL_FATAL(sess_board_init(&r->b, &bc), 0);

	r->src.read = src_read;
	r->src.ctx = r;
	r->cmp.file = r->data;
	r->cmp.file_size = r->size;
	r->sink = (struct sess_sink){cmp_begin, cmp_write, cmp_finish, &r->cmp};
	memset(&hc, 0, sizeof(hc));
	hc.nic = r->hn;
	memcpy(hc.board, MAC_B, 6);
	hc.job = SESS_DOWNLOAD;
	hc.readback = 1;
	hc.type = FT_CONFIG;
	hc.name = "config.bin";
	hc.size = r->size;
	hc.crc = r->crc;
	hc.src = &r->src;
	hc.sink = &r->sink;
	hc.window = o->window;
	hc.strict = o->strict;
	hc.session_id = SID;
	hc.log = test_log;
	hc.log_ctx = "host";
	CU_ASSERT_EQUAL_FATAL(sess_host_init(&r->h, &hc), 0);

	r->now = T0;
	r->sessions0 = sess_board_device(&r->b)->sessions;
	r->ok0 = sess_board_device(&r->b)->downloads_ok;
	r->failed0 = sess_board_device(&r->b)->downloads_failed;
	r->calls0 = *mem_devstore_calls(&r->st);
	return r;
}

static void rig_close(struct rig *r)
{
	sess_host_dispose(&r->h);
	sess_board_dispose(&r->b);
	mem_devstore_close(&r->st);
	nic_close(r->hn);
	nic_close(r->bn);
	nic_close(r->xn);
	nic_hub_free(r->hub);
	free(r->cmp.seen);
	free(r->data);
	free(r);
}

/* The attacker sends one frame onto the segment. */
static void xsend(struct rig *r, const uint8_t src[6], const uint8_t dst[6], uint32_t session,
		  uint32_t seq, uint8_t code, const uint8_t *data, size_t len)
{
	uint8_t buf[FRAME_BUF_MAX];
	size_t n = make_frame(buf, dst, src, session, seq, code, data, len);

	CU_ASSERT_EQUAL(nic_send(r->xn, buf, n), 0);
}

static void flood(struct rig *r);

/* Hand every waiting frame to its machine, until the segment is quiet. The
 * attacker strikes between two frames the board takes. */
static void deliver(struct rig *r)
{
	const uint8_t *buf;
	size_t len;
	unsigned moved;

	do {
		moved = 0;
		while (nic_recv(r->bn, &buf, &len) == 1) {
			struct frame f;

			moved++;
			if (frame_decode(&f, buf, len, FRAME_ETHERTYPE_DEFAULT) == 0 &&
			    f.code == FC_FILE_INFO && !memcmp(f.src, MAC_H, 6) &&
			    f.session == SID && len <= sizeof(r->file_info)) {
				memcpy(r->file_info, buf, len);
				r->file_info_len = len;
			}
			sess_board_input(&r->b, buf, len, r->now);
			if (r->inject && !r->injected && r->b.state == B_DL_DATA &&
			    xrecv_have(&r->b.rx) >= r->inject_at) {
				r->injected = 1;
				r->inject(r);
			}
			if (r->flood_left && !sess_board_idle(&r->b))
				flood(r);
		}
		while (nic_recv(r->hn, &buf, &len) == 1) {
			moved++;
			sess_host_input(&r->h, buf, len, r->now);
		}
		while (nic_recv(r->xn, &buf, &len) == 1) {
			moved++;
			r->to_x++;
		}
	} while (moved);
}

static void step(struct rig *r)
{
	uint64_t d, t;

	deliver(r);
	if (!sess_host_done(&r->h))
		sess_host_poll(&r->h, r->now);
	sess_board_poll(&r->b, r->now);
	deliver(r);
	d = sess_board_next_deadline(&r->b);
	if (!sess_host_done(&r->h)) {
		t = sess_host_next_deadline(&r->h);
		d = t < d ? t : d;
	}
	r->now = d <= r->now || d == SESS_NEVER ? r->now + STEP : d;
	r->steps++;
}

static void rig_run(struct rig *r)
{
	sess_host_start(&r->h, r->now);
	while (!sess_host_done(&r->h) && r->steps < MAX_STEPS)
		step(r);
	deliver(r);
	sess_board_poll(&r->b, r->now);
	deliver(r);
	CU_ASSERT(sess_host_done(&r->h));
}

static const struct dev_image *active(const struct rig *r)
{
	return dev_image(sess_board_device(&r->b), FT_CONFIG, DEV_ACTIVE);
}

static int active_is(const struct rig *r, const uint8_t *bytes, size_t len)
{
	const struct dev_image *im = active(r);
	const uint8_t *p;
	uint64_t n;
	int type;

	if (!im || im->size != len || im->crc != frame_crc32(0, bytes, len))
		return 0;
	p = mem_devstore_image(&r->st, im->id, &n, &type);
	return p && n == len && memcmp(p, bytes, len) == 0;
}

static void show_result(const struct rig *r)
{
	const struct sess_result *res = sess_host_result(&r->h);

	if (res->notice || res->local)
		fprintf(stderr, "\n    host: notice %d detail %d local %d: %s\n", res->notice,
			res->detail, res->local, res->text);
}

/* The download went through: exit 0, every byte read back and equal, the
 * new file active, one session and one download more, nothing else. */
static void assert_download_ok(struct rig *r)
{
	const struct sess_result *res = sess_host_result(&r->h);
	const struct board_device *d = sess_board_device(&r->b);
	struct sess_host_stats st;

	show_result(r);
	sess_host_stats(&r->h, &st);
	CU_ASSERT_EQUAL(sess_exit_code(res), 0);
	CU_ASSERT_EQUAL(res->notice, NOTICE_NONE);
	CU_ASSERT_EQUAL(res->local, 0);
	if (st.overlap) {
		/* read back beside the download (§10): every byte compared */
		CU_ASSERT(st.ovl_during + st.ovl_after >= r->size);
	} else {
		CU_ASSERT_EQUAL(st.bytes_rb, r->size);
		CU_ASSERT(cmp_all_equal(&r->cmp));
	}
	CU_ASSERT(active_is(r, r->data, r->size));
	CU_ASSERT_EQUAL(d->sessions, r->sessions0 + 1);
	CU_ASSERT_EQUAL(d->downloads_ok, r->ok0 + 1);
	CU_ASSERT_EQUAL(d->downloads_failed, r->failed0);
	/* one image begun by this whole run: the host's file */
	CU_ASSERT_EQUAL(mem_devstore_calls(&r->st)->img_begin, r->calls0.img_begin + 1);
	CU_ASSERT(sess_board_idle(&r->b));
	CU_ASSERT(r->inject == NULL || r->injected);
}

/* The download was refused: the host names notice/detail from the board,
 * its exit code is exit_code, and the old image is what the board runs. */
static void assert_refused(struct rig *r, int notice, int detail, int exit_code)
{
	const struct sess_result *res = sess_host_result(&r->h);
	const struct board_device *d = sess_board_device(&r->b);

	if (res->notice != notice || res->detail != detail)
		show_result(r);
	CU_ASSERT(sess_host_done(&r->h));
	CU_ASSERT_EQUAL(res->notice, notice);
	CU_ASSERT_EQUAL(res->detail, detail);
	CU_ASSERT_EQUAL(res->by_board, 1);
	CU_ASSERT_EQUAL(sess_exit_code(res), exit_code);
	CU_ASSERT(res->text[0] != '\0');
	CU_ASSERT(active_is(r, r->prev, PREV_SIZE));
	CU_ASSERT_EQUAL(d->downloads_ok, r->ok0);
	CU_ASSERT_EQUAL(d->dl, DEV_DL_NONE); /* nothing half-received kept */
	CU_ASSERT(sess_board_idle(&r->b));
	CU_ASSERT(r->injected);
}

/* ---- TLVs of the commands an attacker sends ---- */

struct tlvbuf {
	uint8_t d[512];
	struct tlv_writer w;
};

static struct tlv_writer *tb_init(struct tlvbuf *t)
{
	tlv_writer_init(&t->w, t->d, sizeof(t->d));
	return &t->w;
}

static void t_connect(struct tlvbuf *t)
{
	tb_init(t);
	tlv_put_u32(&t->w, T_CAPS, CAP_WINDOW | CAP_RESUME | CAP_DEVICE);
	tlv_put_u16(&t->w, T_BLOCK, BLOCK);
	tlv_put_u16(&t->w, T_WINDOW, 64);
}

static void t_type(struct tlvbuf *t)
{
	tb_init(t);
	tlv_put_u8(&t->w, T_TYPE, FT_CONFIG);
}

static void t_file_info(struct tlvbuf *t, uint64_t size, uint64_t frames, uint32_t crc,
			uint64_t block)
{
	tb_init(t);
	tlv_put_u8(&t->w, T_TYPE, FT_CONFIG);
	tlv_put_u64(&t->w, T_SIZE, size);
	tlv_put_u32(&t->w, T_FRAMES, (uint32_t)frames);
	tlv_put_u32(&t->w, T_CRC, crc);
	tlv_put_u16(&t->w, T_BLOCK, (uint16_t)block);
}

static void t_join(struct tlvbuf *t)
{
	t_file_info(t, 1000, 1, 0x1234, 1000);
	tlv_put(&t->w, T_GROUP_MAC, GMAC, 6);
	tlv_put_u16(&t->w, T_GEN, 16);
}

static void t_activate(struct tlvbuf *t)
{
	t_type(t);
	tlv_put_u8(&t->w, T_ACT_MODE, 1);
}

/* Every command of the protocol from src in session (the attacker's frames
 * go to the board's MAC), CONNECT and GROUP_JOIN only with new_session
 * (from the host's own MAC they start a new session by design). */
static void everything_from(struct rig *r, const uint8_t src[6], uint32_t session, int new_session)
{
	static uint8_t junk[BLOCK];
	struct tlvbuf t;

	memset(junk, 0xee, sizeof(junk));
	if (new_session) {
		t_connect(&t);
		xsend(r, src, MAC_B, session, 0, FC_CONNECT, t.d, t.w.len);
		t_join(&t);
		xsend(r, src, MAC_B, session, 0, FC_GROUP_JOIN, t.d, t.w.len);
	}
	t_type(&t);
	xsend(r, src, MAC_B, session, 0, FC_DOWNLOAD, t.d, t.w.len);
	t_file_info(&t, 1000, 1, 0x1234, 1000);
	xsend(r, src, MAC_B, session, 0, FC_FILE_INFO, t.d, t.w.len);
	for (uint32_t s = 1; s <= 4; s++)
		xsend(r, src, MAC_B, session, s, FC_FILE_DATA, junk, sizeof(junk));
	xsend(r, src, MAC_B, session, 0, FC_FILE_DATA, junk, 10);
	xsend(r, src, MAC_B, session, 0xffffffffu, FC_FILE_DATA, junk, 10);
	xsend(r, src, MAC_B, session, 1, FC_STATUS_QUERY, NULL, 0);
	xsend(r, src, MAC_B, session, 1, FC_HOST_STATUS, NULL, 0);
	t_type(&t);
	xsend(r, src, MAC_B, session, 0, FC_READBACK, t.d, t.w.len);
	t_activate(&t);
	xsend(r, src, MAC_B, session, 0, FC_ACTIVATE, t.d, t.w.len);
	t_type(&t);
	xsend(r, src, MAC_B, session, 0, FC_ROLLBACK, t.d, t.w.len);
	xsend(r, src, MAC_B, session, 0, FC_ACT_QUERY, t.d, t.w.len);
	xsend(r, src, MAC_B, session, 0, FC_INFO, NULL, 0);
	xsend(r, src, MAC_B, session, 0, FC_LOG_QUERY, NULL, 0);
	xsend(r, src, MAC_B, session, 1, FC_GROUP_DATA, junk, 1000);
	xsend(r, src, MAC_B, session, 1, FC_GROUP_QUERY, NULL, 0);
	xsend(r, src, MAC_B, session, 0, FC_GROUP_VERIFY, NULL, 0);
	xsend(r, src, MAC_B, session, 0, FC_GROUP_LEAVE, NULL, 0);
	xsend(r, src, DMAC, session, 1, FC_DISCOVER, NULL, 0);
	{
		uint8_t e[64];
		size_t l =
			error_tlv(e, sizeof(e), NOTICE_WRONG_COMMAND, D_UNEXPECTED_CODE, "go away");

		xsend(r, src, MAC_B, session, 0, FC_ERROR, e, l);
	}
	/* board-to-host codes sent to the board, and a reserved one (CRC-valid) */
	xsend(r, src, MAC_B, session, 0, FC_DOWNLOAD_DONE, NULL, 0);
	xsend(r, src, MAC_B, session, 0, FC_READBACK_DONE, NULL, 0);
	xsend(r, src, MAC_B, session, 0, 0x3f, NULL, 0);
	xsend(r, src, MAC_B, session, 0, FC_DISCONNECT, NULL, 0);
}

static void inj_stranger(struct rig *r)
{
	uint8_t buf[FRAME_BUF_MAX];
	size_t n = make_frame(buf, MAC_B, MAC_X, SID, 1, FC_FILE_DATA, r->data, BLOCK);

	everything_from(r, MAC_X, 0x0badf00du, 1);
	/* and a damaged frame: only one from the session's host is the strict
	 * exchange's FRAME_CRC */
	buf[FRAME_HDR_LEN + 3] ^= 0x10;
	CU_ASSERT_EQUAL(nic_send(r->xn, buf, n), 0);
}

/* A stranger that knows (or guessed) the running session's id. */
static void inj_stranger_same_id(struct rig *r)
{
	everything_from(r, MAC_X, SID, 1);
}

static void inj_host_mac_other_id(struct rig *r)
{
	everything_from(r, MAC_H, SID + 1, 0);
	everything_from(r, MAC_H, 0, 0);
	everything_from(r, MAC_H, ~SID, 0);
}

static void mid_download(inject_fn inj, int strict, void (*judge)(struct rig *))
{
	struct ropts o = {.size = 200000, .strict = strict, .window = 8};
	struct rig *r = rig_open(&o);

	r->inject = inj;
	r->inject_at = 20;
	rig_run(r);
	CU_ASSERT(r->injected);
	judge(r);
	rig_close(r);
}

static void test_strangers_mid_download(void)
{
	for (int strict = 0; strict <= 1; strict++) {
		mid_download(inj_stranger, strict, assert_download_ok);
		mid_download(inj_stranger_same_id, strict, assert_download_ok);
	}
}

static void test_other_session_mid_download(void)
{
	for (int strict = 0; strict <= 1; strict++)
		mid_download(inj_host_mac_other_id, strict, assert_download_ok);
}

/* What the stranger heard: the board answered its CONNECT "busy", its
 * DISCONNECT with DISCONNECT_ACK, and sent it nothing of the session. */
static void test_stranger_answers(void)
{
	struct ropts o = {.size = 200000, .window = 8};
	struct rig *r = rig_open(&o);
	const uint8_t *buf;
	size_t len;
	unsigned busy = 0, acks = 0, other = 0;
	struct tlvbuf t;

	r->inject_at = 20;
	sess_host_start(&r->h, r->now);
	while (!(r->b.state == B_DL_DATA && xrecv_have(&r->b.rx) >= 20) && r->steps < MAX_STEPS)
		step(r);
	CU_ASSERT_EQUAL_FATAL(r->b.state, B_DL_DATA);
	t_connect(&t);
	xsend(r, MAC_X, MAC_B, 77, 0, FC_CONNECT, t.d, t.w.len);
	xsend(r, MAC_X, MAC_B, 77, 0, FC_DISCONNECT, NULL, 0);
	xsend(r, MAC_X, MAC_B, SID, 0, FC_DISCONNECT, NULL, 0);
	while (nic_recv(r->bn, &buf, &len) == 1)
		sess_board_input(&r->b, buf, len, r->now);
	while (nic_recv(r->xn, &buf, &len) == 1) {
		struct frame f;
		uint64_t notice = 0, detail = 0;

		CU_ASSERT_EQUAL_FATAL(frame_decode(&f, buf, len, FRAME_ETHERTYPE_DEFAULT), 0);
		CU_ASSERT_EQUAL(memcmp(f.dst, MAC_X, 6), 0);
		if (f.code == FC_ERROR && tlv_get_uint(f.data, f.len, T_NOTICE, &notice) &&
		    tlv_get_uint(f.data, f.len, T_DETAIL, &detail) &&
		    notice == NOTICE_CONNECT_FAILED && detail == D_BUSY && f.session == 77)
			busy++;
		else if (f.code == FC_DISCONNECT_ACK)
			acks++;
		else
			other++;
	}
	CU_ASSERT_EQUAL(busy, 1);
	CU_ASSERT_EQUAL(acks, 2);
	CU_ASSERT_EQUAL(other, 0);
	CU_ASSERT_EQUAL(r->b.state, B_DL_DATA);
	r->injected = 1;
	while (!sess_host_done(&r->h) && r->steps < MAX_STEPS)
		step(r);
	deliver(r);
	assert_download_ok(r);
	rig_close(r);
}

/* ---- the same host starting over (by design, not a stranger) ---- */

static void inj_host_reconnects(struct rig *r)
{
	struct tlvbuf t;

	t_connect(&t);
	xsend(r, MAC_H, MAC_B, SID + 100, 0, FC_CONNECT, t.d, t.w.len);
}

static void inj_host_joins_group(struct rig *r)
{
	struct tlvbuf t;

	t_join(&t);
	xsend(r, MAC_H, MAC_B, SID + 100, 0, FC_GROUP_JOIN, t.d, t.w.len);
}

/* PROTOCOL.md §4/§8: a CONNECT (or GROUP_JOIN) from the host of the running
 * session with a new session id means that host started over: the new
 * session takes over, the old one gets ERROR detail 12 (superseded). So a
 * frame spoofing the host's MAC ends the running download; that is the base
 * protocol's rule (session authentication is what stops the spoof). What
 * must hold even so: the old host does not exit 0, and the old image is
 * what the board runs. */
static void superseded(struct rig *r)
{
	const struct sess_result *res = sess_host_result(&r->h);

	CU_ASSERT(sess_host_done(&r->h));
	CU_ASSERT_EQUAL(res->detail, D_SUPERSEDED);
	CU_ASSERT_EQUAL(res->by_board, 1);
	CU_ASSERT_EQUAL(sess_exit_code(res), 1);
	CU_ASSERT(active_is(r, r->prev, PREV_SIZE));
	CU_ASSERT_EQUAL(sess_board_device(&r->b)->downloads_ok, r->ok0);
}

static void test_same_host_new_session(void)
{
	for (int strict = 0; strict <= 1; strict++) {
		mid_download(inj_host_reconnects, strict, superseded);
		if (!strict) /* a strict board takes no part in groups */
			mid_download(inj_host_joins_group, strict, superseded);
	}
}

/* ---- nonsense from the session's own host, mid-download ---- */

static void spoof_data(struct rig *r, uint32_t seq, size_t len)
{
	static uint8_t junk[BLOCK];

	memset(junk, 0x5a, sizeof(junk));
	xsend(r, MAC_H, MAC_B, SID, seq, FC_FILE_DATA, junk, len);
}

static void inj_seq0(struct rig *r)
{
	spoof_data(r, 0, BLOCK);
}

static void inj_seq_beyond(struct rig *r)
{
	spoof_data(r, r->b.rx.frames + 1, BLOCK);
}

static void inj_seq_wrap(struct rig *r)
{
	spoof_data(r, 0xffffffffu, BLOCK);
}

static void inj_seq_half(struct rig *r)
{
	spoof_data(r, 0x80000000u, BLOCK);
}

static void inj_data_len(struct rig *r)
{
	spoof_data(r, 1, 7);
}

static void inj_file_info_other(struct rig *r)
{
	struct tlvbuf t;

	t_file_info(&t, 1000, 1, 0x1234, 1000);
	xsend(r, MAC_H, MAC_B, SID, 0, FC_FILE_INFO, t.d, t.w.len);
}

static void inj_file_info_same(struct rig *r)
{
	CU_ASSERT_FATAL(r->file_info_len > 0);
	CU_ASSERT_EQUAL(nic_send(r->xn, r->file_info, r->file_info_len), 0);
}

static int judged_notice, judged_detail;

static void judge_refused(struct rig *r)
{
	assert_refused(r, judged_notice, judged_detail, judged_notice ? 10 + judged_notice : 1);
}

static void refused_mid(inject_fn inj, int strict, int notice, int detail)
{
	judged_notice = notice;
	judged_detail = detail;
	mid_download(inj, strict, judge_refused);
}

static void test_nonsense_data(void)
{
	for (int strict = 0; strict <= 1; strict++) {
		refused_mid(inj_seq0, strict, NOTICE_WRONG_COMMAND, D_SEQUENCE);
		refused_mid(inj_seq_beyond, strict, NOTICE_WRONG_COMMAND, D_SEQUENCE);
		refused_mid(inj_seq_wrap, strict, NOTICE_WRONG_COMMAND, D_SEQUENCE);
		refused_mid(inj_seq_half, strict, NOTICE_WRONG_COMMAND, D_SEQUENCE);
	}
	/* a repeat of frame 1 with the wrong length: windowed, a bad field; strict,
	 * frame 1 again is a sequence error first */
	refused_mid(inj_data_len, 0, NOTICE_WRONG_COMMAND, D_BAD_FIELD);
	refused_mid(inj_data_len, 1, NOTICE_WRONG_COMMAND, D_SEQUENCE);
}

static void test_file_info_mid_transfer(void)
{
	for (int strict = 0; strict <= 1; strict++) {
		/* another FILE_INFO: the exchange is not there; refused, old image */
		refused_mid(inj_file_info_other, strict, NOTICE_WRONG_COMMAND, D_UNEXPECTED_CODE);
		/* the same FILE_INFO again (a late copy): same answer, nothing moves */
		mid_download(inj_file_info_same, strict, assert_download_ok);
	}
}

/* ---- FILE_INFO with nonsense fields (the board alone, scripted) ---- */

/* Play a host from the attacker's port: CONNECT, DOWNLOAD, then FILE_INFO
 * with tlvs; return the board's answer to it (code; notice and detail). */
static int file_info_answer(struct rig *r, int strict, const struct tlvbuf *fi, uint64_t *notice,
			    uint64_t *detail)
{
	const uint8_t *buf;
	size_t len;
	struct tlvbuf t;
	int code = -1;

	t_connect(&t);
	if (strict)
		put_be32(t.d + 2, 0); /* T_CAPS first: no extensions */
	xsend(r, MAC_X, MAC_B, 4242, 0, FC_CONNECT, t.d, t.w.len);
	t_type(&t);
	xsend(r, MAC_X, MAC_B, 4242, 0, FC_DOWNLOAD, t.d, t.w.len);
	xsend(r, MAC_X, MAC_B, 4242, 0, FC_FILE_INFO, fi->d, fi->w.len);
	while (nic_recv(r->bn, &buf, &len) == 1)
		sess_board_input(&r->b, buf, len, r->now);
	*notice = *detail = 0;
	while (nic_recv(r->xn, &buf, &len) == 1) {
		struct frame f;

		CU_ASSERT_EQUAL_FATAL(frame_decode(&f, buf, len, FRAME_ETHERTYPE_DEFAULT), 0);
		code = f.code;
		if (code == FC_ERROR) {
			tlv_get_uint(f.data, f.len, T_NOTICE, notice);
			tlv_get_uint(f.data, f.len, T_DETAIL, detail);
		}
	}
	return code;
}

static void bad_file_info(const struct tlvbuf *fi, uint64_t max_file, uint64_t capacity, int notice,
			  int detail)
{
	for (int strict = 0; strict <= 1; strict++) {
		struct ropts o = {.size = 10, .strict = strict, .max_file = max_file};
		struct rig *r = rig_open(&o);
		uint64_t n, d;
		int code;

		if (capacity)
			mem_devstore_set_capacity(&r->st, capacity);
		code = file_info_answer(r, strict, fi, &n, &d);
		CU_ASSERT_EQUAL(code, FC_ERROR);
		CU_ASSERT_EQUAL(n, (uint64_t)notice);
		CU_ASSERT_EQUAL(d, (uint64_t)detail);
		if (code != FC_ERROR || n != (uint64_t)notice || d != (uint64_t)detail)
			fprintf(stderr, "\n    FILE_INFO answered %s notice %llu detail %llu\n",
				frame_code_name(code), (unsigned long long)n,
				(unsigned long long)d);
		CU_ASSERT(sess_board_idle(&r->b));
		CU_ASSERT(active_is(r, r->prev, PREV_SIZE));
		CU_ASSERT_EQUAL(sess_board_device(&r->b)->dl, DEV_DL_NONE);
		/* nothing left open in the store */
		CU_ASSERT_EQUAL(mem_devstore_calls(&r->st)->img_seal, r->calls0.img_seal);
		rig_close(r);
	}
}

static void test_file_info_nonsense(void)
{
	struct tlvbuf t;

	/* beyond the board's limit, and beyond any limit */
	t_file_info(&t, 2000000, (2000000 + BLOCK - 1) / BLOCK, 1, BLOCK);
	bad_file_info(&t, 1000000, 0, NOTICE_NONE, D_TOO_BIG);
	t_file_info(&t, UINT64_MAX, 1, 1, BLOCK);
	bad_file_info(&t, 0, 0, NOTICE_NONE, D_TOO_BIG);
	t_file_info(&t, UINT64_MAX - 10, 0xffffffffu, 1, 65535);
	bad_file_info(&t, UINT64_MAX, 0, NOTICE_WRONG_COMMAND, D_BAD_FIELD);
	/* beyond its storage (within its limit): reserving the space fails */
	t_file_info(&t, 500000, (500000 + BLOCK - 1) / BLOCK, 1, BLOCK);
	bad_file_info(&t, 0, 100000, NOTICE_NONE, D_STORAGE);
	/* frames disagreeing with the size */
	t_file_info(&t, 10000, 3, 1, BLOCK);
	bad_file_info(&t, 0, 0, NOTICE_WRONG_COMMAND, D_BAD_FIELD);
	t_file_info(&t, 10000, 0, 1, BLOCK);
	bad_file_info(&t, 0, 0, NOTICE_WRONG_COMMAND, D_BAD_FIELD);
	t_file_info(&t, 0, 1, 1, BLOCK);
	bad_file_info(&t, 0, 0, NOTICE_WRONG_COMMAND, D_BAD_FIELD);
	/* block 0, beyond the MTU, the largest u16 */
	t_file_info(&t, 10000, 7, 1, 0);
	bad_file_info(&t, 0, 0, NOTICE_WRONG_COMMAND, D_BAD_FIELD);
	t_file_info(&t, 10000, 7, 1, BLOCK + 1);
	bad_file_info(&t, 0, 0, NOTICE_WRONG_COMMAND, D_BAD_FIELD);
	t_file_info(&t, 100000, 2, 1, 65535);
	bad_file_info(&t, 0, 0, NOTICE_WRONG_COMMAND, D_BAD_FIELD);
	/* more than 2^24 frames */
	t_file_info(&t, (uint64_t)1 << 25, (uint64_t)1 << 25, 1, 1);
	bad_file_info(&t, (uint64_t)1 << 40, 0, NOTICE_WRONG_COMMAND, D_BAD_FIELD);
	/* another type than DOWNLOAD's; a field missing */
	tb_init(&t);
	tlv_put_u8(&t.w, T_TYPE, FT_ALGORITHM);
	tlv_put_u64(&t.w, T_SIZE, 10);
	tlv_put_u32(&t.w, T_FRAMES, 1);
	tlv_put_u32(&t.w, T_CRC, 1);
	tlv_put_u16(&t.w, T_BLOCK, BLOCK);
	bad_file_info(&t, 0, 0, NOTICE_WRONG_COMMAND, D_BAD_FIELD);
	tb_init(&t);
	tlv_put_u8(&t.w, T_TYPE, FT_CONFIG);
	tlv_put_u64(&t.w, T_SIZE, 10);
	bad_file_info(&t, 0, 0, NOTICE_WRONG_COMMAND, D_BAD_FIELD);
	/* every field right, then a TLV that runs past the end of the data:
	 * the list is malformed, and a malformed command is refused whole */
	t_file_info(&t, 10, 1, 1, BLOCK);
	t.d[t.w.len++] = T_NAME;
	t.d[t.w.len++] = 40; /* 40 bytes announced, 2 there */
	t.d[t.w.len++] = 'a';
	t.d[t.w.len++] = 'b';
	bad_file_info(&t, 0, 0, NOTICE_WRONG_COMMAND, D_BAD_FIELD);
}

/* ---- a flood of valid frames from strangers ---- */

static void flood(struct rig *r)
{
	static uint8_t junk[BLOCK];
	struct tlvbuf t;

	for (unsigned i = 0; i < r->flood_burst && r->flood_left; i++, r->flood_left--) {
		unsigned long k = r->flood_sent++;
		uint8_t mac[6] = {
			0x02,	   0x66, (uint8_t)(k >> 24), (uint8_t)(k >> 16), (uint8_t)(k >> 8),
			(uint8_t)k};
		uint32_t sess = 0x70000000u + (uint32_t)k;

		switch (k % 10) {
		case 0:
			t_connect(&t);
			xsend(r, MAC_X, MAC_B, sess, 0, FC_CONNECT, t.d, t.w.len);
			r->flood_replyable++;
			break;
		case 1:
			xsend(r, MAC_X, DMAC, sess, (uint32_t)k, FC_DISCOVER, NULL, 0);
			r->flood_replyable++;
			break;
		case 2:
			xsend(r, mac, MAC_B, sess, (uint32_t)(k % 200) + 1, FC_FILE_DATA, junk,
			      BLOCK);
			break;
		case 3:
			xsend(r, MAC_H, MAC_B, SID + 1 + (uint32_t)k, (uint32_t)(k % 200) + 1,
			      FC_FILE_DATA, junk, BLOCK);
			break;
		case 4:
			xsend(r, MAC_H, MAC_B, SID + 1 + (uint32_t)k, 1, FC_STATUS_QUERY, NULL, 0);
			break;
		case 5:
			xsend(r, MAC_X, MAC_B, sess, 1, FC_GROUP_QUERY, NULL, 0);
			r->flood_replyable++;
			break;
		case 6:
			xsend(r, MAC_X, MAC_B, sess, 0, FC_DISCONNECT, NULL, 0);
			r->flood_replyable++;
			break;
		case 7:
			t_join(&t);
			xsend(r, MAC_X, MAC_B, sess, 0, FC_GROUP_JOIN, t.d, t.w.len);
			r->flood_replyable++;
			break;
		case 8: xsend(r, mac, MAC_B, SID, 0, FC_ERROR, NULL, 0); break;
		default: xsend(r, MAC_H, MAC_B, SID ^ 0x80u, 0, FC_HOST_STATUS, NULL, 0); break;
		}
	}
}

static void flood_case(int strict)
{
	struct ropts o = {.size = 1u << 20, .strict = strict, .window = 16, .depth = 400000};
	struct rig *r = rig_open(&o);
	struct nic_hub_stats hs;
	unsigned pending = 0;

	r->flood_burst = 200;
	r->flood_left = 100000;
	board_log_lines = 0;
	rig_run(r);
	CU_ASSERT_EQUAL(r->flood_sent, 100000);
	CU_ASSERT_EQUAL(r->flood_left, 0);
	assert_download_ok(r);
	/* the board took every frame, the flood included */
	CU_ASSERT(r->b.frames_rx >= 100000);
	nic_hub_get_stats(r->hub, 1, &hs);
	CU_ASSERT_EQUAL(hs.dropped, 0);
	/* no amplification: at most one answer per frame that asks for one */
	CU_ASSERT(r->to_x <= r->flood_replyable);
	/* what it keeps stays bounded: no ERROR of a stranger kept, the
	 * discovery answers waiting within their fixed table */
	CU_ASSERT(r->b.err_len == 0 || r->b.err_session == SID);
	for (unsigned i = 0; i < BOARD_DISC_PENDING; i++)
		pending += r->b.grp.pending[i].used != 0;
	CU_ASSERT(pending <= BOARD_DISC_PENDING);
	/* nor does what it logs: 10,000 DISCOVERs beyond its table are not
	 * 10,000 lines (its log is a file or a journal on a real board) */
	CU_ASSERT(board_log_lines < 100);
	if (board_log_lines >= 100)
		fprintf(stderr, "\n    the board logged %lu lines during the flood\n",
			board_log_lines);
	/* the event log: the download started and was stored, nothing else */
	CU_ASSERT(mem_devstore_calls(&r->st)->log_append - r->calls0.log_append <= 3);
	if (getenv("ETHDL_TEST_VERBOSE"))
		fprintf(stderr,
			"    flood: %llu frames taken, %llu answers to the attacker, %u steps\n",
			(unsigned long long)r->b.frames_rx, (unsigned long long)r->to_x, r->steps);
	rig_close(r);
}

static void test_flood(void)
{
	flood_case(0);
	flood_case(1);
}

/* ---- a disk that fills up during the data ---- */

static void inj_disk_full(struct rig *r)
{
	(void)r;
	disk_full = 1;
}

static void test_disk_full_mid_download(void)
{
	for (int strict = 0; strict <= 1; strict++) {
		struct ropts o = {
			.size = 200000, .strict = strict, .window = 8, .full_disk_store = 1};
		struct rig *r = rig_open(&o);
		const struct board_device *d;
		struct dev_log_entry ev;
		int failed_logged = 0;

		r->inject = inj_disk_full;
		r->inject_at = 20;
		rig_run(r);
		disk_full = 0;
		assert_refused(r, NOTICE_NONE, D_STORAGE, 1);
		CU_ASSERT_PTR_NOT_NULL(strstr(sess_host_result(&r->h)->text, "No space"));
		d = sess_board_device(&r->b);
		CU_ASSERT_EQUAL(d->downloads_failed, r->failed0 + 1);
		for (uint64_t s = 1; dev_log_read(d, s, &ev); s = ev.seq + 1)
			failed_logged |= ev.event == EV_FAILED && ev.detail == D_STORAGE;
		CU_ASSERT(failed_logged);
		/* the store holds the old image and nothing half-written */
		CU_ASSERT_EQUAL(mem_devstore_calls(&r->st)->img_seal, r->calls0.img_seal);
		rig_close(r);
	}
}

/* ---- strict board: a CRC-valid frame of an unknown code ---- */

static void inj_unknown_code_other_session(struct rig *r)
{
	xsend(r, MAC_H, MAC_B, SID + 1, 0, 0x3f, NULL, 0);
	xsend(r, MAC_H, MAC_B, SID + 2, 7, 0xbf, NULL, 0);
}

static void test_unknown_code_other_session(void)
{
	for (int strict = 0; strict <= 1; strict++)
		mid_download(inj_unknown_code_other_session, strict, assert_download_ok);
}

/* ---- a host that never acknowledges the read-back ---- */

/* The attacker plays a host: CONNECT (windowed), READBACK of the old image,
 * then answers every RB_STATUS_QUERY with a report that acknowledges
 * nothing. The board resends, but that is no progress: it must give up by
 * its timer (ERROR TIMEOUT) and be free for other hosts. */
static void test_readback_never_acked(void)
{
	struct ropts o = {.size = 10};
	struct rig *r = rig_open(&o);
	const uint8_t *buf;
	size_t len;
	struct tlvbuf t;
	uint64_t start = r->now, notice = 0;
	unsigned data = 0, steps = 0;

	t_connect(&t);
	xsend(r, MAC_X, MAC_B, 99, 0, FC_CONNECT, t.d, t.w.len);
	t_type(&t);
	tlv_put_u16(&t.w, T_BLOCK, 1000);
	xsend(r, MAC_X, MAC_B, 99, 0, FC_READBACK, t.d, t.w.len);
	while (nic_recv(r->bn, &buf, &len) == 1)
		sess_board_input(&r->b, buf, len, r->now);
	CU_ASSERT_EQUAL_FATAL(r->b.state, B_RB_DATA);
	while (!sess_board_idle(&r->b) && steps++ < MAX_STEPS) {
		uint64_t d;

		while (nic_recv(r->bn, &buf, &len) == 1)
			sess_board_input(&r->b, buf, len, r->now);
		sess_board_poll(&r->b, r->now);
		while (nic_recv(r->xn, &buf, &len) == 1) {
			struct frame f;

			CU_ASSERT_EQUAL_FATAL(frame_decode(&f, buf, len, FRAME_ETHERTYPE_DEFAULT),
					      0);
			if (f.code == FC_READBACK_DATA)
				data++;
			if (f.code == FC_ERROR)
				tlv_get_uint(f.data, f.len, T_NOTICE, &notice);
			if (f.code == FC_RB_STATUS_QUERY) {
				tb_init(&t);
				tlv_put_u32(&t.w, T_CUM, 0);
				tlv_put_u32(&t.w, T_HIGH, 0);
				tlv_put_u32(&t.w, T_HAVE, 0);
				xsend(r, MAC_X, MAC_B, 99, f.seq, FC_HOST_STATUS, t.d, t.w.len);
			}
		}
		d = sess_board_next_deadline(&r->b);
		r->now = d <= r->now || d == SESS_NEVER ? r->now + STEP : d;
	}
	CU_ASSERT(sess_board_idle(&r->b));
	CU_ASSERT(r->now <= start + 2 * TIMEOUT);
	CU_ASSERT_EQUAL(notice, NOTICE_TIMEOUT);
	CU_ASSERT(data >= 3);
	if (getenv("ETHDL_TEST_VERBOSE"))
		fprintf(stderr, "    board gave up after %.3f s, %u data frames\n",
			(double)(r->now - start) / 1e6, data);
	CU_ASSERT(active_is(r, r->prev, PREV_SIZE));
	rig_close(r);
}

/* ---- a host that talks without moving the exchange on ---- */

/* The attacker plays a host that connects, announces a file and then only
 * probes (STATUS_QUERY), repeats its FILE_INFO and sends frames of other
 * sessions, every 100 ms, never any data: none of it is progress, so the
 * board gives up by its timer, drops the download and the old image stays. */
static void test_chatter_without_data(void)
{
	for (int variant = 0; variant <= 1; variant++) {
		struct ropts o = {.size = 10};
		struct rig *r = rig_open(&o);
		const uint8_t *buf;
		size_t len;
		struct tlvbuf t, fi;
		uint64_t start, notice = 0;

		t_connect(&t);
		xsend(r, MAC_X, MAC_B, 99, 0, FC_CONNECT, t.d, t.w.len);
		t_type(&t);
		xsend(r, MAC_X, MAC_B, 99, 0, FC_DOWNLOAD, t.d, t.w.len);
		t_file_info(&fi, 100000, (100000 + BLOCK - 1) / BLOCK, 1, BLOCK);
		xsend(r, MAC_X, MAC_B, 99, 0, FC_FILE_INFO, fi.d, fi.w.len);
		while (nic_recv(r->bn, &buf, &len) == 1)
			sess_board_input(&r->b, buf, len, r->now);
		CU_ASSERT_EQUAL_FATAL(r->b.state, B_DL_DATA);
		start = r->now;
		for (unsigned i = 0; i < 200 && !sess_board_idle(&r->b); i++) {
			r->now += 100000;
			if (variant == 0)
				xsend(r, MAC_X, MAC_B, 99, i, FC_STATUS_QUERY, NULL, 0);
			else
				xsend(r, MAC_X, MAC_B, 99, 0, FC_FILE_INFO, fi.d, fi.w.len);
			xsend(r, MAC_X, MAC_B, 98, 1, FC_FILE_DATA, r->data, 10);
			while (nic_recv(r->bn, &buf, &len) == 1)
				sess_board_input(&r->b, buf, len, r->now);
			sess_board_poll(&r->b, r->now);
			while (nic_recv(r->xn, &buf, &len) == 1) {
				struct frame f;

				if (frame_decode(&f, buf, len, FRAME_ETHERTYPE_DEFAULT) == 0 &&
				    f.code == FC_ERROR)
					tlv_get_uint(f.data, f.len, T_NOTICE, &notice);
			}
		}
		CU_ASSERT(sess_board_idle(&r->b));
		CU_ASSERT(r->now <= start + TIMEOUT + 200000);
		CU_ASSERT_EQUAL(notice, NOTICE_TIMEOUT);
		CU_ASSERT(active_is(r, r->prev, PREV_SIZE));
		rig_close(r);
	}
}

/* ====================================================================== */
/* Host side: a scripted hostile board                                     */
/* ====================================================================== */

enum fb_mode {
	FB_HONEST = 0,
	FB_DONE_BAD_CRC = 1u << 0,
	FB_DONE_BAD_SIZE = 1u << 1,
	FB_RB_WRONG_BYTE = 1u << 2,
	FB_RB_BEYOND = 1u << 3,
	FB_RB_DUP = 1u << 4,
	FB_RB_DUP_WRONG_FIRST = 1u << 5,
	FB_RB_DUP_WRONG_SECOND = 1u << 6,
	FB_RB_SHORT = 1u << 7,
	FB_RB_DONE_EARLY = 1u << 8,
	FB_RB_ACK_SIZE = 1u << 9,
	FB_RB_ACK_CRC = 1u << 10,
	FB_OTHER_SESSION = 1u << 11,
	FB_SPAM_OTHER = 1u << 12,
	FB_STATUS_FLOOD = 1u << 13,
	FB_NEVER_ACK = 1u << 14,
	FB_NEVER_DONE = 1u << 15,
	FB_RB_NEVER_DONE = 1u << 16,
	FB_DONE_EARLY = 1u << 17,
	FB_RB_ACK_FRAMES = 1u << 18,
	FB_RB_ZERO_BLOCK = 1u << 19,
	FB_SILENT_AFTER_ACK = 1u << 20,
	FB_RB_NEVER_DATA = 1u << 21,
	FB_UNKNOWN_OTHER = 1u << 22, /* CRC-valid frames of unknown codes, other sessions */
};

struct fb {
	struct nic *hn, *fn;
	struct sess_host h;
	struct sess_source src;
	struct cmp_sink cmp;
	struct sess_sink sink;
	uint8_t *data; /* the host's file */
	size_t size;
	uint32_t crc;
	unsigned mode;
	int windowed;
	uint32_t session;
	uint8_t *got; /* what the fake board stored */
	uint64_t got_size;
	uint32_t fi_crc; /* the CRC FILE_INFO announced */
	unsigned block;
	struct xrecv rx;
	int rx_open, done_sent;
	uint64_t now, start;
	uint8_t tx[FRAME_BUF_MAX];
};

static int fb_src(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct fb *fb = ctx;

	if (off > fb->size || len > fb->size - off)
		return -EIO;
	memcpy(buf, fb->data + off, len);
	return 0;
}

static int fb_store(void *ctx, uint64_t off, const void *buf, size_t len)
{
	struct fb *fb = ctx;

	if (off > fb->got_size || len > fb->got_size - off)
		return -EINVAL;
	memcpy(fb->got + off, buf, len);
	return 0;
}

static void fb_send(struct fb *fb, uint32_t session, uint32_t seq, uint8_t code,
		    const uint8_t *data, size_t len)
{
	size_t n = make_frame(fb->tx, MAC_H, MAC_B, session, seq, code, data, len);

	nic_send(fb->fn, fb->tx, n);
}

static void fb_reply(struct fb *fb, uint32_t seq, uint8_t code, const uint8_t *data, size_t len)
{
	fb_send(fb, fb->session, seq, code, data, len);
}

static void fb_done(struct fb *fb)
{
	struct tlvbuf t;

	if (fb->mode & FB_NEVER_DONE)
		return;
	tb_init(&t);
	tlv_put_u8(&t.w, T_TYPE, FT_CONFIG);
	tlv_put_u64(&t.w, T_SIZE, fb->got_size + !!(fb->mode & FB_DONE_BAD_SIZE));
	tlv_put_u32(&t.w, T_FRAMES, fb->rx.frames);
	/* FB_DONE_EARLY lies: it says it stored what FILE_INFO announced */
	tlv_put_u32(
		&t.w, T_CRC,
		((fb->mode & FB_DONE_EARLY) ? fb->fi_crc : frame_crc32(0, fb->got, fb->got_size)) ^
			!!(fb->mode & FB_DONE_BAD_CRC));
	fb_reply(fb, fb->rx.frames, FC_DOWNLOAD_DONE, t.d, t.w.len);
	fb->done_sent = 1;
}

static void fb_readback(struct fb *fb, const struct frame *q)
{
	uint64_t block = fb->block, size = fb->got_size, frames;
	uint32_t crc =
		(fb->mode & FB_DONE_EARLY) ? fb->fi_crc : frame_crc32(0, fb->got, fb->got_size);
	struct tlvbuf t;
	uint8_t buf[BLOCK];

	tlv_get_uint(q->data, q->len, T_BLOCK, &block);
	if (!block || block > BLOCK)
		block = BLOCK;
	if (fb->mode & FB_RB_ACK_SIZE)
		size += 1;
	if (fb->mode & FB_RB_ACK_CRC)
		crc ^= 1;
	frames = (size + block - 1) / block;
	tb_init(&t);
	tlv_put_u8(&t.w, T_TYPE, FT_CONFIG);
	tlv_put_u64(&t.w, T_SIZE, size);
	tlv_put_u32(&t.w, T_FRAMES, (uint32_t)frames + !!(fb->mode & FB_RB_ACK_FRAMES));
	tlv_put_u32(&t.w, T_CRC, crc);
	tlv_put_u16(&t.w, T_BLOCK, (fb->mode & FB_RB_ZERO_BLOCK) ? 0 : (uint16_t)block);
	fb_reply(fb, 0, FC_READBACK_ACK, t.d, t.w.len);
	if (fb->mode & FB_RB_NEVER_DATA)
		return;
	for (uint64_t s = 1; s <= frames; s++) {
		uint64_t off = (s - 1) * block;
		size_t n = (size_t)(size - off < block ? size - off : block);

		for (size_t i = 0; i < n; i++)
			buf[i] = off + i < fb->got_size ? fb->got[off + i] : 0;
		if ((fb->mode & FB_RB_DONE_EARLY) && s == frames / 2 + 1) {
			fb_reply(fb, (uint32_t)s, FC_READBACK_DONE, NULL, 0);
			return;
		}
		if ((fb->mode & FB_RB_SHORT) && s == 2)
			n--;
		if ((fb->mode & FB_RB_WRONG_BYTE) && s == 2)
			buf[5] ^= 0x40;
		if (fb->mode & FB_RB_DUP_WRONG_FIRST) {
			buf[0] ^= 1;
			fb_reply(fb, (uint32_t)s, FC_READBACK_DATA, buf, n);
			buf[0] ^= 1;
		}
		fb_reply(fb, (uint32_t)s, FC_READBACK_DATA, buf, n);
		if (fb->mode & FB_RB_DUP)
			fb_reply(fb, (uint32_t)s, FC_READBACK_DATA, buf, n);
		if (fb->mode & FB_RB_DUP_WRONG_SECOND) {
			buf[0] ^= 1;
			fb_reply(fb, (uint32_t)s, FC_READBACK_DATA, buf, n);
		}
	}
	if (fb->mode & FB_RB_BEYOND) {
		memset(buf, 0, sizeof(buf));
		fb_reply(fb, (uint32_t)frames + 1, FC_READBACK_DATA, buf, (size_t)block);
	}
	if (!fb->windowed && !(fb->mode & FB_RB_NEVER_DONE))
		fb_reply(fb, (uint32_t)frames, FC_READBACK_DONE, NULL, 0);
}

static void fb_spam(struct fb *fb)
{
	uint8_t e[64];
	size_t l = error_tlv(e, sizeof(e), NOTICE_NONE, D_STORAGE, "spam");
	struct tlvbuf t;

	fb_send(fb, fb->session + 1, 0, FC_ERROR, e, l);
	fb_send(fb, ~fb->session, 0, FC_DISCONNECT_ACK, NULL, 0);
	tb_init(&t);
	tlv_put_u64(&t.w, T_SIZE, 1);
	tlv_put_u32(&t.w, T_CRC, 0);
	fb_send(fb, fb->session ^ 0x10000u, 1, FC_DOWNLOAD_DONE, t.d, t.w.len);
	fb_send(fb, 0, 1, FC_READBACK_DONE, NULL, 0);
	{ /* and one from another node's MAC, in the session */
		size_t n = make_frame(fb->tx, MAC_H, MAC_X, fb->session, 0, FC_ERROR, e, l);

		nic_send(fb->fn, fb->tx, n);
	}
}

static void fb_input(struct fb *fb, const struct frame *f)
{
	struct tlvbuf t;
	struct xfer_fault why;

	if (fb->mode & FB_SPAM_OTHER)
		fb_spam(fb);
	if (fb->mode & FB_UNKNOWN_OTHER) {
		fb_send(fb, fb->session + 1, 0, 0xbf, NULL, 0);
		fb_send(fb, ~fb->session, 3, 0x3f, NULL, 0);
	}
	switch (f->code) {
	case FC_CONNECT:
		tb_init(&t);
		tlv_put_str(&t.w, T_VENDOR, "evil");
		tlv_put_u32(&t.w, T_CAPS, fb->windowed ? CAP_WINDOW : 0);
		tlv_put_u16(&t.w, T_BLOCK, BLOCK);
		tlv_put_u16(&t.w, T_WINDOW, 64);
		fb_reply(fb, 0, FC_CONNECT_ACK, t.d, t.w.len);
		break;
	case FC_DOWNLOAD:
		t_type(&t);
		fb_reply(fb, 0, FC_DOWNLOAD_ACK, t.d, t.w.len);
		break;
	case FC_FILE_INFO: {
		uint64_t size = 0, block = 0, crc = 0;

		tlv_get_uint(f->data, f->len, T_CRC, &crc);
		fb->fi_crc = (uint32_t)crc;
		tlv_get_uint(f->data, f->len, T_SIZE, &size);
		tlv_get_uint(f->data, f->len, T_BLOCK, &block);
		if (!fb->rx_open) {
			fb->got_size = size;
			fb->got = calloc(1, size ? size : 1);
			fb->block = (unsigned)block;
			CU_ASSERT_FATAL(fb->got != NULL);
			CU_ASSERT_EQUAL_FATAL(
				xrecv_init(&fb->rx, &(struct xrecv_config){.size = size,
									   .block = (unsigned)block,
									   .windowed = fb->windowed,
									   .write = fb_store,
									   .ctx = fb}),
				0);
			fb->rx_open = 1;
		}
		tb_init(&t);
		tlv_put_u32(&t.w, T_RESUME, 0);
		fb_reply(fb, 0, FC_FILE_INFO_ACK, t.d, t.w.len);
		if ((fb->mode & FB_DONE_EARLY) || xrecv_complete(&fb->rx))
			fb_done(fb); /* (an empty file is complete at once) */
		break;
	}
	case FC_FILE_DATA:
		if (!fb->rx_open || (fb->mode & FB_NEVER_ACK))
			break;
		if (xrecv_data(&fb->rx, f, &why) > 0 && xrecv_complete(&fb->rx) && !fb->done_sent)
			fb_done(fb);
		break;
	case FC_STATUS_QUERY:
		if (fb->mode & FB_STATUS_FLOOD)
			for (int i = 0; i < 500; i++) {
				tb_init(&t);
				tlv_put_u32(&t.w, T_CUM, 0);
				tlv_put_u32(&t.w, T_HIGH, 0);
				tlv_put_u32(&t.w, T_HAVE, 0);
				fb_reply(fb, (uint32_t)i, FC_BOARD_STATUS, t.d, t.w.len);
			}
		if (fb->done_sent) {
			fb->done_sent = 0;
			fb_done(fb);
			break;
		}
		if (fb->mode & FB_SILENT_AFTER_ACK)
			break;
		tb_init(&t);
		if (fb->rx_open && !(fb->mode & FB_NEVER_ACK))
			xrecv_report(&fb->rx, &t.w);
		else {
			tlv_put_u32(&t.w, T_CUM, 0);
			tlv_put_u32(&t.w, T_HIGH, 0);
			tlv_put_u32(&t.w, T_HAVE, 0);
		}
		fb_reply(fb, f->seq, FC_BOARD_STATUS, t.d, t.w.len);
		break;
	case FC_READBACK: fb_readback(fb, f); break;
	case FC_HOST_STATUS:
		if (!(fb->mode & FB_RB_NEVER_DONE))
			fb_reply(fb, 0, FC_READBACK_DONE, NULL, 0);
		break;
	case FC_DISCONNECT: fb_reply(fb, 0, FC_DISCONNECT_ACK, NULL, 0); break;
	default: break;
	}
}

/* Run sess_host against the fake board; returns the host's exit code. The
 * host must end by its timers: within 3 timeouts of fake time. */
static int fb_run(unsigned mode, int windowed, size_t size)
{
	struct fb *fb = calloc(1, sizeof(*fb));
	struct sess_host_config hc;
	const struct sess_result *res;
	struct sess_host_stats st;
	const uint8_t *buf;
	size_t len;
	unsigned steps = 0;
	int ex;

	CU_ASSERT_PTR_NOT_NULL_FATAL(fb);
	CU_ASSERT_EQUAL_FATAL(nic_loop_pair(&fb->hn, &fb->fn, MAC_H, MAC_B, MTU, 1u << 16), 0);
	fb->mode = mode;
	fb->windowed = windowed;
	fb->session = (mode & FB_OTHER_SESSION) ? SID + 1 : SID;
	fb->size = size;
	fb->data = malloc(size ? size : 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(fb->data);
	fill(fb->data, size, 99);
	fb->crc = frame_crc32(0, fb->data, size);
	fb->src = (struct sess_source){fb_src, fb};
	fb->cmp.file = fb->data;
	fb->cmp.file_size = size;
	fb->sink = (struct sess_sink){cmp_begin, cmp_write, cmp_finish, &fb->cmp};
	memset(&hc, 0, sizeof(hc));
	hc.nic = fb->hn;
	memcpy(hc.board, MAC_B, 6);
	hc.job = SESS_DOWNLOAD;
	hc.readback = 1;
	hc.type = FT_CONFIG;
	hc.size = size;
	hc.crc = fb->crc;
	hc.src = &fb->src;
	hc.sink = &fb->sink;
	hc.window = 16;
	hc.session_id = SID;
	hc.log = test_log;
	hc.log_ctx = "host";
	CU_ASSERT_EQUAL_FATAL(sess_host_init(&fb->h, &hc), 0);
	fb->now = fb->start = T0;
	sess_host_start(&fb->h, fb->now);
	while (!sess_host_done(&fb->h) && steps++ < MAX_STEPS &&
	       fb->now < fb->start + 100 * TIMEOUT) {
		uint64_t d;

		sess_host_poll(&fb->h, fb->now);
		for (int moved = 1; moved;) {
			moved = 0;
			while (nic_recv(fb->fn, &buf, &len) == 1) {
				struct frame f;

				moved = 1;
				if (frame_decode(&f, buf, len, FRAME_ETHERTYPE_DEFAULT) == 0)
					fb_input(fb, &f);
			}
			while (nic_recv(fb->hn, &buf, &len) == 1) {
				moved = 1;
				sess_host_input(&fb->h, buf, len, fb->now);
			}
		}
		d = sess_host_next_deadline(&fb->h);
		fb->now = d <= fb->now || d == SESS_NEVER ? fb->now + STEP : d;
	}
	res = sess_host_result(&fb->h);
	sess_host_stats(&fb->h, &st);
	CU_ASSERT(sess_host_done(&fb->h));
	/* it ended by its timers */
	CU_ASSERT(fb->now <= fb->start + 3 * TIMEOUT);
	ex = sess_exit_code(res);
	/* never success unless every byte was read back and equal */
	if (ex == 0) {
		CU_ASSERT(cmp_all_equal(&fb->cmp));
		CU_ASSERT_EQUAL(st.bytes_rb, size);
		CU_ASSERT_EQUAL(res->notice, NOTICE_NONE);
		CU_ASSERT_EQUAL(res->local, 0);
	} else {
		CU_ASSERT(res->text[0] != '\0');
	}
	if (getenv("ETHDL_TEST_VERBOSE"))
		fprintf(stderr, "    mode %#x %s: exit %d after %.3f s: %s\n", mode,
			windowed ? "windowed" : "strict", ex, (double)(fb->now - fb->start) / 1e6,
			res->text);
	sess_host_dispose(&fb->h);
	if (fb->rx_open)
		xrecv_dispose(&fb->rx);
	nic_close(fb->hn);
	nic_close(fb->fn);
	free(fb->cmp.seen);
	free(fb->got);
	free(fb->data);
	free(fb);
	return ex;
}

static void expect_exit(unsigned mode, int ex, int windowed_too)
{
	for (int w = 0; w <= windowed_too; w++) {
		int got = fb_run(mode, w, 30000);

		if (got != ex)
			fprintf(stderr, "\n    mode %#x %s: exit %d, expected %d\n", mode,
				w ? "windowed" : "strict", got, ex);
		CU_ASSERT_EQUAL(got, ex);
	}
}

static void test_host_honest_board(void)
{
	expect_exit(FB_HONEST, 0, 1);
	CU_ASSERT_EQUAL(fb_run(FB_HONEST, 1, 0), 0);
	CU_ASSERT_EQUAL(fb_run(FB_HONEST, 0, 1), 0);
}

static void test_host_wrong_done(void)
{
	expect_exit(FB_DONE_BAD_CRC, 13, 1);
	expect_exit(FB_DONE_BAD_SIZE, 13, 1);
	/* DOWNLOAD_DONE before any data, with the right size and CRC: the
	 * read-back shows what the board really holds */
	expect_exit(FB_DONE_EARLY, 15, 1);
}

static void test_host_wrong_readback(void)
{
	expect_exit(FB_RB_WRONG_BYTE, 15, 1);
	expect_exit(FB_RB_BEYOND, 16, 0);
	expect_exit(FB_RB_SHORT, 16, 1);
	expect_exit(FB_RB_DONE_EARLY, 16, 1);
	expect_exit(FB_RB_ACK_SIZE, 15, 1);
	expect_exit(FB_RB_ACK_CRC, 13, 1);
	expect_exit(FB_RB_ACK_FRAMES, 16, 1);
	expect_exit(FB_RB_ZERO_BLOCK, 16, 1);
	/* duplicates, windowed: the first copy of each frame is the one
	 * compared; strict: a frame that is not the previous + 1 is a
	 * sequence error (the paper's rule, PROTOCOL.md §4) */
	CU_ASSERT_EQUAL(fb_run(FB_RB_DUP, 1, 30000), 0);
	CU_ASSERT_EQUAL(fb_run(FB_RB_DUP_WRONG_SECOND, 1, 30000), 0);
	CU_ASSERT_EQUAL(fb_run(FB_RB_DUP_WRONG_FIRST, 1, 30000), 15);
	CU_ASSERT_EQUAL(fb_run(FB_RB_DUP, 0, 30000), 16);
	CU_ASSERT_EQUAL(fb_run(FB_RB_DUP_WRONG_SECOND, 0, 30000), 16);
	CU_ASSERT_EQUAL(fb_run(FB_RB_DUP_WRONG_FIRST, 0, 30000), 16);
}

static void test_host_beyond_windowed(void)
{
	/* windowed: a frame beyond the announced count is refused too, unless
	 * the read-back is already complete (then it is late chatter, ignored,
	 * and every byte was compared) */
	int ex = fb_run(FB_RB_BEYOND, 1, 30000);

	CU_ASSERT(ex == 16 || ex == 0);
}

static void test_host_other_session(void)
{
	expect_exit(FB_OTHER_SESSION, 11, 1);
	expect_exit(FB_SPAM_OTHER, 0, 1);
	expect_exit(FB_SPAM_OTHER | FB_RB_WRONG_BYTE, 15, 1);
	/* a CRC-valid frame of an unknown code is damaged only in the session */
	expect_exit(FB_UNKNOWN_OTHER, 0, 1);
}

static void test_host_board_never_finishes(void)
{
	expect_exit(FB_NEVER_DONE, 14, 1);
	expect_exit(FB_RB_NEVER_DONE, 14, 1);
	expect_exit(FB_RB_NEVER_DATA, 14, 1);
	/* windowed: a board that never acknowledges, or floods stale status */
	CU_ASSERT_EQUAL(fb_run(FB_NEVER_ACK, 1, 30000), 14);
	CU_ASSERT_EQUAL(fb_run(FB_NEVER_ACK | FB_STATUS_FLOOD, 1, 30000), 14);
	CU_ASSERT_EQUAL(fb_run(FB_SILENT_AFTER_ACK, 1, 30000), 14);
	CU_ASSERT_EQUAL(fb_run(FB_STATUS_FLOOD, 1, 30000), 0);
}

static CU_TestInfo board_tests[] = {
	{"strangers mid-download", test_strangers_mid_download},
	{"other session ids from the host's MAC", test_other_session_mid_download},
	{"what the stranger hears", test_stranger_answers},
	{"same host, new session: superseded", test_same_host_new_session},
	{"nonsense data frames from the host", test_nonsense_data},
	{"FILE_INFO in the middle of the transfer", test_file_info_mid_transfer},
	{"FILE_INFO with nonsense fields", test_file_info_nonsense},
	{"unknown code, other session", test_unknown_code_other_session},
	{"flood of 100,000 stranger frames", test_flood},
	{"disk full during the data", test_disk_full_mid_download},
	{"a host that never acknowledges the read-back", test_readback_never_acked},
	{"a host that talks without moving on", test_chatter_without_data},
	CU_TEST_INFO_NULL,
};

static CU_TestInfo host_tests[] = {
	{"honest fake board", test_host_honest_board},
	{"wrong DOWNLOAD_DONE", test_host_wrong_done},
	{"wrong read-back", test_host_wrong_readback},
	{"read-back beyond the size, windowed", test_host_beyond_windowed},
	{"answers of other sessions", test_host_other_session},
	{"a board that never finishes", test_host_board_never_finishes},
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{"hostile_board_input", NULL, NULL, NULL, NULL, board_tests},
	{"hostile_board", NULL, NULL, NULL, NULL, host_tests},
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return cunit_run(suites);
}
