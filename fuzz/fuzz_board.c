/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the board machine alone, driven by a sequence of fuzzed
 * frames (fuzz_pick.h), over mem_devstore holding an old active config
 * image. The invariant is checked after every record: what the board runs
 * (the active image of every type) is either the old image, byte for byte,
 * or a complete new one whose bytes have the size and CRC its record says
 * and that some FILE_INFO or GROUP_JOIN of this input announced; never a
 * partial one. Every image any role names has the bytes its record says.
 * A power cut and a restart are records too: after the restart the same
 * holds of what was durable. Anything else aborts (or ASan, UBSan, LSan).
 *
 * The first byte of the input sets the board up: bit 0 strict (the 15 codes
 * only), bit 1 no group downloads, bit 2 a window of 2 frames. Records follow.
 *
 * sel: bits 0-1 source (0, 1 the host; 2, 3 strangers), bit 2 another
 * session id, bits 3-4 destination (0, 1 the board; 2 the discovery
 * address; 3 the group address), bit 5 damage the data (one byte flipped,
 * or one byte short).
 * code: index into codes[]; POWER_CUT (the seq-th next store call and all
 * after it fail) and RESTART (the board restarts over what was durable)
 * are two more; past them the byte itself is the code.
 * FILE_DATA and GROUP_DATA carry the bytes of a fixed 3000-byte file at
 * (seq - 1) x 500 (the canonical block).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board.h"
#include "frame.h"
#include "fuzz_pick.h"
#include "mem_devstore.h"
#include "nic.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FSIZE  3000u
#define BLK    500u
#define FRAMES ((FSIZE + BLK - 1) / BLK)
#define OLD    1200u
#define SID    0x11223344u

static uint8_t file[FSIZE], old[OLD];
static uint32_t file_crc, part_crc, old_crc;
static const uint8_t mac_h[6] = {2, 0, 0, 0, 0, 1}, mac_b[6] = {2, 0, 0, 0, 0, 2};
static const uint8_t mac_x[6] = {2, 0, 0, 0, 0, 3}, mac_y[6] = {2, 0x66, 0, 0, 0, 4};
static const uint8_t disc_mac[6] = FRAME_DISCOVER_MAC, group_mac[6] = {3, 0, 0, 0, 0x10, 1};
static const uint8_t bitmap[4] = {0xff, 0x0f, 0, 0x80};
/* T_OVL_WANT: region 0, pass 1, every chunk */
static const uint8_t ovl_want[16] = {0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0x7f};

static const uint8_t codes[] = {
	FC_CONNECT,	FC_DOWNLOAD,   FC_FILE_INFO,	FC_FILE_DATA,	 FC_READBACK,
	FC_DISCONNECT,	FC_ERROR,      FC_STATUS_QUERY, FC_HOST_STATUS,	 FC_INFO,
	FC_ACTIVATE,	FC_ROLLBACK,   FC_ACT_QUERY,	FC_LOG_QUERY,	 FC_DISCOVER,
	FC_GROUP_JOIN,	FC_GROUP_DATA, FC_GROUP_PARITY, FC_GROUP_QUERY,	 FC_GROUP_VERIFY,
	FC_GROUP_LEAVE, FC_AUTH,       FC_CONNECT_ACK,	FC_BOARD_STATUS, FC_READBACK_DATA,
};
/* (OVL_WANT, §10, is reached by its own byte, 0x2F) */
#define NCODES	  (sizeof(codes))
#define POWER_CUT NCODES
#define RESTART	  (NCODES + 1)

static const struct pick_tlv dict[] = {
	{T_CAPS, 4, CAP_WINDOW | CAP_RESUME | CAP_DEVICE | CAP_GROUP, NULL},
	{T_CAPS, 4, 0, NULL},
	{T_WINDOW, 2, 8, NULL},
	{T_BLOCK, 2, BLK, NULL},
	{T_TYPE, 1, FT_CONFIG, NULL},
	{T_TYPE, 1, FT_ALGORITHM, NULL},
	{T_SIZE, 8, FSIZE, NULL},
	{T_SIZE, 8, 2500, NULL}, /* with part_crc: the first 2500 bytes */
	{T_SIZE, 8, 0, NULL},	 /* with T_CRC 0: an empty file */
	{T_FRAMES, 4, FRAMES, NULL},
	{T_FRAMES, 4, 5, NULL},
	{T_FRAMES, 4, 0, NULL},
	{T_CRC, 4, 0, NULL}, /* file_crc (set at start) */
	{T_CRC, 4, 0, NULL}, /* part_crc */
	{T_CRC, 4, 0, NULL},
	{T_NAME, 1, 'f', NULL},
	{T_CUM, 4, FRAMES, NULL},
	{T_HIGH, 4, FRAMES, NULL},
	{T_HAVE, 4, FRAMES, NULL},
	{T_BASE, 4, 1, NULL},
	{T_BITMAP, sizeof(bitmap), 0, bitmap},
	{T_RESUME, 4, 0, NULL},
	{T_ACT_MODE, 1, 1, NULL},
	{T_ACT_MODE, 1, 2, NULL},
	{T_ACT_AT, 8, 1700000000000000ull, NULL},
	{T_HOST_TIME, 8, 1700000000000000ull, NULL},
	{T_ROLE, 1, 1, NULL},
	{T_ROLE, 1, 2, NULL},
	{T_SINCE, 8, 1, NULL},
	{T_MAX, 2, 5, NULL},
	{T_GROUP_MAC, 6, 0, group_mac},
	{T_GROUP_MAC, 6, 0, disc_mac},
	{T_GEN, 2, 4, NULL},
	{T_IDLE_MS, 4, 2000, NULL},
	{T_DELAY_MS, 4, 10, NULL},
	{T_WANT, 1, 2, NULL},
	{T_FIRST, 4, 1, NULL},
	{T_NOTICE, 1, NOTICE_WRONG_COMMAND, NULL},
	{T_DETAIL, 2, D_UNEXPECTED_CODE, NULL},
	{T_PKG_HDR, 4, 0x45504b47, NULL},
	/* the read-back as it comes (§10) */
	{T_CAPS, 4, CAP_WINDOW | CAP_RESUME | CAP_DEVICE | CAP_OVERLAP, NULL},
	{T_OVL_WANT, 16, 0, ovl_want},
};
#define NDICT (sizeof(dict) / sizeof(dict[0]))
static struct pick_tlv live_dict[NDICT];

static void canonical(struct tlv_writer *w, uint8_t code)
{
	switch (code) {
	case FC_CONNECT:
		tlv_put_u32(w, T_CAPS,
			    CAP_WINDOW | CAP_RESUME | CAP_DEVICE | CAP_GROUP | CAP_OVERLAP);
		tlv_put_u16(w, T_BLOCK, 1479);
		tlv_put_u16(w, T_WINDOW, 8);
		break;
	case FC_DOWNLOAD:
	case FC_READBACK:
	case FC_ROLLBACK:
	case FC_ACT_QUERY: tlv_put_u8(w, T_TYPE, FT_CONFIG); break;
	case FC_ACTIVATE:
		tlv_put_u8(w, T_TYPE, FT_CONFIG);
		tlv_put_u8(w, T_ACT_MODE, 1);
		break;
	case FC_GROUP_JOIN:
		tlv_put(w, T_GROUP_MAC, group_mac, 6);
		tlv_put_u16(w, T_GEN, 4);
		tlv_put_u32(w, T_IDLE_MS, 2000);
		/* fall through */
	case FC_FILE_INFO:
		tlv_put_u8(w, T_TYPE, FT_CONFIG);
		tlv_put_u64(w, T_SIZE, FSIZE);
		tlv_put_u32(w, T_FRAMES, FRAMES);
		tlv_put_u32(w, T_CRC, file_crc);
		tlv_put_u16(w, T_BLOCK, BLK);
		tlv_put_str(w, T_NAME, "f");
		break;
	case FC_OVL_WANT: tlv_put(w, T_OVL_WANT, ovl_want, sizeof(ovl_want)); break;
	case FC_HOST_STATUS:
		tlv_put_u32(w, T_CUM, FRAMES);
		tlv_put_u32(w, T_HIGH, FRAMES);
		tlv_put_u32(w, T_HAVE, FRAMES);
		break;
	case FC_GROUP_QUERY:
		tlv_put_u8(w, T_WANT, 1);
		tlv_put_u32(w, T_FIRST, 0);
		break;
	case FC_LOG_QUERY:
		tlv_put_u64(w, T_SINCE, 1);
		tlv_put_u16(w, T_MAX, 5);
		break;
	case FC_DISCOVER: tlv_put_u32(w, T_DELAY_MS, 10); break;
	case FC_ERROR:
		tlv_put_u8(w, T_NOTICE, NOTICE_WRONG_COMMAND);
		tlv_put_u16(w, T_DETAIL, D_UNEXPECTED_CODE);
		break;
	default: break;
	}
}

/* (size, CRC) pairs some FILE_INFO or GROUP_JOIN of this input announced */
#define MAX_ANN 256
static struct {
	uint64_t size;
	uint32_t crc;
} ann[MAX_ANN];
static unsigned nann;

static void announce(const struct frame *f)
{
	uint64_t s, c;

	if ((f->code != FC_FILE_INFO && f->code != FC_GROUP_JOIN) ||
	    !tlv_get_uint(f->data, f->len, T_SIZE, &s) || !tlv_get_uint(f->data, f->len, T_CRC, &c))
		return;
	for (unsigned i = 0; i < nann; i++)
		if (ann[i].size == s && ann[i].crc == (uint32_t)c)
			return;
	if (nann < MAX_ANN) {
		ann[nann].size = s;
		ann[nann].crc = (uint32_t)c;
		nann++;
	} else {
		abort(); /* the harness would lose track: records are few */
	}
}

static int announced(uint64_t s, uint32_t c)
{
	for (unsigned i = 0; i < nann; i++)
		if (ann[i].size == s && ann[i].crc == c)
			return 1;
	return 0;
}

static uint32_t old_id;

/* The invariant (see the top). */
static void check(const struct sess_board *b, const struct devstore *st)
{
	const struct board_device *d = sess_board_device(b);

	for (int t = 1; t < FT_COUNT; t++) {
		const struct dev_image *im = dev_image(d, t, DEV_ACTIVE);
		const uint8_t *bytes;
		uint64_t n;
		int type;

		if (t == FT_CONFIG && !im)
			abort(); /* what the board ran is gone */
		for (int r = 0; r < DEV_ROLES; r++) {
			const struct dev_image *ri = dev_image(d, t, (enum dev_role)r);

			if (!ri)
				continue;
			bytes = mem_devstore_image(st, ri->id, &n, &type);
			if (!bytes || n != ri->size || frame_crc32(0, bytes, n) != ri->crc)
				abort();
		}
		if (!im)
			continue;
		bytes = mem_devstore_image(st, im->id, &n, &type);
		if (im->id == old_id) {
			if (t != FT_CONFIG || n != OLD || memcmp(bytes, old, OLD) != 0)
				abort();
		} else if (!announced(im->size, im->crc)) {
			abort(); /* a new image nobody announced */
		}
	}
}

static void drain(struct nic *n)
{
	const uint8_t *p;
	size_t l;

	while (nic_recv(n, &p, &l) == 1)
		;
}

static uint8_t setup; /* the input's first byte */

static int board_up(struct sess_board *b, struct nic *bn, const struct devstore *st)
{
	struct sess_board_config bc = {.nic = bn,
				       .store = st,
				       .window = 8,
				       .vendor = "acme",
				       .model = "m",
				       .serial = "1",
				       .max_file = 1u << 20,
				       .strict = setup & 1,
				       .no_group = (setup >> 1) & 1,
				       .seed = 7};

	if (setup & 4)
		bc.window = 2;

	return sess_board_init(b, &bc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sess_board b;
	static uint8_t buf[FRAME_BUF_MAX], payload[FRAME_MAX_DATA];
	struct devstore store;
	struct board_device *dev;
	struct nic *bn, *pn;
	uint64_t now = 1000000;
	size_t off = 0;
	uint32_t got;
	int up = 0;

	if (!file_crc) {
		for (size_t i = 0; i < FSIZE; i++)
			file[i] = (uint8_t)(i * 7 + (i >> 8));
		for (size_t i = 0; i < OLD; i++)
			old[i] = (uint8_t)(i * 13 + 5);
		file_crc = frame_crc32(0, file, FSIZE);
		part_crc = frame_crc32(0, file, 2500);
		old_crc = frame_crc32(0, old, OLD);
		memcpy(live_dict, dict, sizeof(dict));
		live_dict[12].canon = file_crc;
		live_dict[13].canon = part_crc;
	}
	nann = 0;
	if (size < 1)
		return 0;
	setup = data[0];
	off = 1;
	if (mem_devstore_open(&store) < 0)
		return 0;
	mem_devstore_set_capacity(&store, 64u << 10);
	/* the old image, active */
	dev = calloc(1, sizeof(*dev));
	if (!dev || dev_open(dev, &store, &(struct dev_identity){"acme", "m", "1", 0, NULL}) < 0 ||
	    dev_download_begin(dev, FT_CONFIG, OLD, old_crc, OLD, NULL, 0) < 0 ||
	    dev_download_write(dev, 0, old, OLD) < 0 || dev_download_commit(dev, mac_h, &got) < 0)
		abort();
	old_id = dev_image(dev, FT_CONFIG, DEV_ACTIVE)->id;
	dev_close(dev);
	free(dev);
	if (nic_loop_pair(&bn, &pn, mac_b, mac_h, 1500, 0) < 0) {
		mem_devstore_close(&store);
		return 0;
	}
	if (board_up(&b, bn, &store) < 0)
		abort();
	up = 1;
	sess_board_poll(&b, now);

	while (size - off >= PICK_HDR) {
		const uint8_t *r = data + off;
		unsigned npick = r[4] & 0x0f;
		int src = r[0] & 3, dst = (r[0] >> 3) & 3;
		uint8_t code;
		struct tlv_writer w;
		struct frame f;
		int n;

		if (size - off - PICK_HDR < 3u * npick)
			npick = (unsigned)((size - off - PICK_HDR) / 3);
		off += PICK_HDR + 3u * npick;
		now += (uint64_t)r[3] * 20000;
		if (r[1] == POWER_CUT) {
			mem_devstore_crash_at(&store, (unsigned)r[2] + 1);
			continue;
		}
		if (r[1] == RESTART) {
			if (up)
				sess_board_dispose(&b);
			up = 0;
			mem_devstore_reboot(&store);
			drain(pn);
			if (board_up(&b, bn, &store) < 0)
				abort(); /* the board must come up over what was durable */
			up = 1;
			sess_board_poll(&b, now);
			check(&b, &store);
			continue;
		}
		code = r[1] < NCODES ? codes[r[1]] : r[1];
		memset(&f, 0, sizeof(f));
		f.version = FRAME_VERSION;
		f.code = code;
		f.seq = pick_seq(r[2], FRAMES);
		memcpy(f.src, src < 2 ? mac_h : src == 2 ? mac_x : mac_y, 6);
		memcpy(f.dst, dst < 2 ? mac_b : dst == 2 ? disc_mac : group_mac, 6);
		f.session = (r[0] & 4) ? 0x55555555u ^ r[2] : (b.state == B_IDLE ? SID : b.session);
		if (code == FC_FILE_DATA || code == FC_GROUP_DATA) {
			uint64_t o =
				f.seq >= 1 && f.seq <= FRAMES ? (uint64_t)(f.seq - 1) * BLK : 0;
			size_t l = FSIZE - o < BLK ? FSIZE - o : BLK;

			memcpy(payload, file + o, l);
			if ((r[0] & 0x20) && npick)
				payload[0] ^= 1;
			else if (r[0] & 0x20)
				l--;
			f.data = payload;
			f.len = (uint16_t)l;
		} else {
			tlv_writer_init(&w, payload, sizeof(payload));
			pick_all(&w, live_dict, NDICT, r + PICK_HDR, npick);
			if (r[4] & 0x80)
				canonical(&w, code);
			f.data = payload;
			f.len = (uint16_t)w.len;
		}
		n = frame_encode(buf, sizeof(buf), &f, FRAME_ETHERTYPE_DEFAULT);
		if (n <= 0)
			continue;
		announce(&f);
		sess_board_input(&b, buf, (size_t)n, now);
		sess_board_poll(&b, now);
		drain(pn);
		if (!mem_devstore_crashed(&store))
			check(&b, &store);
	}
	if (getenv("FUZZ_VERBOSE")) {
		const struct dev_image *im =
			dev_image(sess_board_device(&b), FT_CONFIG, DEV_ACTIVE);

		fprintf(stderr, "board: state %d, config active %s (%llu bytes), ok %llu\n",
			(int)b.state, im && im->id == old_id ? "old" : "new",
			im ? (unsigned long long)im->size : 0ull,
			(unsigned long long)sess_board_device(&b)->downloads_ok);
	}
	/* the timers run out with nobody talking */
	for (int i = 0; i < 8; i++) {
		now += 2000000;
		sess_board_poll(&b, now);
		drain(pn);
	}
	if (!mem_devstore_crashed(&store))
		check(&b, &store);
	sess_board_dispose(&b);
	/* what survives a restart */
	mem_devstore_reboot(&store);
	if (board_up(&b, bn, &store) < 0)
		abort();
	check(&b, &store);
	sess_board_dispose(&b);
	nic_close(bn);
	nic_close(pn);
	mem_devstore_close(&store);
	return 0;
}
