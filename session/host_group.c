/* SPDX-License-Identifier: MIT */
/* The host's group download (PROTOCOL.md §8): join, data pass, status,
 * repair rounds, verify, activate, leave; one machine for every board. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "fec.h"
#include "host_group.h"
#include "plan.h"

static char *dupstr(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);

	if (d)
		memcpy(d, s, n);
	return d;
}

#define glog(g, ...) sess_logf((g)->cfg.log, (g)->cfg.log_ctx, __VA_ARGS__)

static const uint8_t discover_mac[6] = FRAME_DISCOVER_MAC;

/* Phases of the whole group, in order. */
enum {
	P_IDLE,
	P_JOIN,	  /* GROUP_JOIN to every board */
	P_DATA,	  /* every block once to the group */
	P_STATUS, /* GROUP_QUERY to every board that may still need something */
	P_REPAIR, /* the round's parity (or resent blocks) */
	P_FINISH, /* no more rounds: the boards' own exchanges end */
	P_END,
};

/* A board's state. The ones from B_JOIN on with a command have one out. */
enum {
	B_JOIN,	     /* GROUP_JOIN out */
	B_WAIT,	     /* joined, waiting for data, a query or the next round */
	B_QUERY,     /* GROUP_QUERY out */
	B_NEEDY,     /* its report is in and it needs more */
	B_VERIFY,    /* GROUP_VERIFY out */
	B_ACTIVATE,  /* ACTIVATE out */
	B_ACT_QUERY, /* the health check runs: ACT_QUERY every 100 ms */
	B_LEAVE,     /* GROUP_LEAVE out */
	B_END,
};

#define F_BY_BOARD    0x01u
#define F_ROLLED_BACK 0x02u
#define F_LOCAL	      0x04u
#define F_JOINED      0x08u
#define F_LAGGARD     0x10u

#define ACT_QUERY_US 100000u
#define CHUNK	     32u       /* parity frames encoded at once */
#define CATCH_UP_NS  20000000u /* pacing: lag made up at once (20 ms) */
#define GROUP_BATCH_US 1000u	 /* pacing: a wake-up sends this much time's frames */

/* One send of a repair round. */
enum { IT_PARITY, IT_DATA };
struct sess_group_item {
	uint8_t kind;
	uint8_t unicast; /* to board `board`, not to the group */
	uint16_t count;	 /* parity: frames, from index first */
	uint32_t board;
	uint32_t gen; /* parity: the generation; data: the block (sequence) */
	uint16_t first;
};

/* ---- set-up ---- */

unsigned sess_group_block_for_mtu(unsigned mtu)
{
	unsigned b = sess_block_for_mtu(mtu);

	return b > 6 ? b - 6 : 1;
}

size_t sess_group_state_per_board(uint64_t size, unsigned block, unsigned k)
{
	uint64_t n = block ? (size + block - 1) / block : 0;

	return sizeof(struct sess_group_board) + plan_generations((uint32_t)n, k) + 1;
}

static int is_group_mac(const uint8_t m[6])
{
	return (m[0] & 3) == 3 && memcmp(m, discover_mac, 6);
}

static uint64_t hwall(const struct sess_group *g, uint64_t now)
{
	return (uint64_t)((int64_t)now + g->cfg.wall_offset_us);
}

int sess_group_init(struct sess_group *g, const struct sess_group_config *cfg)
{
	unsigned most, room;
	struct tlv_writer w;
	uint64_t n;

	memset(g, 0, sizeof(*g));
	g->cfg = *cfg;
	if (!cfg->nic || !cfg->nboards || !cfg->boards || !cfg->src || !cfg->session_id ||
	    !is_group_mac(cfg->group_mac) || (cfg->activate && !cfg->pkg_hdr_len))
		return -EINVAL;
	most = sess_group_block_for_mtu(cfg->nic->mtu);
	g->block = cfg->block ? cfg->block : most;
	g->k = cfg->k ? cfg->k : FEC_K;
	if (g->block > most || g->block > 65535 || g->k > FEC_MAX_K)
		return -EINVAL;
	n = (cfg->size + g->block - 1) / g->block;
	if (n > SESS_MAX_FRAMES)
		return -EINVAL;
	g->n = (uint32_t)n;
	g->ngen = plan_generations(g->n, g->k);
	if (!g->cfg.rate_bps)
		g->cfg.rate_bps = SESS_GROUP_RATE;
	if (!g->cfg.rounds)
		g->cfg.rounds = SESS_GROUP_ROUNDS;
	if (!g->cfg.idle_ms)
		g->cfg.idle_ms = SESS_GROUP_IDLE_MS;
	if (!g->cfg.timeout_us)
		g->cfg.timeout_us = PROTO_TIMEOUT_US;
	g->want2 = cfg->repair == SESS_REPAIR_RESEND;
	g->nb = cfg->nboards;
	g->gsrc_gen = UINT32_MAX;
	g->next_qid = 1;
	g->b = calloc(g->nb, sizeof(*g->b));
	g->need = calloc((size_t)g->nb * g->ngen + 1, 1);
	g->need_known = calloc(g->nb, 1);
	g->next_row = calloc(g->ngen + 1, 1);
	g->miss_cnt = calloc(g->n + 1, 1);
	g->miss_who = calloc(g->n + 1, sizeof(uint32_t));
	g->gsrc = malloc((size_t)g->k * g->block);
	g->pbuf = malloc((size_t)CHUNK * g->block);
	room = sess_block_for_mtu(cfg->nic->mtu);
	g->join_tlv = malloc(room);
	if (!g->b || !g->need || !g->need_known || !g->next_row || !g->miss_cnt || !g->miss_who ||
	    !g->gsrc || !g->pbuf || !g->join_tlv) {
		sess_group_dispose(g);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < g->nb; i++)
		memcpy(g->b[i].mac, cfg->boards[i], 6);
	tlv_writer_init(&w, g->join_tlv, room);
	tlv_put(&w, T_GROUP_MAC, cfg->group_mac, 6);
	tlv_put_u8(&w, T_TYPE, (uint8_t)cfg->type);
	tlv_put_u64(&w, T_SIZE, cfg->size);
	tlv_put_u16(&w, T_BLOCK, (uint16_t)g->block);
	tlv_put_u32(&w, T_FRAMES, g->n);
	tlv_put_u32(&w, T_CRC, cfg->crc);
	tlv_put_u16(&w, T_GEN, (uint16_t)g->k);
	tlv_put_u32(&w, T_IDLE_MS, g->cfg.idle_ms);
	if (cfg->name)
		tlv_put_str(&w, T_NAME, cfg->name);
	for (size_t off = 0; off < cfg->pkg_hdr_len; off += 255) {
		size_t l = cfg->pkg_hdr_len - off;

		tlv_put(&w, T_PKG_HDR, cfg->pkg_hdr + off, l > 255 ? 255 : l);
	}
	if (w.overflow) {
		sess_group_dispose(g);
		return -EMSGSIZE;
	}
	g->join_len = w.len;
	g->st.blocks = g->n;
	g->st.generations = g->ngen;
	g->st.block = g->block;
	g->st.k = g->k;
	g->st.state_per_board = sess_group_state_per_board(cfg->size, g->block, g->k);
	return 0;
}

void sess_group_dispose(struct sess_group *g)
{
	if (g->b)
		for (unsigned i = 0; i < g->nb; i++)
			free(g->b[i].text);
	free(g->b);
	free(g->need);
	free(g->need_known);
	free(g->next_row);
	free(g->miss_cnt);
	free(g->miss_who);
	free(g->items);
	free(g->gsrc);
	free(g->pbuf);
	free(g->join_tlv);
	memset(g, 0, sizeof(*g));
}

/* ---- sending ---- */

static int send_to(struct sess_group *g, const uint8_t dst[6], uint32_t seq, uint8_t code,
		   uint8_t flags, const uint8_t *data, size_t len)
{
	return sess_send(g->cfg.nic, g->cfg.ethertype, g->tx, sizeof(g->tx), dst, g->cfg.session_id,
			 seq, code, flags, data, len);
}

static void board_fail(struct sess_group *g, unsigned i, uint64_t now, int notice, int detail,
		       int flags, const char *fmt, ...) __attribute__((format(printf, 7, 8)));

/* The board's command, sent (again). */
static void send_cmd(struct sess_group *g, unsigned i, uint64_t now)
{
	struct sess_group_board *b = &g->b[i];
	uint8_t d[64];
	struct tlv_writer w;
	uint64_t wall, at = 0;

	tlv_writer_init(&w, d, sizeof(d));
	if (!b->tries)
		b->first_tx = now;
	b->tries++;
	b->last_tx = now;
	g->st.control_frames++;
	switch (b->st) {
	case B_JOIN: send_to(g, b->mac, 0, FC_GROUP_JOIN, 0, g->join_tlv, g->join_len); break;
	case B_QUERY:
		tlv_put_u8(&w, T_WANT, g->want2 ? 2 : 1);
		tlv_put_u32(&w, T_FIRST, b->first);
		send_to(g, b->mac, b->qid, FC_GROUP_QUERY, FRAME_FLAG_ACKREQ, d, w.len);
		break;
	case B_VERIFY: send_to(g, b->mac, 0, FC_GROUP_VERIFY, 0, NULL, 0); break;
	case B_ACTIVATE:
		/* The same T_HOST_TIME in every resend: the time of the first. */
		wall = hwall(g, b->first_tx);
		if (!g->act_base_wall)
			g->act_base_wall = wall;
		if (g->cfg.activate == SESS_ACT_AT)
			at = g->cfg.act_at_us;
		else if (g->cfg.activate == SESS_ACT_IN)
			at = g->act_base_wall + g->cfg.act_in_us;
		if (g->cfg.activate != SESS_ACT_NOW && at <= wall) {
			board_fail(g, i, now, NOTICE_NONE, D_NONE, F_LOCAL,
				   "the activation time has passed; nothing was activated (the "
				   "package is staged)");
			return;
		}
		tlv_put_u8(&w, T_TYPE, (uint8_t)g->cfg.type);
		tlv_put_u8(&w, T_ACT_MODE,
			   g->cfg.activate == SESS_ACT_NOW ? ACT_MODE_NOW : ACT_MODE_AT);
		tlv_put_u64(&w, T_HOST_TIME, wall);
		if (g->cfg.activate != SESS_ACT_NOW)
			tlv_put_u64(&w, T_ACT_AT, at);
		send_to(g, b->mac, 0, FC_ACTIVATE, 0, d, w.len);
		break;
	case B_ACT_QUERY:
		tlv_put_u8(&w, T_TYPE, (uint8_t)g->cfg.type);
		send_to(g, b->mac, 0, FC_ACT_QUERY, 0, d, w.len);
		break;
	case B_LEAVE: send_to(g, b->mac, 0, FC_GROUP_LEAVE, 0, NULL, 0); break;
	}
}

/* Enter state st with a fresh command, sent when the window lets it. */
static void set_cmd(struct sess_group_board *b, int st)
{
	b->st = (uint8_t)st;
	b->tries = 0;
}

static void board_fail(struct sess_group *g, unsigned i, uint64_t now, int notice, int detail,
		       int flags, const char *fmt, ...)
{
	struct sess_group_board *b = &g->b[i];
	char text[240];
	va_list ap;

	if (b->st == B_END)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (!b->notice && !(b->flags & F_LOCAL) && !b->detail) {
		b->notice = (uint8_t)notice;
		b->detail = (uint8_t)detail;
		b->flags |= (uint8_t)flags;
		if (notice == NOTICE_NONE)
			b->flags |= F_LOCAL;
		free(b->text);
		b->text = dupstr(text);
	}
	glog(g, "board %02x:%02x:%02x:%02x:%02x:%02x: %s", b->mac[0], b->mac[1], b->mac[2],
	     b->mac[3], b->mac[4], b->mac[5], text);
	/* A board that joined is told to leave (it drops what it has not
	 * committed); one that never joined, or went silent, is not waited for. */
	if ((b->flags & F_JOINED) && notice != NOTICE_CONNECT_FAILED &&
	    !(detail == D_SILENCE && !(flags & F_BY_BOARD))) {
		set_cmd(b, B_LEAVE);
	} else {
		if (b->flags & F_JOINED)
			send_to(g, b->mac, 0, FC_GROUP_LEAVE, 0, NULL, 0);
		b->st = B_END;
	}
	(void)now;
}

/* Boards with a command out, counted against the window. */
static unsigned outstanding(const struct sess_group *g)
{
	unsigned n = 0;

	for (unsigned i = 0; i < g->nb; i++) {
		const struct sess_group_board *b = &g->b[i];

		if (b->tries && (b->st == B_JOIN || b->st == B_QUERY || b->st == B_VERIFY ||
				 b->st == B_ACTIVATE || b->st == B_LEAVE))
			n++;
	}
	return n;
}

static unsigned max_tries(const struct sess_group *g, int st)
{
	unsigned t;

	if (st != B_VERIFY && st != B_ACTIVATE)
		return SESS_GROUP_TRIES;
	t = (unsigned)(g->cfg.timeout_us / SESS_GROUP_RETRY_US);
	return t < SESS_GROUP_TRIES ? SESS_GROUP_TRIES : t > 250 ? 250 : t;
}

/* How long the command out waits before it goes again. A GROUP_QUERY
 * waits twice as long each time (200, 400, 800, 1600 ms): a board that
 * decodes the parity just received answers when it has caught up, and the
 * query waits behind that parity in its receive queue. */
static uint64_t retry_us(const struct sess_group_board *b)
{
	unsigned n = b->tries ? b->tries - 1u : 0u;

	if (b->st == B_ACT_QUERY)
		return ACT_QUERY_US;
	if (b->st != B_QUERY)
		return SESS_GROUP_RETRY_US;
	return (uint64_t)SESS_GROUP_RETRY_US << (n < 3 ? n : 3);
}

static int has_cmd(int st)
{
	return st == B_JOIN || st == B_QUERY || st == B_VERIFY || st == B_ACTIVATE ||
	       st == B_ACT_QUERY || st == B_LEAVE;
}

/* Resend what is due, give up boards past their tries, send new commands
 * while the window has room. */
static void run_commands(struct sess_group *g, uint64_t now)
{
	unsigned out = outstanding(g);

	for (unsigned i = 0; i < g->nb; i++) {
		struct sess_group_board *b = &g->b[i];

		if (!has_cmd(b->st) || !b->tries)
			continue;
		if (b->st == B_ACT_QUERY) {
			if (now >= b->deadline)
				board_fail(g, i, now, NOTICE_TIMEOUT, D_SILENCE, 0,
					   "no outcome of the health check %u ms + %.1f s after "
					   "the activation: whether the board kept the new image "
					   "is not known",
					   (unsigned)b->health_ms, (double)g->cfg.timeout_us / 1e6);
			else if (now >= b->last_tx + ACT_QUERY_US)
				send_cmd(g, i, now);
			continue;
		}
		if (now < b->last_tx + retry_us(b))
			continue;
		if (b->tries < max_tries(g, b->st)) {
			send_cmd(g, i, now);
			continue;
		}
		out--;
		switch (b->st) {
		case B_JOIN:
			board_fail(g, i, now, NOTICE_CONNECT_FAILED, D_SILENCE, 0,
				   "no answer to GROUP_JOIN after %u tries", b->tries);
			break;
		case B_LEAVE: b->st = B_END; break;
		default:
			board_fail(g, i, now, NOTICE_TIMEOUT, D_SILENCE, 0,
				   "no answer to %s after %u tries",
				   b->st == B_QUERY    ? "GROUP_QUERY"
				   : b->st == B_VERIFY ? "GROUP_VERIFY"
						       : "ACTIVATE",
				   b->tries);
			break;
		}
	}
	for (unsigned i = 0; i < g->nb && out < SESS_GROUP_WINDOW; i++) {
		struct sess_group_board *b = &g->b[i];

		if (has_cmd(b->st) && !b->tries) {
			send_cmd(g, i, now);
			if (b->st != B_ACT_QUERY && b->st != B_END)
				out++;
		}
	}
}

/* ---- the data pass and the repair rounds ---- */

static uint64_t frame_ns(const struct sess_group *g, size_t len)
{
	return (uint64_t)((double)len * 8.0 * 1e9 / (double)g->cfg.rate_bps);
}

static void fail_all(struct sess_group *g, uint64_t now, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int read_block(struct sess_group *g, uint32_t seq, uint8_t *out, size_t *len)
{
	uint64_t off = (uint64_t)(seq - 1) * g->block;
	size_t l = g->cfg.size - off < g->block ? (size_t)(g->cfg.size - off) : g->block;

	*len = l;
	return g->cfg.src->read(g->cfg.src->ctx, off, out, l);
}

/* Send one data frame: 1 sent, 0 the nic was full (try again), -1 failed. */
static int send_data(struct sess_group *g, uint32_t seq, const uint8_t *dst, int retx, uint64_t now)
{
	size_t len;
	int r = read_block(g, seq, g->blk, &len);

	if (r < 0) {
		fail_all(g, now, r, "cannot read block %u of the file: %s", seq, strerror(-r));
		return -1;
	}
	r = send_to(g, dst ? dst : g->cfg.group_mac, seq, FC_GROUP_DATA,
		    (uint8_t)((dst ? 0 : FRAME_FLAG_GROUP) | (retx ? FRAME_FLAG_RETX : 0)), g->blk,
		    len);
	if (r < 0)
		return 0;
	g->st.bytes_sent += (uint64_t)r;
	g->tx_next_ns += frame_ns(g, (size_t)r);
	return 1;
}

/* The source blocks of generation gen, zero-padded, in gsrc. */
static int load_gen(struct sess_group *g, uint32_t gen, uint64_t now)
{
	unsigned kg = plan_gen_size(g->n, g->k, gen);

	if (g->gsrc_gen == gen)
		return 0;
	memset(g->gsrc, 0, (size_t)g->k * g->block);
	for (unsigned j = 0; j < kg; j++) {
		size_t len;
		int r = read_block(g, gen * g->k + j + 1, g->gsrc + (size_t)j * g->block, &len);

		if (r < 0) {
			fail_all(g, now, r, "cannot read block %u of the file: %s",
				 gen * g->k + j + 1, strerror(-r));
			return -1;
		}
	}
	g->gsrc_gen = gen;
	return 0;
}

static int encode_chunk(struct sess_group *g, uint32_t gen, unsigned first, unsigned count,
			uint64_t now)
{
	const uint8_t *src[FEC_MAX_K];
	uint8_t *par[CHUNK];
	unsigned kg = plan_gen_size(g->n, g->k, gen);
	int r;

	if (load_gen(g, gen, now) < 0)
		return -1;
	for (unsigned j = 0; j < kg; j++)
		src[j] = g->gsrc + (size_t)j * g->block;
	for (unsigned c = 0; c < count; c++)
		par[c] = g->pbuf + (size_t)c * g->block;
	r = fec_encode(kg, g->block, src, first, count, par);
	if (r < 0) {
		fail_all(g, now, r, "cannot encode parity %u..%u of generation %u: %s", first,
			 first + count - 1, gen, strerror(-r));
		return -1;
	}
	return 0;
}

/* Send the next frame of the current item. 1 sent, 0 try again, -1 failed. */
static int send_item(struct sess_group *g, uint64_t now)
{
	struct sess_group_item *it = &g->items[g->item];
	const uint8_t *dst = it->unicast ? g->b[it->board].mac : NULL;
	int r;

	if (it->kind == IT_DATA) {
		r = send_data(g, it->gen, dst, 1, now);
		if (r > 0) {
			if (it->unicast)
				g->st.resent_unicast++;
			else
				g->st.resent_group++;
			g->item++;
		}
		return r;
	}
	if (g->item_done % CHUNK == 0) {
		unsigned c = it->count - g->item_done;

		if (encode_chunk(g, it->gen, it->first + g->item_done, c > CHUNK ? CHUNK : c, now) <
		    0)
			return -1;
	}
	put_be32(g->blk, it->gen);
	g->blk[4] = (uint8_t)(it->first + g->item_done);
	g->blk[5] = 0;
	memcpy(g->blk + 6, g->pbuf + (size_t)(g->item_done % CHUNK) * g->block, g->block);
	r = send_to(g, dst ? dst : g->cfg.group_mac, 0, FC_GROUP_PARITY, dst ? 0 : FRAME_FLAG_GROUP,
		    g->blk, 6 + g->block);
	if (r < 0)
		return 0; /* tried again later (a chunk's first frame re-encodes it) */
	g->st.bytes_sent += (uint64_t)r;
	g->tx_next_ns += frame_ns(g, (size_t)r);
	if (dst)
		g->st.parity_unicast++;
	else
		g->st.parity_group++;
	if (++g->item_done == it->count) {
		g->item++;
		g->item_done = 0;
	}
	return 1;
}

static void start_status(struct sess_group *g, uint64_t now);

/* Data or repair frames, at the rate. */
static void run_stream(struct sess_group *g, uint64_t now)
{
	uint64_t now_ns = now * 1000u;

	/* A late wake-up (a busy machine) is made up by sending what was due
	 * at once, up to CATCH_UP_NS of it; a longer stall is not. */
	if (g->tx_next_ns + CATCH_UP_NS < now_ns)
		g->tx_next_ns = now_ns;
	while (g->tx_next_ns <= now_ns && g->phase != P_END) {
		int r;

		if (g->phase == P_DATA) {
			if (g->data_next > g->n) {
				g->st.data_us = now - g->st.data_us;
				glog(g, "data pass: %u blocks to the group", g->n);
				start_status(g, now);
				return;
			}
			r = send_data(g, g->data_next, NULL, 0, now);
			if (r > 0) {
				g->data_next++;
				g->st.data_frames++;
			}
		} else if (g->phase == P_REPAIR) {
			if (g->item >= g->nitems) {
				start_status(g, now);
				return;
			}
			r = send_item(g, now);
		} else {
			return;
		}
		if (r < 0)
			return;
		if (r == 0) {
			g->tx_next_ns = now_ns + 50000u; /* the nic is full: a little later */
			return;
		}
	}
}

/* Ask every board that may still need something. */
static void start_status(struct sess_group *g, uint64_t now)
{
	unsigned asked = 0;

	if (g->want2)
		memset(g->miss_cnt, 0, g->n + 1);
	for (unsigned i = 0; i < g->nb; i++) {
		struct sess_group_board *b = &g->b[i];

		if (b->st != B_WAIT && b->st != B_NEEDY)
			continue;
		set_cmd(b, B_QUERY);
		b->qid = g->next_qid++;
		b->first = g->want2 ? 1 : 0;
		g->need_known[i] = 0;
		asked++;
	}
	g->phase = asked ? P_STATUS : P_FINISH;
	g->status_start = now;
}

static void make_resend_items(struct sess_group *g)
{
	g->nitems = 0;
	for (uint32_t s = 1; s <= g->n; s++) {
		int grp = plan_resend_group(g->miss_cnt[s]);
		struct sess_group_item *it;

		if (grp < 0)
			continue;
		it = &g->items[g->nitems++];
		memset(it, 0, sizeof(*it));
		it->kind = IT_DATA;
		it->gen = s;
		it->unicast = grp == 0;
		it->board = g->miss_who[s];
	}
}

/* Plan a coded round. 0, or -1 when a generation ran out of parity rows
 * (then the round is asked again by bitmap, for resend), -ENOMEM. */
static int make_code_items(struct sess_group *g)
{
	uint32_t ng = g->ngen, blocks = g->n;
	uint16_t *rows_left = calloc(ng + 1, sizeof(uint16_t));
	uint16_t *parity = calloc(ng + 1, sizeof(uint16_t));
	uint16_t *uparity = calloc((size_t)g->nb * ng + 1, sizeof(uint16_t));
	uint8_t *unicast = calloc(g->nb, 1), *short_gen = calloc(ng + 1, 1);
	struct plan_in in = {g->nb, ng, g->need, g->need_known, &blocks, g->loss, rows_left};
	struct plan_out out = {parity, unicast, uparity, short_gen, 0};
	int ret = -ENOMEM;

	if (!rows_left || !parity || !uparity || !unicast || !short_gen)
		goto out;
	/* a board given up keeps its last report, which must not draw parity;
	 * complete ones count, with nothing needed (the laggard rule compares
	 * with them) */
	for (unsigned i = 0; i < g->nb; i++)
		if (g->b[i].notice || g->b[i].detail || (g->b[i].flags & F_LOCAL))
			g->need_known[i] = 0;
	ret = -1;
	for (uint32_t gen = 0; gen < ng; gen++) {
		rows_left[gen] = (uint16_t)(fec_max_parity(plan_gen_size(g->n, g->k, gen)) -
					    g->next_row[gen]);
		if (rows_left[gen])
			continue;
		for (unsigned i = 0; i < g->nb; i++)
			if (g->need_known[i] && g->need[(size_t)i * ng + gen])
				goto out;
	}
	plan_code(&in, &out);
	g->nitems = 0;
	for (uint32_t gen = 0; gen < ng; gen++) {
		unsigned umax = 0;

		if (parity[gen]) {
			struct sess_group_item *it = &g->items[g->nitems++];

			memset(it, 0, sizeof(*it));
			it->kind = IT_PARITY;
			it->gen = gen;
			it->first = g->next_row[gen];
			it->count = parity[gen];
		}
		for (unsigned i = 0; i < g->nb; i++) {
			uint16_t c = uparity[(size_t)i * ng + gen];
			struct sess_group_item *it;

			if (!unicast[i] || !c)
				continue;
			it = &g->items[g->nitems++];
			memset(it, 0, sizeof(*it));
			it->kind = IT_PARITY;
			it->unicast = 1;
			it->board = i;
			it->gen = gen;
			it->first = (uint16_t)(g->next_row[gen] + parity[gen]);
			it->count = c;
			if (c > umax)
				umax = c;
		}
		g->next_row[gen] = (uint8_t)(g->next_row[gen] + parity[gen] + umax);
	}
	/* What each board needed of what this round sends it: the measure of
	 * its loss when it reports again. */
	for (unsigned i = 0; i < g->nb; i++) {
		struct sess_group_board *b = &g->b[i];
		uint32_t want = 0;

		if (!g->need_known[i])
			continue;
		if (unicast[i])
			b->flags |= F_LAGGARD;
		for (uint32_t gen = 0; gen < ng; gen++) {
			unsigned need = g->need[(size_t)i * ng + gen];
			unsigned sent =
				parity[gen] + (unicast[i] ? uparity[(size_t)i * ng + gen] : 0);

			want += need < sent ? need : sent;
		}
		b->want = want;
	}
	ret = 0;
out:
	free(rows_left);
	free(parity);
	free(uparity);
	free(unicast);
	free(short_gen);
	return ret;
}

/* Every board asked has answered (or was given up): plan the next round. */
static void end_status(struct sess_group *g, uint64_t now)
{
	unsigned needy = 0;
	double loss = 0;
	int r;

	g->st.status_us += now - g->status_start;
	for (unsigned i = 0; i < g->nb; i++) {
		struct sess_group_board *b = &g->b[i];
		double l;

		if (b->st != B_NEEDY && !(b->st == B_VERIFY && !b->tries))
			continue;
		/* the loss: after the data pass, blocks missed of all; after a
		 * round, what it needed of that round and still lacks */
		if (!g->round)
			l = g->n ? (double)(g->n - (b->have > g->n ? g->n : b->have)) / g->n : 0;
		else if (b->want)
			l = (double)(b->need > b->want ? b->want : b->need) / b->want;
		else
			l = 0;
		if (l > loss)
			loss = l;
		if (b->st == B_NEEDY)
			needy++;
	}
	if (!g->want2)
		g->loss = loss;
	g->st.loss = loss;
	glog(g, "status after round %u: %u boards need more, loss %.3f", g->round, needy, loss);
	if (!needy) {
		g->phase = P_FINISH;
		return;
	}
	if (g->round >= g->cfg.rounds) {
		for (unsigned i = 0; i < g->nb; i++)
			if (g->b[i].st == B_NEEDY)
				board_fail(g, i, now, NOTICE_TIMEOUT, D_ROUNDS, 0,
					   "still %u %s short after %u repair rounds", g->b[i].need,
					   g->want2 ? "blocks" : "symbols", g->round);
		g->phase = P_FINISH;
		return;
	}
	free(g->items);
	g->nitems = g->item = g->item_done = 0;
	g->items = calloc(g->want2 ? (size_t)g->n + 1 : (size_t)g->ngen * (g->nb + 1) + 1,
			  sizeof(*g->items));
	if (!g->items) {
		fail_all(g, now, -ENOMEM, "out of memory planning a repair round");
		return;
	}
	if (g->want2) {
		make_resend_items(g);
	} else {
		r = make_code_items(g);
		if (r == -ENOMEM) {
			fail_all(g, now, r, "out of memory planning a repair round");
			return;
		}
		if (r < 0) {
			/* A generation has no parity row left: find its missing
			 * blocks by bitmap and send them again, from now on. */
			glog(g, "parity rows ran out: repair by resending blocks");
			g->want2 = 1;
			start_status(g, now);
			return;
		}
	}
	g->round++;
	g->st.rounds = g->round;
	for (unsigned i = 0; i < g->nb; i++)
		if (g->b[i].st == B_NEEDY)
			g->b[i].st = B_WAIT;
	glog(g, "round %u: %zu sends", g->round, g->nitems);
	g->phase = P_REPAIR;
	g->tx_next_ns = now * 1000u;
}

static void fail_all(struct sess_group *g, uint64_t now, int err, const char *fmt, ...)
{
	char text[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	g->err = err;
	sess_group_abort(g, err, text, now);
}

/* ---- what the boards say ---- */

static int find_board(const struct sess_group *g, const uint8_t mac[6])
{
	for (unsigned i = 0; i < g->nb; i++)
		if (!memcmp(g->b[i].mac, mac, 6))
			return (int)i;
	return -1;
}

static void to_verify_or_wait(struct sess_group *g, unsigned i)
{
	struct sess_group_board *b = &g->b[i];

	if (b->need)
		b->st = B_NEEDY;
	else
		set_cmd(b, B_VERIFY);
	(void)g;
}

/* A GROUP_STATUS to the query out (or to GROUP_VERIFY: the board still
 * misses blocks). */
static void on_status(struct sess_group *g, unsigned i, const struct frame *f, uint64_t now)
{
	struct sess_group_board *b = &g->b[i];
	uint64_t have = 0, next = 0, base = 0;
	const uint8_t *v;
	size_t l;
	uint32_t ng = g->ngen;

	/* A late answer to an earlier query (GROUP_VERIFY goes with sequence 0,
	 * and so comes its answer) */
	if ((b->st == B_QUERY && f->seq != b->qid) || (b->st == B_VERIFY && f->seq != 0))
		return;
	if (!tlv_valid(f->data, f->len)) {
		board_fail(g, i, now, NOTICE_WRONG_COMMAND, D_BAD_FIELD, 0,
			   "a malformed TLV list in GROUP_STATUS");
		return;
	}
	if (tlv_get_uint(f->data, f->len, T_HAVE, &have))
		b->have = (uint32_t)have;
	if (b->st == B_VERIFY) {
		/* still short: it waits for the next round, asked from the start */
		glog(g, "board %u answers GROUP_VERIFY with GROUP_STATUS: not complete", i);
		b->need = 1;
		b->st = B_WAIT;
		if (g->phase == P_FINISH)
			start_status(g, now);
		return;
	}
	if (g->want2) {
		/* T_BASE and T_BITMAP pairs, the first at T_FIRST; T_GEN_NEXT (or
		 * the end of the last bitmap) names the next sequence to ask */
		const uint8_t *bm = NULL, *bv;
		unsigned t;

		if (b->first == 1)
			b->need = 0;
		for (t = 0; (bv = tlv_find(f->data, f->len, T_BASE, t, &l)) && l == 4; t++) {
			base = get_be32(bv);
			bm = tlv_find(f->data, f->len, T_BITMAP, t, &l);
			if (!bm || (t == 0 && base != b->first) || base < b->first)
				break;
			for (size_t bit = 0; bit < 8 * l; bit++) {
				uint64_t s = base + bit;

				if (s > g->n)
					break;
				if (bm[bit / 8] & (1u << (bit % 8)))
					continue;
				b->need++;
				if (g->miss_cnt[s] < 255)
					g->miss_cnt[s]++;
				g->miss_who[s] = i;
			}
			next = base + 8 * l;
		}
		if (!t || !bm || (bv && l != 4)) {
			b->expected = b->first;
			b->got = (uint32_t)base;
			board_fail(g, i, now, NOTICE_WRONG_COMMAND, D_BAD_FIELD, 0,
				   "GROUP_STATUS without the bitmap from %u", b->first);
			return;
		}
		tlv_get_uint(f->data, f->len, T_GEN_NEXT, &next);
		if (next > g->n)
			next = 0;
		if (next && next <= b->first) {
			board_fail(g, i, now, NOTICE_WRONG_COMMAND, D_BAD_FIELD, 0,
				   "GROUP_STATUS T_GEN_NEXT %u does not move past %u",
				   (unsigned)next, b->first);
			return;
		}
	} else {
		if (b->first == 0) {
			memset(g->need + (size_t)i * ng, 0, ng);
			b->need = 0;
		}
		for (unsigned t = 0; (v = tlv_find(f->data, f->len, T_NEEDS, t, &l)); t++)
			for (size_t e = 0; e + 6 <= l; e += 6) {
				uint32_t gen = get_be32(v + e);
				unsigned need = get_be16(v + e + 4);

				if (gen >= ng)
					continue;
				need = need > 255 ? 255 : need;
				b->need += need - g->need[(size_t)i * ng + gen];
				g->need[(size_t)i * ng + gen] = (uint8_t)need;
			}
		tlv_get_uint(f->data, f->len, T_GEN_NEXT, &next);
		if (next && next <= b->first) {
			board_fail(g, i, now, NOTICE_WRONG_COMMAND, D_BAD_FIELD, 0,
				   "GROUP_STATUS T_GEN_NEXT %u does not move past %u",
				   (unsigned)next, b->first);
			return;
		}
	}
	if (next) {
		/* the rest of the report */
		set_cmd(b, B_QUERY);
		b->qid = g->next_qid++;
		b->first = (uint32_t)next;
		return;
	}
	g->need_known[i] = 1;
	to_verify_or_wait(g, i);
}

static void on_done(struct sess_group *g, unsigned i, const struct frame *f, uint64_t now)
{
	struct sess_group_board *b = &g->b[i];
	uint64_t size = 0, crc = 0;
	const uint8_t *sha;
	size_t l;

	if (!tlv_get_uint(f->data, f->len, T_SIZE, &size) ||
	    !tlv_get_uint(f->data, f->len, T_CRC, &crc) ||
	    !(sha = tlv_find(f->data, f->len, T_SHA256, 0, &l)) || l != 32) {
		board_fail(g, i, now, NOTICE_WRONG_COMMAND, D_BAD_FIELD, 0,
			   "GROUP_DONE without size, CRC or SHA-256");
		return;
	}
	if (size != g->cfg.size) {
		b->expected = (uint32_t)g->cfg.size;
		b->got = (uint32_t)size;
		board_fail(g, i, now, NOTICE_FILE_CRC, D_SIZE, 0,
			   "the board stored %llu bytes, the file has %llu",
			   (unsigned long long)size, (unsigned long long)g->cfg.size);
		return;
	}
	if ((uint32_t)crc != g->cfg.crc || memcmp(sha, g->cfg.sha256, 32)) {
		b->expected = g->cfg.crc;
		b->got = (uint32_t)crc;
		board_fail(g, i, now, NOTICE_FILE_CRC, D_FILE_CRC, 0,
			   "what the board stored differs from the file (CRC %08x, file %08x%s)",
			   (unsigned)crc, (unsigned)g->cfg.crc,
			   (uint32_t)crc == g->cfg.crc ? "; the SHA-256 differs" : "");
		return;
	}
	glog(g, "board %u: stored and verified", i);
	set_cmd(b, g->cfg.activate ? B_ACTIVATE : B_LEAVE);
	run_commands(g, now);
}

static void on_act_state(struct sess_group *g, unsigned i, const struct frame *f, uint64_t now)
{
	struct sess_group_board *b = &g->b[i];
	uint64_t type = 0, state = 0, x;
	int was = b->st, now_mode = g->cfg.activate == SESS_ACT_NOW;

	if (!tlv_get_uint(f->data, f->len, T_TYPE, &type) ||
	    !tlv_get_uint(f->data, f->len, T_ACT_STATE, &state) || (int)type != g->cfg.type) {
		board_fail(g, i, now, NOTICE_WRONG_COMMAND, D_BAD_FIELD, 0,
			   "ACT_STATE without its state, or for another type");
		return;
	}
	if (!((was == B_ACTIVATE && now_mode && state >= ACT_TESTING && state <= ACT_ROLLED_BACK) ||
	      (was == B_ACTIVATE && !now_mode && state == ACT_SCHEDULED) ||
	      (was == B_ACT_QUERY && state >= ACT_TESTING && state <= ACT_ROLLED_BACK))) {
		board_fail(g, i, now, NOTICE_WRONG_COMMAND, D_BAD_FIELD, 0,
			   "ACT_STATE '%s' in answer to %s", proto_act_state_name((int)state),
			   was == B_ACTIVATE ? "ACTIVATE" : "ACT_QUERY");
		return;
	}
	b->act_state = (uint8_t)state;
	if (tlv_get_uint(f->data, f->len, T_HEALTH_MS, &x))
		b->health_ms = (uint32_t)x;
	if (state == ACT_TESTING) {
		if (was == B_ACTIVATE) {
			b->deadline = now + (uint64_t)b->health_ms * 1000u + g->cfg.timeout_us;
			b->st = B_ACT_QUERY;
			b->tries = 1; /* the first ACT_QUERY goes 100 ms from now */
			b->last_tx = now;
		}
		return;
	}
	if (state == ACT_ROLLED_BACK) {
		b->flags |= F_ROLLED_BACK;
		free(b->text);
		b->text = dupstr("activated, failed its health check and was rolled back");
	}
	set_cmd(b, B_LEAVE);
	run_commands(g, now);
}

static void on_error(struct sess_group *g, unsigned i, const struct frame *f, uint64_t now)
{
	uint64_t notice = 0, detail = 0, e = 0, got = 0;
	char text[160] = "";
	struct sess_group_board *b = &g->b[i];

	if (b->st == B_LEAVE && !b->notice && !b->detail && !(b->flags & F_LOCAL)) {
		/* verified (and activated): an ERROR now (its idle timer ran out
		 * while the leave was on its way) changes nothing it stored */
		b->st = B_END;
		return;
	}
	tlv_get_uint(f->data, f->len, T_NOTICE, &notice);
	tlv_get_uint(f->data, f->len, T_DETAIL, &detail);
	tlv_get_uint(f->data, f->len, T_EXPECTED, &e);
	tlv_get_uint(f->data, f->len, T_GOT, &got);
	tlv_get_str(f->data, f->len, T_TEXT, text, sizeof(text));
	if (notice >= NOTICE_COUNT)
		notice = NOTICE_WRONG_COMMAND;
	b->expected = (uint32_t)e;
	b->got = (uint32_t)got;
	board_fail(g, i, now, (int)notice, (int)(detail < 256 ? detail : D_BAD_FIELD), F_BY_BOARD,
		   "the board said %s: %s%s%s", notice ? frame_notice_name((int)notice) : "ERROR",
		   proto_detail_name((int)detail), *text ? ": " : "", text);
	/* a board that refused to join is not in the group */
	if (b->st == B_LEAVE && !(b->flags & F_JOINED))
		b->st = B_END;
}

void sess_group_input(struct sess_group *g, const uint8_t *buf, size_t len, uint64_t now)
{
	struct frame f;
	int i;
	struct sess_group_board *b;
	uint64_t v;

	if (g->phase == P_IDLE || g->phase == P_END ||
	    frame_decode(&f, buf, len, etype(g->cfg.ethertype)) < 0)
		return;
	if (f.session != g->cfg.session_id || memcmp(f.dst, g->cfg.nic->mac, 6) ||
	    !frame_code_from_board(f.code) || (i = find_board(g, f.src)) < 0)
		return;
	b = &g->b[i];
	if (b->st == B_END)
		return;
	if (f.code == FC_ERROR) {
		on_error(g, (unsigned)i, &f, now);
		return;
	}
	switch (f.code) {
	case FC_GROUP_JOIN_ACK:
		if (b->st != B_JOIN)
			return;
		if ((tlv_get_uint(f.data, f.len, T_BLOCK, &v) && v != g->block) ||
		    (tlv_get_uint(f.data, f.len, T_GEN, &v) && v != g->k)) {
			b->flags |= F_JOINED;
			board_fail(g, (unsigned)i, now, NOTICE_WRONG_COMMAND, D_BAD_FIELD, 0,
				   "GROUP_JOIN_ACK with another block or K");
			return;
		}
		b->flags |= F_JOINED;
		b->st = B_WAIT;
		b->tries = 0;
		g->st.joined++;
		break;
	case FC_GROUP_STATUS:
		if (b->st == B_QUERY || b->st == B_VERIFY)
			on_status(g, (unsigned)i, &f, now);
		break;
	case FC_GROUP_DONE:
		if (b->st == B_VERIFY)
			on_done(g, (unsigned)i, &f, now);
		break;
	case FC_ACT_STATE:
		if (b->st == B_ACTIVATE || b->st == B_ACT_QUERY)
			on_act_state(g, (unsigned)i, &f, now);
		break;
	case FC_GROUP_LEAVE_ACK:
		if (b->st == B_LEAVE)
			b->st = B_END;
		break;
	}
}

/* ---- the loop ---- */

void sess_group_start(struct sess_group *g, uint64_t now)
{
	if (g->phase != P_IDLE)
		return;
	g->phase = P_JOIN;
	for (unsigned i = 0; i < g->nb; i++)
		set_cmd(&g->b[i], B_JOIN);
	glog(g, "group of %u boards: %u blocks of %u bytes, %u generations of %u", g->nb, g->n,
	     g->block, g->ngen, g->k);
	run_commands(g, now);
}

static int count_in(const struct sess_group *g, int st)
{
	unsigned n = 0;

	for (unsigned i = 0; i < g->nb; i++)
		n += g->b[i].st == st;
	return (int)n;
}

void sess_group_poll(struct sess_group *g, uint64_t now)
{
	if (g->phase == P_IDLE || g->phase == P_END)
		return;
	run_commands(g, now);
	if (g->phase == P_JOIN && !count_in(g, B_JOIN)) {
		if (count_in(g, B_WAIT)) {
			g->phase = P_DATA;
			g->data_next = 1;
			g->tx_next_ns = now * 1000u;
			g->st.data_us = now;
		} else {
			g->phase = P_FINISH;
		}
	}
	if (g->phase == P_DATA || g->phase == P_REPAIR)
		run_stream(g, now);
	if (g->phase == P_STATUS && !count_in(g, B_QUERY))
		end_status(g, now);
	if (g->phase == P_FINISH && count_in(g, B_WAIT))
		start_status(g, now);
	run_commands(g, now);
	if (g->phase == P_FINISH && count_in(g, B_END) == (int)g->nb) {
		send_to(g, g->cfg.group_mac, 0, FC_GROUP_LEAVE, FRAME_FLAG_GROUP, NULL, 0);
		g->phase = P_END;
		glog(g, "group done");
	}
}

uint64_t sess_group_next_deadline(const struct sess_group *g)
{
	uint64_t d = SESS_NEVER;

	if (g->phase == P_IDLE || g->phase == P_END)
		return SESS_NEVER;
	/* Paced in batches: wake once a batch's time of frames is due (sent
	 * at once, run_stream catches up), not once a frame. */
	if (g->phase == P_DATA || g->phase == P_REPAIR)
		d = g->tx_next_ns / 1000u + GROUP_BATCH_US;
	if (g->phase == P_JOIN || g->phase == P_STATUS || g->phase == P_FINISH) {
		/* a phase ends when its boards are done: poll at once */
		if ((g->phase == P_JOIN && !count_in(g, B_JOIN)) ||
		    (g->phase == P_STATUS && !count_in(g, B_QUERY)) ||
		    (g->phase == P_FINISH && count_in(g, B_END) == (int)g->nb))
			return 0;
	}
	for (unsigned i = 0; i < g->nb; i++) {
		const struct sess_group_board *b = &g->b[i];
		uint64_t t;

		if (!has_cmd(b->st))
			continue;
		if (!b->tries)
			return 0;
		t = b->last_tx + retry_us(b);
		if (b->st == B_ACT_QUERY && b->deadline < t)
			t = b->deadline;
		if (t < d)
			d = t;
	}
	return d;
}

int sess_group_done(const struct sess_group *g)
{
	return g->phase == P_END;
}

void sess_group_abort(struct sess_group *g, int err, const char *why, uint64_t now)
{
	if (g->phase == P_END)
		return;
	if (g->phase != P_IDLE)
		send_to(g, g->cfg.group_mac, 0, FC_GROUP_LEAVE, FRAME_FLAG_GROUP, NULL, 0);
	for (unsigned i = 0; i < g->nb; i++) {
		struct sess_group_board *b = &g->b[i];

		if (b->st == B_END)
			continue;
		if (g->phase != P_IDLE)
			send_to(g, b->mac, 0, FC_GROUP_LEAVE, 0, NULL, 0);
		if (!b->notice && !(b->flags & F_LOCAL) && !b->detail) {
			b->flags |= F_LOCAL;
			b->got = (uint32_t)-err;
			free(b->text);
			b->text = dupstr(why);
		}
		b->st = B_END;
	}
	(void)now;
	g->phase = P_END;
}

/* ---- results ---- */

void sess_group_result(const struct sess_group *g, unsigned i, struct sess_result *r)
{
	const struct sess_group_board *b = &g->b[i];

	memset(r, 0, sizeof(*r));
	r->notice = b->notice;
	r->detail = b->detail;
	r->by_board = !!(b->flags & F_BY_BOARD);
	r->rolled_back = !!(b->flags & F_ROLLED_BACK);
	r->expected = b->expected;
	r->got = b->got;
	if (b->flags & F_LOCAL)
		r->local = b->detail ? 1 : g->err ? g->err : -EINTR;
	if (b->text)
		snprintf(r->text, sizeof(r->text), "%s", b->text);
}

int sess_group_act_state(const struct sess_group *g, unsigned i)
{
	return g->b[i].act_state;
}

int sess_group_joined(const struct sess_group *g, unsigned i)
{
	return !!(g->b[i].flags & F_JOINED);
}

void sess_group_stats(const struct sess_group *g, struct sess_group_stats *st)
{
	*st = g->st;
}
