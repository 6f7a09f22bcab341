/* SPDX-License-Identifier: MIT */
/*
 * Session authentication (CAP_AUTH, PROTOCOL.md §9): a host and a board
 * over the loop pair on a fake clock, with keys or without, and a stranger
 * who sends from the host's MAC: spoofed, replayed and tampered control
 * frames must not disturb an authenticated session; without the key nothing
 * is downloaded, read back or asked.
 *
 * Set ETHDL_TEST_VERBOSE=1 to see what the machines log.
 */
#include <CUnit/Basic.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth_ossl.h"
#include "board_int.h"
#include "common.h"
#include "cunit_main.h"
#include "frame.h"
#include "mem_devstore.h"
#include "nic.h"
#include "proto.h"
#include "session.h"

#define MTU	  1500u
#define SEC	  1000000ull
#define T0	  (5 * SEC)
#define SID	  0x5e551011u
#define STEP	  100u
#define MAX_STEPS 200000u
#define FSIZE	  (200u * 1000u)

static const uint8_t MAC_H[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
static const uint8_t MAC_B[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02};
static const uint8_t DISC[6] = FRAME_DISCOVER_MAC;

static void test_log(void *ctx, const char *msg)
{
	if (getenv("ETHDL_TEST_VERBOSE"))
		fprintf(stderr, "    [%s] %s\n", (const char *)ctx, msg);
}

static struct sess_auth_key key_a, key_b;

static void keys(void)
{
	for (unsigned i = 0; i < SESS_AUTH_KEY_LEN; i++) {
		key_a.key[i] = (uint8_t)(i * 7 + 1);
		key_b.key[i] = (uint8_t)(i * 7 + 1);
	}
	key_b.key[31] ^= 1; /* one bit apart */
	key_a.ops = key_b.ops = &sess_auth_ossl_ops;
}

/* ---- the rig: a host, a board, and what each sent last of each code ---- */

struct seen {
	uint8_t buf[FRAME_MIN_LEN + 1600];
	size_t len;
	unsigned count;
};

struct rig {
	struct nic *hn, *bn;
	struct devstore st;
	struct sess_board b;
	struct sess_host h;
	struct sess_host_config hc;
	uint64_t now;
	unsigned steps;
	uint8_t *data;
	struct sess_source src;
	struct sess_sink sink;
	uint8_t *rb; /* what was read back */
	uint64_t rb_size;
	int rb_finished;
	struct seen from_host[256], from_board[256];
	int host_on;
};

static int mem_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct rig *r = ctx;

	if (off > FSIZE || len > FSIZE - off)
		return -EIO;
	memcpy(buf, r->data + off, len);
	return 0;
}

static int rb_begin(void *ctx, uint64_t size)
{
	struct rig *r = ctx;

	free(r->rb);
	r->rb = calloc(1, size ? size : 1);
	r->rb_size = size;
	return r->rb ? 0 : -ENOMEM;
}

static int rb_write(void *ctx, uint64_t off, const void *buf, size_t len)
{
	struct rig *r = ctx;

	if (off > r->rb_size || len > r->rb_size - off)
		return -EIO;
	memcpy(r->rb + off, buf, len);
	return 0;
}

static int rb_finish(void *ctx, struct sess_verdict *v)
{
	struct rig *r = ctx;

	memset(v, 0, sizeof(*v));
	r->rb_finished = 1;
	v->differs = r->rb_size != FSIZE || memcmp(r->rb, r->data, FSIZE) != 0;
	return 0;
}

static struct rig *rig_new(const struct sess_auth_key *board_key,
			   const struct sess_auth_key *host_key, int job)
{
	struct rig *r = calloc(1, sizeof(*r));
	struct sess_board_config bc;

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	r->data = malloc(FSIZE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r->data);
	for (unsigned i = 0; i < FSIZE; i++)
		r->data[i] = (uint8_t)(i * 31 + (i >> 9));
	CU_ASSERT_EQUAL_FATAL(mem_devstore_open(&r->st), 0);
	CU_ASSERT_EQUAL_FATAL(nic_loop_pair(&r->hn, &r->bn, MAC_H, MAC_B, MTU, 0), 0);
	memset(&bc, 0, sizeof(bc));
	bc.nic = r->bn;
	bc.store = &r->st;
	bc.vendor = "acme";
	bc.model = "unit";
	bc.serial = "0001";
	bc.auth = board_key;
	bc.log = test_log;
	bc.log_ctx = "board";
	CU_ASSERT_EQUAL_FATAL(sess_board_init(&r->b, &bc), 0);

	r->src.read = mem_read;
	r->src.ctx = r;
	r->sink = (struct sess_sink){rb_begin, rb_write, rb_finish, r};
	r->hc.nic = r->hn;
	memcpy(r->hc.board, MAC_B, 6);
	r->hc.job = job;
	r->hc.readback = job == SESS_DOWNLOAD;
	r->hc.type = FT_CONFIG;
	r->hc.name = "config.bin";
	r->hc.size = FSIZE;
	r->hc.crc = frame_crc32(0, r->data, FSIZE);
	r->hc.src = &r->src;
	r->hc.sink = &r->sink;
	r->hc.block = 1000;
	r->hc.window = 16; /* a download of many round trips: room to meddle */
	r->hc.session_id = SID;
	r->hc.auth = host_key;
	r->hc.log = test_log;
	r->hc.log_ctx = "host";
	CU_ASSERT_EQUAL_FATAL(sess_host_init(&r->h, &r->hc), 0);
	r->now = T0;
	r->host_on = 1;
	return r;
}

static void rig_free(struct rig *r)
{
	sess_host_dispose(&r->h);
	sess_board_dispose(&r->b);
	nic_close(r->hn);
	nic_close(r->bn);
	mem_devstore_close(&r->st);
	free(r->data);
	free(r->rb);
	free(r);
}

static void keep(struct seen *s, const uint8_t *buf, size_t len)
{
	struct frame f;

	if (frame_decode(&f, buf, len, FRAME_ETHERTYPE_DEFAULT) < 0 || len > sizeof(s[0].buf))
		return;
	memcpy(s[f.code].buf, buf, len);
	s[f.code].len = len;
	s[f.code].count++;
}

static void deliver(struct rig *r)
{
	const uint8_t *buf;
	size_t len;
	unsigned moved;

	do {
		moved = 0;
		while (nic_recv(r->bn, &buf, &len) == 1) {
			moved++;
			keep(r->from_host, buf, len);
			sess_board_input(&r->b, buf, len, r->now);
		}
		while (nic_recv(r->hn, &buf, &len) == 1) {
			moved++;
			keep(r->from_board, buf, len);
			if (r->host_on)
				sess_host_input(&r->h, buf, len, r->now);
		}
	} while (moved);
}

static void step(struct rig *r)
{
	uint64_t d = SESS_NEVER, t;

	deliver(r);
	if (r->host_on)
		sess_host_poll(&r->h, r->now);
	sess_board_poll(&r->b, r->now);
	deliver(r);
	if (r->host_on && !sess_host_done(&r->h)) {
		t = sess_host_next_deadline(&r->h);
		d = t < d ? t : d;
	}
	t = sess_board_next_deadline(&r->b);
	d = t < d ? t : d;
	r->now = d <= r->now || d == SESS_NEVER ? r->now + STEP : d;
	r->steps++;
}

static void run(struct rig *r, int (*stop)(struct rig *))
{
	sess_host_start(&r->h, r->now);
	while (!sess_host_done(&r->h) && r->steps < MAX_STEPS) {
		if (stop && stop(r))
			return;
		step(r);
	}
	deliver(r);
	CU_ASSERT(sess_host_done(&r->h));
}

/* Let the board's timer run out, so that its session is over. */
static void settle(struct rig *r)
{
	for (unsigned i = 0; i < 100 && !sess_board_idle(&r->b); i++) {
		r->now += SEC / 10;
		deliver(r);
		sess_board_poll(&r->b, r->now);
		deliver(r);
	}
	CU_ASSERT(sess_board_idle(&r->b));
}

static int exit_code(const struct rig *r)
{
	return sess_exit_code(sess_host_result(&r->h));
}

/* Every byte was read back: after the download, or beside it (§10). */
static int read_back(const struct rig *r)
{
	struct sess_host_stats st;

	sess_host_stats(&r->h, &st);
	return r->rb_finished || (st.overlap && st.ovl_during + st.ovl_after >= FSIZE);
}

/* A frame from the host's MAC to the board, as a stranger makes it. */
static void inject(struct rig *r, uint32_t session, uint8_t code, const uint8_t *data, size_t len)
{
	uint8_t buf[FRAME_BUF_MAX];
	struct frame f = {.version = FRAME_VERSION,
			  .session = session,
			  .code = code,
			  .len = (uint16_t)len,
			  .data = data};
	int n;

	memcpy(f.dst, MAC_B, 6);
	memcpy(f.src, MAC_H, 6);
	n = frame_encode(buf, sizeof(buf), &f, FRAME_ETHERTYPE_DEFAULT);
	CU_ASSERT_FATAL(n > 0);
	CU_ASSERT_EQUAL(nic_send(r->hn, buf, (size_t)n), 0);
}

/* Raw bytes to the board, from "the host's end" of the wire. */
static void inject_raw(struct rig *r, const uint8_t *buf, size_t len)
{
	CU_ASSERT_EQUAL(nic_send(r->hn, buf, len), 0);
}

static const struct dev_image *active(const struct rig *r)
{
	return dev_image(&r->b.dev, FT_CONFIG, DEV_ACTIVE);
}

/* How many events of the board's log are ev with detail. */
static unsigned events(const struct rig *r, int ev, int detail)
{
	struct dev_log_entry e;
	unsigned n = 0;

	for (uint64_t seq = 1; dev_log_read(&r->b.dev, seq, &e); seq = e.seq + 1)
		if (e.event == ev && e.detail == detail)
			n++;
	return n;
}

static int in_data(struct rig *r)
{
	return r->b.state == B_DL_DATA && xrecv_have(&r->b.rx) > 20;
}

/* ---- with the key ---- */

static void test_download_with_key(void)
{
	struct rig *r = rig_new(&key_a, &key_a, SESS_DOWNLOAD);

	run(r, NULL);
	CU_ASSERT_EQUAL(exit_code(r), 0);
	CU_ASSERT(read_back(r));
	CU_ASSERT(r->h.auth.on && r->b.auth.on);
	CU_ASSERT(r->b.auth.rx_ctr >= 4); /* DOWNLOAD, FILE_INFO, READBACK, DISCONNECT */
	CU_ASSERT(r->h.auth.rx_ctr >= 4);
	CU_ASSERT_EQUAL(r->b.auth.dropped, 0);
	CU_ASSERT_EQUAL(r->h.auth.dropped, 0);
	CU_ASSERT_PTR_NOT_NULL(active(r));
	CU_ASSERT(active(r) && active(r)->size == FSIZE);
	/* the board's answer to DOWNLOAD carried T_CTR and T_FMAC last */
	{
		struct frame f;
		const struct seen *s = &r->from_board[FC_DOWNLOAD_ACK];

		CU_ASSERT_EQUAL_FATAL(frame_decode(&f, s->buf, s->len, FRAME_ETHERTYPE_DEFAULT), 0);
		CU_ASSERT_FATAL(f.len >= SESS_AUTH_TRAILER);
		CU_ASSERT_EQUAL(f.data[f.len - 24], T_CTR);
		CU_ASSERT_EQUAL(f.data[f.len - 18], T_FMAC);
		CU_ASSERT_EQUAL(f.data[f.len - 17], 16);
	}
	/* the CONNECT_ACK told only who the board is, and a nonce */
	{
		struct frame f;
		const struct seen *s = &r->from_board[FC_CONNECT_ACK];
		uint64_t caps = 0;
		size_t l = 0;

		CU_ASSERT_EQUAL_FATAL(frame_decode(&f, s->buf, s->len, FRAME_ETHERTYPE_DEFAULT), 0);
		CU_ASSERT(tlv_get_uint(f.data, f.len, T_CAPS, &caps) && (caps & CAP_AUTH) &&
			  !(caps & CAP_GROUP));
		CU_ASSERT_PTR_NOT_NULL(tlv_find(f.data, f.len, T_NONCE, 0, &l));
		CU_ASSERT_EQUAL(l, 16);
		CU_ASSERT_PTR_NULL(tlv_find(f.data, f.len, T_SLOT, 0, &l));
	}
	settle(r);
	CU_ASSERT_EQUAL(events(r, PROTO_EV_REFUSED, D_AUTH), 0);
	rig_free(r);
}

static void test_readback_with_key(void)
{
	struct rig *r = rig_new(&key_a, &key_a, SESS_DOWNLOAD);
	struct sess_host_config hc;

	run(r, NULL);
	CU_ASSERT_EQUAL_FATAL(exit_code(r), 0);
	settle(r);
	/* a second session, read-back only */
	hc = r->hc;
	hc.job = SESS_READBACK;
	hc.readback = 0;
	hc.session_id = SID + 1;
	sess_host_dispose(&r->h);
	CU_ASSERT_EQUAL_FATAL(sess_host_init(&r->h, &hc), 0);
	free(r->rb);
	r->rb = NULL;
	r->rb_finished = 0;
	r->steps = 0;
	run(r, NULL);
	CU_ASSERT_EQUAL(exit_code(r), 0);
	CU_ASSERT(read_back(r));
	CU_ASSERT(r->rb && r->rb_size == FSIZE && memcmp(r->rb, r->data, FSIZE) == 0);
	rig_free(r);
}

/* ---- without it, or with another ---- */

static void refused(const struct sess_auth_key *board_key, const struct sess_auth_key *host_key,
		    int job, int by_board)
{
	struct rig *r = rig_new(board_key, host_key, job);
	const struct sess_result *res;

	run(r, NULL);
	res = sess_host_result(&r->h);
	CU_ASSERT_EQUAL(exit_code(r), 11);
	CU_ASSERT_EQUAL(res->notice, NOTICE_CONNECT_FAILED);
	CU_ASSERT_EQUAL(res->detail, D_AUTH);
	CU_ASSERT_EQUAL(res->by_board, by_board);
	CU_ASSERT_PTR_NULL(active(r)); /* nothing was stored */
	CU_ASSERT_EQUAL(r->from_host[FC_DOWNLOAD].count + r->from_host[FC_READBACK].count +
				r->from_host[FC_INFO].count + r->from_host[FC_LOG_QUERY].count,
			0);
	CU_ASSERT_EQUAL(r->from_board[FC_READBACK_DATA].count, 0);
	CU_ASSERT_FALSE(r->h.auth.on);
	settle(r);
	if (board_key)
		CU_ASSERT_EQUAL(events(r, PROTO_EV_REFUSED, D_AUTH), 1);
	rig_free(r);
}

static void test_host_without_key(void)
{
	refused(&key_a, NULL, SESS_DOWNLOAD, 0);
	refused(&key_a, NULL, SESS_READBACK, 0);
	refused(&key_a, NULL, SESS_INFO, 0);
	refused(&key_a, NULL, SESS_LOG, 0);
}

static void test_wrong_key(void)
{
	refused(&key_a, &key_b, SESS_DOWNLOAD, 1);
	refused(&key_a, &key_b, SESS_READBACK, 1);
	refused(&key_a, &key_b, SESS_LOG, 1);
}

static void test_board_without_auth(void)
{
	/* a host given a key refuses a board that does not authenticate: it
	 * could be anyone's */
	refused(NULL, &key_a, SESS_DOWNLOAD, 0);
}

/* A host of old (or a stranger) that ignores CAP_AUTH: every command
 * before AUTH is refused with CONNECT_FAILED, D_AUTH. */
static void test_commands_before_auth(void)
{
	static const uint8_t codes[] = {FC_DOWNLOAD,  FC_READBACK,  FC_INFO,
					FC_LOG_QUERY, FC_ACTIVATE,  FC_ROLLBACK,
					FC_ACT_QUERY, FC_FILE_INFO, FC_FILE_DATA};
	struct rig *r = rig_new(&key_a, NULL, SESS_DOWNLOAD);
	uint8_t d[16];
	struct tlv_writer w;

	r->host_on = 0;
	tlv_writer_init(&w, d, sizeof(d));
	tlv_put_u8(&w, T_TYPE, FT_CONFIG);
	for (unsigned i = 0; i < sizeof(codes); i++) {
		struct frame f;
		const struct seen *e = &r->from_board[FC_ERROR];
		uint64_t notice = 0, detail = 0;
		unsigned errors = e->count;

		inject(r, SID + 100 + i, FC_CONNECT, NULL, 0);
		deliver(r);
		CU_ASSERT_FALSE(sess_board_idle(&r->b));
		inject(r, SID + 100 + i, codes[i], d, w.len);
		deliver(r);
		CU_ASSERT_EQUAL(e->count, errors + 1);
		CU_ASSERT_EQUAL_FATAL(frame_decode(&f, e->buf, e->len, FRAME_ETHERTYPE_DEFAULT), 0);
		CU_ASSERT_EQUAL(f.session, SID + 100 + i);
		tlv_get_uint(f.data, f.len, T_NOTICE, &notice);
		tlv_get_uint(f.data, f.len, T_DETAIL, &detail);
		CU_ASSERT_EQUAL(notice, NOTICE_CONNECT_FAILED);
		CU_ASSERT_EQUAL(detail, D_AUTH);
		CU_ASSERT(sess_board_idle(&r->b));
	}
	CU_ASSERT_EQUAL(r->from_board[FC_DOWNLOAD_ACK].count, 0);
	CU_ASSERT_EQUAL(r->from_board[FC_READBACK_ACK].count, 0);
	CU_ASSERT_EQUAL(r->from_board[FC_INFO_ACK].count, 0);
	CU_ASSERT_EQUAL(r->from_board[FC_LOG_DATA].count, 0);
	CU_ASSERT_EQUAL(r->from_board[FC_ACT_STATE].count, 0);
	CU_ASSERT_EQUAL(events(r, PROTO_EV_REFUSED, D_AUTH), sizeof(codes));
	rig_free(r);
}

/* CONNECT, then no AUTH: the timer ends the session as after any
 * CONNECT_ACK (ERROR TIMEOUT), and the refusal is logged. */
static void test_no_auth_times_out(void)
{
	struct rig *r = rig_new(&key_a, NULL, SESS_DOWNLOAD);
	struct frame f;
	uint64_t notice = 0;

	r->host_on = 0;
	inject(r, SID, FC_CONNECT, NULL, 0);
	deliver(r);
	CU_ASSERT_FALSE(sess_board_idle(&r->b));
	r->now += PROTO_TIMEOUT_US - 1;
	sess_board_poll(&r->b, r->now);
	deliver(r);
	CU_ASSERT_FALSE(sess_board_idle(&r->b));
	r->now += 1;
	sess_board_poll(&r->b, r->now);
	deliver(r);
	CU_ASSERT(sess_board_idle(&r->b));
	CU_ASSERT_EQUAL_FATAL(frame_decode(&f, r->from_board[FC_ERROR].buf,
					   r->from_board[FC_ERROR].len, FRAME_ETHERTYPE_DEFAULT),
			      0);
	tlv_get_uint(f.data, f.len, T_NOTICE, &notice);
	CU_ASSERT_EQUAL(notice, NOTICE_TIMEOUT);
	CU_ASSERT_EQUAL(events(r, PROTO_EV_REFUSED, D_AUTH), 1);
	rig_free(r);
}

/* AUTH with a proof made with another key: refused, logged. */
static void test_wrong_proof_by_hand(void)
{
	struct rig *r = rig_new(&key_a, NULL, SESS_DOWNLOAD);
	uint8_t d[64], proof[32];
	struct tlv_writer w;
	struct frame f;
	struct sess_auth_ctx c = {0};
	const uint8_t *nonce;
	size_t l = 0;
	uint64_t detail = 0;

	r->host_on = 0;
	inject(r, SID, FC_CONNECT, NULL, 0);
	deliver(r);
	CU_ASSERT_EQUAL_FATAL(frame_decode(&f, r->from_board[FC_CONNECT_ACK].buf,
					   r->from_board[FC_CONNECT_ACK].len,
					   FRAME_ETHERTYPE_DEFAULT),
			      0);
	nonce = tlv_find(f.data, f.len, T_NONCE, 0, &l);
	CU_ASSERT_FATAL(nonce && l == 16);
	memcpy(c.board_nonce, nonce, 16);
	memset(c.host_nonce, 0x55, 16);
	memcpy(c.host, MAC_H, 6);
	memcpy(c.board, MAC_B, 6);
	c.session = SID;
	CU_ASSERT_EQUAL(sess_auth_proof(&key_b, 0, &c, proof), 0);
	tlv_writer_init(&w, d, sizeof(d));
	tlv_put(&w, T_HOST_NONCE, c.host_nonce, 16);
	tlv_put(&w, T_AUTH, proof, 32);
	inject(r, SID, FC_AUTH, d, w.len);
	deliver(r);
	CU_ASSERT_EQUAL(r->from_board[FC_AUTH_ACK].count, 0);
	CU_ASSERT_EQUAL_FATAL(r->from_board[FC_ERROR].count, 1);
	CU_ASSERT_EQUAL_FATAL(frame_decode(&f, r->from_board[FC_ERROR].buf,
					   r->from_board[FC_ERROR].len, FRAME_ETHERTYPE_DEFAULT),
			      0);
	tlv_get_uint(f.data, f.len, T_DETAIL, &detail);
	CU_ASSERT_EQUAL(detail, D_AUTH);
	CU_ASSERT(sess_board_idle(&r->b));
	CU_ASSERT_FALSE(r->b.auth.on);
	CU_ASSERT_EQUAL(events(r, PROTO_EV_REFUSED, D_AUTH), 1);

	/* the right proof for the same nonces is taken */
	inject(r, SID + 1, FC_CONNECT, NULL, 0);
	deliver(r);
	CU_ASSERT_EQUAL_FATAL(frame_decode(&f, r->from_board[FC_CONNECT_ACK].buf,
					   r->from_board[FC_CONNECT_ACK].len,
					   FRAME_ETHERTYPE_DEFAULT),
			      0);
	nonce = tlv_find(f.data, f.len, T_NONCE, 0, &l);
	CU_ASSERT_FATAL(nonce && l == 16);
	CU_ASSERT(memcmp(nonce, c.board_nonce, 16) != 0); /* a fresh nonce per session */
	memcpy(c.board_nonce, nonce, 16);
	c.session = SID + 1;
	CU_ASSERT_EQUAL(sess_auth_proof(&key_a, 0, &c, proof), 0);
	tlv_writer_init(&w, d, sizeof(d));
	tlv_put(&w, T_HOST_NONCE, c.host_nonce, 16);
	tlv_put(&w, T_AUTH, proof, 32);
	inject(r, SID + 1, FC_AUTH, d, w.len);
	deliver(r);
	CU_ASSERT_EQUAL(r->from_board[FC_AUTH_ACK].count, 1);
	CU_ASSERT(r->b.auth.on);
	/* and the board proves itself */
	CU_ASSERT_EQUAL_FATAL(frame_decode(&f, r->from_board[FC_AUTH_ACK].buf,
					   r->from_board[FC_AUTH_ACK].len, FRAME_ETHERTYPE_DEFAULT),
			      0);
	{
		uint8_t want[32];
		const uint8_t *p = tlv_find(f.data, f.len, T_AUTH, 0, &l);

		CU_ASSERT_EQUAL(sess_auth_proof(&key_a, 1, &c, want), 0);
		CU_ASSERT(p && l == 32 && memcmp(p, want, 32) == 0);
	}
	rig_free(r);
}

/* A board that answers AUTH with a wrong proof (it does not hold the key)
 * is refused by the host: CONNECT_FAILED, D_AUTH. */
static void test_board_wrong_proof(void)
{
	struct rig *r = rig_new(NULL, &key_a, SESS_DOWNLOAD);
	const uint8_t *buf;
	size_t len;
	uint8_t d[64], junk[32];
	struct tlv_writer w;
	struct frame f;
	uint8_t out[FRAME_BUF_MAX];
	int n;

	sess_host_start(&r->h, r->now);
	CU_ASSERT_EQUAL_FATAL(nic_recv(r->bn, &buf, &len), 1); /* CONNECT */
	tlv_writer_init(&w, d, sizeof(d));
	tlv_put_u32(&w, T_CAPS, CAP_WINDOW | CAP_AUTH);
	memset(junk, 0x33, sizeof(junk));
	tlv_put(&w, T_NONCE, junk, 16);
	f = (struct frame){.version = 1, .session = SID, .code = FC_CONNECT_ACK, .data = d};
	f.len = (uint16_t)w.len;
	memcpy(f.dst, MAC_H, 6);
	memcpy(f.src, MAC_B, 6);
	n = frame_encode(out, sizeof(out), &f, FRAME_ETHERTYPE_DEFAULT);
	nic_send(r->bn, out, (size_t)n);
	deliver(r);
	CU_ASSERT_EQUAL_FATAL(r->h.state, H_AUTH);
	CU_ASSERT_EQUAL(r->from_host[FC_AUTH].count, 1);
	tlv_writer_init(&w, d, sizeof(d));
	tlv_put(&w, T_AUTH, junk, 32);
	f.code = FC_AUTH_ACK;
	f.len = (uint16_t)w.len;
	n = frame_encode(out, sizeof(out), &f, FRAME_ETHERTYPE_DEFAULT);
	nic_send(r->bn, out, (size_t)n);
	/* (the real board is kept out of it) */
	while (nic_recv(r->hn, &buf, &len) == 1)
		sess_host_input(&r->h, buf, len, r->now);
	CU_ASSERT(sess_host_done(&r->h));
	CU_ASSERT_EQUAL(exit_code(r), 11);
	CU_ASSERT_EQUAL(sess_host_result(&r->h)->detail, D_AUTH);
	CU_ASSERT_FALSE(r->h.auth.on);
	rig_free(r);
}

/* ---- a stranger with the host's MAC and session id ---- */

/* The contrast: without authentication, one spoofed DISCONNECT aborts a
 * running download. */
static void test_unauthenticated_is_fragile(void)
{
	struct rig *r = rig_new(NULL, NULL, SESS_DOWNLOAD);

	run(r, in_data);
	CU_ASSERT_FATAL(in_data(r));
	inject(r, SID, FC_DISCONNECT, NULL, 0);
	deliver(r);
	CU_ASSERT(sess_board_idle(&r->b)); /* the board let go */
	r->steps = 0;
	while (!sess_host_done(&r->h) && r->steps < MAX_STEPS)
		step(r);
	CU_ASSERT(sess_host_done(&r->h));
	CU_ASSERT_NOT_EQUAL(exit_code(r), 0);
	CU_ASSERT_PTR_NULL(active(r));
	rig_free(r);
}

static int spoofed_at_data(struct rig *r)
{
	uint8_t d[64], e[64];
	struct tlv_writer w;
	size_t l;

	if (!in_data(r) || r->b.auth.dropped)
		return 0;
	/* DISCONNECT, ERROR, FILE_INFO and a new download without an FMAC */
	inject(r, SID, FC_DISCONNECT, NULL, 0);
	l = sess_error_tlv(e, sizeof(e), NOTICE_WRONG_COMMAND, D_SEQUENCE, 1, 2, "spoof");
	inject(r, SID, FC_ERROR, e, l);
	tlv_writer_init(&w, d, sizeof(d));
	tlv_put_u8(&w, T_TYPE, FT_CONFIG);
	tlv_put_u64(&w, T_SIZE, 10);
	tlv_put_u32(&w, T_FRAMES, 1);
	tlv_put_u32(&w, T_CRC, 0);
	tlv_put_u16(&w, T_BLOCK, 1000);
	inject(r, SID, FC_FILE_INFO, d, w.len);
	inject(r, SID, FC_DOWNLOAD, d, 3);
	/* with a trailer of the right shape and a made-up FMAC */
	memset(d, 0, sizeof(d));
	d[0] = T_CTR;
	d[1] = 4;
	d[5] = 99;
	d[6] = T_FMAC;
	d[7] = 16;
	inject(r, SID, FC_DISCONNECT, d, SESS_AUTH_TRAILER);
	/* a CONNECT of the same session, and one of a new session: the new one
	 * gets a CONNECT_ACK, but takes over only with the right proof */
	inject(r, SID, FC_CONNECT, NULL, 0);
	inject(r, SID + 7, FC_CONNECT, NULL, 0);
	deliver(r);
	CU_ASSERT_EQUAL(r->from_board[FC_CONNECT_ACK].count, 2); /* the first, the new one */
	memset(d, 0x11, sizeof(d));
	d[0] = T_HOST_NONCE;
	d[1] = 16;
	d[18] = T_AUTH;
	d[19] = 32;
	inject(r, SID + 7, FC_AUTH, d, 52);
	deliver(r);
	CU_ASSERT_EQUAL(r->b.state, B_DL_DATA);
	CU_ASSERT_EQUAL(r->b.session, SID);
	CU_ASSERT_EQUAL(r->b.auth.dropped, 5);
	return 0;
}

static void test_spoofed_frames_dropped(void)
{
	struct rig *r = rig_new(&key_a, &key_a, SESS_DOWNLOAD);

	run(r, spoofed_at_data);
	CU_ASSERT_EQUAL(r->b.auth.dropped, 5);
	CU_ASSERT_EQUAL(exit_code(r), 0); /* downloaded, read back, identical */
	CU_ASSERT(read_back(r));
	CU_ASSERT(active(r) && active(r)->size == FSIZE);
	/* the new session's AUTH was refused, in its own session */
	{
		struct frame f;
		uint64_t detail = 0;

		CU_ASSERT_EQUAL_FATAL(frame_decode(&f, r->from_board[FC_ERROR].buf,
						   r->from_board[FC_ERROR].len,
						   FRAME_ETHERTYPE_DEFAULT),
				      0);
		CU_ASSERT_EQUAL(f.session, SID + 7);
		tlv_get_uint(f.data, f.len, T_DETAIL, &detail);
		CU_ASSERT_EQUAL(detail, D_AUTH);
	}
	rig_free(r);
}

/* The host's program dies in mid-download and starts again: its new
 * session authenticates and takes over at once (the old one is told, its
 * download kept and resumed). */
static void test_restarted_host_takes_over(void)
{
	struct rig *r = rig_new(&key_a, &key_a, SESS_DOWNLOAD);
	struct frame f;
	uint64_t detail = 0;

	run(r, in_data);
	CU_ASSERT_FATAL(in_data(r));
	sess_host_dispose(&r->h);
	r->hc.session_id = SID + 1;
	CU_ASSERT_EQUAL_FATAL(sess_host_init(&r->h, &r->hc), 0);
	r->steps = 0;
	run(r, NULL);
	CU_ASSERT_EQUAL(exit_code(r), 0);
	CU_ASSERT(read_back(r));
	CU_ASSERT(r->h.resumed > 0);
	CU_ASSERT(active(r) && active(r)->size == FSIZE);
	CU_ASSERT_EQUAL(r->b.session, SID + 1);
	CU_ASSERT_EQUAL_FATAL(frame_decode(&f, r->from_board[FC_ERROR].buf,
					   r->from_board[FC_ERROR].len, FRAME_ETHERTYPE_DEFAULT),
			      0);
	CU_ASSERT_EQUAL(f.session, SID);
	tlv_get_uint(f.data, f.len, T_DETAIL, &detail);
	CU_ASSERT_EQUAL(detail, D_SUPERSEDED);
	CU_ASSERT_EQUAL(r->from_board[FC_ERROR].count, 1);
	CU_ASSERT(r->now - T0 < 3 * SEC); /* at once, not after the old session's timer */
	rig_free(r);
}

/* An earlier sealed command of the session (DOWNLOAD: an old counter)
 * replayed in mid-download is dropped; the last one (FILE_INFO) repeated
 * gets the very reply it got, and moves nothing. */
static int replay_at_data(struct rig *r)
{
	struct seen dl = r->from_host[FC_DOWNLOAD], fi = r->from_host[FC_FILE_INFO];
	struct seen ack = r->from_board[FC_FILE_INFO_ACK];
	unsigned acks = ack.count;
	uint32_t have;

	if (!in_data(r) || r->b.auth.dropped)
		return 0;
	have = xrecv_have(&r->b.rx);
	inject_raw(r, dl.buf, dl.len);
	deliver(r);
	CU_ASSERT_EQUAL(r->b.auth.dropped, 1);
	CU_ASSERT_EQUAL(r->b.state, B_DL_DATA);
	CU_ASSERT_EQUAL(r->from_board[FC_DOWNLOAD_ACK].count, 1);
	inject_raw(r, fi.buf, fi.len);
	deliver(r);
	CU_ASSERT_EQUAL(r->b.auth.dropped, 1);
	CU_ASSERT_EQUAL(r->from_board[FC_FILE_INFO_ACK].count, acks + 1);
	CU_ASSERT_EQUAL(r->from_board[FC_FILE_INFO_ACK].len, ack.len);
	CU_ASSERT(memcmp(r->from_board[FC_FILE_INFO_ACK].buf, ack.buf, ack.len) == 0);
	CU_ASSERT_EQUAL(r->b.state, B_DL_DATA);
	CU_ASSERT(xrecv_have(&r->b.rx) >= have);
	return 0;
}

static void test_replay_and_retransmission(void)
{
	struct rig *r = rig_new(&key_a, &key_a, SESS_DOWNLOAD);

	run(r, replay_at_data);
	CU_ASSERT_EQUAL(r->b.auth.dropped, 1);
	CU_ASSERT_EQUAL(exit_code(r), 0);
	CU_ASSERT(active(r) && active(r)->size == FSIZE);
	rig_free(r);
}

/* Every byte of a sealed control frame, changed (the frame CRC made right
 * again), makes the frame fail: it is never taken. */
static int tamper_at_data(struct rig *r)
{
	struct seen fi = r->from_host[FC_FILE_INFO];
	struct frame f;
	uint64_t dropped = r->b.auth.dropped;
	size_t end;

	if (!in_data(r) || dropped)
		return 0;
	CU_ASSERT_EQUAL_FATAL(frame_decode(&f, fi.buf, fi.len, FRAME_ETHERTYPE_DEFAULT), 0);
	end = FRAME_HDR_LEN + f.len;
	for (size_t i = 0; i < end; i++) {
		uint8_t b[sizeof(fi.buf)];

		if (i >= 12 && i < 14)
			continue; /* the EtherType: another protocol's frame */
		memcpy(b, fi.buf, fi.len);
		b[i] ^= 0x20;
		put_be32(b + end, frame_crc32(0, b + 14, end - 14));
		inject_raw(r, b, fi.len);
		deliver(r);
		CU_ASSERT_EQUAL(r->b.state, B_DL_DATA);
		CU_ASSERT_EQUAL(r->b.session, SID);
	}
	/* the data bytes, all of them checked by the FMAC itself */
	CU_ASSERT(r->b.auth.dropped >= dropped + f.len);
	CU_ASSERT_EQUAL(r->from_board[FC_ERROR].count, 0);
	return 0;
}

static void test_tamper_every_byte(void)
{
	struct rig *r = rig_new(&key_a, &key_a, SESS_DOWNLOAD);

	run(r, tamper_at_data);
	CU_ASSERT(r->b.auth.dropped > 0);
	CU_ASSERT_EQUAL(exit_code(r), 0);
	CU_ASSERT(active(r) && active(r)->size == FSIZE);
	rig_free(r);
}

/* A spoofed ERROR or DISCONNECT_ACK "from the board" to the host is dropped
 * too: the host's side checks the same way. */
static int spoof_host_at_data(struct rig *r)
{
	uint8_t buf[256], e[64];
	struct frame f = {.version = 1, .session = SID, .code = FC_ERROR, .data = e};
	size_t l;
	int n;

	if (!in_data(r) || r->h.auth.dropped)
		return 0;
	l = sess_error_tlv(e, sizeof(e), NOTICE_FILE_CRC, D_FILE_CRC, 1, 2, "spoof");
	f.len = (uint16_t)l;
	memcpy(f.dst, MAC_H, 6);
	memcpy(f.src, MAC_B, 6);
	n = frame_encode(buf, sizeof(buf), &f, FRAME_ETHERTYPE_DEFAULT);
	nic_send(r->bn, buf, (size_t)n);
	f.code = FC_DISCONNECT_ACK;
	f.len = 0;
	n = frame_encode(buf, sizeof(buf), &f, FRAME_ETHERTYPE_DEFAULT);
	nic_send(r->bn, buf, (size_t)n);
	deliver(r);
	CU_ASSERT_EQUAL(r->h.auth.dropped, 2);
	CU_ASSERT_FALSE(sess_host_done(&r->h));
	return 0;
}

static void test_spoofed_to_host(void)
{
	struct rig *r = rig_new(&key_a, &key_a, SESS_DOWNLOAD);

	run(r, spoof_host_at_data);
	CU_ASSERT_EQUAL(r->h.auth.dropped, 2);
	CU_ASSERT_EQUAL(exit_code(r), 0);
	rig_free(r);
}

/* A data frame that does not fit (a sequence beyond the file, a wrong
 * length) is not a reason to end an authenticated session: dropped. */
static int bad_data_at_data(struct rig *r)
{
	uint8_t d[1000];
	uint8_t buf[FRAME_BUF_MAX];
	struct frame f = {.version = 1, .session = SID, .code = FC_FILE_DATA, .data = d};
	int n;

	if (!in_data(r) || r->b.auth.dropped || r->from_board[FC_ERROR].count)
		return 0;
	memset(d, 0xee, sizeof(d));
	memcpy(f.dst, MAC_B, 6);
	memcpy(f.src, MAC_H, 6);
	f.seq = 0x00ffffff; /* beyond the 200 frames */
	f.len = sizeof(d);
	n = frame_encode(buf, sizeof(buf), &f, FRAME_ETHERTYPE_DEFAULT);
	inject_raw(r, buf, (size_t)n);
	f.seq = 200; /* the last frame, with a wrong length */
	f.len = 10;
	n = frame_encode(buf, sizeof(buf), &f, FRAME_ETHERTYPE_DEFAULT);
	inject_raw(r, buf, (size_t)n);
	deliver(r);
	CU_ASSERT_EQUAL(r->b.state, B_DL_DATA);
	r->b.auth.dropped = 1; /* (only to run once) */
	return 0;
}

static void test_data_that_does_not_fit(void)
{
	struct rig *r = rig_new(&key_a, &key_a, SESS_DOWNLOAD);

	run(r, bad_data_at_data);
	CU_ASSERT_EQUAL(r->from_board[FC_ERROR].count, 0);
	CU_ASSERT_EQUAL(exit_code(r), 0);
	CU_ASSERT(active(r) && active(r)->size == FSIZE);
	rig_free(r);
}

/* A forged data frame that fits (a block not received yet) is stored, and
 * the file CRC of what the board stored catches it: FILE_CRC, the old file
 * kept. A failure, never a wrong verdict. */
static int forged_block_at_data(struct rig *r)
{
	uint8_t d[1000];
	uint8_t buf[FRAME_BUF_MAX];
	struct frame f = {.version = 1, .session = SID, .code = FC_FILE_DATA, .data = d};
	int n;

	if (!in_data(r) || r->b.auth.dropped)
		return 0;
	memset(d, 0xee, sizeof(d));
	memcpy(f.dst, MAC_B, 6);
	memcpy(f.src, MAC_H, 6);
	f.seq = 190;
	f.len = sizeof(d);
	n = frame_encode(buf, sizeof(buf), &f, FRAME_ETHERTYPE_DEFAULT);
	inject_raw(r, buf, (size_t)n);
	deliver(r);
	r->b.auth.dropped = 1;
	return 0;
}

static void test_forged_block_fails_safe(void)
{
	struct rig *r = rig_new(&key_a, &key_a, SESS_DOWNLOAD);

	run(r, forged_block_at_data);
	CU_ASSERT_EQUAL(exit_code(r), 13);
	CU_ASSERT_EQUAL(sess_host_result(&r->h)->notice, NOTICE_FILE_CRC);
	CU_ASSERT_PTR_NULL(active(r)); /* nothing was taken */
	rig_free(r);
}

/* The host's DISCONNECT again after the session ended (its DISCONNECT_ACK
 * was lost): the board answers it sealed under the ended session's key, so
 * the host can take it. An unsealed DISCONNECT of that session gets the
 * same sealed answer, which moves nothing. */
static void test_late_disconnect(void)
{
	struct rig *r = rig_new(&key_a, &key_a, SESS_DOWNLOAD);
	struct seen bye;
	struct frame f;
	unsigned acks;
	struct sess_auth host_side;

	run(r, NULL);
	CU_ASSERT_EQUAL_FATAL(exit_code(r), 0);
	CU_ASSERT(sess_board_idle(&r->b));
	bye = r->from_host[FC_DISCONNECT];
	acks = r->from_board[FC_DISCONNECT_ACK].count;
	host_side = r->h.auth;
	r->host_on = 0;
	inject_raw(r, bye.buf, bye.len);
	deliver(r);
	CU_ASSERT_EQUAL_FATAL(r->from_board[FC_DISCONNECT_ACK].count, acks + 1);
	CU_ASSERT_EQUAL_FATAL(frame_decode(&f, r->from_board[FC_DISCONNECT_ACK].buf,
					   r->from_board[FC_DISCONNECT_ACK].len,
					   FRAME_ETHERTYPE_DEFAULT),
			      0);
	CU_ASSERT_EQUAL(f.len, SESS_AUTH_TRAILER);
	CU_ASSERT_EQUAL(sess_auth_check(&host_side, &f, 0, NULL), SESS_AUTH_FRESH);
	CU_ASSERT(sess_board_idle(&r->b));
	rig_free(r);
}

/* ---- discovery and the group ---- */

static void test_discovery_and_group(void)
{
	struct rig *r = rig_new(&key_a, NULL, SESS_DOWNLOAD);
	uint8_t buf[256], d[64];
	struct tlv_writer w;
	struct frame f = {.version = 1, .session = 77, .seq = 1, .code = FC_DISCOVER, .data = d};
	uint64_t caps = 0, detail = 0;
	size_t l;
	int n;

	r->host_on = 0;
	/* first an image, so that there is something not to show */
	{
		struct rig *k = r;

		k->host_on = 1;
		sess_host_dispose(&k->h);
		k->hc.auth = &key_a;
		CU_ASSERT_EQUAL_FATAL(sess_host_init(&k->h, &k->hc), 0);
		run(k, NULL);
		CU_ASSERT_EQUAL_FATAL(exit_code(k), 0);
		settle(k);
		k->host_on = 0;
	}
	tlv_writer_init(&w, d, sizeof(d));
	tlv_put_u32(&w, T_DELAY_MS, 1);
	f.len = (uint16_t)w.len;
	memcpy(f.dst, DISC, 6);
	memcpy(f.src, MAC_H, 6);
	n = frame_encode(buf, sizeof(buf), &f, FRAME_ETHERTYPE_DEFAULT);
	inject_raw(r, buf, (size_t)n);
	for (int i = 0; i < 20; i++) {
		r->now += 1000;
		deliver(r);
		sess_board_poll(&r->b, r->now);
	}
	deliver(r);
	CU_ASSERT_EQUAL_FATAL(r->from_board[FC_DISCOVER_ACK].count, 1);
	CU_ASSERT_EQUAL_FATAL(frame_decode(&f, r->from_board[FC_DISCOVER_ACK].buf,
					   r->from_board[FC_DISCOVER_ACK].len,
					   FRAME_ETHERTYPE_DEFAULT),
			      0);
	CU_ASSERT(tlv_get_uint(f.data, f.len, T_CAPS, &caps));
	CU_ASSERT(caps & CAP_AUTH);
	CU_ASSERT_FALSE(caps & CAP_GROUP);
	CU_ASSERT_PTR_NOT_NULL(tlv_find(f.data, f.len, T_SERIAL, 0, &l));
	CU_ASSERT_PTR_NULL(tlv_find(f.data, f.len, T_IMAGE, 0, &l));
	CU_ASSERT_PTR_NULL(tlv_find(f.data, f.len, T_BOARD_TIME, 0, &l));

	/* GROUP_JOIN: refused, no session */
	inject(r, 99, FC_GROUP_JOIN, d, 0);
	deliver(r);
	CU_ASSERT_EQUAL_FATAL(frame_decode(&f, r->from_board[FC_ERROR].buf,
					   r->from_board[FC_ERROR].len, FRAME_ETHERTYPE_DEFAULT),
			      0);
	CU_ASSERT_EQUAL(f.session, 99);
	tlv_get_uint(f.data, f.len, T_DETAIL, &detail);
	CU_ASSERT_EQUAL(detail, D_AUTH);
	CU_ASSERT(sess_board_idle(&r->b));
	rig_free(r);
}

/* ---- the pieces ---- */

static void test_key_parse(void)
{
	const char *good = "00112233445566778899aabbccddeeff\n"
			   "00112233 44556677 8899AABB CCDDEEFF\n";
	uint8_t k[32];
	const char *why = NULL;

	CU_ASSERT_EQUAL(sess_auth_key_parse(good, strlen(good), k, &why), 0);
	CU_ASSERT_EQUAL(k[0], 0x00);
	CU_ASSERT_EQUAL(k[15], 0xff);
	CU_ASSERT_EQUAL(k[31], 0xff);
	CU_ASSERT_EQUAL(sess_auth_key_parse(good, 32, k, &why), -1);
	CU_ASSERT_STRING_EQUAL(why, "holds fewer than 64 hex digits");
	CU_ASSERT_EQUAL(sess_auth_key_parse("", 0, k, &why), -1);
	CU_ASSERT_STRING_EQUAL(why, "is empty (it must hold 64 hex digits)");
	CU_ASSERT_EQUAL(sess_auth_key_parse("0x00", 4, k, &why), -1);
	CU_ASSERT_STRING_EQUAL(why, "holds a character that is not a hex digit");
	{
		char longer[80];

		memset(longer, 'a', 65);
		CU_ASSERT_EQUAL(sess_auth_key_parse(longer, 65, k, &why), -1);
		CU_ASSERT_STRING_EQUAL(why, "holds more than 64 hex digits");
	}
}

/* The proofs and the FMAC against a value computed here from the layout
 * PROTOCOL.md §9 gives, with the HMAC of OpenSSL directly. */
static void test_layout(void)
{
	struct sess_auth_ctx c;
	struct sess_auth a;
	uint8_t proof[32], want[32], msg[128], buf[256], mac[32];
	const uint8_t *part[1] = {msg};
	size_t len[1];
	struct frame f;
	struct nic *hn, *bn;
	int n;

	CU_ASSERT_EQUAL_FATAL(nic_loop_pair(&hn, &bn, MAC_H, MAC_B, MTU, 0), 0);
	memset(&c, 0, sizeof(c));
	for (int i = 0; i < 16; i++) {
		c.board_nonce[i] = (uint8_t)i;
		c.host_nonce[i] = (uint8_t)(0xf0 + i);
	}
	memcpy(c.host, MAC_H, 6);
	memcpy(c.board, MAC_B, 6);
	c.session = 0x01020304;
	memcpy(msg, "ethdl-auth-host", 15);
	memcpy(msg + 15, c.board_nonce, 16);
	memcpy(msg + 31, c.host_nonce, 16);
	memcpy(msg + 47, MAC_H, 6);
	memcpy(msg + 53, MAC_B, 6);
	memcpy(msg + 59, "\x01\x02\x03\x04", 4);
	len[0] = 63;
	CU_ASSERT_EQUAL(sess_auth_ossl_ops.hmac_sha256(NULL, key_a.key, 32, part, len, 1, want), 0);
	CU_ASSERT_EQUAL(sess_auth_proof(&key_a, 0, &c, proof), 0);
	CU_ASSERT(memcmp(proof, want, 32) == 0);
	CU_ASSERT_EQUAL(sess_auth_proof(&key_b, 0, &c, proof), 0);
	CU_ASSERT(memcmp(proof, want, 32) != 0);

	/* a sealed DISCONNECT: data is T_CTR 1 then T_FMAC */
	CU_ASSERT_EQUAL_FATAL(sess_auth_start(&a, &key_a, &c), 0);
	n = sess_auth_encode(&a, hn, 0, buf, sizeof(buf), MAC_B, c.session, 0, FC_DISCONNECT, 0,
			     NULL, 0);
	CU_ASSERT_FATAL(n > 0);
	CU_ASSERT_EQUAL_FATAL(frame_decode(&f, buf, (size_t)n, FRAME_ETHERTYPE_DEFAULT), 0);
	CU_ASSERT_EQUAL_FATAL(f.len, 24);
	CU_ASSERT(memcmp(f.data, "\x35\x04\x00\x00\x00\x01\x36\x10", 8) == 0);
	/* Ks = HMAC(K, "ethdl-session" || context) */
	memcpy(msg, "ethdl-session", 13);
	memcpy(msg + 13, c.board_nonce, 16);
	memcpy(msg + 29, c.host_nonce, 16);
	memcpy(msg + 45, MAC_H, 6);
	memcpy(msg + 51, MAC_B, 6);
	memcpy(msg + 57, "\x01\x02\x03\x04", 4);
	len[0] = 61;
	CU_ASSERT_EQUAL(sess_auth_ossl_ops.hmac_sha256(NULL, key_a.key, 32, part, len, 1, want), 0);
	CU_ASSERT(memcmp(a.ks, want, 32) == 0);
	/* FMAC = HMAC(Ks, dst src type version flags session seq code || T_CTR) */
	memcpy(msg, MAC_B, 6);
	memcpy(msg + 6, MAC_H, 6);
	memcpy(msg + 12, "\x88\xb5\x01\x00\x01\x02\x03\x04\x00\x00\x00\x00\x06", 13);
	memcpy(msg + 25, f.data, 6);
	len[0] = 31;
	CU_ASSERT_EQUAL(sess_auth_ossl_ops.hmac_sha256(NULL, a.ks, 32, part, len, 1, mac), 0);
	CU_ASSERT(memcmp(f.data + 8, mac, 16) == 0);
	/* a receiver with the same key takes it once, then as a repeat */
	{
		struct sess_auth rx;

		CU_ASSERT_EQUAL(sess_auth_start(&rx, &key_a, &c), 0);
		CU_ASSERT_EQUAL(sess_auth_check(&rx, &f, 0, NULL), SESS_AUTH_FRESH);
		CU_ASSERT_EQUAL(sess_auth_check(&rx, &f, 0, NULL), SESS_AUTH_REPEAT);
		CU_ASSERT_EQUAL(sess_auth_check(&rx, &f, 0x88b6, NULL), SESS_AUTH_DROP);
		CU_ASSERT_EQUAL(rx.dropped, 1);
	}
	nic_close(hn);
	nic_close(bn);
}

static CU_TestInfo tests[] = {
	{"key file parse", test_key_parse},
	{"proof, session key and FMAC layout", test_layout},
	{"download and read-back with the key", test_download_with_key},
	{"read-back session with the key", test_readback_with_key},
	{"host without key: refused (11)", test_host_without_key},
	{"wrong key: refused (11)", test_wrong_key},
	{"host with key, board without CAP_AUTH", test_board_without_auth},
	{"commands before AUTH refused", test_commands_before_auth},
	{"no AUTH: timed out, refusal logged", test_no_auth_times_out},
	{"wrong proof by hand, then the right one", test_wrong_proof_by_hand},
	{"board with a wrong proof refused by the host", test_board_wrong_proof},
	{"without auth a spoofed DISCONNECT aborts", test_unauthenticated_is_fragile},
	{"spoofed control frames dropped", test_spoofed_frames_dropped},
	{"restarted host takes over once authenticated", test_restarted_host_takes_over},
	{"replay dropped, retransmission answered", test_replay_and_retransmission},
	{"tampered byte dropped", test_tamper_every_byte},
	{"spoofed frames to the host dropped", test_spoofed_to_host},
	{"data frame that does not fit dropped", test_data_that_does_not_fit},
	{"forged block: FILE_CRC, nothing taken", test_forged_block_fails_safe},
	{"late DISCONNECT answered sealed", test_late_disconnect},
	{"discovery identity only, no group", test_discovery_and_group},
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{"auth", NULL, NULL, NULL, NULL, tests},
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	keys();
	return cunit_run(suites);
}
