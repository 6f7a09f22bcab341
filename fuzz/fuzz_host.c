/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the host machine (a download with read-back of a fixed
 * 3000-byte file) against a hostile board whose frames the fuzzer chooses
 * (fuzz_pick.h). The invariants, checked inside:
 *   - the host's verdict is success only if the read-back gave every byte
 *     of the file exactly once, equal, and the counts say so
 *     (sess_host_stats);
 *   - the host ends by its timers: after the last record, with the board
 *     silent and the clock moving on, it is done within two timeouts.
 * Anything else aborts (or ASan, UBSan, LSan).
 *
 * sel: bits 0-1 source (0-2 the board; 3 a stranger), bit 2 another session
 * id, bit 3 damage the data (a byte flipped), bit 4 one byte short.
 * code: index into codes[]; past its end, the byte itself is the code.
 * READBACK_DATA carries the bytes of the file at (seq - 1) x the host's
 * block; OVL_DATA the pass (1, or 2 with sel bit 5) and the bytes of chunk
 * seq - 1 (§10).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "fuzz_pick.h"
#include "host.h"
#include "nic.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FSIZE	3000u
#define BLK	500u
#define FRAMES	((FSIZE + BLK - 1) / BLK)
#define SID	0x11223344u
#define TIMEOUT 3000000u

static uint8_t file[FSIZE];
static uint32_t file_crc;
static const uint8_t mac_h[6] = {2, 0, 0, 0, 0, 1}, mac_b[6] = {2, 0, 0, 0, 0, 2};
static const uint8_t mac_x[6] = {2, 0, 0, 0, 0, 3};
static const uint8_t bitmap[4] = {0xff, 0x0f, 0, 0x80};

static const uint8_t codes[] = {
	FC_CONNECT_ACK,	    FC_DOWNLOAD_ACK,  FC_FILE_INFO_ACK,	 FC_DOWNLOAD_DONE, FC_READBACK_ACK,
	FC_READBACK_DATA,   FC_READBACK_DONE, FC_DISCONNECT_ACK, FC_ERROR,	   FC_BOARD_STATUS,
	FC_RB_STATUS_QUERY, FC_INFO_ACK,      FC_ACT_STATE,	 FC_LOG_DATA,	   FC_AUTH_ACK,
	FC_GROUP_STATUS,    FC_CONNECT,	      FC_FILE_DATA,
};
/* (OVL_DATA and OVL_DONE, §10, are reached by their own bytes, 0xAC and 0xAD) */
#define NCODES (sizeof(codes))

static struct pick_tlv dict[] = {
	{T_CAPS, 4, CAP_WINDOW | CAP_RESUME | CAP_DEVICE, NULL},
	{T_CAPS, 4, 0, NULL},
	{T_WINDOW, 2, 8, NULL},
	{T_BLOCK, 2, BLK, NULL},
	{T_TYPE, 1, FT_CONFIG, NULL},
	{T_SIZE, 8, FSIZE, NULL},
	{T_FRAMES, 4, FRAMES, NULL},
	{T_CRC, 4, 0, NULL}, /* file_crc (set at start) */
	{T_CUM, 4, FRAMES, NULL},
	{T_HIGH, 4, FRAMES, NULL},
	{T_HAVE, 4, FRAMES, NULL},
	{T_BASE, 4, 1, NULL},
	{T_BITMAP, sizeof(bitmap), 0, bitmap},
	{T_RESUME, 4, 2, NULL},
	{T_NOTICE, 1, NOTICE_WRONG_COMMAND, NULL},
	{T_DETAIL, 2, D_UNEXPECTED_CODE, NULL},
	{T_VENDOR, 1, 'v', NULL},
	{T_ACT_STATE, 1, 3, NULL},
	{T_HEALTH_MS, 4, 1000, NULL},
	/* the read-back as it comes (§10) */
	{T_CAPS, 4, CAP_WINDOW | CAP_RESUME | CAP_DEVICE | CAP_OVERLAP, NULL},
	{T_PASSES, 8, 1, NULL},
	{T_REGIONS, 4, 1, NULL},
	/* overrun (§4): the host paces */
	{T_OVERRUN, 8, 5, NULL},
	{T_OVERRUN, 8, 0xffffffffffffffffull, NULL},
};
#define NDICT (sizeof(dict) / sizeof(dict[0]))

static void canonical(struct tlv_writer *w, uint8_t code, unsigned block, int ovl)
{
	uint32_t frames = (FSIZE + block - 1) / block;
	struct ovl_geom g;

	switch (code) {
	case FC_CONNECT_ACK:
		tlv_put_str(w, T_VENDOR, "acme");
		tlv_put_u32(w, T_CAPS,
			    CAP_WINDOW | CAP_RESUME | CAP_DEVICE | (ovl ? CAP_OVERLAP : 0));
		tlv_put_u16(w, T_BLOCK, BLK);
		tlv_put_u16(w, T_WINDOW, 8);
		break;
	case FC_DOWNLOAD_ACK: tlv_put_u8(w, T_TYPE, FT_CONFIG); break;
	case FC_FILE_INFO_ACK: tlv_put_u32(w, T_RESUME, 0); break;
	case FC_DOWNLOAD_DONE:
	case FC_READBACK_ACK:
		tlv_put_u8(w, T_TYPE, FT_CONFIG);
		tlv_put_u64(w, T_SIZE, FSIZE);
		tlv_put_u32(w, T_FRAMES, frames);
		tlv_put_u32(w, T_CRC, file_crc);
		tlv_put_u16(w, T_BLOCK, (uint16_t)block);
		break;
	case FC_BOARD_STATUS:
		tlv_put_u32(w, T_CUM, FRAMES);
		tlv_put_u32(w, T_HIGH, FRAMES);
		tlv_put_u32(w, T_HAVE, FRAMES);
		break;
	case FC_OVL_DONE:
		if (ovl_geom_init(&g, FSIZE, block) < 0)
			break;
		tlv_put_u64(w, T_SIZE, FSIZE);
		tlv_put_u32(w, T_CRC, file_crc);
		tlv_put_u32(w, T_REGIONS, g.regions);
		tlv_put_u64(w, T_PASSES, g.regions);
		break;
	case FC_ERROR:
		tlv_put_u8(w, T_NOTICE, NOTICE_FILE_CRC);
		tlv_put_u16(w, T_DETAIL, D_FILE_CRC);
		break;
	default: break;
	}
}

static int src_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	(void)ctx;
	if (off > FSIZE || len > FSIZE - off)
		abort(); /* the host reads only its file */
	memcpy(buf, file + off, len);
	return 0;
}

/* The sink compares and counts every byte. */
static struct {
	uint64_t size, bytes, ndiff;
	uint8_t seen[FSIZE];
	int twice, begun;
} cmp;

static int sink_begin(void *ctx, uint64_t n)
{
	(void)ctx;
	if (n > FSIZE)
		return -EFBIG; /* the host checked the size against its file first */
	memset(&cmp, 0, sizeof(cmp));
	cmp.size = n;
	cmp.begun = 1;
	return 0;
}

static int sink_write(void *ctx, uint64_t off, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	(void)ctx;
	if (!cmp.begun || off > cmp.size || len > cmp.size - off)
		abort(); /* the host writes only within what it announced */
	for (size_t i = 0; i < len; i++) {
		if (cmp.seen[off + i]++)
			cmp.twice = 1;
		cmp.ndiff += p[i] != file[off + i];
	}
	cmp.bytes += len;
	return 0;
}

static int sink_finish(void *ctx, struct sess_verdict *v)
{
	(void)ctx;
	memset(v, 0, sizeof(*v));
	v->differs = cmp.ndiff || cmp.size != FSIZE;
	v->ndiff = cmp.ndiff;
	return 0;
}

static void check(const struct sess_host *h)
{
	struct sess_host_stats st;

	if (!sess_host_done(h) || sess_exit_code(sess_host_result(h)) != 0)
		return;
	sess_host_stats(h, &st);
	if (h->ovl.on) {
		/* proven as it came (§10): every region complete in its newest
		 * pass and identical, every byte compared */
		if (h->ovl.proven != h->ovl.g.regions || st.ovl_during + st.ovl_after < FSIZE)
			abort();
		for (uint32_t g = 0; g < h->ovl.g.regions; g++)
			if (h->ovl.ndiff[g])
				abort();
		return;
	}
	if (cmp.size != FSIZE || cmp.bytes != FSIZE || cmp.ndiff || cmp.twice ||
	    st.bytes_rb != FSIZE || sess_host_result(h)->notice || sess_host_result(h)->local)
		abort();
	for (size_t i = 0; i < FSIZE; i++)
		if (cmp.seen[i] != 1)
			abort();
}

static void drain(struct nic *n)
{
	const uint8_t *p;
	size_t l;

	while (nic_recv(n, &p, &l) == 1)
		;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sess_host h;
	static uint8_t buf[FRAME_BUF_MAX], payload[FRAME_MAX_DATA];
	struct sess_source src = {src_read, NULL};
	struct sess_sink sink = {sink_begin, sink_write, sink_finish, NULL};
	struct nic *hn, *pn;
	uint64_t now = 1000000, last;
	size_t off = 0;

	if (!file_crc) {
		for (size_t i = 0; i < FSIZE; i++)
			file[i] = (uint8_t)(i * 7 + (i >> 8));
		file_crc = frame_crc32(0, file, FSIZE);
		dict[7].canon = file_crc;
	}
	memset(&cmp, 0, sizeof(cmp));
	if (nic_loop_pair(&hn, &pn, mac_h, mac_b, 1500, 0) < 0)
		return 0;
	struct sess_host_config hc = {
		.nic = hn,
		.job = SESS_DOWNLOAD,
		.readback = 1,
		.type = FT_CONFIG,
		.size = FSIZE,
		.crc = file_crc,
		.src = &src,
		.sink = &sink,
		.session_id = SID,
		.window = 8,
		.timeout_us = TIMEOUT,
	};
	memcpy(hc.board, mac_b, 6);
	if (sess_host_init(&h, &hc) < 0)
		abort();
	sess_host_start(&h, now);

	while (size - off >= PICK_HDR) {
		const uint8_t *r = data + off;
		unsigned npick = r[4] & 0x0f, block = h.block ? h.block : BLK;
		uint32_t frames = (FSIZE + block - 1) / block;
		uint8_t code;
		struct tlv_writer w;
		struct frame f;
		int n;

		if (size - off - PICK_HDR < 3u * npick)
			npick = (unsigned)((size - off - PICK_HDR) / 3);
		off += PICK_HDR + 3u * npick;
		now += (uint64_t)r[3] * 20000;
		code = r[1] < NCODES ? codes[r[1]] : r[1];
		memset(&f, 0, sizeof(f));
		f.version = FRAME_VERSION;
		f.code = code;
		f.seq = pick_seq(r[2], frames);
		memcpy(f.src, (r[0] & 3) == 3 ? mac_x : mac_b, 6);
		memcpy(f.dst, mac_h, 6);
		f.session = (r[0] & 4) ? 0x55555555u ^ r[2] : SID;
		if (code == FC_OVL_DATA && block > OVL_HDR) {
			/* a chunk of the file (§10), its pass 1 or 2 */
			uint64_t q = f.seq ? f.seq - 1 : 0, o = q * (block - OVL_HDR);
			size_t l = o >= FSIZE ? 0
				   : FSIZE - o < block - OVL_HDR ? FSIZE - o
								  : block - OVL_HDR;

			put_be32(payload, 1u + (r[0] >> 5 & 1));
			if (l)
				memcpy(payload + OVL_HDR, file + o, l);
			if ((r[0] & 8) && l)
				payload[OVL_HDR + l / 2] ^= 0x10;
			f.data = payload;
			f.len = (uint16_t)(OVL_HDR + l);
		} else if (code == FC_READBACK_DATA) {
			uint64_t o =
				f.seq >= 1 && f.seq <= frames ? (uint64_t)(f.seq - 1) * block : 0;
			size_t l = FSIZE - o < block ? FSIZE - o : block;

			memcpy(payload, file + o, l);
			if (r[0] & 8)
				payload[l / 2] ^= 0x10;
			if ((r[0] & 0x10) && l)
				l--;
			f.data = payload;
			f.len = (uint16_t)l;
		} else {
			tlv_writer_init(&w, payload, sizeof(payload));
			pick_all(&w, dict, NDICT, r + PICK_HDR, npick);
			if (r[4] & 0x80)
				canonical(&w, code, block, r[4] & 0x40);
			f.data = payload;
			f.len = (uint16_t)w.len;
		}
		n = frame_encode(buf, sizeof(buf), &f, FRAME_ETHERTYPE_DEFAULT);
		if (n > 0)
			sess_host_input(&h, buf, (size_t)n, now);
		sess_host_poll(&h, now);
		drain(pn);
		check(&h);
	}
	/* the board falls silent: the host ends by its timers */
	last = now;
	for (int i = 0; i < 100000 && !sess_host_done(&h); i++) {
		uint64_t d = sess_host_next_deadline(&h);

		now = d > now ? d : now + 1000;
		sess_host_poll(&h, now);
		drain(pn);
	}
	if (!sess_host_done(&h) || now > last + 2 * (uint64_t)TIMEOUT)
		abort();
	check(&h);
	if (getenv("FUZZ_VERBOSE"))
		fprintf(stderr, "host: exit %d, %s\n", sess_exit_code(sess_host_result(&h)),
			sess_host_result(&h)->text);
	sess_host_dispose(&h);
	nic_close(hn);
	nic_close(pn);
	return 0;
}
