/* SPDX-License-Identifier: MIT */
/* The one interpreter of the conformance cases (cases.c). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conform.h"
#include "frame.h"
#include "host.h"
#include "proto.h"

#define CONNECT_WAIT_MS 3500 /* a board that stays busy this long is a failure */
#define REPLY_MS	1000 /* a reply to a frame we sent, on a LAN */
#define STRANGER_SID	0x5eed0bad

static const uint8_t stranger_mac[6] = {0x02, 0xe7, 0xd1, 0x5a, 0x5a, 0x5a};
static const uint8_t discover_mac[6] = FRAME_DISCOVER_MAC;

struct slot {
	int have;
	uint64_t size;
	uint32_t crc;
};

struct conform {
	struct conform_config cfg;
	struct conform_io io;
	uint16_t etype;
	uint32_t caps; /* the board's */
	unsigned board_block, board_window;
	unsigned block; /* in use */
	struct slot first[FT_COUNT], seen[FT_COUNT], case_start[FT_COUNT];
	int have_slots;	  /* the board tells its slots (no CAP_AUTH) */
	int case_started; /* case_start holds the slots at the case's first CONNECT */
	const char *changed_by[FT_COUNT];
	uint8_t *saved; /* the scratch slot's file, to put back */
	uint64_t saved_size;
	int saved_ok;
	const char *last_case;
	uint32_t rng;
	/* the case running */
	uint32_t sid;
	uint32_t host_caps;
	uint8_t *file;
	uint64_t size;
	uint32_t crc, frames;
	int ended_by_error;
	int empty_type;
	char *why; /* the failure, when a step fails */
	size_t why_cap;
	uint8_t tx[FRAME_BUF_MAX];
	uint8_t data[FRAME_BUF_MAX];
};

static uint32_t rnd(struct conform *cf)
{
	/* xorshift32: repeatable runs for one seed */
	uint32_t x = cf->rng;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	cf->rng = x ? x : 0x9e3779b9u;
	return cf->rng;
}

static uint64_t now(struct conform *cf)
{
	return cf->io.now(cf->io.ctx);
}

static void logf_(struct conform *cf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logf_(struct conform *cf, const char *fmt, ...)
{
	char msg[300];
	va_list ap;

	if (!cf->cfg.log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cf->cfg.log(cf->cfg.log_ctx, msg);
}

/* Fail the step: says why, returns -1. */
static int failf(struct conform *cf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int failf(struct conform *cf, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cf->why, cf->why_cap, fmt, ap);
	va_end(ap);
	return -1;
}

const char *conform_res_name(int result)
{
	return result == CONFORM_PASS ? "pass" : result == CONFORM_FAIL ? "fail" : "n/a";
}

struct conform *conform_new(const struct conform_config *cfg, const struct conform_io *io)
{
	struct conform *cf = calloc(1, sizeof(*cf));

	if (!cf)
		return NULL;
	cf->cfg = *cfg;
	cf->io = *io;
	if (!cf->cfg.type)
		cf->cfg.type = FT_REDUNDANCY;
	if (!cf->cfg.timer_us)
		cf->cfg.timer_us = PROTO_TIMEOUT_US;
	if (!cf->cfg.max_save)
		cf->cfg.max_save = 64u << 20;
	cf->etype = io->ethertype ? io->ethertype : FRAME_ETHERTYPE_DEFAULT;
	cf->rng = cfg->seed ? cfg->seed : 0x2545f491u;
	return cf;
}

void conform_free(struct conform *cf)
{
	if (!cf)
		return;
	free(cf->saved);
	free(cf->file);
	free(cf);
}

uint32_t conform_caps(const struct conform *cf)
{
	return cf->caps;
}

/* ---- frames ---- */

static uint64_t value(struct conform *cf, const struct cf_tlv *t)
{
	switch (t->val) {
	case V_TYPE: return (uint64_t)cf->cfg.type;
	case V_EMPTY: return (uint64_t)cf->empty_type;
	case V_SIZE: return cf->size;
	case V_FRAMES: return cf->frames;
	case V_CRC: return cf->crc;
	case V_BAD_CRC: return cf->crc ^ 0x5a5a0001u;
	case V_BLOCK: return cf->block;
	case V_HALF: return cf->frames / 2;
	case V_CAPS: return cf->host_caps;
	case V_WINDOW: return 1024;
	case V_SESSION: return cf->sid;
	default: return t->lit;
	}
}

static size_t build_tlvs(struct conform *cf, const struct cf_step *s, uint8_t *buf, size_t cap)
{
	struct tlv_writer w;

	tlv_writer_init(&w, buf, cap);
	for (int i = 0; i < CF_MAX_TLV && s->tlv[i].type; i++) {
		const struct cf_tlv *t = &s->tlv[i];
		uint64_t v = value(cf, t);

		switch (t->width) {
		case 1: tlv_put_u8(&w, t->type, (uint8_t)v); break;
		case 2: tlv_put_u16(&w, t->type, (uint16_t)v); break;
		case 4: tlv_put_u32(&w, t->type, (uint32_t)v); break;
		case 8: tlv_put_u64(&w, t->type, v); break;
		default: break;
		}
	}
	return w.len;
}

/* Send one frame; mut breaks it on purpose. */
static int send_frame(struct conform *cf, uint8_t code, uint32_t seq, uint8_t flags, unsigned mut,
		      const uint8_t *data, size_t len)
{
	struct frame f = {
		.version = FRAME_VERSION,
		.flags = flags,
		.session = cf->sid,
		.seq = seq,
		.code = code,
		.len = (uint16_t)len,
		.data = data,
	};
	int n;

	memcpy(f.dst, (mut & M_DISCOVER) ? discover_mac : cf->cfg.board, 6);
	memcpy(f.src, (mut & M_STRANGER) ? stranger_mac : cf->io.nic->mac, 6);
	if (mut & M_STRANGER)
		f.session = STRANGER_SID;
	if (mut & M_OTHER_SID)
		f.session = cf->sid ^ 0x00010001u;
	n = frame_encode(cf->tx, sizeof(cf->tx), &f, cf->etype);
	if (n < 0)
		return failf(cf, "cannot encode %s: %s", frame_code_name(code), frame_strerror(n));
	if (mut & M_BAD_CRC)
		cf->tx[FRAME_HDR_LEN + len] ^= 0xff;
	if (nic_send(cf->io.nic, cf->tx, (size_t)n) < 0)
		return failf(cf, "the interface refused to send %s", frame_code_name(code));
	return 0;
}

/* The next frame from the board in session sid (or to the stranger), until
 * deadline. 1 with *f, 0 on timeout, -2 when interrupted. */
static int next_frame(struct conform *cf, uint64_t deadline, int stranger, struct frame *f)
{
	for (;;) {
		const uint8_t *buf;
		size_t len;
		int r;

		while ((r = nic_recv(cf->io.nic, &buf, &len)) == 1) {
			if (frame_decode(f, buf, len, cf->etype) < 0)
				continue;
			if (memcmp(f->src, cf->cfg.board, 6) || !frame_code_from_board(f->code))
				continue;
			if (stranger ? (f->session != STRANGER_SID ||
					memcmp(f->dst, stranger_mac, 6))
				     : f->session != cf->sid)
				continue;
			/* the frame points into the nic's buffer: keep it */
			memcpy(cf->data, f->data, f->len);
			f->data = cf->data;
			return 1;
		}
		if (now(cf) >= deadline)
			return 0;
		if (cf->io.wait(cf->io.ctx, deadline) < 0)
			return -2;
	}
}

static const char *frame_text(const struct frame *f, char *out, size_t cap)
{
	uint64_t n = 0, d = 0;

	if (f->code == FC_ERROR) {
		tlv_get_uint(f->data, f->len, T_NOTICE, &n);
		tlv_get_uint(f->data, f->len, T_DETAIL, &d);
		snprintf(out, cap, "ERROR %s detail %u (%s)", n ? frame_notice_name((int)n) : "0",
			 (unsigned)d, proto_detail_name((int)d));
	} else {
		snprintf(out, cap, "%s seq %u", frame_code_name(f->code), (unsigned)f->seq);
	}
	return out;
}

/* Put pre in front of what detail says, within cap. */
static void prefix(char *detail, size_t cap, const char *pre)
{
	size_t n = strlen(pre), d = strlen(detail);

	if (n >= cap)
		n = cap - 1;
	if (n + d >= cap)
		d = cap - 1 - n;
	memmove(detail + n, detail, d);
	memcpy(detail, pre, n);
	detail[n + d] = 0;
}

/* ---- the case's file ---- */

static void file_counts(struct conform *cf)
{
	cf->frames = cf->block ? (uint32_t)((cf->size + cf->block - 1) / cf->block) : 0;
	cf->crc = frame_crc32(0, cf->file, (size_t)cf->size);
}

static int make_file(struct conform *cf, const struct conform_case *c)
{
	int64_t size = (int64_t)c->blocks * cf->block + c->extra;

	free(cf->file);
	cf->size = size > 0 ? (uint64_t)size : 0;
	cf->file = malloc(cf->size ? cf->size : 1);
	if (!cf->file)
		return failf(cf, "out of memory");
	for (uint64_t i = 0; i < cf->size; i++)
		cf->file[i] = (uint8_t)(rnd(cf) >> 11);
	file_counts(cf);
	return 0;
}

/* ---- connecting ---- */

static void read_slots(const struct frame *f, struct slot *slots)
{
	memset(slots, 0, sizeof(struct slot) * FT_COUNT);
	for (unsigned i = 0;; i++) {
		size_t l;
		const uint8_t *s = tlv_find(f->data, f->len, T_SLOT, i, &l);

		if (!s)
			break;
		for (size_t o = 0; o + 13 <= l; o += 13)
			if (s[o] >= 1 && s[o] < FT_COUNT) {
				slots[s[o]].have = 1;
				slots[s[o]].size = get_be64(s + o + 1);
				slots[s[o]].crc = get_be32(s + o + 9);
			}
	}
}

/* CONNECT → CONNECT_ACK in a new session; a busy board is waited for. */
static int do_connect(struct conform *cf, uint32_t caps)
{
	uint64_t start = now(cf), last = 0, gap = 100000;
	uint8_t d[64];
	struct tlv_writer w;
	struct frame f;
	char t[120];

	cf->sid = rnd(cf) | 1;
	cf->host_caps = caps;
	cf->ended_by_error = 0;
	tlv_writer_init(&w, d, sizeof(d));
	tlv_put_u32(&w, T_CAPS, caps);
	tlv_put_u16(&w, T_BLOCK, (uint16_t)FRAME_DATA_FOR_MTU(cf->io.nic->mtu));
	tlv_put_u16(&w, T_WINDOW, 1024);
	for (;;) {
		uint64_t t0 = now(cf);
		int r;

		if (t0 - start > (uint64_t)CONNECT_WAIT_MS * 1000)
			return failf(cf, "expected CONNECT_ACK, got nothing in %.1f s",
				     CONNECT_WAIT_MS / 1000.0);
		if (!last || t0 - last >= gap) {
			if (send_frame(cf, FC_CONNECT, 0, 0, 0, d, w.len) < 0)
				return -1;
			if (last)
				gap = gap * 2 > 1000000 ? 1000000 : gap * 2;
			last = t0;
		}
		r = next_frame(cf, last + gap, 0, &f);
		if (r == -2)
			return -2;
		if (r == 0)
			continue;
		if (f.code == FC_CONNECT_ACK)
			break;
		if (f.code == FC_ERROR) {
			uint64_t dt = 0;

			tlv_get_uint(f.data, f.len, T_DETAIL, &dt);
			if (dt == D_BUSY) {
				last = 0;
				gap = 200000;
				next_frame(cf, now(cf) + 200000, 0, &f); /* let it finish */
				continue;
			}
		}
		return failf(cf, "expected CONNECT_ACK, got %s", frame_text(&f, t, sizeof(t)));
	}
	{
		uint64_t v = 0;

		if (!tlv_valid(f.data, f.len))
			return failf(cf, "CONNECT_ACK: malformed TLVs");
		if (!tlv_get_uint(f.data, f.len, T_CAPS, &v))
			return failf(cf, "CONNECT_ACK without T_CAPS");
		cf->caps = (uint32_t)v;
		v = 0;
		if (!tlv_get_uint(f.data, f.len, T_BLOCK, &v) || !v)
			return failf(cf, "CONNECT_ACK without T_BLOCK");
		cf->board_block = (unsigned)v;
		cf->block = FRAME_DATA_FOR_MTU(cf->io.nic->mtu);
		if (cf->board_block < cf->block)
			cf->block = cf->board_block;
		if (!(cf->caps & CAP_AUTH)) {
			read_slots(&f, cf->seen);
			cf->have_slots = 1;
			if (!cf->case_started)
				memcpy(cf->case_start, cf->seen, sizeof(cf->case_start));
			cf->case_started = 1;
		}
	}
	return 0;
}

/* ---- the host machine, for whole downloads and read-backs ---- */

struct mem_io {
	const uint8_t *src;
	uint64_t size; /* what the sink expects */
	uint8_t *save; /* sink: save here (malloc'd at begin) … */
	uint64_t got;
	int differs;
	uint64_t first_diff, ndiff;
};

static int src_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct mem_io *m = ctx;

	if (off + len > m->size)
		return -EIO;
	memcpy(buf, m->src + off, len);
	return 0;
}

static int sink_begin(void *ctx, uint64_t size)
{
	struct mem_io *m = ctx;

	m->got = size;
	if (!m->src) {
		m->save = malloc(size ? size : 1);
		return m->save ? 0 : -ENOMEM;
	}
	if (size != m->size) {
		m->differs = 1;
		m->first_diff = size < m->size ? size : m->size;
	}
	return 0;
}

static int sink_write(void *ctx, uint64_t off, const void *buf, size_t len)
{
	struct mem_io *m = ctx;
	const uint8_t *b = buf;

	if (off + len > m->got)
		return -EIO;
	if (!m->src) {
		memcpy(m->save + off, buf, len);
		return 0;
	}
	for (size_t i = 0; i < len; i++)
		if (off + i >= m->size || b[i] != m->src[off + i]) {
			if (!m->differs || off + i < m->first_diff)
				m->first_diff = off + i;
			m->differs = 1;
			m->ndiff++;
		}
	return 0;
}

static int sink_finish(void *ctx, struct sess_verdict *v)
{
	struct mem_io *m = ctx;

	memset(v, 0, sizeof(*v));
	v->differs = m->differs;
	v->first_diff = m->first_diff;
	v->ndiff = m->ndiff;
	return 0;
}

/* Run the host machine: job SESS_DOWNLOAD of (data, size) or SESS_READBACK
 * into m. 0 when the session ended well, else -1 with why. */
static int run_host(struct conform *cf, int job, uint32_t caps, const uint8_t *data,
		    uint64_t size, struct mem_io *m)
{
	int strict = !caps;
	struct sess_host *h = calloc(1, sizeof(*h));
	struct sess_host_config hc;
	struct mem_io srcm = {.src = data, .size = size};
	struct sess_source src = {src_read, &srcm};
	struct sess_sink sink = {sink_begin, sink_write, sink_finish, m};
	const struct sess_result *res;
	int ret = -1;

	if (!h)
		return failf(cf, "out of memory");
	memset(&hc, 0, sizeof(hc));
	hc.nic = cf->io.nic;
	hc.ethertype = cf->etype;
	memcpy(hc.board, cf->cfg.board, 6);
	hc.timeout_us = cf->cfg.timer_us;
	hc.job = job;
	hc.readback = 1;
	hc.type = cf->cfg.type;
	hc.name = "conform";
	hc.size = size;
	hc.crc = frame_crc32(0, data, (size_t)size);
	hc.src = &src;
	hc.sink = &sink;
	hc.strict = strict;
	hc.no_overlap = !(caps & CAP_OVERLAP);
	hc.session_id = rnd(cf) | 1;
	hc.log = cf->cfg.log;
	hc.log_ctx = cf->cfg.log_ctx;
	if (sess_host_init(h, &hc) < 0) {
		free(h);
		return failf(cf, "cannot start the host machine");
	}
	sess_host_start(h, now(cf));
	while (!sess_host_done(h)) {
		const uint8_t *buf;
		size_t len;
		uint64_t t = now(cf), dl;

		while (nic_recv(cf->io.nic, &buf, &len) == 1)
			sess_host_input(h, buf, len, now(cf));
		sess_host_poll(h, now(cf));
		if (sess_host_done(h))
			break;
		dl = sess_host_next_deadline(h);
		if (dl > t + 100000)
			dl = t + 100000;
		if (cf->io.wait(cf->io.ctx, dl) < 0) {
			sess_host_abort(h, -EINTR, "interrupted", now(cf));
			ret = -2;
			goto out;
		}
	}
	res = sess_host_result(h);
	if (sess_exit_code(res)) {
		failf(cf, "%s%s: %s%s%s (exit %d)", job == SESS_DOWNLOAD ? "download" : "read-back",
		      strict ? " (strict)" : "", res->notice ? frame_notice_name(res->notice) : "",
		      res->notice && res->text[0] ? ": " : "", res->text, sess_exit_code(res));
		goto out;
	}
	if (job == SESS_DOWNLOAD && (caps & CAP_OVERLAP) && (h->board.caps & CAP_OVERLAP)) {
		struct sess_host_stats st;

		/* a board that offers it must have read back as it came */
		sess_host_stats(h, &st);
		if (!st.overlap || st.ovl_during + st.ovl_after < size) {
			failf(cf, "CAP_OVERLAP offered, but %llu of %llu bytes read back as they came",
			      (unsigned long long)(st.ovl_during + st.ovl_after),
			      (unsigned long long)size);
			goto out;
		}
	}
	ret = 0;
out:
	sess_host_dispose(h);
	free(h);
	return ret;
}

/* ---- steps ---- */

static int check_tlvs(struct conform *cf, const struct cf_step *s, const struct frame *f)
{
	for (int i = 0; i < CF_MAX_TLV && s->tlv[i].type; i++) {
		const struct cf_tlv *t = &s->tlv[i];
		uint64_t v = 0, want;
		size_t l;

		if (!tlv_find(f->data, f->len, t->type, 0, &l))
			return failf(cf, "%s without TLV %u", frame_code_name(f->code), t->type);
		if (t->val == V_ANY)
			continue;
		want = value(cf, t);
		if (!tlv_get_uint(f->data, f->len, t->type, &v) || v != want)
			return failf(cf, "%s: TLV %u expected %llu (0x%llx), got %llu (0x%llx)",
				     frame_code_name(f->code), t->type, (unsigned long long)want,
				     (unsigned long long)want, (unsigned long long)v,
				     (unsigned long long)v);
	}
	return 0;
}

static uint64_t step_time(struct conform *cf, const struct cf_step *s, uint32_t dflt_ms)
{
	uint64_t us = (uint64_t)s->ms * 1000 + cf->cfg.timer_us * s->tpct / 100;

	return us ? us : (uint64_t)dflt_ms * 1000;
}

static int do_expect(struct conform *cf, const struct cf_step *s)
{
	uint64_t start = now(cf), deadline = start + step_time(cf, s, REPLY_MS);
	struct frame f;
	char t[120];

	for (;;) {
		int r = next_frame(cf, deadline, s->mut & M_STRANGER, &f);

		if (r == -2)
			return -2;
		if (r == 0)
			return failf(cf, "expected %s%s, got nothing in %.1f s",
				     frame_code_name(s->code),
				     s->code == FC_ERROR ? " (a notice)" : "",
				     (double)(deadline - start) / 1e6);
		if (f.code == s->code)
			break;
		if (!s->skip || f.code == FC_ERROR)
			return failf(cf, "expected %s, got %s", frame_code_name(s->code),
				     frame_text(&f, t, sizeof(t)));
	}
	if (!tlv_valid(f.data, f.len) && f.code != FC_READBACK_DATA)
		return failf(cf, "%s: malformed TLVs", frame_code_name(f.code));
	if (f.code == FC_ERROR) {
		uint64_t n = 0, d = 0;

		tlv_get_uint(f.data, f.len, T_NOTICE, &n);
		tlv_get_uint(f.data, f.len, T_DETAIL, &d);
		if ((s->notice >= 0 && (int)n != s->notice) ||
		    (s->detail >= 0 && (int)d != s->detail))
			return failf(cf, "expected ERROR %s detail %d, got %s",
				     s->notice ? frame_notice_name(s->notice) : "0", s->detail,
				     frame_text(&f, t, sizeof(t)));
		if (!(s->mut & M_STRANGER))
			cf->ended_by_error = 1;
	}
	return check_tlvs(cf, s, &f);
}

static int do_silence(struct conform *cf, const struct cf_step *s)
{
	uint64_t deadline = now(cf) + step_time(cf, s, 0);
	struct frame f;
	char t[120];
	int r = next_frame(cf, deadline, 0, &f);

	if (r == -2)
		return -2;
	if (r == 1)
		return failf(cf, "expected silence, got %s", frame_text(&f, t, sizeof(t)));
	return 0;
}

static int resolve_seq(struct conform *cf, int32_t x)
{
	if (x >= 1000000000)
		return (int)(cf->frames / 2) + (x - 1000000000);
	if (x <= 0)
		return (int)cf->frames + x;
	return x;
}

static int do_data(struct conform *cf, const struct cf_step *s)
{
	int from = resolve_seq(cf, s->from), to = resolve_seq(cf, s->to);
	uint8_t junk[FRAME_MAX_DATA];

	for (int q = from; q <= to; q++) {
		uint64_t off = (uint64_t)(q - 1) * cf->block;
		size_t len;
		const uint8_t *d;

		if (q < 1 || off >= cf->size)
			return failf(cf, "case error: FILE_DATA %d of %u frames", q,
				     (unsigned)cf->frames);
		len = cf->size - off < cf->block ? (size_t)(cf->size - off) : cf->block;
		d = cf->file + off;
		if (s->mut & M_GARBAGE) {
			for (size_t i = 0; i < len; i++)
				junk[i] = (uint8_t)~d[i];
			d = junk;
		}
		if (send_frame(cf, FC_FILE_DATA, (uint32_t)q, s->flags, s->mut, d, len) < 0)
			return -1;
	}
	return 0;
}

static int do_disconnect(struct conform *cf)
{
	uint64_t start = now(cf);
	struct frame f;
	char t[120];

	for (int tries = 0; tries < 5; tries++) {
		uint64_t deadline = now(cf) + 300000;

		if (send_frame(cf, FC_DISCONNECT, 0, 0, 0, NULL, 0) < 0)
			return -1;
		for (;;) {
			int r = next_frame(cf, deadline, 0, &f);

			if (r == -2)
				return -2;
			if (r == 0)
				break;
			if (f.code == FC_DISCONNECT_ACK)
				return 0;
			if (f.code == FC_ERROR && cf->ended_by_error)
				return 0; /* the ERROR that ended the session, again */
			if (f.code == FC_ERROR)
				return failf(cf, "expected DISCONNECT_ACK, got %s",
					     frame_text(&f, t, sizeof(t)));
		}
	}
	return failf(cf, "expected DISCONNECT_ACK, got nothing in %.1f s",
		     (double)(now(cf) - start) / 1e6);
}

static void slot_text(const struct slot *s, char *out, size_t cap)
{
	if (!s->have)
		snprintf(out, cap, "no file");
	else
		snprintf(out, cap, "%llu bytes, CRC %08x", (unsigned long long)s->size, s->crc);
}

/* A fresh session to look at the slots; then compare the scratch one. */
static int do_slot(struct conform *cf, int kind)
{
	struct slot want = {1, cf->size, cf->crc}, *got;
	char a[64], b[64];
	int r;

	if (kind == CF_SLOT_KEPT)
		want = cf->case_start[cf->cfg.type];
	r = do_connect(cf, 0);
	if (r < 0)
		return r;
	r = do_disconnect(cf);
	if (r < 0)
		return r;
	if (!cf->have_slots)
		return 0;
	got = &cf->seen[cf->cfg.type];
	if (got->have != want.have ||
	    (want.have && (got->size != want.size || got->crc != want.crc))) {
		slot_text(&want, a, sizeof(a));
		slot_text(got, b, sizeof(b));
		return failf(cf, "%s slot: expected %s (%s), got %s", proto_type_name(cf->cfg.type),
			     a, kind == CF_SLOT_KEPT ? "the old file kept" : "the case's file", b);
	}
	return 0;
}

static int run_step(struct conform *cf, const struct cf_step *s)
{
	uint8_t d[600];
	struct mem_io m;

	switch (s->kind) {
	case CF_CONNECT: return do_connect(cf, s->caps);
	case CF_SEND:
		if (s->mut & M_DISCOVER)
			cf->sid = rnd(cf) | 1; /* the probe id: DISCOVER_ACK echoes it */
		return send_frame(cf, s->code, s->seq, s->flags, s->mut, d,
				  build_tlvs(cf, s, d, sizeof(d)));
	case CF_DATA: return do_data(cf, s);
	case CF_EXPECT: return do_expect(cf, s);
	case CF_SILENCE: return do_silence(cf, s);
	case CF_WAIT: {
		struct frame f;
		uint64_t dl = now(cf) + step_time(cf, s, 0);

		while (next_frame(cf, dl, 0, &f) == 1)
			;
		return 0;
	}
	case CF_DISCONNECT: return do_disconnect(cf);
	case CF_DOWNLOAD:
		memset(&m, 0, sizeof(m));
		m.src = cf->file;
		m.size = cf->size;
		return run_host(cf, SESS_DOWNLOAD, s->caps, cf->file, cf->size, &m);
	case CF_READBACK: {
		int r;

		memset(&m, 0, sizeof(m));
		m.src = cf->file;
		m.size = cf->size;
		r = run_host(cf, SESS_READBACK, s->caps, cf->file, cf->size, &m);
		if (r == 0 && m.differs)
			return failf(cf,
				     "read-back%s differs from the file downloaded at byte %llu",
				     s->caps ? "" : " (strict)", (unsigned long long)m.first_diff);
		return r;
	}
	case CF_SLOT_KEPT:
	case CF_SLOT_NEW: return do_slot(cf, s->kind);
	default: return failf(cf, "case error: step kind %d", s->kind);
	}
}

/* ---- the run ---- */

static int first_empty(const struct conform *cf)
{
	for (int t = 1; t < FT_COUNT; t++)
		if (!cf->first[t].have && t != cf->cfg.type)
			return t;
	return 0;
}

int conform_begin(struct conform *cf, struct conform_result *r)
{
	struct slot *s;
	int ret;

	memset(r, 0, sizeof(*r));
	r->name = "begin";
	cf->why = r->detail;
	cf->why_cap = sizeof(r->detail);
	ret = do_connect(cf, CAP_WINDOW | CAP_RESUME | CAP_DEVICE);
	if (ret == 0)
		ret = do_disconnect(cf);
	if (ret < 0) {
		r->result = CONFORM_FAIL;
		return -1;
	}
	memcpy(cf->first, cf->seen, sizeof(cf->first));
	cf->empty_type = first_empty(cf);
	s = &cf->first[cf->cfg.type];
	if (cf->have_slots && s->have && s->size <= cf->cfg.max_save) {
		struct mem_io m = {0};

		ret = run_host(cf, SESS_READBACK, CAP_WINDOW, NULL, 0, &m);
		if (ret == 0 && m.got == s->size && frame_crc32(0, m.save, m.got) == s->crc) {
			cf->saved = m.save;
			cf->saved_size = m.got;
			cf->saved_ok = 1;
			logf_(cf, "saved the %s slot (%llu bytes) to put it back at the end",
			      proto_type_name(cf->cfg.type), (unsigned long long)m.got);
		} else {
			free(m.save);
			logf_(cf, "could not save the %s slot: %s", proto_type_name(cf->cfg.type),
			      r->detail);
		}
	}
	r->detail[0] = 0;
	return 0;
}

static const char *na_reason(const struct conform *cf, const struct conform_case *c)
{
	static const struct {
		unsigned need;
		uint32_t cap;
		const char *why;
	} caps[] = {
		{NEED_WINDOW, CAP_WINDOW, "board has no CAP_WINDOW"},
		{NEED_RESUME, CAP_RESUME, "board has no CAP_RESUME"},
		{NEED_DEVICE, CAP_DEVICE, "board has no CAP_DEVICE"},
		{NEED_GROUP, CAP_GROUP, "board has no CAP_GROUP"},
		{NEED_AUTH, CAP_AUTH, "board has no CAP_AUTH"},
	};

	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
		if ((c->needs & caps[i].need) && !(cf->caps & caps[i].cap))
			return caps[i].why;
	if ((cf->caps & CAP_AUTH) && !(c->needs & RUN_ON_AUTH))
		return "board requires authentication (CAP_AUTH), which conform does not do";
	if ((c->needs & NEED_EMPTY) && !cf->empty_type)
		return "board holds a file of every type";
	return NULL;
}

static void note_changes(struct conform *cf, const char *name)
{
	for (int t = 1; t < FT_COUNT; t++) {
		const struct slot *a = &cf->first[t], *b = &cf->seen[t];

		if (t == cf->cfg.type || cf->changed_by[t])
			continue;
		if (a->have != b->have || a->size != b->size || a->crc != b->crc)
			cf->changed_by[t] = name;
	}
}

int conform_run(struct conform *cf, const struct conform_case *c, struct conform_result *r)
{
	const char *na = na_reason(cf, c);
	uint64_t t0 = now(cf);
	int ret = 0;

	memset(r, 0, sizeof(*r));
	r->name = c->name;
	cf->why = r->detail;
	cf->why_cap = sizeof(r->detail);
	if (na) {
		r->result = CONFORM_NA;
		snprintf(r->detail, sizeof(r->detail), "%s", na);
		return 0;
	}
	cf->case_started = 0;
	cf->sid = rnd(cf) | 1;
	if (make_file(cf, c) < 0) {
		r->result = CONFORM_FAIL;
		return 0;
	}
	for (const struct cf_step *s = c->steps; s->kind != CF_END; s++) {
		ret = run_step(cf, s);
		if (ret < 0) {
			char st[200], pre[240];

			if (ret == -2) {
				r->result = CONFORM_FAIL;
				snprintf(r->detail, sizeof(r->detail), "interrupted");
				return -1;
			}
			conform_step_text(s, st, sizeof(st));
			snprintf(pre, sizeof(pre), "step %d (%s): ", (int)(s - c->steps) + 1, st);
			prefix(r->detail, sizeof(r->detail), pre);
			r->result = CONFORM_FAIL;
			break;
		}
	}
	if (ret < 0) {
		/* leave the board idle for the next case; a failure here is not the case's */
		char scratch[64];

		cf->why = scratch;
		cf->why_cap = sizeof(scratch);
		send_frame(cf, FC_DISCONNECT, 0, 0, 0, NULL, 0);
	}
	note_changes(cf, c->name);
	cf->last_case = c->name;
	r->secs = (double)(now(cf) - t0) / 1e6;
	return 0;
}

int conform_end(struct conform *cf, struct conform_result *r)
{
	const struct slot *s0;
	char a[64], b[64];
	size_t n = 0;
	int ret;

	memset(r, 0, sizeof(*r));
	r->name = "end-state";
	r->result = CONFORM_PASS;
	cf->why = r->detail;
	cf->why_cap = sizeof(r->detail);
	if (!cf->have_slots) {
		snprintf(r->detail, sizeof(r->detail),
			 "the board does not tell its slots (CAP_AUTH): not compared");
		return 0;
	}
	s0 = &cf->first[cf->cfg.type];
	if (cf->saved_ok) {
		struct mem_io m = {.src = cf->saved, .size = cf->saved_size};

		ret = run_host(cf, SESS_DOWNLOAD, 0, cf->saved, cf->saved_size, &m);
		if (ret < 0) {
			char pre[64];

			snprintf(pre, sizeof(pre),
				 "could not put the %s slot back: ", proto_type_name(cf->cfg.type));
			prefix(r->detail, sizeof(r->detail), pre);
			r->result = CONFORM_FAIL;
			return 0;
		}
	}
	ret = do_connect(cf, 0);
	if (ret == 0)
		ret = do_disconnect(cf);
	if (ret < 0) {
		prefix(r->detail, sizeof(r->detail), "could not look at the slots: ");
		r->result = CONFORM_FAIL;
		return 0;
	}
	r->detail[0] = 0;
	note_changes(cf, cf->last_case ? cf->last_case : "begin");
	for (int t = 1; t < FT_COUNT; t++) {
		const struct slot *x = &cf->first[t], *y = &cf->seen[t];

		if (t == cf->cfg.type)
			continue;
		if (x->have != y->have || x->size != y->size || x->crc != y->crc) {
			slot_text(x, a, sizeof(a));
			slot_text(y, b, sizeof(b));
			n += (size_t)snprintf(
				r->detail + n, sizeof(r->detail) - n,
				"%sthe %s slot changed (after case %s): was %s, now %s",
				n ? "; " : "", proto_type_name(t), cf->changed_by[t], a, b);
			r->result = CONFORM_FAIL;
			if (n >= sizeof(r->detail))
				return 0;
		}
	}
	if (r->result == CONFORM_FAIL)
		return 0;
	if (!s0->have && !cf->seen[cf->cfg.type].have) {
		snprintf(r->detail, sizeof(r->detail), "the board holds what it held before");
	} else if (!s0->have) {
		slot_text(&cf->seen[cf->cfg.type], b, sizeof(b));
		snprintf(r->detail, sizeof(r->detail),
			 "every slot as before, but the %s slot held no file and now holds the "
			 "last case's (%s): the protocol cannot delete a file",
			 proto_type_name(cf->cfg.type), b);
	} else if (cf->seen[cf->cfg.type].size != s0->size ||
		   cf->seen[cf->cfg.type].crc != s0->crc) {
		slot_text(s0, a, sizeof(a));
		slot_text(&cf->seen[cf->cfg.type], b, sizeof(b));
		snprintf(r->detail, sizeof(r->detail),
			 "the %s slot could not be put back: was %s, now %s",
			 proto_type_name(cf->cfg.type), a, b);
		r->result = CONFORM_FAIL;
	} else {
		snprintf(r->detail, sizeof(r->detail),
			 "the board holds what it held before (the %s slot put back)",
			 proto_type_name(cf->cfg.type));
	}
	return 0;
}

void conform_step_text(const struct cf_step *s, char *out, size_t cap)
{
	static const char *const kinds[] = {
		"end",	    "connect",	 "send",      "data",
		"expect",   "silence",	 "wait",      "disconnect",
		"download", "read back", "slot kept", "slot holds the case's file",
	};
	const char *k = s->kind < sizeof(kinds) / sizeof(kinds[0]) ? kinds[s->kind] : "?";
	char b[32];

	if (s->note) {
		snprintf(out, cap, "%s", s->note);
		return;
	}
	switch (s->kind) {
	case CF_CONNECT:
	case CF_DOWNLOAD:
	case CF_READBACK: snprintf(out, cap, "%s, %s", k, s->caps ? "windowed" : "strict"); break;
	case CF_SEND:
	case CF_EXPECT:
		if (s->code == FC_ERROR && s->kind == CF_EXPECT)
			snprintf(out, cap, "expect ERROR %s detail %d",
				 s->notice > 0 ? frame_notice_name(s->notice) : "0", s->detail);
		else
			snprintf(out, cap, "%s %s", k, frame_code_name(s->code));
		break;
	case CF_DATA:
		if (s->to > 0 && s->to < 1000000000)
			snprintf(b, sizeof(b), "%d", s->to);
		else if (s->to >= 1000000000)
			snprintf(b, sizeof(b), "half+%d", s->to - 1000000000);
		else
			snprintf(b, sizeof(b), s->to ? "last%d" : "last", s->to);
		if (s->from >= 1000000000)
			snprintf(out, cap, "FILE_DATA half+%d..%s", s->from - 1000000000, b);
		else
			snprintf(out, cap, "FILE_DATA %d..%s", s->from, b);
		break;
	default: snprintf(out, cap, "%s", k); break;
	}
}
