/* SPDX-License-Identifier: MIT */
/* Session authentication (PROTOCOL.md §9): proofs, the session key, and the
 * FMAC every control frame of an authenticated session carries. */
#include <string.h>

#include "auth.h"
#include "common.h"
#include "hexkey.h"

static const char label_host[] = "ethdl-auth-host";
static const char label_board[] = "ethdl-auth-board";
static const char label_session[] = "ethdl-session";

#define CTX_LEN (2 * SESS_AUTH_NONCE_LEN + 12 + 4)

static void ctx_bytes(const struct sess_auth_ctx *c, uint8_t out[CTX_LEN])
{
	memcpy(out, c->board_nonce, SESS_AUTH_NONCE_LEN);
	memcpy(out + 16, c->host_nonce, SESS_AUTH_NONCE_LEN);
	memcpy(out + 32, c->host, 6);
	memcpy(out + 38, c->board, 6);
	put_be32(out + 44, c->session);
}

static int labelled(const struct sess_auth_key *k, const char *label, const struct sess_auth_ctx *c,
		    uint8_t out[32])
{
	uint8_t cb[CTX_LEN];
	const uint8_t *part[2] = {(const uint8_t *)label, cb};
	size_t len[2] = {strlen(label), sizeof(cb)};

	if (!k || !k->ops || !k->ops->hmac_sha256)
		return -1;
	ctx_bytes(c, cb);
	return k->ops->hmac_sha256(k->ops->ctx, k->key, SESS_AUTH_KEY_LEN, part, len, 2, out) ? -1
											      : 0;
}

int sess_auth_proof(const struct sess_auth_key *k, int board, const struct sess_auth_ctx *c,
		    uint8_t out[SESS_AUTH_PROOF_LEN])
{
	return labelled(k, board ? label_board : label_host, c, out);
}

int sess_auth_start(struct sess_auth *a, const struct sess_auth_key *k,
		    const struct sess_auth_ctx *c)
{
	memset(a, 0, sizeof(*a));
	if (labelled(k, label_session, c, a->ks) < 0) {
		memset(a->ks, 0, sizeof(a->ks));
		return -1;
	}
	a->k = k;
	a->session = c->session;
	a->on = 1;
	return 0;
}

int sess_auth_equal(const struct sess_auth_key *k, const void *x, const void *y, size_t n)
{
	const volatile uint8_t *p = x, *q = y;
	uint8_t d = 0;

	if (k && k->ops && k->ops->equal)
		return k->ops->equal(k->ops->ctx, x, y, n) ? 1 : 0;
	for (size_t i = 0; i < n; i++)
		d |= (uint8_t)(p[i] ^ q[i]);
	return d == 0;
}

int sess_auth_sealed_code(int code)
{
	switch (code) {
	case FC_FILE_DATA:
	case FC_READBACK_DATA:
	case FC_OVL_DATA:
	case FC_STATUS_QUERY:
	case FC_RB_STATUS_QUERY:
	case FC_CONNECT:
	case FC_CONNECT_ACK:
	case FC_AUTH:
	case FC_AUTH_ACK: return 0;
	default: return 1;
	}
}

static void hdr_bytes(const struct frame *f, uint16_t ethertype, uint8_t out[SESS_AUTH_HDR_LEN])
{
	memcpy(out, f->dst, 6);
	memcpy(out + 6, f->src, 6);
	put_be16(out + 12, ethertype);
	out[14] = f->version;
	out[15] = f->flags;
	put_be32(out + 16, f->session);
	put_be32(out + 20, f->seq);
	out[24] = f->code;
}

/* The FMAC of frame f whose data up to T_FMAC is the first n bytes. */
static int fmac(const struct sess_auth *a, const struct frame *f, uint16_t ethertype,
		const uint8_t *data, size_t n, uint8_t out[SESS_AUTH_FMAC_LEN])
{
	uint8_t hdr[SESS_AUTH_HDR_LEN], full[32];
	const uint8_t *part[2] = {hdr, data};
	size_t len[2] = {sizeof(hdr), n};

	hdr_bytes(f, ethertype, hdr);
	if (a->k->ops->hmac_sha256(a->k->ops->ctx, a->ks, sizeof(a->ks), part, len, 2, full))
		return -1;
	memcpy(out, full, SESS_AUTH_FMAC_LEN);
	return 0;
}

int sess_auth_encode(struct sess_auth *a, const struct nic *nic, uint16_t ethertype, uint8_t *buf,
		     size_t cap, const uint8_t dst[6], uint32_t session, uint32_t seq, uint8_t code,
		     uint8_t flags, const uint8_t *data, size_t len)
{
	struct frame f = {
		.version = FRAME_VERSION,
		.flags = flags,
		.session = session,
		.seq = seq,
		.code = code,
	};
	uint8_t *d = buf + FRAME_HDR_LEN;

	if (!a || !a->on || a->session != session || !sess_auth_sealed_code(code))
		return sess_encode(nic, ethertype, buf, cap, dst, session, seq, code, flags, data,
				   len);
	if (len + SESS_AUTH_TRAILER > FRAME_MAX_DATA)
		return -FRAME_E_TOOLONG;
	if (cap < FRAME_HDR_LEN + len + SESS_AUTH_TRAILER + FRAME_TRL_LEN)
		return -FRAME_E_NOSPACE;
	memcpy(f.dst, dst, 6);
	memcpy(f.src, nic->mac, 6);
	if (len)
		memmove(d, data, len);
	d[len] = T_CTR;
	d[len + 1] = 4;
	put_be32(d + len + 2, ++a->tx_ctr);
	d[len + 6] = T_FMAC;
	d[len + 7] = SESS_AUTH_FMAC_LEN;
	if (fmac(a, &f, etype(ethertype), d, len + 6, d + len + 8) < 0)
		return -FRAME_E_NOSPACE;
	f.len = (uint16_t)(len + SESS_AUTH_TRAILER);
	return frame_seal(buf, cap, &f, etype(ethertype));
}

enum sess_auth_verdict sess_auth_check(struct sess_auth *a, const struct frame *f,
				       uint16_t ethertype, const char **why)
{
	const uint8_t *t;
	uint8_t want[SESS_AUTH_FMAC_LEN];
	uint32_t ctr;
	const char *dummy;

	if (!why)
		why = &dummy;
	*why = NULL;
	if (!a->on || f->session != a->session) {
		*why = "not a frame of the authenticated session";
		goto drop;
	}
	/* the data ends in T_CTR (4 bytes) then T_FMAC (16 bytes) */
	if (f->len < SESS_AUTH_TRAILER) {
		*why = "no FMAC";
		goto drop;
	}
	t = f->data + f->len - SESS_AUTH_TRAILER;
	if (!tlv_valid(f->data, f->len) || t[0] != T_CTR || t[1] != 4 || t[6] != T_FMAC ||
	    t[7] != SESS_AUTH_FMAC_LEN) {
		*why = "no FMAC";
		goto drop;
	}
	/* the TLV list must split exactly before T_CTR */
	if (f->len > SESS_AUTH_TRAILER && !tlv_valid(f->data, f->len - SESS_AUTH_TRAILER)) {
		*why = "no FMAC";
		goto drop;
	}
	if (fmac(a, f, etype(ethertype), f->data, f->len - SESS_AUTH_FMAC_LEN - 2, want) < 0 ||
	    !sess_auth_equal(a->k, want, t + 8, SESS_AUTH_FMAC_LEN)) {
		*why = "wrong FMAC";
		goto drop;
	}
	ctr = get_be32(t + 2);
	if (ctr > a->rx_ctr) {
		a->rx_ctr = ctr;
		memcpy(a->rx_fmac, t + 8, SESS_AUTH_FMAC_LEN);
		return SESS_AUTH_FRESH;
	}
	if (ctr == a->rx_ctr && sess_auth_equal(a->k, a->rx_fmac, t + 8, SESS_AUTH_FMAC_LEN))
		return SESS_AUTH_REPEAT;
	*why = "old counter (a replay)";
drop:
	a->dropped++;
	return SESS_AUTH_DROP;
}

int sess_auth_key_parse(const char *text, size_t len, uint8_t key[SESS_AUTH_KEY_LEN],
			const char **why)
{
	switch (hexkey_parse(text, len, key, SESS_AUTH_KEY_LEN)) {
	case HEXKEY_OK: return 0;
	case HEXKEY_NOT_HEX: *why = "holds a character that is not a hex digit"; break;
	case HEXKEY_TOO_MANY: *why = "holds more than 64 hex digits"; break;
	case HEXKEY_EMPTY: *why = "is empty (it must hold 64 hex digits)"; break;
	default: *why = "holds fewer than 64 hex digits"; break;
	}
	return -1;
}
