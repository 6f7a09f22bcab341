/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: session authentication (PROTOCOL.md §9).
 *
 * First a property of the FMAC: the input, sealed as the data of a control
 * frame, checks once (fresh), again (the repeat), and no longer once any
 * one byte of it is changed (the byte the input's first byte picks).
 *
 * Then a board with a key, driven by the harness as the host that holds
 * the key: CONNECT, AUTH with the right proof, then the input as records
 * (as fuzz_session's: dir u8, code u8, seq u8, flags u8, dt u8 (x 50 ms),
 * len u8, data[len]; dir bit 0 sealed by the harness, bit 1 raw bytes,
 * bit 2 a wrong session, bit 3 before AUTH: a fresh session without it).
 * After every record every image the device names must hold the bytes its
 * record says (abort otherwise).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "auth_ossl.h"
#include "frame.h"
#include "fuzz_device.h"
#include "mem_devstore.h"
#include "nic.h"
#include "session.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t mac_h[6] = {2, 0, 0, 0, 0, 1}, mac_b[6] = {2, 0, 0, 0, 0, 2};

static void fmac_property(const struct sess_auth_key *k, struct nic *n, const uint8_t *data,
			  size_t size)
{
	static uint8_t buf[FRAME_BUF_MAX];
	struct sess_auth_ctx c = {.session = 7};
	struct sess_auth tx, rx;
	struct frame f;
	size_t len = size > 1400 ? 1400 : size;
	int l;

	memcpy(c.host, mac_h, 6);
	memcpy(c.board, mac_b, 6);
	if (sess_auth_start(&tx, k, &c) < 0 || sess_auth_start(&rx, k, &c) < 0)
		abort();
	l = sess_auth_encode(&tx, n, 0, buf, sizeof(buf), mac_b, 7, 0, FC_INFO_ACK, 0, data, len);
	if (l < 0)
		abort();
	if (frame_decode(&f, buf, (size_t)l, FRAME_ETHERTYPE_DEFAULT) != 0)
		abort();
	/* the input's own TLVs may be malformed: then the frame never checks */
	if (sess_auth_check(&rx, &f, 0, NULL) == SESS_AUTH_FRESH) {
		if (!tlv_valid(data, len) || sess_auth_check(&rx, &f, 0, NULL) != SESS_AUTH_REPEAT)
			abort();
		if (size) {
			size_t at = FRAME_HDR_LEN + data[0] % (f.len ? f.len : 1);

			buf[at] ^= 1;
			put_be32(buf + FRAME_HDR_LEN + f.len,
				 frame_crc32(0, buf + 14, FRAME_HDR_LEN + f.len - 14));
			if (frame_decode(&f, buf, (size_t)l, FRAME_ETHERTYPE_DEFAULT) == 0 &&
			    sess_auth_check(&rx, &f, 0, NULL) != SESS_AUTH_DROP)
				abort();
		}
	} else if (tlv_valid(data, len)) {
		abort();
	}
}

/* Send one frame to the board (sealed with a when given). */
static void to_board(struct sess_board *b, struct nic *hp, struct sess_auth *a, uint32_t session,
		     uint8_t code, uint32_t seq, uint8_t flags, const uint8_t *d, size_t len,
		     uint64_t now)
{
	static uint8_t buf[FRAME_BUF_MAX];
	int n = sess_auth_encode(a, hp, 0, buf, sizeof(buf), mac_b, session, seq, code, flags, d,
				 len);

	if (n > 0)
		sess_board_input(b, buf, (size_t)n, now);
}

/* The last frame the board sent of code, into f (its data in a static buffer). */
static int board_sent(struct nic *hp, uint8_t code, struct frame *f)
{
	static uint8_t keep[FRAME_BUF_MAX];
	const uint8_t *p;
	size_t l;
	int found = 0;
	struct frame g;

	while (nic_recv(hp, &p, &l) == 1)
		if (frame_decode(&g, p, l, FRAME_ETHERTYPE_DEFAULT) == 0 && g.code == code &&
		    l <= sizeof(keep)) {
			memcpy(keep, p, l);
			found = frame_decode(f, keep, l, FRAME_ETHERTYPE_DEFAULT) == 0;
		}
	return found;
}

/* CONNECT and AUTH as the host with the key: 0 when the board took it. */
static int handshake(struct sess_board *b, struct nic *hp, const struct sess_auth_key *k,
		     struct sess_auth *a, uint32_t session, uint64_t now)
{
	struct sess_auth_ctx c = {.session = session};
	uint8_t d[64], proof[32];
	struct tlv_writer w;
	struct frame f;
	const uint8_t *nonce;
	size_t nl = 0;

	to_board(b, hp, NULL, session, FC_CONNECT, 0, 0, NULL, 0, now);
	if (!board_sent(hp, FC_CONNECT_ACK, &f))
		return -1;
	nonce = tlv_find(f.data, f.len, T_NONCE, 0, &nl);
	if (!nonce || nl != 16)
		abort(); /* a board with a key always sends one */
	memcpy(c.board_nonce, nonce, 16);
	memset(c.host_nonce, 0x5a, 16);
	memcpy(c.host, mac_h, 6);
	memcpy(c.board, mac_b, 6);
	if (sess_auth_proof(k, 0, &c, proof) < 0)
		abort();
	tlv_writer_init(&w, d, sizeof(d));
	tlv_put(&w, T_HOST_NONCE, c.host_nonce, 16);
	tlv_put(&w, T_AUTH, proof, 32);
	to_board(b, hp, NULL, session, FC_AUTH, 0, 0, d, w.len, now);
	if (!board_sent(hp, FC_AUTH_ACK, &f))
		abort(); /* the right proof is always taken */
	return sess_auth_start(a, k, &c) < 0 ? -1 : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sess_board b;
	static uint8_t buf[FRAME_BUF_MAX];
	struct sess_auth_key k = {.ops = &sess_auth_ossl_ops};
	struct sess_auth a;
	struct devstore store;
	struct nic *bn, *hp;
	uint64_t now = 1000000;
	uint32_t session = 0x11223344;
	size_t off = 0;

	for (unsigned i = 0; i < sizeof(k.key); i++)
		k.key[i] = (uint8_t)(i + 1);
	if (mem_devstore_open(&store) < 0)
		return 0;
	mem_devstore_set_capacity(&store, 1u << 20);
	if (nic_loop_pair(&bn, &hp, mac_b, mac_h, 1500, 0) < 0) {
		mem_devstore_close(&store);
		return 0;
	}
	fmac_property(&k, hp, data, size);

	struct sess_board_config bc = {.nic = bn,
				       .store = &store,
				       .window = 8,
				       .vendor = "acme",
				       .model = "m",
				       .serial = "1",
				       .auth = &k};

	if (sess_board_init(&b, &bc) < 0)
		abort();
	if (handshake(&b, hp, &k, &a, session, now) < 0)
		abort();
	while (size - off >= 6) {
		const uint8_t *r = data + off;
		size_t len = r[5] < size - off - 6 ? r[5] : size - off - 6;
		int sealed = r[0] & 1, raw = r[0] & 2, wrong = r[0] & 4, fresh = r[0] & 8;

		off += 6 + len;
		now += (uint64_t)r[4] * 50000;
		if (fresh) {
			/* a new session that skips AUTH */
			memset(&a, 0, sizeof(a));
			session++;
			to_board(&b, hp, NULL, session, FC_CONNECT, 0, 0, NULL, 0, now);
		}
		if (raw) {
			memcpy(buf, r + 6, len);
			sess_board_input(&b, buf, len, now);
		} else {
			to_board(&b, hp, sealed ? &a : NULL, wrong ? 0x55555555u : session, r[1],
				 r[2], r[3], r + 6, len, now);
		}
		sess_board_poll(&b, now);
		{
			const uint8_t *p;
			size_t l;

			while (nic_recv(hp, &p, &l) == 1)
				;
		}
		check_device(&b, &store);
	}
	sess_board_dispose(&b);
	nic_close(bn);
	nic_close(hp);
	mem_devstore_close(&store);
	return 0;
}
