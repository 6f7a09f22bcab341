/* SPDX-License-Identifier: MIT */
/*
 * The host's side of the device extension (PROTOCOL.md §7): INFO, ACTIVATE
 * and its health check, ROLLBACK, the event log, package headers in
 * FILE_INFO, policy refusals. The host runs on one end of the loop pair;
 * the test plays the board with frames made by hand on the other end, on a
 * fake clock (nothing sleeps).
 *
 * Set ETHDL_TEST_VERBOSE=1 to see what the host logs.
 */
#include <CUnit/Basic.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cunit_main.h"
#include "frame.h"
#include "nic.h"
#include "proto.h"
#include "session.h"

#define MTU	1500u
#define SEC	1000000ull
#define MS	1000ull
#define T0	(5 * SEC)
#define SID	0xdec0de01u
#define STEP_US 100
#define WALL	1780000000000000ll /* the host's wall clock at T0 minus T0, µs */

static const uint8_t MAC_H[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
static const uint8_t MAC_B[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02};

static void test_log(void *ctx, const char *msg)
{
	if (getenv("ETHDL_TEST_VERBOSE"))
		fprintf(stderr, "    [%s] %s\n", (const char *)ctx, msg);
}

/* ---- the rig: a host, and a board played by hand ---- */

struct rig {
	struct nic *hn, *bn;
	struct sess_host h;
	struct sess_host_config hc;
	uint64_t now;
	/* the last frame the host sent, as the board's end received it */
	uint8_t buf[FRAME_BUF_MAX];
	size_t len;
	struct frame f;
	/* a download's file */
	uint8_t file[4096];
	size_t size;
	struct sess_source src;
	/* events of SESS_LOG */
	struct sess_event ev[16];
	unsigned nev;
};

static int mem_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct rig *r = ctx;

	if (off > r->size || len > r->size - off)
		return -EIO;
	memcpy(buf, r->file + off, len);
	return 0;
}

/* The read-back goes nowhere here: these tests stop before it. */
static int sink_begin(void *ctx, uint64_t size)
{
	(void)ctx;
	(void)size;
	return 0;
}

static int sink_write(void *ctx, uint64_t off, const void *buf, size_t len)
{
	(void)ctx;
	(void)off;
	(void)buf;
	(void)len;
	return 0;
}

static int sink_finish(void *ctx, struct sess_verdict *v)
{
	(void)ctx;
	memset(v, 0, sizeof(*v));
	return 0;
}

static const struct sess_sink null_sink = {sink_begin, sink_write, sink_finish, NULL};

static void on_event(void *ctx, const struct sess_event *ev)
{
	struct rig *r = ctx;

	CU_ASSERT_FATAL(r->nev < 16);
	r->ev[r->nev++] = *ev;
}

static struct rig *rig_new(int job)
{
	struct rig *r = calloc(1, sizeof(*r));

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL_FATAL(nic_loop_pair(&r->hn, &r->bn, MAC_H, MAC_B, MTU, 0), 0);
	r->hc.nic = r->hn;
	memcpy(r->hc.board, MAC_B, 6);
	r->hc.job = job;
	r->hc.type = FT_ALGORITHM;
	r->hc.name = "pkg.bin";
	r->hc.session_id = SID;
	r->hc.wall_offset_us = WALL;
	r->hc.log = test_log;
	r->hc.log_ctx = "host";
	r->hc.on_event = on_event;
	r->hc.event_ctx = r;
	r->src.read = mem_read;
	r->src.ctx = r;
	r->hc.src = &r->src;
	r->hc.sink = &null_sink;
	r->now = T0;
	return r;
}

static void rig_init(struct rig *r)
{
	CU_ASSERT_EQUAL_FATAL(sess_host_init(&r->h, &r->hc), 0);
}

static void rig_free(struct rig *r)
{
	sess_host_dispose(&r->h);
	nic_close(r->hn);
	nic_close(r->bn);
	free(r);
}

/* The next frame the host sent, or -1 when there is none. */
static int next_out(struct rig *r)
{
	const uint8_t *b;
	size_t l;

	if (nic_recv(r->bn, &b, &l) != 1)
		return -1;
	memcpy(r->buf, b, l);
	r->len = l;
	CU_ASSERT_EQUAL_FATAL(frame_decode(&r->f, r->buf, r->len, FRAME_ETHERTYPE_DEFAULT), 0);
	CU_ASSERT_EQUAL(r->f.session, SID);
	return r->f.code;
}

/* The next frame must be code; then nothing else is waiting. */
static void expect_only(struct rig *r, int code)
{
	int c = next_out(r);

	if (c != code)
		fprintf(stderr, "\n    expected %s, got %s\n", frame_code_name(code),
			c < 0 ? "nothing" : frame_code_name(c));
	CU_ASSERT_EQUAL_FATAL(c, code);
	CU_ASSERT_EQUAL(nic_recv(r->bn, &(const uint8_t *){NULL}, &(size_t){0}), 0);
}

static void expect_none(struct rig *r)
{
	CU_ASSERT_EQUAL(next_out(r), -1);
}

/* The board answers with code and TLVs. */
static void reply(struct rig *r, uint8_t code, const uint8_t *data, size_t len)
{
	uint8_t buf[FRAME_BUF_MAX];
	struct frame f = {.version = FRAME_VERSION,
			  .session = SID,
			  .code = code,
			  .len = (uint16_t)len,
			  .data = data};
	int n;

	memcpy(f.dst, MAC_H, 6);
	memcpy(f.src, MAC_B, 6);
	n = frame_encode(buf, sizeof(buf), &f, FRAME_ETHERTYPE_DEFAULT);
	CU_ASSERT_FATAL(n > 0);
	sess_host_input(&r->h, buf, (size_t)n, r->now);
}

static void reply_w(struct rig *r, uint8_t code, const struct tlv_writer *w)
{
	CU_ASSERT_FATAL(!w->overflow);
	reply(r, code, w->buf, w->len);
}

static void at(struct rig *r, uint64_t t)
{
	r->now = t;
	sess_host_poll(&r->h, r->now);
}

static void start(struct rig *r, uint32_t caps)
{
	uint8_t d[64];
	struct tlv_writer w;
	uint64_t v = 0;

	sess_host_start(&r->h, r->now);
	expect_only(r, FC_CONNECT);
	CU_ASSERT(tlv_get_uint(r->f.data, r->f.len, T_CAPS, &v));
	CU_ASSERT_EQUAL(v & CAP_DEVICE, r->hc.strict ? 0 : CAP_DEVICE);
	tlv_writer_init(&w, d, sizeof(d));
	tlv_put_str(&w, T_VENDOR, "acme");
	tlv_put_str(&w, T_MODEL, "unit");
	tlv_put_str(&w, T_SERIAL, "0001");
	tlv_put_u32(&w, T_CAPS, caps);
	tlv_put_u16(&w, T_BLOCK, 1479);
	tlv_put_u16(&w, T_WINDOW, 1024);
	r->now += 20 * MS; /* a round trip that leaves the resend at 100 ms */
	reply_w(r, FC_CONNECT_ACK, &w);
}

/* DISCONNECT, DISCONNECT_ACK, done. */
static void finish(struct rig *r)
{
	expect_only(r, FC_DISCONNECT);
	reply(r, FC_DISCONNECT_ACK, NULL, 0);
	CU_ASSERT(sess_host_done(&r->h));
}

static void put_version(uint8_t *p, unsigned count, unsigned a, unsigned b, unsigned c)
{
	memset(p, 0, PROTO_VERSION_LEN);
	p[0] = (uint8_t)count;
	put_be16(p + 1, (uint16_t)a);
	put_be16(p + 3, (uint16_t)b);
	put_be16(p + 5, (uint16_t)c);
}

static void act_state(struct rig *r, int type, int state, uint32_t health_ms, uint64_t act_at)
{
	uint8_t d[128], v[PROTO_VERSION_LEN];
	struct tlv_writer w;

	tlv_writer_init(&w, d, sizeof(d));
	tlv_put_u8(&w, T_TYPE, (uint8_t)type);
	tlv_put_u8(&w, T_ACT_STATE, (uint8_t)state);
	if (act_at)
		tlv_put_u64(&w, T_ACT_AT, act_at);
	tlv_put_u32(&w, T_HEALTH_MS, health_ms);
	put_version(v, 3, 1, 2, 0);
	tlv_put(&w, T_VERSION_FROM, v, sizeof(v));
	put_version(v, 3, 1, 3, 0);
	tlv_put(&w, T_VERSION_TO, v, sizeof(v));
	reply_w(r, FC_ACT_STATE, &w);
}

static int exit_code(const struct rig *r)
{
	return sess_exit_code(sess_host_result(&r->h));
}

/* ---- INFO ---- */

static void put_image(struct tlv_writer *w, int type, int role, int flags, unsigned major,
		      uint64_t size, uint8_t fillsha, uint64_t activate_at)
{
	uint8_t im[PROTO_IMAGE_LEN];

	memset(im, 0, sizeof(im));
	im[0] = (uint8_t)type;
	im[1] = (uint8_t)role;
	im[2] = (uint8_t)flags;
	put_version(im + 3, flags & PROTO_IMG_F_VERSION ? 3 : 0, major, 4, 1);
	put_be64(im + 12, size);
	memset(im + 20, fillsha, 32);
	put_be64(im + 52, activate_at);
	tlv_put(w, T_IMAGE, im, sizeof(im));
}

static void test_info(void)
{
	struct rig *r = rig_new(SESS_INFO);
	uint8_t d[600];
	struct tlv_writer w;
	const struct sess_info *in;
	char v[24];

	rig_init(r);
	start(r, CAP_WINDOW | CAP_RESUME | CAP_DEVICE);
	expect_only(r, FC_INFO);
	CU_ASSERT_EQUAL(r->f.len, 0);
	tlv_writer_init(&w, d, sizeof(d));
	tlv_put(&w, 200, "future", 6); /* unknown TLVs are skipped */
	tlv_put_str(&w, T_VENDOR, "acme");
	tlv_put_str(&w, T_MODEL, "io-16");
	tlv_put_str(&w, T_SERIAL, "SN-7");
	tlv_put_u32(&w, T_CAPS, CAP_WINDOW | CAP_DEVICE);
	tlv_put_u64(&w, T_BOARD_TIME, 1780000123000000ull);
	put_image(&w, FT_CONFIG, ROLE_ACTIVE, 0, 0, 3000, 0x11, 0);
	put_image(&w, FT_ALGORITHM, ROLE_ACTIVE, PROTO_IMG_F_VERSION | PROTO_IMG_F_PACKAGE, 1, 5000,
		  0x22, 0);
	tlv_put(&w, 201, "x", 1);
	put_image(&w, FT_ALGORITHM, ROLE_STAGED, PROTO_IMG_F_VERSION | PROTO_IMG_F_PACKAGE, 2, 6000,
		  0x33, 1780003600000000ull);
	put_image(&w, FT_ALGORITHM, ROLE_PREVIOUS, PROTO_IMG_F_VERSION | PROTO_IMG_F_PACKAGE, 0,
		  4000, 0x44, 0);
	r->now += MS;
	reply_w(r, FC_INFO_ACK, &w);
	finish(r);
	CU_ASSERT_EQUAL(exit_code(r), 0);
	in = sess_host_info(&r->h);
	CU_ASSERT_STRING_EQUAL(in->vendor, "acme");
	CU_ASSERT_STRING_EQUAL(in->model, "io-16");
	CU_ASSERT_STRING_EQUAL(in->serial, "SN-7");
	CU_ASSERT_EQUAL(in->caps, CAP_WINDOW | CAP_DEVICE);
	CU_ASSERT(in->has_board_time);
	CU_ASSERT_EQUAL(in->board_time, 1780000123000000ull);
	CU_ASSERT_EQUAL(in->host_time, (uint64_t)(WALL + (int64_t)r->now));
	CU_ASSERT_EQUAL_FATAL(in->nimages, 4);
	CU_ASSERT_EQUAL(in->images[0].type, FT_CONFIG);
	CU_ASSERT_EQUAL(in->images[0].version.count, 0);
	CU_ASSERT_STRING_EQUAL(sess_version_format(&in->images[0].version, v, sizeof(v)),
			       "unknown");
	CU_ASSERT_EQUAL(in->images[0].size, 3000);
	CU_ASSERT_EQUAL(in->images[1].role, ROLE_ACTIVE);
	CU_ASSERT_STRING_EQUAL(sess_version_format(&in->images[1].version, v, sizeof(v)), "1.4.1");
	CU_ASSERT_EQUAL(in->images[2].role, ROLE_STAGED);
	CU_ASSERT_EQUAL(in->images[2].size, 6000);
	CU_ASSERT_EQUAL(in->images[2].sha256[0], 0x33);
	CU_ASSERT_EQUAL(in->images[2].sha256[31], 0x33);
	CU_ASSERT_EQUAL(in->images[2].activate_at, 1780003600000000ull);
	CU_ASSERT_EQUAL(in->images[2].flags, PROTO_IMG_F_VERSION | PROTO_IMG_F_PACKAGE);
	CU_ASSERT_STRING_EQUAL(sess_version_format(&in->images[3].version, v, sizeof(v)), "0.4.1");
	CU_ASSERT_EQUAL(in->images[3].role, ROLE_PREVIOUS);
	rig_free(r);
}

/* A repeated INFO_ACK (INFO was resent) changes nothing; a short T_IMAGE is
 * a malformed field. */
static void test_info_short_image(void)
{
	static const uint8_t short_image[20];
	struct rig *r = rig_new(SESS_INFO);
	uint8_t d[128];
	struct tlv_writer w;

	rig_init(r);
	start(r, CAP_DEVICE);
	expect_only(r, FC_INFO);
	at(r, r->now + 100 * MS); /* INFO is resent on the command schedule */
	expect_only(r, FC_INFO);
	tlv_writer_init(&w, d, sizeof(d));
	tlv_put(&w, T_IMAGE, short_image, sizeof(short_image));
	reply_w(r, FC_INFO_ACK, &w);
	CU_ASSERT(sess_host_done(&r->h));
	CU_ASSERT_EQUAL(exit_code(r), 16);
	CU_ASSERT_EQUAL(next_out(r), FC_ERROR);
	CU_ASSERT_EQUAL(next_out(r), FC_DISCONNECT);
	rig_free(r);
}

/* ---- ACTIVATE ---- */

static struct rig *activate_now(void)
{
	struct rig *r = rig_new(SESS_ACTIVATE);
	uint64_t v = 0;

	r->hc.activate = SESS_ACT_NOW;
	rig_init(r);
	start(r, CAP_WINDOW | CAP_DEVICE);
	expect_only(r, FC_ACTIVATE);
	CU_ASSERT(tlv_get_uint(r->f.data, r->f.len, T_TYPE, &v) && v == FT_ALGORITHM);
	CU_ASSERT(tlv_get_uint(r->f.data, r->f.len, T_ACT_MODE, &v) && v == ACT_MODE_NOW);
	CU_ASSERT(tlv_get_uint(r->f.data, r->f.len, T_HOST_TIME, &v) &&
		  v == (uint64_t)(WALL + (int64_t)r->now));
	CU_ASSERT(!tlv_find(r->f.data, r->f.len, T_ACT_AT, 0, &(size_t){0}));
	return r;
}

/* testing, ACT_QUERY every 100 ms, then the final answer */
static void health_check(struct rig *r, int final)
{
	uint64_t t = r->now;

	act_state(r, FT_ALGORITHM, ACT_TESTING, 500, 0);
	CU_ASSERT_EQUAL(r->h.state, H_ACT_QUERY);
	for (int i = 1; i <= 3; i++) {
		at(r, t + (uint64_t)i * 100 * MS - 1);
		expect_none(r);
		CU_ASSERT_EQUAL(sess_host_next_deadline(&r->h), t + (uint64_t)i * 100 * MS);
		at(r, t + (uint64_t)i * 100 * MS);
		expect_only(r, FC_ACT_QUERY);
		if (i < 3)
			act_state(r, FT_ALGORITHM, ACT_TESTING, 500, 0);
	}
	act_state(r, FT_ALGORITHM, final, 500, 0);
	finish(r);
}

static void test_activate_now(void)
{
	struct rig *r = activate_now();
	const struct sess_activation *a;
	char v[24];

	health_check(r, ACT_ACTIVATED);
	CU_ASSERT_EQUAL(exit_code(r), 0);
	a = sess_host_activation(&r->h);
	CU_ASSERT(a->asked);
	CU_ASSERT_EQUAL(a->state, ACT_ACTIVATED);
	CU_ASSERT_EQUAL(a->health_ms, 500);
	CU_ASSERT_STRING_EQUAL(sess_version_format(&a->from, v, sizeof(v)), "1.2.0");
	CU_ASSERT_STRING_EQUAL(sess_version_format(&a->to, v, sizeof(v)), "1.3.0");
	CU_ASSERT_FALSE(sess_host_result(&r->h)->rolled_back);
	rig_free(r);
}

static void test_activate_rolled_back(void)
{
	struct rig *r = activate_now();

	health_check(r, ACT_ROLLED_BACK);
	CU_ASSERT_EQUAL(sess_host_activation(&r->h)->state, ACT_ROLLED_BACK);
	CU_ASSERT(sess_host_result(&r->h)->rolled_back);
	CU_ASSERT_EQUAL(exit_code(r), 18);
	rig_free(r);
}

/* ACT_STATE is lost: ACTIVATE goes again, the same bytes, and is answered
 * again; the late copy of the first answer changes nothing. */
static void test_activate_lost_state(void)
{
	struct rig *r = activate_now();
	uint8_t first[FRAME_BUF_MAX];
	size_t first_len = r->len;
	uint64_t t = r->now;

	memcpy(first, r->buf, r->len);
	at(r, t + 100 * MS - 1);
	expect_none(r);
	at(r, t + 100 * MS);
	expect_only(r, FC_ACTIVATE);
	CU_ASSERT(r->len == first_len && !memcmp(r->buf, first, first_len));
	at(r, t + 300 * MS); /* then twice as long */
	expect_only(r, FC_ACTIVATE);
	act_state(r, FT_ALGORITHM, ACT_TESTING, 500, 0);
	act_state(r, FT_ALGORITHM, ACT_TESTING, 500, 0); /* the answer to the resend */
	CU_ASSERT_EQUAL(r->h.state, H_ACT_QUERY);
	expect_none(r);
	at(r, r->now + 100 * MS);
	expect_only(r, FC_ACT_QUERY);
	act_state(r, FT_ALGORITHM, ACT_ACTIVATED, 500, 0);
	act_state(r, FT_ALGORITHM, ACT_TESTING, 500, 0); /* late: ignored */
	finish(r);
	CU_ASSERT_EQUAL(exit_code(r), 0);
	CU_ASSERT_EQUAL(sess_host_activation(&r->h)->state, ACT_ACTIVATED);
	rig_free(r);
}

/* A board that keeps saying "testing" cannot hold the host: no final
 * answer T_HEALTH_MS + the timer after testing began is a TIMEOUT. */
static void test_activate_health_timeout(void)
{
	struct rig *r = activate_now();
	uint64_t t0 = r->now, end = t0 + 500 * MS + 3 * SEC;
	int queries = 0;

	act_state(r, FT_ALGORITHM, ACT_TESTING, 500, 0);
	while (!sess_host_done(&r->h) && r->now < end + SEC) {
		uint64_t d = sess_host_next_deadline(&r->h);

		CU_ASSERT_FATAL(d > r->now && d <= end);
		at(r, d);
		while (next_out(r) == FC_ACT_QUERY) {
			queries++;
			act_state(r, FT_ALGORITHM, ACT_TESTING, 500, 0);
		}
	}
	CU_ASSERT(sess_host_done(&r->h));
	CU_ASSERT_EQUAL(r->now, end);
	CU_ASSERT_EQUAL(queries, 34); /* every 100 ms for 3.5 s, less the last */
	CU_ASSERT_EQUAL(exit_code(r), 14);
	CU_ASSERT_PTR_NOT_NULL(strstr(sess_host_result(&r->h)->text, "not known"));
	CU_ASSERT_EQUAL(r->f.code, FC_DISCONNECT);
	rig_free(r);
}

/* A board that stops answering while its health check runs (killed, cut
 * off) does not hold the host for the whole T_HEALTH_MS: a timer's worth of
 * silence to ACT_QUERY is a TIMEOUT, the outcome not known. */
static void test_activate_health_silence(void)
{
	struct rig *r = activate_now();
	uint64_t t0 = r->now, heard;

	act_state(r, FT_ALGORITHM, ACT_TESTING, 60000, 0);
	while (r->now < t0 + SEC) {
		at(r, sess_host_next_deadline(&r->h));
		while (next_out(r) == FC_ACT_QUERY)
			act_state(r, FT_ALGORITHM, ACT_TESTING, 60000, 0);
	}
	heard = r->now;
	while (!sess_host_done(&r->h) && r->now < t0 + 70 * SEC)
		at(r, sess_host_next_deadline(&r->h));
	CU_ASSERT(sess_host_done(&r->h));
	CU_ASSERT_EQUAL(r->now, heard + 3 * SEC);
	CU_ASSERT_EQUAL(exit_code(r), 14);
	CU_ASSERT_PTR_NOT_NULL(strstr(sess_host_result(&r->h)->text, "stopped answering"));
	CU_ASSERT_PTR_NOT_NULL(strstr(sess_host_result(&r->h)->text, "not known"));
	rig_free(r);
}

static void test_activate_scheduled(void)
{
	struct rig *r = rig_new(SESS_ACTIVATE);
	uint64_t v = 0, want = (uint64_t)(WALL + (int64_t)T0) + 3600 * SEC;
	const struct sess_activation *a;

	r->hc.activate = SESS_ACT_AT;
	r->hc.act_at_us = want;
	rig_init(r);
	start(r, CAP_DEVICE);
	expect_only(r, FC_ACTIVATE);
	CU_ASSERT(tlv_get_uint(r->f.data, r->f.len, T_ACT_MODE, &v) && v == ACT_MODE_AT);
	CU_ASSERT(tlv_get_uint(r->f.data, r->f.len, T_ACT_AT, &v) && v == want);
	CU_ASSERT(tlv_get_uint(r->f.data, r->f.len, T_HOST_TIME, &v) &&
		  v == (uint64_t)(WALL + (int64_t)r->now));
	act_state(r, FT_ALGORITHM, ACT_SCHEDULED, 0, want - 42 * SEC); /* board clock */
	finish(r);
	CU_ASSERT_EQUAL(exit_code(r), 0);
	a = sess_host_activation(&r->h);
	CU_ASSERT_EQUAL(a->state, ACT_SCHEDULED);
	CU_ASSERT_EQUAL(a->act_at, want - 42 * SEC);
	CU_ASSERT_EQUAL(a->host_act_at, want);
	rig_free(r);
}

/* A time that has passed is not sent: nothing is activated by surprise. */
static void test_activate_time_passed(void)
{
	struct rig *r = rig_new(SESS_ACTIVATE);

	r->hc.activate = SESS_ACT_AT;
	r->hc.act_at_us = (uint64_t)(WALL + (int64_t)T0) - SEC;
	rig_init(r);
	start(r, CAP_DEVICE);
	expect_only(r, FC_DISCONNECT);
	CU_ASSERT(sess_host_done(&r->h));
	CU_ASSERT_EQUAL(exit_code(r), 1);
	rig_free(r);
}

/* Refusals of ACTIVATE and ROLLBACK: notice 0, exit 1, the reason named. */
static void test_activate_nothing_staged(void)
{
	struct rig *r = activate_now();
	uint8_t d[128];
	size_t l = 0;
	struct tlv_writer w;

	tlv_writer_init(&w, d, sizeof(d));
	tlv_put_u8(&w, T_NOTICE, NOTICE_NONE);
	tlv_put_u16(&w, T_DETAIL, D_NOTHING_STAGED);
	l = w.len;
	reply(r, FC_ERROR, d, l);
	CU_ASSERT(sess_host_done(&r->h));
	CU_ASSERT_EQUAL(exit_code(r), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(sess_host_result(&r->h)->text, "nothing staged"));
	expect_only(r, FC_DISCONNECT);
	rig_free(r);
}

static void test_rollback(void)
{
	struct rig *r = rig_new(SESS_ROLLBACK);
	uint64_t v = 0;

	rig_init(r);
	start(r, CAP_DEVICE);
	expect_only(r, FC_ROLLBACK);
	CU_ASSERT(tlv_get_uint(r->f.data, r->f.len, T_TYPE, &v) && v == FT_ALGORITHM);
	act_state(r, FT_ALGORITHM, ACT_ROLLED_BACK, 0, 0);
	finish(r);
	/* a rollback asked for is a success, not exit 18 */
	CU_ASSERT_EQUAL(exit_code(r), 0);
	CU_ASSERT_EQUAL(sess_host_activation(&r->h)->state, ACT_ROLLED_BACK);
	rig_free(r);
}

/* An answer for another type, or a state that does not answer the
 * command, is a WRONG_COMMAND: never taken as an outcome. */
static void test_act_state_mismatch(void)
{
	struct rig *r = activate_now();

	act_state(r, FT_CONFIG, ACT_ACTIVATED, 0, 0);
	CU_ASSERT(sess_host_done(&r->h));
	CU_ASSERT_EQUAL(exit_code(r), 16);
	rig_free(r);
	r = activate_now();
	act_state(r, FT_ALGORITHM, ACT_SCHEDULED, 0, 0);
	CU_ASSERT_EQUAL(exit_code(r), 16);
	rig_free(r);
}

/* ---- the event log ---- */

static void put_event(struct tlv_writer *w, uint64_t seq, int event)
{
	uint8_t e[PROTO_EVENT_LEN];

	memset(e, 0, sizeof(e));
	put_be64(e, seq);
	put_be64(e + 8, 1780000000000000ull + seq * SEC);
	e[16] = (uint8_t)event;
	e[17] = FT_ALGORITHM;
	e[18] = event == PROTO_EV_FAILED ? NOTICE_FILE_CRC : 0;
	put_be16(e + 20, event == PROTO_EV_REFUSED ? D_NOT_NEWER : 0);
	memcpy(e + 22, MAC_H, 6);
	put_version(e + 28, 2, 1, (unsigned)seq, 0);
	put_version(e + 37, 2, 1, (unsigned)seq + 1, 0);
	tlv_put(w, T_EVENT, e, sizeof(e));
}

static void log_page(struct rig *r, uint64_t first, unsigned n, uint64_t next)
{
	uint8_t d[1400];
	struct tlv_writer w;

	tlv_writer_init(&w, d, sizeof(d));
	for (unsigned i = 0; i < n; i++)
		put_event(&w, first + i, PROTO_EV_STAGED + (int)i);
	tlv_put_u64(&w, T_NEXT, next);
	reply_w(r, FC_LOG_DATA, &w);
}

static void test_log_paging(void)
{
	struct rig *r = rig_new(SESS_LOG);
	uint64_t v = 0;
	char s[24];

	r->hc.since = 5;
	rig_init(r);
	start(r, CAP_DEVICE);
	expect_only(r, FC_LOG_QUERY);
	CU_ASSERT(tlv_get_uint(r->f.data, r->f.len, T_SINCE, &v) && v == 5);
	CU_ASSERT(tlv_get_uint(r->f.data, r->f.len, T_MAX, &v) && v == (1479 - 10) / 48);
	log_page(r, 5, 2, 7);
	expect_only(r, FC_LOG_QUERY);
	CU_ASSERT(tlv_get_uint(r->f.data, r->f.len, T_SINCE, &v) && v == 7);
	log_page(r, 5, 2, 7); /* a late copy of the first page: ignored */
	CU_ASSERT_EQUAL(r->nev, 2);
	expect_none(r);
	log_page(r, 7, 3, 0);
	finish(r);
	CU_ASSERT_EQUAL(exit_code(r), 0);
	CU_ASSERT_EQUAL_FATAL(r->nev, 5);
	CU_ASSERT_EQUAL(sess_host_log_events(&r->h), 5);
	for (unsigned i = 0; i < 5; i++)
		CU_ASSERT_EQUAL(r->ev[i].seq, 5 + i);
	CU_ASSERT_EQUAL(r->ev[0].event, PROTO_EV_STAGED);
	CU_ASSERT_EQUAL(r->ev[2].event, PROTO_EV_STAGED);
	CU_ASSERT_EQUAL(r->ev[3].event, PROTO_EV_SCHEDULED);
	CU_ASSERT_EQUAL(r->ev[0].type, FT_ALGORITHM);
	CU_ASSERT_EQUAL(r->ev[0].time, 1780000005000000ull);
	CU_ASSERT(!memcmp(r->ev[0].host, MAC_H, 6));
	CU_ASSERT_STRING_EQUAL(sess_version_format(&r->ev[1].from, s, sizeof(s)), "1.6");
	CU_ASSERT_STRING_EQUAL(sess_version_format(&r->ev[1].to, s, sizeof(s)), "1.7");
	rig_free(r);
}

/* A T_NEXT that does not move on is a WRONG_COMMAND, not an endless loop. */
static void test_log_next_stuck(void)
{
	struct rig *r = rig_new(SESS_LOG);

	r->hc.since = 5;
	rig_init(r);
	start(r, CAP_DEVICE);
	expect_only(r, FC_LOG_QUERY);
	log_page(r, 5, 1, 5);
	CU_ASSERT(sess_host_done(&r->h));
	CU_ASSERT_EQUAL(exit_code(r), 16);
	rig_free(r);
}

/* ---- packages ---- */

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

/* A package of size bytes whose header is the first hdr bytes. */
static struct rig *package(size_t size, size_t hdr, int activate, int readback)
{
	struct rig *r = rig_new(SESS_DOWNLOAD);

	CU_ASSERT_FATAL(size <= sizeof(r->file) && hdr <= size);
	fill(r->file, size, 7);
	memcpy(r->file, "ETHDLPKG", 8);
	r->size = size;
	r->hc.size = size;
	r->hc.crc = frame_crc32(0, r->file, size);
	r->hc.pkg_hdr = r->file;
	r->hc.pkg_hdr_len = hdr;
	r->hc.activate = activate;
	r->hc.readback = readback;
	return r;
}

/* CONNECT, DOWNLOAD: the host's FILE_INFO is in r->f. */
static void to_file_info(struct rig *r, uint32_t caps)
{
	uint8_t d[8];
	struct tlv_writer w;

	start(r, caps);
	expect_only(r, FC_DOWNLOAD);
	tlv_writer_init(&w, d, sizeof(d));
	tlv_put_u8(&w, T_TYPE, FT_ALGORITHM);
	reply_w(r, FC_DOWNLOAD_ACK, &w);
	expect_only(r, FC_FILE_INFO);
}

static void test_pkg_hdr_pieces(void)
{
	struct rig *r = package(2000, 700, SESS_ACT_NONE, 0);
	uint8_t hdr[700];
	size_t l, got = 0;
	const uint8_t *v;
	static const size_t want[3] = {255, 255, 190};

	rig_init(r);
	to_file_info(r, CAP_DEVICE);
	for (unsigned i = 0; i < 3; i++) {
		v = tlv_find(r->f.data, r->f.len, T_PKG_HDR, i, &l);
		CU_ASSERT_PTR_NOT_NULL_FATAL(v);
		CU_ASSERT_EQUAL(l, want[i]);
		memcpy(hdr + got, v, l);
		got += l;
	}
	CU_ASSERT_PTR_NULL(tlv_find(r->f.data, r->f.len, T_PKG_HDR, 3, &l));
	CU_ASSERT_EQUAL(got, 700);
	CU_ASSERT(!memcmp(hdr, r->file, 700));
	/* and the ordinary fields beside them */
	CU_ASSERT(tlv_get_uint(r->f.data, r->f.len, T_SIZE, &(uint64_t){0}));
	CU_ASSERT(tlv_find(r->f.data, r->f.len, T_NAME, 0, &l) && l == 7);
	rig_free(r);
}

/* The biggest header that fits goes; one byte more is refused before
 * anything is sent. */
static void test_pkg_hdr_too_big(void)
{
	struct rig *r = package(4096, 100, SESS_ACT_NONE, 0);
	size_t most = sess_host_pkg_hdr_max(&r->hc);

	/* 1479 bytes of data, less T_TYPE, T_SIZE, T_FRAMES, T_CRC, T_BLOCK
	 * and T_NAME "pkg.bin" (38 bytes): 1441, of which 5 pieces of 257 and
	 * one of 2 + 154 */
	CU_ASSERT_EQUAL(most, 5 * 255 + 154);
	CU_ASSERT(most > 1400);
	r->hc.pkg_hdr_len = most + 1;
	CU_ASSERT_EQUAL(sess_host_init(&r->h, &r->hc), -EMSGSIZE);
	r->hc.pkg_hdr_len = most;
	rig_init(r);
	to_file_info(r, CAP_DEVICE);
	CU_ASSERT_EQUAL(r->f.len, 1479);
	rig_free(r);
}

static void refused_at_file_info(int notice, int detail, int want_exit)
{
	struct rig *r = package(3000, 120, SESS_ACT_NOW, 1);
	uint8_t d[128];
	struct tlv_writer w;

	rig_init(r);
	to_file_info(r, CAP_WINDOW | CAP_DEVICE);
	tlv_writer_init(&w, d, sizeof(d));
	tlv_put_u8(&w, T_NOTICE, (uint8_t)notice);
	tlv_put_u16(&w, T_DETAIL, (uint16_t)detail);
	tlv_put_u32(&w, T_EXPECTED, 0x00010002);
	tlv_put_u32(&w, T_GOT, 0x00010002);
	tlv_put_str(&w, T_TEXT, "version 1.2 is active");
	reply_w(r, FC_ERROR, &w);
	CU_ASSERT(sess_host_done(&r->h));
	CU_ASSERT_EQUAL(exit_code(r), want_exit);
	CU_ASSERT_EQUAL(sess_host_result(&r->h)->detail, detail);
	CU_ASSERT_PTR_NOT_NULL(strstr(sess_host_result(&r->h)->text, "version 1.2 is active"));
	/* not a single data frame, no ACTIVATE: only the goodbye */
	expect_only(r, FC_DISCONNECT);
	at(r, r->now + 10 * SEC);
	expect_none(r);
	CU_ASSERT_FALSE(sess_host_activation(&r->h)->asked);
	rig_free(r);
}

static void test_policy_refusal(void)
{
	refused_at_file_info(NOTICE_NONE, D_NOT_NEWER, 17);
	refused_at_file_info(NOTICE_NONE, D_POLICY, 17);
	refused_at_file_info(NOTICE_NONE, D_NOT_TARGET, 17);
	refused_at_file_info(NOTICE_FILE_CRC, D_PKG, 13);
}

/* A package downloaded (strict, no read-back), then activated now: the
 * ACTIVATE goes only after DOWNLOAD_DONE proved the file. */
static void test_pkg_download_activate(void)
{
	struct rig *r = package(1000, 120, SESS_ACT_NOW, 0);
	uint8_t d[64];
	struct tlv_writer w;

	rig_init(r);
	to_file_info(r, CAP_DEVICE); /* no CAP_WINDOW: the strict exchange */
	reply(r, FC_FILE_INFO_ACK, NULL, 0);
	at(r, r->now + STEP_US);
	CU_ASSERT_EQUAL(next_out(r), FC_FILE_DATA);
	CU_ASSERT_EQUAL(r->f.len, 1000);
	CU_ASSERT(!memcmp(r->f.data, r->file, 1000));
	expect_none(r);
	CU_ASSERT_FALSE(sess_host_activation(&r->h)->asked);
	tlv_writer_init(&w, d, sizeof(d));
	tlv_put_u8(&w, T_TYPE, FT_ALGORITHM);
	tlv_put_u64(&w, T_SIZE, r->size);
	tlv_put_u32(&w, T_FRAMES, 1);
	tlv_put_u32(&w, T_CRC, r->hc.crc);
	reply_w(r, FC_DOWNLOAD_DONE, &w);
	expect_only(r, FC_ACTIVATE);
	health_check(r, ACT_ACTIVATED);
	CU_ASSERT_EQUAL(exit_code(r), 0);
	CU_ASSERT_EQUAL(sess_host_activation(&r->h)->state, ACT_ACTIVATED);
	rig_free(r);
}

/* --activate later: staged, nothing more is sent. */
static void test_pkg_download_staged(void)
{
	struct rig *r = package(1000, 120, SESS_ACT_NONE, 0);
	uint8_t d[64];
	struct tlv_writer w;

	rig_init(r);
	to_file_info(r, CAP_DEVICE);
	reply(r, FC_FILE_INFO_ACK, NULL, 0);
	at(r, r->now + STEP_US);
	CU_ASSERT_EQUAL(next_out(r), FC_FILE_DATA);
	tlv_writer_init(&w, d, sizeof(d));
	tlv_put_u64(&w, T_SIZE, r->size);
	tlv_put_u32(&w, T_CRC, r->hc.crc);
	reply_w(r, FC_DOWNLOAD_DONE, &w);
	finish(r);
	CU_ASSERT_EQUAL(exit_code(r), 0);
	CU_ASSERT_FALSE(sess_host_activation(&r->h)->asked);
	rig_free(r);
}

/* ---- a board without CAP_DEVICE ---- */

static void test_no_cap_device(void)
{
	static const int jobs[] = {SESS_INFO, SESS_ACTIVATE, SESS_ROLLBACK, SESS_LOG};

	for (unsigned i = 0; i < 4; i++) {
		struct rig *r = rig_new(jobs[i]);

		if (jobs[i] == SESS_ACTIVATE)
			r->hc.activate = SESS_ACT_NOW;
		rig_init(r);
		start(r, CAP_WINDOW | CAP_RESUME);
		expect_only(r, FC_DISCONNECT);
		CU_ASSERT(sess_host_done(&r->h));
		CU_ASSERT_EQUAL(exit_code(r), 1);
		CU_ASSERT_PTR_NOT_NULL(strstr(sess_host_result(&r->h)->text, "does not support"));
		rig_free(r);
	}
	/* a package is never sent to become a plain active file */
	{
		struct rig *r = package(1000, 120, SESS_ACT_NOW, 1);

		rig_init(r);
		start(r, CAP_WINDOW | CAP_RESUME);
		expect_only(r, FC_DISCONNECT);
		CU_ASSERT_EQUAL(exit_code(r), 1);
		CU_ASSERT_PTR_NOT_NULL(strstr(sess_host_result(&r->h)->text, "update packages"));
		rig_free(r);
	}
	/* --strict offers no extensions, so the board's bit does not count */
	{
		struct rig *r = rig_new(SESS_INFO);

		r->hc.strict = 1;
		rig_init(r);
		start(r, CAP_WINDOW | CAP_DEVICE);
		expect_only(r, FC_DISCONNECT);
		CU_ASSERT_EQUAL(exit_code(r), 1);
		CU_ASSERT_PTR_NOT_NULL(strstr(sess_host_result(&r->h)->text, "--strict"));
		rig_free(r);
	}
}

static void test_bad_configs(void)
{
	struct rig *r = rig_new(SESS_DOWNLOAD);

	r->hc.activate = SESS_ACT_NOW; /* a plain file is never activated */
	CU_ASSERT_EQUAL(sess_host_init(&r->h, &r->hc), -EINVAL);
	r->hc.job = SESS_ACTIVATE;
	r->hc.activate = SESS_ACT_NONE;
	CU_ASSERT_EQUAL(sess_host_init(&r->h, &r->hc), -EINVAL);
	r->hc.job = SESS_INFO;
	r->hc.activate = SESS_ACT_NOW;
	CU_ASSERT_EQUAL(sess_host_init(&r->h, &r->hc), -EINVAL);
	r->hc.activate = SESS_ACT_NONE;
	CU_ASSERT_EQUAL(sess_host_init(&r->h, &r->hc), 0);
	rig_free(r);
}

static void test_exit_codes(void)
{
	for (int d = D_POLICY; d <= D_NOT_NEWER; d++)
		CU_ASSERT_EQUAL(sess_exit_code(&(struct sess_result){
					.local = 1, .by_board = 1, .detail = d}),
				17);
	CU_ASSERT_EQUAL(sess_exit_code(&(struct sess_result){
				.notice = NOTICE_FILE_CRC, .by_board = 1, .detail = D_PKG}),
			13);
	for (int d = D_NOTHING_STAGED; d <= D_TESTING; d++)
		CU_ASSERT_EQUAL(sess_exit_code(&(struct sess_result){
					.local = 1, .by_board = 1, .detail = d}),
				1);
	CU_ASSERT_EQUAL(sess_exit_code(&(struct sess_result){.rolled_back = 1}), 18);
	/* a notice wins over the outcome beside it */
	CU_ASSERT_EQUAL(
		sess_exit_code(&(struct sess_result){.rolled_back = 1, .notice = NOTICE_TIMEOUT}),
		14);
}

static void test_names(void)
{
	CU_ASSERT_STRING_EQUAL(frame_code_name(FC_INFO_ACK), "INFO_ACK");
	CU_ASSERT_STRING_EQUAL(frame_code_name(FC_ACT_QUERY), "ACT_QUERY");
	CU_ASSERT(frame_code_known(FC_LOG_DATA));
	CU_ASSERT_FALSE(frame_code_known(0xA4));
	CU_ASSERT_STRING_EQUAL(proto_detail_name(D_NOT_NEWER),
			       "package version is not newer than the active one");
	CU_ASSERT_STRING_EQUAL(proto_detail_name(D_TESTING), "an activation is under test");
	CU_ASSERT_STRING_EQUAL(proto_detail_name(D_COUNT), "?");
	CU_ASSERT_STRING_EQUAL(proto_event_name(PROTO_EV_ROLLED_BACK), "rolled back");
	CU_ASSERT_STRING_EQUAL(proto_event_name(0), "?");
	CU_ASSERT_STRING_EQUAL(proto_act_state_name(ACT_ROLLED_BACK), "rolled back");
	CU_ASSERT_STRING_EQUAL(proto_role_name(ROLE_STAGED), "staged");
}

static CU_TestInfo tests[] = {
	{"INFO: identity, board time, images; unknown TLVs skipped", test_info},
	{"INFO: resent; a short T_IMAGE is a WRONG_COMMAND", test_info_short_image},
	{"ACTIVATE now: testing, ACT_QUERY every 100 ms, activated", test_activate_now},
	{"ACTIVATE now: rolled back, exit 18", test_activate_rolled_back},
	{"ACTIVATE: ACT_STATE lost, ACTIVATE resent and answered again", test_activate_lost_state},
	{"ACTIVATE: no outcome T_HEALTH_MS + the timer after testing: TIMEOUT",
	 test_activate_health_timeout},
	{"ACTIVATE: the board silent a timer's worth during its check: TIMEOUT",
	 test_activate_health_silence},
	{"ACTIVATE at a time: scheduled, with both clocks", test_activate_scheduled},
	{"ACTIVATE at a time that passed: nothing sent", test_activate_time_passed},
	{"ACTIVATE refused: nothing staged, exit 1", test_activate_nothing_staged},
	{"ROLLBACK: rolled back, exit 0", test_rollback},
	{"ACT_STATE of another type or state: WRONG_COMMAND", test_act_state_mismatch},
	{"LOG: pages until T_NEXT is 0, late copies ignored", test_log_paging},
	{"LOG: a T_NEXT that does not move on", test_log_next_stuck},
	{"package: a 700-byte header in FILE_INFO as 255 + 255 + 190", test_pkg_hdr_pieces},
	{"package: the largest header that fits FILE_INFO", test_pkg_hdr_too_big},
	{"package: policy refusal at FILE_INFO, exit 17 (13 for a bad package)",
	 test_policy_refusal},
	{"package: downloaded, proven, then activated", test_pkg_download_activate},
	{"package: --activate later leaves it staged", test_pkg_download_staged},
	{"a board without CAP_DEVICE, or --strict: said plainly, exit 1", test_no_cap_device},
	{"configurations refused by sess_host_init", test_bad_configs},
	{"exit codes 17 and 18", test_exit_codes},
	{"names of the new codes, details, events", test_names},
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{"host device extension", NULL, NULL, NULL, NULL, tests},
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return cunit_run(suites);
}
