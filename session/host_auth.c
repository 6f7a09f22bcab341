/* SPDX-License-Identifier: MIT */
/*
 * The host's side of session authentication (CAP_AUTH, PROTOCOL.md §9):
 * AUTH with the host's proof after CONNECT_ACK, the board's proof checked
 * in AUTH_ACK, and from then on every control frame of the session sent
 * sealed and every one received checked.
 */
#include <string.h>

#include "host_int.h"

int host_auth_encode(struct sess_host *h, uint8_t *buf, size_t cap, uint32_t seq, uint8_t code,
		     uint8_t flags, const uint8_t *data, size_t len)
{
	return sess_auth_encode(&h->auth, h->cfg.nic, h->cfg.ethertype, buf, cap, h->cfg.board,
				h->cfg.session_id, seq, code, flags, data, len);
}

int host_auth_connect_ack(struct sess_host *h, const struct frame *f, uint64_t now)
{
	const struct sess_auth_key *k = h->cfg.auth;
	int board_auth = (h->board.caps & CAP_AUTH) != 0;
	uint8_t proof[SESS_AUTH_PROOF_LEN], d[64];
	struct tlv_writer w;
	const uint8_t *nonce;
	size_t nl = 0;

	if (!k && !board_auth)
		return 0;
	if (!k) {
		host_fail(h, now, NOTICE_CONNECT_FAILED, D_AUTH, CAP_AUTH, 0,
			  "the board takes only authenticated sessions: give --auth-key KEYFILE");
		return 1;
	}
	if (!board_auth) {
		/* a board that does not authenticate could be anyone's */
		host_fail(h, now, NOTICE_CONNECT_FAILED, D_AUTH, CAP_AUTH, h->board.caps,
			  "the board does not authenticate sessions (no CAP_AUTH), and --auth-key "
			  "was given: refused");
		return 1;
	}
	nonce = tlv_find(f->data, f->len, T_NONCE, 0, &nl);
	if (!nonce || nl != SESS_AUTH_NONCE_LEN) {
		host_fail(h, now, NOTICE_CONNECT_FAILED, D_AUTH, SESS_AUTH_NONCE_LEN, (uint32_t)nl,
			  "CONNECT_ACK of an authenticating board without a 16-byte nonce");
		return 1;
	}
	memset(&h->auth_ctx, 0, sizeof(h->auth_ctx));
	memcpy(h->auth_ctx.board_nonce, nonce, SESS_AUTH_NONCE_LEN);
	memcpy(h->auth_ctx.host, h->cfg.nic->mac, 6);
	memcpy(h->auth_ctx.board, h->cfg.board, 6);
	h->auth_ctx.session = h->cfg.session_id;
	if (!k->ops || !k->ops->random ||
	    k->ops->random(k->ops->ctx, h->auth_ctx.host_nonce, SESS_AUTH_NONCE_LEN) ||
	    sess_auth_proof(k, 0, &h->auth_ctx, proof) < 0) {
		host_fail(h, now, NOTICE_CONNECT_FAILED, D_AUTH, 0, 0,
			  "cannot compute the authentication proof");
		return 1;
	}
	tlv_writer_init(&w, d, sizeof(d));
	tlv_put(&w, T_HOST_NONCE, h->auth_ctx.host_nonce, SESS_AUTH_NONCE_LEN);
	tlv_put(&w, T_AUTH, proof, sizeof(proof));
	host_send_cmd(h, FC_AUTH, d, w.len, H_AUTH, now);
	hlog(h, "authenticating");
	return 1;
}

void host_auth_ack(struct sess_host *h, const struct frame *f, uint64_t now)
{
	const struct sess_auth_key *k = h->cfg.auth;
	uint8_t want[SESS_AUTH_PROOF_LEN];
	const uint8_t *proof;
	size_t pl = 0;

	proof = tlv_find(f->data, f->len, T_AUTH, 0, &pl);
	if (!proof || pl != SESS_AUTH_PROOF_LEN || sess_auth_proof(k, 1, &h->auth_ctx, want) < 0 ||
	    !sess_auth_equal(k, want, proof, SESS_AUTH_PROOF_LEN)) {
		host_fail(h, now, NOTICE_CONNECT_FAILED, D_AUTH, 0, 0,
			  "the board's proof is wrong: it does not hold this key");
		return;
	}
	if (sess_auth_start(&h->auth, k, &h->auth_ctx) < 0) {
		host_fail(h, now, NOTICE_CONNECT_FAILED, D_AUTH, 0, 0,
			  "cannot derive the session key");
		return;
	}
	hlog(h, "authenticated: the board holds the key");
	h->last_progress = now;
	host_connected(h, now);
}

int host_auth_filter(struct sess_host *h, const struct frame *f)
{
	const char *why;
	enum sess_auth_verdict v;

	if (!h->auth.on || !sess_auth_sealed_code(f->code))
		return 1;
	v = sess_auth_check(&h->auth, f, h->cfg.ethertype, &why);
	if (v == SESS_AUTH_DROP)
		hlog(h, "dropped %s: %s (%llu dropped)", frame_code_name(f->code), why,
		     (unsigned long long)h->auth.dropped);
	/* a repeat of a reply already handled moves nothing */
	return v == SESS_AUTH_FRESH;
}
