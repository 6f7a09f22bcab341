/* SPDX-License-Identifier: MIT */
/* engine: play the host's frames of a capture, judge the board's answers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "replay.h"

#define ANSWER_US 3000000u /* the protocol's 3-second timer */
#define LINGER_US 300000u

enum { AW_CTL, AW_DATA };

struct rp_await {
	size_t idx;    /* in c->v */
	size_t before; /* the host frame (index in e->host) that waits for it */
	int kind;
	uint32_t seq;
	int matched;
};

static int is_status(int code)
{
	return code == FC_STATUS_QUERY || code == FC_BOARD_STATUS || code == FC_RB_STATUS_QUERY ||
	       code == FC_HOST_STATUS;
}

static int is_data(int code)
{
	return code == FC_FILE_DATA || code == FC_READBACK_DATA || code == FC_OVL_DATA;
}

/* Board side: nothing is awaited with a bound before the host appears. */
static int unbounded(const struct rp_engine *e)
{
	return e->cfg.board_side && !e->any_answer;
}

static int decodable(int e)
{
	return e == 0 || e == -FRAME_E_CRC || e == -FRAME_E_CODE;
}

/* 1 if recorded frame a repeats recorded frame b. */
static int same(const struct rp_frame *a, const struct rp_frame *b)
{
	return a->len == b->len && !memcmp(a->buf, b->buf, a->len);
}

const char *rp_state_name(enum rp_state s)
{
	switch (s) {
	case RP_RUNNING: return "running";
	case RP_MATCH: return "match";
	case RP_DIVERGED: return "diverged";
	case RP_SILENT: return "no answer";
	case RP_IOERR: return "error";
	}
	return "?";
}

/* T_CAPS of the recorded board's first CONNECT_ACK. */
static uint32_t board_caps(const struct rp_capture *c)
{
	for (size_t i = 0; i < c->n; i++) {
		struct frame f;
		uint64_t caps;

		if (!c->v[i].from_host &&
		    frame_decode(&f, c->v[i].buf, c->v[i].len, c->ethertype) == 0 &&
		    f.code == FC_CONNECT_ACK)
			return tlv_get_uint(f.data, f.len, T_CAPS, &caps) ? (uint32_t)caps : 0;
	}
	return 0;
}

int rp_init(struct rp_engine *e, const struct rp_capture *c, const struct rp_config *cfg)
{
	size_t nh = 0;

	memset(e, 0, sizeof(*e));
	e->c = c;
	e->cfg = *cfg;
	if (!e->cfg.answer_us)
		e->cfg.answer_us = ANSWER_US;
	if (!e->cfg.linger_us)
		e->cfg.linger_us = LINGER_US;
	e->host = calloc(c->n + 1, sizeof(*e->host));
	e->aw = calloc(c->n + 1, sizeof(*e->aw));
	if (!e->host || !e->aw) {
		rp_dispose(e);
		return -RP_E_NOMEM;
	}
	for (size_t i = 0; i < c->n; i++) {
		const struct rp_frame *r = &c->v[i];
		struct rp_await *a = &e->aw[e->naw];
		struct frame f;
		int err, dup = 0;

		if (r->from_host != !!cfg->board_side) {
			e->host[nh++] = i;
			continue;
		}
		err = frame_decode(&f, r->buf, r->len, c->ethertype);
		if (!decodable(err) || is_status(f.code))
			continue;
		a->kind = is_data(f.code) ? AW_DATA : AW_CTL;
		for (size_t k = 0; k < e->naw && !dup; k++)
			dup = e->aw[k].kind == a->kind && same(&c->v[e->aw[k].idx], r);
		if (dup)
			continue;
		a->idx = i;
		a->before = nh;
		a->seq = f.seq;
		e->naw++;
	}
	e->nhost = nh;
	e->caps_mask = c->host_caps;
	if (cfg->board_side)
		e->caps_mask = board_caps(c);
	while (e->ctl < e->naw && e->aw[e->ctl].kind != AW_CTL)
		e->ctl++;
	return 0;
}

void rp_dispose(struct rp_engine *e)
{
	free(e->host);
	free(e->aw);
	e->host = NULL;
	e->aw = NULL;
}

int rp_done(const struct rp_engine *e)
{
	return e->res.state != RP_RUNNING;
}

const struct rp_result *rp_result(const struct rp_engine *e)
{
	return &e->res;
}

static void diverge(struct rp_engine *e, const struct rp_await *a, const uint8_t *got, size_t glen,
		    const char *fieldname)
{
	const struct rp_capture *c = e->c;
	struct rp_result *r = &e->res;

	r->state = RP_DIVERGED;
	if (a) {
		r->frame = c->v[a->idx].num;
		rp_describe(c->v[a->idx].buf, c->v[a->idx].len, c->ethertype, r->expected,
			    sizeof(r->expected));
	} else {
		r->frame = e->next ? c->v[e->host[e->next - 1]].num : 0;
		snprintf(r->expected, sizeof(r->expected), "nothing (no such answer recorded)");
	}
	if (got)
		rp_describe(got, glen, c->ethertype, r->got, sizeof(r->got));
	else
		snprintf(r->got, sizeof(r->got), "nothing within %.1f s",
			 (double)e->cfg.answer_us / 1e6);
	snprintf(r->field, sizeof(r->field), "%s", fieldname);
}

static int cmp(struct rp_engine *e, const struct rp_await *a, const uint8_t *buf, size_t len,
	       struct rp_diff *d)
{
	const struct rp_frame *w = &e->c->v[a->idx];
	uint32_t mask = e->caps_mask;
	int r;

	memset(d, 0, sizeof(*d));
	r = rp_compare(w->buf, w->len, buf, len, e->c->ethertype, e->cfg.session, mask, d);
	e->res.skipped |= d->skipped;
	return r;
}

static void advance_first(struct rp_engine *e)
{
	while (e->first < e->naw && e->aw[e->first].matched)
		e->first++;
}

static void input_data(struct rp_engine *e, const struct frame *f, const uint8_t *buf, size_t len)
{
	struct rp_await *rep = NULL;
	struct rp_diff d;

	for (size_t i = 0; i < e->naw; i++) {
		struct rp_await *a = &e->aw[i];

		if (a->kind != AW_DATA || a->seq != f->seq)
			continue;
		if (a->matched) {
			rep = rep ? rep : a;
			continue;
		}
		if (cmp(e, a, buf, len, &d)) {
			diverge(e, a, buf, len, d.field);
			return;
		}
		a->matched = 1;
		e->res.compared++;
		return;
	}
	if (rep && !cmp(e, rep, buf, len, &d)) {
		e->res.repeats++;
		return;
	}
	if (rep) {
		diverge(e, rep, buf, len, d.field);
		return;
	}
	diverge(e, NULL, buf, len, "unexpected frame");
}

static void input_ctl(struct rp_engine *e, const struct frame *f, const uint8_t *buf, size_t len)
{
	struct rp_await *a = e->ctl < e->naw ? &e->aw[e->ctl] : NULL;
	struct rp_diff d, first_d;

	if (a && !cmp(e, a, buf, len, &first_d)) {
		a->matched = 1;
		e->res.compared++;
		do
			e->ctl++;
		while (e->ctl < e->naw && e->aw[e->ctl].kind != AW_CTL);
		return;
	}
	/* A repeat of an answer already matched (the host asked twice). */
	for (size_t i = 0; i < e->naw; i++) {
		if (e->aw[i].kind == AW_CTL && e->aw[i].matched &&
		    !cmp(e, &e->aw[i], buf, len, &d)) {
			e->res.repeats++;
			return;
		}
	}
	/* A host-side capture ends with the host's DISCONNECT: the board's
	 * answer to it may not be in it. */
	if (!a && f->code == FC_DISCONNECT_ACK) {
		e->res.repeats++;
		return;
	}
	diverge(e, a, buf, len, a ? first_d.field : "unexpected frame");
}

void rp_input(struct rp_engine *e, const uint8_t *buf, size_t len, uint64_t now)
{
	struct frame f;
	int err;

	if (rp_done(e) || !e->started || len < FRAME_ETH_LEN)
		return;
	err = frame_decode(&f, buf, len, e->c->ethertype);
	if (!decodable(err))
		return;
	if (e->cfg.board_side && !e->any_answer) {
		/* the live host shows itself with its CONNECT */
		if (err || f.code != FC_CONNECT)
			return;
		memcpy(e->cfg.peer, f.src, 6);
		e->cfg.session = f.session;
	}
	if (memcmp(buf + 6, e->cfg.peer, 6) || (!err && f.session != e->cfg.session))
		return;
	if (!err && frame_code_from_board(f.code) != !e->cfg.board_side)
		return;
	e->any_answer = 1;
	e->progress = now;
	if (is_status(f.code))
		e->res.repeats++;
	else if (is_data(f.code))
		input_data(e, &f, buf, len);
	else
		input_ctl(e, &f, buf, len);
	advance_first(e);
}

/* The recorded host frame, to the live board, in the live session. */
static int send_host(struct rp_engine *e, const struct rp_frame *r)
{
	const struct nic *n = e->cfg.nic;
	struct frame f;
	int len;

	if (frame_decode(&f, r->buf, r->len, e->c->ethertype) == 0) {
		memcpy(f.dst, e->cfg.peer, 6);
		memcpy(f.src, n->mac, 6);
		if (f.session == e->c->session)
			f.session = e->cfg.session;
		len = frame_encode(e->buf, sizeof(e->buf), &f, e->c->ethertype);
		if (len < 0)
			return -NIC_E_INVAL;
	} else {
		/* damaged as recorded: sent damaged, with the live addresses */
		len = (int)(r->len < sizeof(e->buf) ? r->len : sizeof(e->buf));
		memcpy(e->buf, r->buf, (size_t)len);
		memcpy(e->buf, e->cfg.peer, 6);
		memcpy(e->buf + 6, n->mac, 6);
		if (len >= 22 && get_be32(e->buf + 18) == e->c->session)
			put_be32(e->buf + 18, e->cfg.session);
	}
	return nic_send(e->cfg.nic, e->buf, (size_t)len);
}

static int awaited(const struct rp_engine *e)
{
	return e->first < e->naw && e->aw[e->first].before <= e->next;
}

static uint64_t due(const struct rp_engine *e)
{
	const struct rp_capture *c = e->c;
	uint64_t gap;

	if (e->cfg.speed != RP_RECORDED || !e->next)
		return 0;
	gap = c->v[e->host[e->next]].t - c->v[e->host[e->next - 1]].t;
	return e->last_send + gap;
}

static void missing(struct rp_engine *e)
{
	if (!e->any_answer) {
		e->res.state = RP_SILENT;
		diverge(e, &e->aw[e->first], NULL, 0, "no answer");
		e->res.state = RP_SILENT;
		return;
	}
	diverge(e, &e->aw[e->first], NULL, 0, "missing");
}

void rp_poll(struct rp_engine *e, uint64_t now)
{
	if (rp_done(e))
		return;
	if (!e->started) {
		e->started = 1;
		e->last_send = e->progress = now;
	}
	while (e->next < e->nhost) {
		int r;

		if (awaited(e)) {
			if (!unbounded(e) && now >= e->progress + e->cfg.answer_us)
				missing(e);
			return;
		}
		if (now < due(e))
			return;
		r = send_host(e, &e->c->v[e->host[e->next]]);
		if (r < 0) {
			e->res.state = RP_IOERR;
			e->res.nic_err = r;
			return;
		}
		e->res.sent++;
		e->next++;
		e->last_send = e->progress = now;
	}
	if (e->first < e->naw) {
		if (now >= e->progress + e->cfg.answer_us)
			missing(e);
		return;
	}
	if (!e->end_at)
		e->end_at = now + e->cfg.linger_us;
	if (now >= e->end_at)
		e->res.state = RP_MATCH;
}

uint64_t rp_next_deadline(const struct rp_engine *e)
{
	if (rp_done(e))
		return UINT64_MAX;
	if (!e->started)
		return 0;
	if (e->next < e->nhost) {
		if (awaited(e))
			return unbounded(e) ? UINT64_MAX : e->progress + e->cfg.answer_us;
		return due(e);
	}
	if (e->first < e->naw)
		return e->progress + e->cfg.answer_us;
	return e->end_at;
}
