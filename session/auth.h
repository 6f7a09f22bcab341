/* SPDX-License-Identifier: MIT */
/*
 * auth — session authentication (CAP_AUTH, PROTOCOL.md §9): the proofs of
 * the AUTH exchange, the per-session key, and the truncated HMAC (FMAC)
 * with a counter that every control frame of an authenticated session
 * carries.
 *
 * Firmware-clean: HMAC-SHA256, the random source and (optionally) the
 * constant-time compare come through an ops table the caller lends
 * (auth_ossl.h has the OpenSSL one; a board binds its own). No allocation.
 */
#ifndef ETHDL_AUTH_H
#define ETHDL_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "frame.h"
#include "nic.h"

#define SESS_AUTH_KEY_LEN   32u /* the shared key K */
#define SESS_AUTH_NONCE_LEN 16u /* T_NONCE, T_HOST_NONCE */
#define SESS_AUTH_PROOF_LEN 32u /* T_AUTH */
#define SESS_AUTH_FMAC_LEN  16u /* T_FMAC */
/* What sealing adds to a control frame's data: T_CTR (2 + 4) and T_FMAC (2 + 16). */
#define SESS_AUTH_TRAILER 24u
/* The frame header fields the FMAC covers: dst, src, EtherType, version,
 * flags, session, sequence, code. */
#define SESS_AUTH_HDR_LEN 25u

/** The cryptography a machine is lent. Each returns 0, or -1 on failure. */
struct sess_auth_ops {
	void *ctx;
	/** HMAC-SHA256 under key (klen bytes) of the concatenation of the n
	 *  parts (part[i], len[i] bytes), into out. */
	int (*hmac_sha256)(void *ctx, const uint8_t *key, size_t klen, const uint8_t *const *part,
			   const size_t *len, unsigned n, uint8_t out[32]);
	/** n unpredictable bytes (a fresh nonce). */
	int (*random)(void *ctx, uint8_t *out, size_t n);
	/** 1 if the n bytes at a and b are equal, in time independent of the
	 *  bytes; NULL: sess_auth_equal's own loop. */
	int (*equal)(void *ctx, const void *a, const void *b, size_t n);
};

/** A shared key and the ops to use it with (lent to a machine for its life). */
struct sess_auth_key {
	const struct sess_auth_ops *ops;
	uint8_t key[SESS_AUTH_KEY_LEN];
};

/** What the proofs and the session key are bound to. */
struct sess_auth_ctx {
	uint8_t board_nonce[SESS_AUTH_NONCE_LEN];
	uint8_t host_nonce[SESS_AUTH_NONCE_LEN];
	uint8_t host[6], board[6]; /* MACs */
	uint32_t session;
};

/** One session's authentication state (caller-owned, zeroed = off). */
struct sess_auth {
	const struct sess_auth_key *k;
	int on;		  /* the session key is derived: control frames are sealed and checked */
	uint32_t session; /* the session it belongs to */
	uint8_t ks[32];	  /* the session key Ks */
	uint32_t tx_ctr;  /* the last counter sent */
	uint32_t rx_ctr;  /* the last counter accepted (0: none yet) */
	uint8_t rx_fmac[SESS_AUTH_FMAC_LEN]; /* the FMAC of the frame that carried it */
	uint64_t dropped;		     /* control frames that failed the check */
};

/** The host's proof (board = 0) or the board's (board = 1):
 *  HMAC-SHA256(K, label || board nonce || host nonce || host MAC || board
 *  MAC || session), label "ethdl-auth-host" or "ethdl-auth-board". 0 or -1. */
int sess_auth_proof(const struct sess_auth_key *k, int board, const struct sess_auth_ctx *c,
		    uint8_t out[SESS_AUTH_PROOF_LEN]);

/** Derive Ks = HMAC-SHA256(K, "ethdl-session" || the same context) into a,
 *  set its counters to 0 and turn it on for c->session. 0 or -1 (a is off). */
int sess_auth_start(struct sess_auth *a, const struct sess_auth_key *k,
		    const struct sess_auth_ctx *c);

/** 1 if the n bytes at x and y are equal (k's compare, or a constant-time loop). */
int sess_auth_equal(const struct sess_auth_key *k, const void *x, const void *y, size_t n);

/** 1 if frames of this code carry T_CTR and T_FMAC once a session is
 *  authenticated: every code but the data frames (FILE_DATA,
 *  READBACK_DATA), the data-less probes (STATUS_QUERY, RB_STATUS_QUERY)
 *  and the handshake (CONNECT, CONNECT_ACK, AUTH, AUTH_ACK). */
int sess_auth_sealed_code(int code);

/**
 * Build a frame into buf (cap bytes) as sess_encode does; when a is on,
 * belongs to session and code is sealed, its data gets T_CTR (the next
 * counter) and T_FMAC. data may lie anywhere, even in buf. Returns the
 * frame's length or a negative frame error (-FRAME_E_NOSPACE also when
 * the HMAC failed).
 */
int sess_auth_encode(struct sess_auth *a, const struct nic *nic, uint16_t ethertype, uint8_t *buf,
		     size_t cap, const uint8_t dst[6], uint32_t session, uint32_t seq, uint8_t code,
		     uint8_t flags, const uint8_t *data, size_t len);

/** What sess_auth_check found. */
enum sess_auth_verdict {
	SESS_AUTH_DROP = 0,  /* missing or wrong FMAC, or an old counter: drop the frame */
	SESS_AUTH_FRESH = 1, /* a new frame of the peer */
	SESS_AUTH_REPEAT = 2 /* the last frame accepted, again (same counter, same bytes) */
};

/**
 * Check a decoded frame of a's session (ethertype as configured): its data
 * must end in T_CTR then T_FMAC, the FMAC must be right, and its counter
 * above the last one accepted, or the very frame last accepted. Counts
 * drops in a->dropped. why (may be NULL) names the reason of a drop.
 */
enum sess_auth_verdict sess_auth_check(struct sess_auth *a, const struct frame *f,
				       uint16_t ethertype, const char **why);

/** Parse a key file's text: 64 hex digits (32 bytes), whitespace anywhere
 *  ignored. 0, or -1 with *why saying what is wrong ("holds ..."). */
int sess_auth_key_parse(const char *text, size_t len, uint8_t key[SESS_AUTH_KEY_LEN],
			const char **why);

#endif
