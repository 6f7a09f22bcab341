/* SPDX-License-Identifier: MIT */
/*
 * The board's side of session authentication (CAP_AUTH, PROTOCOL.md §9): a
 * fresh nonce in CONNECT_ACK, the host's proof checked in AUTH, the board's
 * own in AUTH_ACK, and from then on every control frame of the session
 * checked (FMAC, counter) and every one sent sealed. The HMAC comes from
 * the ops of cfg.auth: no cryptographic library is linked here.
 */
#include <string.h>

#include "board_int.h"
#include "common.h"

#define blog(b, ...) sess_logf((b)->cfg.log, (b)->cfg.log_ctx, __VA_ARGS__)

int board_auth_connect(struct sess_board *b, struct tlv_writer *w)
{
	const struct sess_auth_key *k = b->cfg.auth;

	memset(&b->auth, 0, sizeof(b->auth));
	memset(&b->auth_ctx, 0, sizeof(b->auth_ctx));
	b->auth_pending.on = 0;
	if (!k->ops || !k->ops->random ||
	    k->ops->random(k->ops->ctx, b->auth_ctx.board_nonce, SESS_AUTH_NONCE_LEN))
		return -1;
	tlv_put(w, T_NONCE, b->auth_ctx.board_nonce, SESS_AUTH_NONCE_LEN);
	return 0;
}

int board_auth_encode(struct sess_board *b, uint8_t *buf, size_t cap, const uint8_t dst[6],
		      uint32_t session, uint32_t seq, uint8_t code, uint8_t flags,
		      const uint8_t *data, size_t len)
{
	struct sess_auth *a = b->auth.on && memcmp(dst, b->host, 6) == 0 ? &b->auth : NULL;

	return sess_auth_encode(a, b->cfg.nic, b->cfg.ethertype, buf, cap, dst, session, seq, code,
				flags, data, len);
}

static void on_auth(struct sess_board *b, const struct frame *f, uint64_t now)
{
	const struct board_reply *r;
	const uint8_t *hn, *proof;
	uint8_t want[SESS_AUTH_PROOF_LEN], mine[SESS_AUTH_PROOF_LEN], d[40];
	struct tlv_writer w;
	size_t hl = 0, pl = 0;

	if (b->auth.on) {
		/* the AUTH already accepted, again (its AUTH_ACK was lost):
		 * the same answer; any other AUTH moves nothing */
		r = board_find_reply(b, f);
		if (r)
			nic_send(b->cfg.nic, r->buf, r->len);
		return;
	}
	hn = tlv_find(f->data, f->len, T_HOST_NONCE, 0, &hl);
	proof = tlv_find(f->data, f->len, T_AUTH, 0, &pl);
	if (!hn || hl != SESS_AUTH_NONCE_LEN || !proof || pl != SESS_AUTH_PROOF_LEN) {
		board_refuse(b, NOTICE_CONNECT_FAILED, D_AUTH, FC_AUTH, f->code,
			     "AUTH needs a 16-byte host nonce and a 32-byte proof");
		return;
	}
	memcpy(b->auth_ctx.host_nonce, hn, SESS_AUTH_NONCE_LEN);
	memcpy(b->auth_ctx.host, b->host, 6);
	memcpy(b->auth_ctx.board, b->cfg.nic->mac, 6);
	b->auth_ctx.session = b->session;
	if (sess_auth_proof(b->cfg.auth, 0, &b->auth_ctx, want) < 0 ||
	    !sess_auth_equal(b->cfg.auth, want, proof, SESS_AUTH_PROOF_LEN)) {
		board_refuse(b, NOTICE_CONNECT_FAILED, D_AUTH, 0, 0,
			     "wrong authentication proof: the host does not hold the board's key");
		return;
	}
	if (sess_auth_proof(b->cfg.auth, 1, &b->auth_ctx, mine) < 0) {
		board_refuse(b, NOTICE_CONNECT_FAILED, D_AUTH, 0, 0, "cannot compute the proof");
		return;
	}
	tlv_writer_init(&w, d, sizeof(d));
	tlv_put(&w, T_AUTH, mine, sizeof(mine));
	board_reply(b, f, 0, FC_AUTH_ACK, 0, d, w.len);
	if (sess_auth_start(&b->auth, b->cfg.auth, &b->auth_ctx) < 0) {
		board_refuse(b, NOTICE_CONNECT_FAILED, D_AUTH, 0, 0,
			     "cannot derive the session key");
		return;
	}
	b->last_progress = now;
	blog(b, "session %08x authenticated", b->session);
}

void board_auth_pending_connect(struct sess_board *b, const struct frame *f, uint64_t now)
{
	const struct sess_auth_key *k = b->cfg.auth;
	uint8_t d[512];
	struct tlv_writer w;
	int n;

	if (b->auth_pending.on && b->auth_pending.session == f->session &&
	    memcmp(b->auth_pending.host, f->src, 6) == 0) {
		/* its CONNECT_ACK was lost */
		if (b->auth_pending.ack_len)
			nic_send(b->cfg.nic, b->auth_pending.ack, b->auth_pending.ack_len);
		return;
	}
	memset(&b->auth_pending, 0, sizeof(b->auth_pending));
	if (!k->ops || !k->ops->random ||
	    k->ops->random(k->ops->ctx, b->auth_pending.ctx.board_nonce, SESS_AUTH_NONCE_LEN))
		return;
	b->auth_pending.session = f->session;
	memcpy(b->auth_pending.host, f->src, 6);
	tlv_get_uint(f->data, f->len, T_CAPS, &b->auth_pending.caps);
	b->auth_pending.since = now;
	tlv_writer_init(&w, d, sizeof(d));
	board_connect_ack_tlvs(b, &w, b->auth_pending.caps);
	tlv_put(&w, T_NONCE, b->auth_pending.ctx.board_nonce, SESS_AUTH_NONCE_LEN);
	n = sess_encode(b->cfg.nic, b->cfg.ethertype, b->auth_pending.ack,
			sizeof(b->auth_pending.ack), f->src, f->session, 0, FC_CONNECT_ACK, 0, d,
			w.len);
	b->auth_pending.ack_len = n > 0 ? (size_t)n : 0;
	b->auth_pending.on = 1;
	if (b->auth_pending.ack_len)
		nic_send(b->cfg.nic, b->auth_pending.ack, b->auth_pending.ack_len);
	blog(b, "session %08x from the host of authenticated session %08x: it takes over once "
		"it authenticates",
	     f->session, b->session);
}

/* ERROR to the pending session (never kept: the running session's is). */
static void pending_error(struct sess_board *b, int detail, const char *text)
{
	uint8_t e[160];
	size_t l = sess_error_tlv(e, sizeof(e), NOTICE_CONNECT_FAILED, detail, FC_AUTH, 0, text);

	sess_send(b->cfg.nic, b->cfg.ethertype, b->tx, sizeof(b->tx), b->auth_pending.host,
		  b->auth_pending.session, 0, FC_ERROR, 0, e, l);
}

int board_auth_pending_input(struct sess_board *b, const struct frame *f, uint64_t now)
{
	struct sess_auth_ctx c;
	uint8_t want[SESS_AUTH_PROOF_LEN];
	const uint8_t *hn, *proof;
	size_t hl = 0, pl = 0;

	if (!b->auth_pending.on || f->session != b->auth_pending.session ||
	    memcmp(f->src, b->auth_pending.host, 6) != 0)
		return 0;
	if (now - b->auth_pending.since >= b->cfg.timeout_us) {
		b->auth_pending.on = 0; /* no AUTH within the timer: forgotten */
		return 0;
	}
	b->auth_pending.on = 0;
	if (f->code != FC_AUTH) {
		if (f->code == FC_DISCONNECT)
			sess_send(b->cfg.nic, b->cfg.ethertype, b->tx, sizeof(b->tx), f->src,
				  f->session, 0, FC_DISCONNECT_ACK, 0, NULL, 0);
		else if (f->code != FC_ERROR)
			pending_error(b, D_AUTH, "a command before AUTH: this board takes only "
						 "authenticated sessions");
		return 1;
	}
	c = b->auth_pending.ctx;
	hn = tlv_find(f->data, f->len, T_HOST_NONCE, 0, &hl);
	proof = tlv_find(f->data, f->len, T_AUTH, 0, &pl);
	if (hn && hl == SESS_AUTH_NONCE_LEN) {
		memcpy(c.host_nonce, hn, SESS_AUTH_NONCE_LEN);
		memcpy(c.host, b->auth_pending.host, 6);
		memcpy(c.board, b->cfg.nic->mac, 6);
		c.session = b->auth_pending.session;
	}
	if (!hn || hl != SESS_AUTH_NONCE_LEN || !proof || pl != SESS_AUTH_PROOF_LEN ||
	    sess_auth_proof(b->cfg.auth, 0, &c, want) < 0 ||
	    !sess_auth_equal(b->cfg.auth, want, proof, SESS_AUTH_PROOF_LEN)) {
		pending_error(b, D_AUTH,
			      "wrong authentication proof: the host does not hold the board's key");
		dev_log(&b->dev, EV_REFUSED, 0, NOTICE_CONNECT_FAILED, D_AUTH, f->src, NULL, NULL);
		blog(b, "session %08x: wrong authentication proof; session %08x goes on",
		     f->session, b->session);
		return 1;
	}
	/* The host proved the key: its new session takes over, as §4 says. */
	if (b->state != B_IDLE) {
		board_send_error(b, b->host, b->session, NOTICE_NONE, D_SUPERSEDED, b->session,
				 f->session, "a newer authenticated session from this host took over");
		board_end_session(b, "superseded by a newer authenticated session from the host",
				  1);
	}
	board_open_session(b, f->session, f->src, b->auth_pending.caps, now);
	memset(&b->auth, 0, sizeof(b->auth));
	b->auth_ctx = b->auth_pending.ctx;
	on_auth(b, f, now);
	return 1;
}

int board_auth_filter(struct sess_board *b, const struct frame *f, uint64_t now)
{
	const char *why;

	if (f->code == FC_AUTH) {
		on_auth(b, f, now);
		return 0;
	}
	if (!b->auth.on) {
		/* a goodbye or the host's own ERROR end the session as usual */
		if (f->code == FC_DISCONNECT || f->code == FC_ERROR)
			return 1;
		board_refuse(b, NOTICE_CONNECT_FAILED, D_AUTH, FC_AUTH, f->code,
			     "%s before AUTH: this board takes only authenticated sessions",
			     frame_code_name(f->code));
		return 0;
	}
	if (!sess_auth_sealed_code(f->code))
		return 1; /* data and probes: the file CRC and digest cover them */
	if (sess_auth_check(&b->auth, f, b->cfg.ethertype, &why) == SESS_AUTH_DROP) {
		blog(b, "dropped %s of session %08x: %s (%llu dropped)", frame_code_name(f->code),
		     f->session, why, (unsigned long long)b->auth.dropped);
		return 0;
	}
	return 1;
}
