/* SPDX-License-Identifier: MIT */
/*
 * The board's side of the group extension (PROTOCOL.md §8, CAP_GROUP):
 * discovery answered after a random delay, and one file received from a
 * multicast group, repaired by Reed-Solomon parity (group/fec.h).
 *
 * The group download is a session of board.c (state B_GROUP, the group
 * session id, the host that sent GROUP_JOIN); this file runs what is
 * particular to it. Blocks go straight to the store as they come; a
 * generation that is short of source blocks keeps its parity frames in
 * memory (at most BOARD_PARITY_MAX bytes in all) until it holds k_g
 * distinct symbols, then the held source blocks are read back from the
 * store, the missing ones decoded and written, and the parity freed.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "board_int.h"
#include "common.h"
#include "fec.h"

#define glog(b, ...) sess_logf((b)->cfg.log, (b)->cfg.log_ctx, __VA_ARGS__)

#define NEEDS_PER_TLV 42u	/* 6-byte T_NEEDS entries in one TLV */
#define BITMAP_BITS   2040u	/* blocks in one T_BITMAP (255 bytes) */
#define STATUS_MAX    1479u	/* TLV bytes of a GROUP_STATUS: one frame at MTU 1500 */

static const uint8_t disc_mac[6] = FRAME_DISCOVER_MAC;
static const uint8_t bcast_mac[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

/* ---- the board's PRNG: splitmix64 (no libc rand on a board) ---- */

static uint64_t rng_next(struct board_group *g)
{
	uint64_t z = (g->rng += 0x9E3779B97F4A7C15ull);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

void board_group_init(struct sess_board *b)
{
	b->grp.rng = b->cfg.seed ? b->cfg.seed : 0x6574686c2d726e67ull;
}

/* ---- discovery ---- */

static int disc_match(const struct board_disc *d, const struct frame *f)
{
	return d->used && d->probe == f->session && d->seq == f->seq &&
	       memcmp(d->host, f->src, 6) == 0;
}

/* 1 when the string TLV type is absent or equal to s. */
static int str_matches(const struct frame *f, uint8_t type, const char *s)
{
	size_t l;
	const uint8_t *v = tlv_find(f->data, f->len, type, 0, &l);

	return !v || (l == strlen(s) && memcmp(v, s, l) == 0);
}

static void on_discover(struct sess_board *b, const struct frame *f, uint64_t now)
{
	struct board_group *g = &b->grp;
	struct board_disc *slot = NULL;
	const uint8_t *heard;
	uint64_t delay_ms = 0;
	size_t l;

	if (b->cfg.strict || b->cfg.no_group)
		return;
	if (memcmp(f->dst, disc_mac, 6) != 0 && memcmp(f->dst, bcast_mac, 6) != 0)
		return;
	if (!str_matches(f, T_VENDOR, b->cfg.vendor) || !str_matches(f, T_MODEL, b->cfg.model))
		return;
	for (unsigned i = 0; (heard = tlv_find(f->data, f->len, T_HEARD, i, &l)); i++)
		for (size_t j = 0; j + 6 <= l; j += 6)
			if (memcmp(heard + j, b->cfg.nic->mac, 6) == 0)
				return; /* the host has heard this board */
	/* one answer per repeat of a probe, however many copies come */
	for (unsigned i = 0; i < BOARD_DISC_PENDING; i++)
		if (disc_match(&g->pending[i], f))
			return;
	for (unsigned i = 0; i < BOARD_DISC_ANSWERED; i++)
		if (disc_match(&g->answered[i], f))
			return;
	for (unsigned i = 0; i < BOARD_DISC_PENDING && !slot; i++)
		if (!g->pending[i].used)
			slot = &g->pending[i];
	if (!slot) {
		g->disc_dropped++;
		if (!g->disc_drop_logged || now - g->disc_drop_logged >= 1000000) {
			glog(b,
			     "discovery: too many probes at once, %llu not answered (the last "
			     "%08x/%u)",
			     (unsigned long long)g->disc_dropped, f->session, f->seq);
			g->disc_dropped = 0;
			g->disc_drop_logged = now ? now : 1;
		}
		return;
	}
	tlv_get_uint(f->data, f->len, T_DELAY_MS, &delay_ms);
	slot->used = 1;
	slot->probe = f->session;
	slot->seq = f->seq;
	memcpy(slot->host, f->src, 6);
	slot->due = now + (delay_ms ? rng_next(g) % (delay_ms * 1000u) : 0);
}

static void discovery_poll(struct sess_board *b, uint64_t now)
{
	struct board_group *g = &b->grp;

	for (unsigned i = 0; i < BOARD_DISC_PENDING; i++) {
		struct board_disc *p = &g->pending[i];
		uint8_t d[1400];
		size_t n;

		if (!p->used || p->due > now)
			continue;
		/* an authenticating board shows a stranger only who it is */
		n = b->cfg.auth ? board_identity_only(b, d, sizeof(d))
				: board_identity(b, d, sizeof(d));
		sess_send(b->cfg.nic, b->cfg.ethertype, b->tx, sizeof(b->tx), p->host, p->probe,
			  p->seq, FC_DISCOVER_ACK, 0, d, n);
		g->answered[g->answered_next] = *p;
		g->answered_next = (g->answered_next + 1) % BOARD_DISC_ANSWERED;
		p->used = 0;
	}
}

/* ---- the group download ---- */

static unsigned gen_k(const struct board_group *g, uint32_t gen)
{
	return gen + 1 < g->ngens ? g->k : g->frames - gen * g->k;
}

static int held(const struct board_group *g, uint32_t s) /* block s from 0 */
{
	return (g->map[s >> 3] >> (s & 7)) & 1;
}

/* Bytes of block s (from 0): block, but for the last. */
static size_t block_len(const struct sess_board *b, uint32_t s)
{
	uint64_t off = (uint64_t)s * b->grp.block, size = b->dev.dl_size;

	return size - off < b->grp.block ? (size_t)(size - off) : b->grp.block;
}

static void free_parity(struct board_group *g, int all, uint32_t gen)
{
	struct board_parity **pp = &g->parity;

	while (*pp) {
		struct board_parity *p = *pp;

		if (all || p->gen == gen) {
			*pp = p->next;
			g->parity_bytes -= sizeof(*p) + g->block;
			free(p);
		} else {
			pp = &p->next;
		}
	}
}

void board_group_end(struct sess_board *b)
{
	struct board_group *g = &b->grp;

	if (g->joined && nic_leave(b->cfg.nic, g->mac) < 0)
		glog(b, "leaving the group address failed");
	if (g->parity_dropped)
		glog(b, "group: %llu parity frames dropped (more than %u bytes waiting)",
		     (unsigned long long)g->parity_dropped, BOARD_PARITY_MAX);
	free_parity(g, 1, 0);
	free(g->map);
	free(g->held);
	/* the session's part goes; the PRNG and discovery stay */
	memset(g->mac, 0, sizeof(*g) - offsetof(struct board_group, mac));
}

static void busy(struct sess_board *b, const struct frame *f, const char *why)
{
	uint8_t e[128];
	size_t l = sess_error_tlv(e, sizeof(e), NOTICE_NONE, D_BUSY, 0, 0, why);

	sess_send(b->cfg.nic, b->cfg.ethertype, b->tx, sizeof(b->tx), f->src, f->session, 0,
		  FC_ERROR, 0, e, l);
}

static int group_mac_ok(const uint8_t *m)
{
	return (m[0] & 0x03) == 0x03 && memcmp(m, disc_mac, 6) != 0;
}

static void on_join(struct sess_board *b, const struct frame *f, uint64_t now)
{
	struct board_group *g = &b->grp;
	struct pkg_header hdr;
	uint64_t type, size, frames, crc, block, k, idle_ms = BOARD_IDLE_MS;
	unsigned gmax = sess_block_for_mtu(b->cfg.nic->mtu) - 6;
	const uint8_t *gmac;
	uint8_t d[16];
	struct tlv_writer w;
	size_t l;
	int r;

	if (b->state != B_IDLE) {
		if (memcmp(f->src, b->host, 6) != 0) {
			busy(b, f, "in a session with another host");
			return;
		}
		if (f->session == b->session) {
			const struct board_reply *rp = board_find_reply(b, f);

			if (rp)
				nic_send(b->cfg.nic, rp->buf, rp->len);
			else if (b->state != B_GROUP)
				busy(b, f, "in a unicast session with this host");
			return;
		}
		/* The same host starts over: the new group takes over. */
		board_send_error(b, b->host, b->session, NOTICE_NONE, D_SUPERSEDED, b->session,
				 f->session, "a newer session from this host took over");
		board_end_session(b, "superseded by a newer session from the host", 1);
	} else if (f->session == b->ended_session && memcmp(f->src, b->ended_host, 6) == 0) {
		/* a late copy of the JOIN of a group that is over */
		if (f->session == b->err_session && b->err_len)
			nic_send(b->cfg.nic, b->err, b->err_len);
		return;
	}
	b->session = f->session;
	memcpy(b->host, f->src, 6);
	memset(b->replies, 0, sizeof(b->replies));
	memset(b->dl_role, 0, sizeof(b->dl_role));
	b->windowed = 1; /* a damaged frame is a loss that repair fetches again */
	b->resumable = 0;
	b->type = 0;

	gmac = tlv_find(f->data, f->len, T_GROUP_MAC, 0, &l);
	if (!gmac || l != 6 || !tlv_get_uint(f->data, f->len, T_TYPE, &type) ||
	    !tlv_get_uint(f->data, f->len, T_SIZE, &size) ||
	    !tlv_get_uint(f->data, f->len, T_FRAMES, &frames) ||
	    !tlv_get_uint(f->data, f->len, T_CRC, &crc) ||
	    !tlv_get_uint(f->data, f->len, T_BLOCK, &block) ||
	    !tlv_get_uint(f->data, f->len, T_GEN, &k) || type < 1 || type >= FT_COUNT) {
		board_refuse(b, NOTICE_WRONG_COMMAND, D_BAD_FIELD, 0, 0,
			     "GROUP_JOIN needs group address, type, size, frames, CRC, block and K");
		return;
	}
	b->type = (int)type;
	tlv_get_uint(f->data, f->len, T_IDLE_MS, &idle_ms);
	if (size > b->cfg.max_file) {
		board_refuse(b, NOTICE_NONE, D_TOO_BIG, (uint32_t)b->cfg.max_file, (uint32_t)size,
			     "%llu bytes is more than the board takes (%llu)",
			     (unsigned long long)size, (unsigned long long)b->cfg.max_file);
		return;
	}
	if (b->cfg.max_block && b->cfg.max_block < gmax)
		gmax = b->cfg.max_block;
	if (block == 0 || block > gmax || frames != (size + block - 1) / block ||
	    frames > SESS_MAX_FRAMES || k < 1 || k > FEC_MAX_K || !group_mac_ok(gmac)) {
		board_refuse(b, NOTICE_WRONG_COMMAND, D_BAD_FIELD,
			     (uint32_t)((size + block - 1) / (block ? block : 1)), (uint32_t)frames,
			     "GROUP_JOIN inconsistent: %llu bytes, %llu frames of %llu (at most %u), "
			     "K %llu, group %02x:%02x:%02x:%02x:%02x:%02x",
			     (unsigned long long)size, (unsigned long long)frames,
			     (unsigned long long)block, gmax, (unsigned long long)k, gmac[0], gmac[1],
			     gmac[2], gmac[3], gmac[4], gmac[5]);
		return;
	}
	r = board_package_header(b, f, &hdr);
	if (r < 0)
		return;
	if (r > 0 && size < hdr.hdr_len) {
		board_refuse(b, NOTICE_FILE_CRC, D_PKG, hdr.hdr_len, (uint32_t)size,
			     "a %llu-byte file cannot hold its %u-byte package header",
			     (unsigned long long)size, hdr.hdr_len);
		return;
	}
	r = dev_download_begin(&b->dev, b->type, size, (uint32_t)crc, (unsigned)block,
			       r > 0 ? &hdr : NULL, 0);
	if (r < 0) {
		board_refuse(b, NOTICE_NONE, D_STORAGE, 0, (uint32_t)-r,
			     "cannot store %llu bytes: %s", (unsigned long long)size, strerror(-r));
		return;
	}
	if (b->dev.dl_package && b->pkg_hdr_len)
		dev_download_header(&b->dev, b->pkg_hdr, b->pkg_hdr_len);
	/* from here on the session is the group's: ending it drops the download */
	b->state = B_GROUP;
	b->last_progress = now;
	b->dev.sessions++;
	memcpy(g->mac, gmac, 6);
	g->k = (unsigned)k;
	g->block = (unsigned)block;
	g->frames = (uint32_t)frames;
	g->ngens = (uint32_t)((frames + k - 1) / k);
	g->idle_us = (idle_ms ? idle_ms : BOARD_IDLE_MS) * 1000u;
	g->last_rx = now;
	dev_log(&b->dev, EV_DL_STARTED, b->type, 0, 0, b->host, NULL,
		b->dev.dl_package ? &b->dev.dl_hdr.version : NULL);
	g->map = calloc(frames / 8 + 1, 1);
	g->held = calloc(g->ngens + 1, 1);
	if (!g->map || !g->held) {
		board_refuse(b, NOTICE_NONE, D_STORAGE, 0, ENOMEM, "no memory for the block map");
		return;
	}
	r = nic_join(b->cfg.nic, g->mac);
	if (r < 0) {
		board_refuse(b, NOTICE_NONE, D_STORAGE, 0, (uint32_t)-r,
			     "cannot listen on the group address: %s", nic_strerror(r));
		return;
	}
	g->joined = 1;
	tlv_writer_init(&w, d, sizeof(d));
	tlv_put_u16(&w, T_GEN, (uint16_t)k);
	tlv_put_u16(&w, T_BLOCK, (uint16_t)block);
	board_reply(b, f, 0, FC_GROUP_JOIN_ACK, 0, d, w.len);
	glog(b, "group %08x from %02x:%02x:%02x:%02x:%02x:%02x: %s, %llu bytes in %llu blocks "
		"of %llu, K %llu",
	     b->session, b->host[0], b->host[1], b->host[2], b->host[3], b->host[4], b->host[5],
	     proto_type_name(b->type), (unsigned long long)size, (unsigned long long)frames,
	     (unsigned long long)block, (unsigned long long)k);
}

/* Generation gen holds k_g symbols: recover its missing source blocks (if
 * any) from the held ones and the parity, write them, free the parity. */
static int complete_gen(struct sess_board *b, uint32_t gen)
{
	struct board_group *g = &b->grp;
	unsigned kg = gen_k(g, gen), nsym = 0, nmiss = 0;
	uint32_t first = gen * g->k;
	uint8_t row[FEC_MAX_K], miss[FEC_MAX_K];
	const uint8_t *sym[FEC_MAX_K];
	uint8_t *out[FEC_MAX_K], *buf;
	int r = 0;

	for (unsigned j = 0; j < kg; j++)
		if (!held(g, first + j))
			nmiss++;
	if (!nmiss) {
		free_parity(g, 0, gen);
		return 0;
	}
	buf = malloc((size_t)kg * g->block);
	if (!buf)
		return -ENOMEM;
	nmiss = 0;
	for (unsigned j = 0; j < kg && r == 0; j++) {
		uint8_t *p = buf + (size_t)j * g->block;
		size_t len = block_len(b, first + j);

		if (!held(g, first + j)) {
			miss[nmiss] = (uint8_t)j;
			out[nmiss++] = p;
			continue;
		}
		memset(p + len, 0, g->block - len); /* the last block, padded */
		r = dev_download_read(&b->dev, (uint64_t)(first + j) * g->block, p, len);
		row[nsym] = (uint8_t)j;
		sym[nsym++] = p;
	}
	for (const struct board_parity *p = g->parity; p && nsym < kg; p = p->next)
		if (p->gen == gen) {
			row[nsym] = (uint8_t)(kg + p->index);
			sym[nsym++] = p->data;
		}
	if (r == 0)
		r = nsym == kg ? fec_decode(kg, g->block, row, sym, miss, nmiss, out) : -EINVAL;
	for (unsigned m = 0; m < nmiss && r == 0; m++) {
		uint32_t s = first + miss[m];

		r = dev_download_write(&b->dev, (uint64_t)s * g->block, out[m], block_len(b, s));
		if (r == 0) {
			g->map[s >> 3] |= (uint8_t)(1u << (s & 7));
			g->have++;
		}
	}
	free(buf);
	free_parity(g, 0, gen);
	if (r == 0)
		g->decoded++;
	return r;
}

/* One more symbol of gen; decode when it has k_g. 0, or -1 (refused). */
static int add_symbol(struct sess_board *b, uint32_t gen)
{
	struct board_group *g = &b->grp;
	int r;

	if (++g->held[gen] < gen_k(g, gen))
		return 0;
	r = complete_gen(b, gen);
	if (r < 0) {
		board_refuse(b, NOTICE_NONE, D_STORAGE, gen, (uint32_t)-r,
			     "recovering generation %u: %s", gen, strerror(-r));
		return -1;
	}
	return 0;
}

static void on_data(struct sess_board *b, const struct frame *f)
{
	struct board_group *g = &b->grp;
	uint32_t s = f->seq - 1;
	int r;

	if (g->done || f->seq < 1 || f->seq > g->frames || held(g, s))
		return; /* a repeat, or a block of a generation already recovered */
	if (f->len != block_len(b, s))
		return; /* not a block of this file: left alone, repair asks again */
	r = dev_download_write(&b->dev, (uint64_t)s * g->block, f->data, f->len);
	if (r < 0) {
		board_refuse(b, NOTICE_NONE, D_STORAGE, 0, (uint32_t)-r, "storing block %u: %s",
			     f->seq, strerror(-r));
		return;
	}
	g->map[s >> 3] |= (uint8_t)(1u << (s & 7));
	g->have++;
	add_symbol(b, s / g->k);
}

static void on_parity(struct sess_board *b, const struct frame *f)
{
	struct board_group *g = &b->grp;
	struct board_parity *p;
	uint32_t gen;
	unsigned idx, kg;
	size_t need = sizeof(*p) + g->block;

	if (g->done || f->len != 6u + g->block || f->data[5] != 0)
		return;
	gen = get_be32(f->data);
	idx = f->data[4];
	if (gen >= g->ngens)
		return;
	kg = gen_k(g, gen);
	if (idx >= fec_max_parity(kg) || g->held[gen] >= kg)
		return; /* out of range, or the generation is complete */
	for (p = g->parity; p; p = p->next)
		if (p->gen == gen && p->index == idx)
			return; /* a repeat */
	if (g->parity_bytes + need > BOARD_PARITY_MAX || !(p = malloc(need))) {
		if (!g->parity_dropped++)
			glog(b, "group: parity of generation %u dropped: %zu bytes of parity wait "
				"already (at most %u)",
			     gen, g->parity_bytes, BOARD_PARITY_MAX);
		return;
	}
	p->gen = gen;
	p->index = (uint8_t)idx;
	memcpy(p->data, f->data + 6, g->block);
	p->next = g->parity;
	g->parity = p;
	g->parity_bytes += need;
	add_symbol(b, gen);
}

static size_t status_cap(const struct sess_board *b)
{
	size_t m = sess_block_for_mtu(b->cfg.nic->mtu);

	return m < STATUS_MAX ? m : STATUS_MAX;
}

/* GROUP_STATUS, T_WANT 1: T_HAVE, T_NEEDS from generation first, T_GEN_NEXT. */
static void status_needs(struct sess_board *b, uint32_t seq, uint64_t first)
{
	struct board_group *g = &b->grp;
	uint8_t d[STATUS_MAX], e[NEEDS_PER_TLV * 6];
	size_t cap = status_cap(b), used, el = 0;
	struct tlv_writer w;
	uint32_t next = 0;

	tlv_writer_init(&w, d, cap);
	tlv_put_u32(&w, T_HAVE, g->have);
	used = w.len + 6; /* T_GEN_NEXT last */
	for (uint64_t gen = first; gen < g->ngens; gen++) {
		unsigned kg = gen_k(g, (uint32_t)gen);

		if (g->held[gen] >= kg)
			continue;
		if (el == sizeof(e)) {
			tlv_put(&w, T_NEEDS, e, el);
			used += 2 + el;
			el = 0;
		}
		if (used + 2 + el + 6 > cap) {
			next = (uint32_t)gen;
			break;
		}
		put_be32(e + el, (uint32_t)gen);
		put_be16(e + el + 4, (uint16_t)(kg - g->held[gen]));
		el += 6;
	}
	if (el)
		tlv_put(&w, T_NEEDS, e, el);
	tlv_put_u32(&w, T_GEN_NEXT, next);
	board_send(b, FC_GROUP_STATUS, seq, d, w.len);
}

/* GROUP_STATUS, T_WANT 2: T_HAVE, then T_BASE/T_BITMAP pairs of 2040 blocks
 * from block first on, as many as fit, and T_GEN_NEXT: the block to ask
 * from next, 0 when the bitmaps reached the last block. */
static void status_bitmap(struct sess_board *b, uint32_t seq, uint64_t first)
{
	struct board_group *g = &b->grp;
	uint8_t d[STATUS_MAX], bm[BITMAP_BITS / 8];
	size_t cap = status_cap(b);
	struct tlv_writer w;
	uint64_t base = first ? first : 1;

	tlv_writer_init(&w, d, cap);
	tlv_put_u32(&w, T_HAVE, g->have);
	for (; base <= g->frames; base += BITMAP_BITS) {
		uint64_t bits = g->frames - base + 1 < BITMAP_BITS ? g->frames - base + 1 : BITMAP_BITS;
		size_t nb = (size_t)(bits + 7) / 8;

		if (w.len + 6 + 2 + nb + 6 > cap)
			break;
		memset(bm, 0, nb);
		for (uint32_t i = 0; i < bits; i++)
			if (held(g, (uint32_t)(base - 1 + i)))
				bm[i >> 3] |= (uint8_t)(1u << (i & 7));
		tlv_put_u32(&w, T_BASE, (uint32_t)base);
		tlv_put(&w, T_BITMAP, bm, nb);
	}
	tlv_put_u32(&w, T_GEN_NEXT, base <= g->frames ? (uint32_t)base : 0);
	board_send(b, FC_GROUP_STATUS, seq, d, w.len);
}

static void on_query(struct sess_board *b, const struct frame *f)
{
	uint64_t want = 1, first = 0;

	tlv_get_uint(f->data, f->len, T_WANT, &want);
	tlv_get_uint(f->data, f->len, T_FIRST, &first);
	if (want == 2)
		status_bitmap(b, f->seq, first);
	else
		status_needs(b, f->seq, first);
}

static void on_verify(struct sess_board *b, const struct frame *f)
{
	struct board_group *g = &b->grp;
	uint8_t d[80], sha[32];
	struct tlv_writer w;
	uint64_t size = b->dev.dl_size;
	int package = b->dev.dl_package, r;
	uint32_t crc = 0;

	if (g->have < g->frames) {
		status_needs(b, f->seq, 0);
		return;
	}
	if (board_commit_download(b, &crc) < 0)
		return; /* refused: ERROR sent, session over */
	g->done = 1;
	free_parity(g, 1, 0);
	b->dl_role[b->type] = package ? 2 : 1;
	r = dev_file_sha256(&b->dev, b->type, package ? DEV_STAGED : DEV_ACTIVE, sha);
	if (r < 0) {
		board_refuse(b, NOTICE_NONE, D_STORAGE, 0, (uint32_t)-r,
			     "reading back the stored file: %s", strerror(-r));
		return;
	}
	tlv_writer_init(&w, d, sizeof(d));
	tlv_put_u8(&w, T_TYPE, (uint8_t)b->type);
	tlv_put_u64(&w, T_SIZE, size);
	tlv_put_u32(&w, T_CRC, crc);
	tlv_put(&w, T_SHA256, sha, sizeof(sha));
	board_reply(b, f, 1, FC_GROUP_DONE, 0, d, w.len);
	glog(b, "%s %s from the group: %llu bytes, CRC %08x, %llu generations recovered",
	     package ? "staged" : "stored", proto_type_name(b->type), (unsigned long long)size,
	     crc, (unsigned long long)g->decoded);
}

void board_group_dispatch(struct sess_board *b, const struct frame *f, uint64_t now)
{
	const struct board_reply *r;

	b->grp.last_rx = now;
	switch (f->code) {
	case FC_GROUP_DATA: on_data(b, f); return;
	case FC_GROUP_PARITY: on_parity(b, f); return;
	case FC_GROUP_QUERY: on_query(b, f); return;
	case FC_GROUP_LEAVE:
		board_send(b, FC_GROUP_LEAVE_ACK, 0, NULL, 0);
		board_end_session(b, "left the group", 0);
		return;
	case FC_INFO:
	case FC_ACT_QUERY:
	case FC_LOG_QUERY: board_device_command(b, f, now); return;
	default: break;
	}
	/* a command answered already gets its answer again */
	r = board_find_reply(b, f);
	if (r) {
		nic_send(b->cfg.nic, r->buf, r->len);
		return;
	}
	if (f->code == FC_GROUP_VERIFY) {
		on_verify(b, f);
		return;
	}
	if (b->grp.done && (f->code == FC_ACTIVATE || f->code == FC_ROLLBACK)) {
		board_device_command(b, f, now);
		return;
	}
	/* data, probes and reports of a unicast exchange are left alone */
	if (f->code == FC_FILE_DATA || f->code == FC_STATUS_QUERY || f->code == FC_HOST_STATUS)
		return;
	board_refuse(b, NOTICE_WRONG_COMMAND, D_UNEXPECTED_CODE, FC_GROUP_VERIFY, f->code,
		     "%s does not fit a group download%s", frame_code_name(f->code),
		     b->grp.done ? "" : " before GROUP_DONE");
}

/* A question of a group session the board is not in. */
static void not_in_group(struct sess_board *b, const struct frame *f)
{
	uint8_t e[128];
	size_t l;

	if (b->err_len && f->session == b->err_session && memcmp(f->src, b->err_host, 6) == 0) {
		nic_send(b->cfg.nic, b->err, b->err_len); /* the ERROR that ended it */
		return;
	}
	l = sess_error_tlv(e, sizeof(e), NOTICE_NONE, D_LEFT, 0, 0, "not in this group");
	sess_send(b->cfg.nic, b->cfg.ethertype, b->tx, sizeof(b->tx), f->src, f->session, 0,
		  FC_ERROR, 0, e, l);
}

int board_group_input(struct sess_board *b, const struct frame *f, uint64_t now)
{
	switch (f->code) {
	case FC_DISCOVER: on_discover(b, f, now); return 1;
	case FC_GROUP_JOIN:
	case FC_GROUP_DATA:
	case FC_GROUP_PARITY:
	case FC_GROUP_QUERY:
	case FC_GROUP_VERIFY:
	case FC_GROUP_LEAVE: break;
	default: return 0;
	}
	if (b->cfg.strict || b->cfg.no_group)
		return 1; /* no CAP_GROUP: none of this is for this board */
	if (b->cfg.auth) {
		/* no CAP_GROUP either: a group session is not authenticated (§9) */
		if (f->code == FC_GROUP_JOIN) {
			uint8_t e[128];
			size_t l = sess_error_tlv(e, sizeof(e), NOTICE_CONNECT_FAILED, D_AUTH, 0, 0,
						  "this board takes only authenticated sessions: "
						  "no group download");

			sess_send(b->cfg.nic, b->cfg.ethertype, b->tx, sizeof(b->tx), f->src,
				  f->session, 0, FC_ERROR, 0, e, l);
		}
		return 1;
	}
	if (f->code == FC_GROUP_JOIN) {
		on_join(b, f, now);
		return 1;
	}
	if (b->state == B_GROUP && f->session == b->session && memcmp(f->src, b->host, 6) == 0)
		return 0; /* the group session's own: board.c dispatches it */
	if (f->code == FC_GROUP_LEAVE)
		sess_send(b->cfg.nic, b->cfg.ethertype, b->tx, sizeof(b->tx), f->src, f->session, 0,
			  FC_GROUP_LEAVE_ACK, 0, NULL, 0);
	else if (f->code == FC_GROUP_QUERY || f->code == FC_GROUP_VERIFY)
		not_in_group(b, f);
	return 1; /* data and parity of a group the board is not in */
}

void board_group_poll(struct sess_board *b, uint64_t now)
{
	struct board_group *g = &b->grp;

	discovery_poll(b, now);
	if (b->state != B_GROUP || now - g->last_rx < g->idle_us)
		return;
	{
		uint8_t e[128];
		size_t l = sess_error_tlv(e, sizeof(e), NOTICE_TIMEOUT, D_SILENCE, 0, 0,
					  "nothing from the group session for its idle time");

		board_send(b, FC_ERROR, 0, e, l);
	}
	glog(b, "error TIMEOUT: nothing from group %08x for %.1f s", b->session,
	     (double)g->idle_us / 1e6);
	if (!g->done)
		dev_log(&b->dev, EV_FAILED, b->type, NOTICE_TIMEOUT, D_SILENCE, b->host, NULL, NULL);
	board_end_session(b, "TIMEOUT", 0);
}

uint64_t board_group_prefix(struct sess_board *b)
{
	struct board_group *g = &b->grp;

	if (b->state != B_GROUP || g->done || !g->map)
		return 0;
	while (g->prefix < g->frames && held(g, g->prefix))
		g->prefix++;
	return g->prefix == g->frames ? b->dev.dl_size : (uint64_t)g->prefix * g->block;
}

uint64_t board_group_deadline(const struct sess_board *b)
{
	const struct board_group *g = &b->grp;
	uint64_t d = SESS_NEVER;

	for (unsigned i = 0; i < BOARD_DISC_PENDING; i++)
		if (g->pending[i].used && g->pending[i].due < d)
			d = g->pending[i].due;
	if (b->state == B_GROUP && g->last_rx + g->idle_us < d)
		d = g->last_rx + g->idle_us;
	return d;
}
