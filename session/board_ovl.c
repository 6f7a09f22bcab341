/* SPDX-License-Identifier: MIT */
/*
 * The board's side of the overlapped read-back (PROTOCOL.md §10): once every
 * byte of a region is stored, the region is queued; it is read back from the
 * store a chunk at a time and sent as OVL_DATA, tagged with the region's
 * pass. A region written again after it was queued gets a new pass and is
 * sent again. After the commit the rest of the queue is read from the stored
 * image, then OVL_DONE tells the host how many passes there were in all.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "board_int.h"
#include "common.h"

/* OVL_DATA frames per poll while the download runs: one per data frame
 * taken since the last poll (at most OVL_MAX), so the read-back never
 * sends faster than the data comes and the board's status reports do not
 * wait behind it in its send queue; OVL_BATCH when no data came for
 * OVL_IDLE_US (the download waits on repair) and after the commit. Input
 * is drained before each poll, so the download's frames and the status
 * reports always go first. */
#define OVL_BATCH   16
#define OVL_MAX	    512
#define OVL_IDLE_US 1000
/* Chunks read from the store at once: the chunk to send and those after it
 * in its region, in one read (a read per chunk was one system call per
 * frame on the reference board). */
#define OVL_RUN 16u

void board_ovl_end(struct sess_board *b)
{
	struct board_ovl *o = &b->ovl;
	/* what the last one did stays to be looked at */
	uint64_t passes = o->passes, sent = o->chunks_sent, rereads = o->rereads, reads = o->reads;

	free(o->pass);
	free(o->todo);
	free(o->ring);
	free(o->rbuf);
	memset(o, 0, sizeof(*o));
	o->passes = passes;
	o->chunks_sent = sent;
	o->rereads = rereads;
	o->reads = reads;
}

static void enqueue(struct board_ovl *o, uint32_t r, uint64_t chunks)
{
	int queued = o->todo[r] != 0;

	o->todo[r] |= chunks & ovl_full_mask(ovl_region_chunks(&o->g, r));
	if (!queued && o->todo[r]) {
		o->ring[(o->head + o->count) % o->g.regions] = r;
		o->count++;
	}
}

/* Every block holding a byte of region r is stored. */
static int region_complete(const struct sess_board *b, uint32_t r)
{
	const struct board_ovl *o = &b->ovl;
	uint64_t start = (uint64_t)r * o->g.rbytes;
	uint64_t end = start + o->g.rbytes < o->g.size ? start + o->g.rbytes : o->g.size;
	uint32_t s = (uint32_t)(start / o->block) + 1, last = (uint32_t)((end - 1) / o->block) + 1;

	for (; s <= last; s++)
		if (!bitmap_get(&b->rx.rw.got, s))
			return 0;
	return 1;
}

/* Region r is read back (again): a new pass, every chunk to send. */
static void new_pass(struct board_ovl *o, uint32_t r)
{
	if (o->pass[r])
		o->rereads++;
	o->pass[r]++;
	o->passes++;
	enqueue(o, r, UINT64_MAX);
}

int board_ovl_begin(struct sess_board *b, uint64_t size, unsigned block)
{
	struct board_ovl *o = &b->ovl;

	board_ovl_end(b);
	o->passes = o->chunks_sent = o->rereads = o->reads = 0;
	if (!b->overlap || ovl_geom_init(&o->g, size, block) < 0)
		return 0;
	o->block = block;
	if (o->g.regions) {
		o->pass = calloc(o->g.regions, sizeof(*o->pass));
		o->todo = calloc(o->g.regions, sizeof(*o->todo));
		o->ring = calloc(o->g.regions, sizeof(*o->ring));
		o->rbuf = malloc((size_t)OVL_RUN * o->g.chunk);
		if (!o->pass || !o->todo || !o->ring || !o->rbuf) {
			board_ovl_end(b);
			return -ENOMEM;
		}
	}
	o->on = 1;
	/* a resumed download: what was kept is read back at once */
	for (uint32_t r = 0; r < o->g.regions; r++)
		if (region_complete(b, r))
			new_pass(o, r);
	return 0;
}

void board_ovl_stored(struct sess_board *b, uint32_t seq)
{
	struct board_ovl *o = &b->ovl;
	uint64_t off = (uint64_t)(seq - 1) * o->block, end = off + o->block;

	if (!o->on || o->committed || !o->g.regions)
		return;
	o->credit++;
	if (end > o->g.size)
		end = o->g.size;
	for (uint32_t r = (uint32_t)(off / o->g.rbytes); r <= (end - 1) / o->g.rbytes; r++)
		if (!o->pass[r] && region_complete(b, r))
			new_pass(o, r);
}

int board_ovl_repeat(struct sess_board *b, const struct frame *f)
{
	struct board_ovl *o = &b->ovl;
	uint64_t off = (uint64_t)(f->seq - 1) * o->block, end;
	int r;

	if (!o->on || o->committed || f->seq < 1 || off >= o->g.size)
		return 0;
	o->credit++;
	if (!(f->flags & FRAME_FLAG_RETX))
		return 0; /* a copy the link made: the same bytes */
	end = off + f->len;
	if (end > o->g.size || f->len != (o->g.size - off < o->block ? o->g.size - off : o->block))
		return 0;
	/* A retransmission is written again, the last write wins: the store
	 * holds what came last, and a region already read back is read back
	 * again. */
	r = dev_download_rewrite(&b->dev, off, f->data, f->len);
	if (r < 0)
		return r;
	for (uint32_t g = (uint32_t)(off / o->g.rbytes); g <= (end - 1) / o->g.rbytes; g++)
		if (o->pass[g])
			new_pass(o, g);
	return 0;
}

void board_ovl_committed(struct sess_board *b, int type, int role, uint32_t crc)
{
	struct board_ovl *o = &b->ovl;

	if (!o->on)
		return;
	o->committed = 1;
	o->type = type;
	o->role = role;
	o->crc = crc;
	o->done_owed = 1;
}

void board_ovl_want(struct sess_board *b, const struct frame *f, uint64_t now)
{
	struct board_ovl *o = &b->ovl;
	const uint8_t *e;
	size_t l;
	int fresh = 0;

	if (!o->on)
		return;
	for (unsigned i = 0; (e = tlv_find(f->data, f->len, T_OVL_WANT, i, &l)) != NULL; i++) {
		uint32_t r = get_be32(e), p = get_be32(e + 4);

		if (l != OVL_WANT_ENTRY || r >= o->g.regions || !o->pass[r])
			continue;
		/* a chunk of an older pass is sent in the newer one */
		if (p == o->pass[r] || p < o->pass[r]) {
			fresh = 1;
			enqueue(o, r, p == o->pass[r] ? get_be64(e + 8) : UINT64_MAX);
		}
	}
	if (o->committed)
		o->done_owed = 1;
	if (fresh)
		b->last_progress = now;
}

static int read_chunk(struct sess_board *b, uint64_t off, void *buf, size_t len)
{
	struct board_ovl *o = &b->ovl;

	if (o->committed)
		return dev_read(&b->dev, o->type, (enum dev_role)o->role, off, buf, len);
	return dev_download_read(&b->dev, off, buf, len);
}

/* Chunk k of region r, as the store holds it now: from the run last read
 * if it holds it for this pass, else from a new run read from k on. A
 * region written again has a new pass, so a run of the old one is never
 * sent in its name. */
static const uint8_t *chunk_bytes(struct sess_board *b, uint32_t r, unsigned k, int *err)
{
	struct board_ovl *o = &b->ovl;
	uint64_t q = (uint64_t)r * OVL_REGION_CHUNKS + k;
	unsigned n = ovl_region_chunks(&o->g, r) - k;

	if (!o->rn || o->rr != r || o->rp != o->pass[r] || o->rc != o->committed || k < o->rk ||
	    k >= o->rk + o->rn) {
		uint64_t off = ovl_chunk_off(&o->g, q), end;

		if (n > OVL_RUN)
			n = OVL_RUN;
		end = ovl_chunk_off(&o->g, q + n - 1) + ovl_chunk_len(&o->g, q + n - 1);
		o->rn = 0;
		*err = read_chunk(b, off, o->rbuf, (size_t)(end - off));
		if (*err < 0)
			return NULL;
		o->reads++;
		o->rr = r;
		o->rp = o->pass[r];
		o->rc = o->committed;
		o->rk = k;
		o->rn = n;
	}
	return o->rbuf + (size_t)(k - o->rk) * o->g.chunk;
}

static int send_chunk(struct sess_board *b, uint32_t r, unsigned k)
{
	struct board_ovl *o = &b->ovl;
	uint64_t q = (uint64_t)r * OVL_REGION_CHUNKS + k;
	size_t len = ovl_chunk_len(&o->g, q);
	const uint8_t *src;
	struct frame f;
	int n, e = 0;

	put_be32(b->tx + FRAME_HDR_LEN, o->pass[r]);
	src = chunk_bytes(b, r, k, &e);
	if (!src)
		return e;
	memcpy(b->tx + FRAME_HDR_LEN + OVL_HDR, src, len);
	memset(&f, 0, sizeof(f));
	f.version = FRAME_VERSION;
	f.session = b->session;
	f.seq = (uint32_t)(q + 1);
	f.code = FC_OVL_DATA;
	f.len = (uint16_t)(len + OVL_HDR);
	memcpy(f.dst, b->host, 6);
	memcpy(f.src, b->cfg.nic->mac, 6);
	n = frame_seal(b->tx, sizeof(b->tx), &f, etype(b->cfg.ethertype));
	if (n < 0 || nic_send(b->cfg.nic, b->tx, (size_t)n) < 0)
		return 1;
	o->chunks_sent++;
	return 0;
}

static void send_done(struct sess_board *b)
{
	struct board_ovl *o = &b->ovl;
	uint8_t d[64];
	struct tlv_writer w;

	tlv_writer_init(&w, d, sizeof(d));
	tlv_put_u64(&w, T_SIZE, o->g.size);
	tlv_put_u32(&w, T_CRC, o->crc);
	tlv_put_u32(&w, T_REGIONS, o->g.regions);
	tlv_put_u64(&w, T_PASSES, o->passes);
	if (board_send(b, FC_OVL_DONE, 0, d, w.len) >= 0)
		o->done_owed = 0;
}

int board_ovl_poll(struct sess_board *b, uint64_t now)
{
	struct board_ovl *o = &b->ovl;
	unsigned budget, i;

	if (!o->on || now < o->blocked_until)
		return 0;
	/* Credit not spent (a turn that took more frames than it may send, a
	 * full queue, nothing queued yet) is kept, up to OVL_MAX: dropped, the
	 * read-back would fall behind the data for good on a busy board and
	 * be left for after the download. */
	if (o->credit > OVL_MAX)
		o->credit = OVL_MAX;
	budget = o->credit;
	if (o->committed || (!budget && now - b->last_progress >= OVL_IDLE_US))
		budget = OVL_BATCH;
	for (i = 0; i < budget && o->count; i++, o->credit -= o->credit > 0) {
		uint32_t r = o->ring[o->head];
		unsigned k = 0;
		int e;

		while (!(o->todo[r] >> k & 1))
			k++;
		e = send_chunk(b, r, k);
		if (e < 0)
			return e;
		if (e > 0) {
			o->blocked_until = now + 200; /* a full queue: let it drain */
			return 0;
		}
		o->todo[r] &= ~((uint64_t)1 << k);
		if (!o->todo[r]) {
			o->head = (o->head + 1) % o->g.regions;
			o->count--;
		}
	}
	if (!o->count && o->done_owed)
		send_done(b);
	return 0;
}

uint64_t board_ovl_deadline(const struct sess_board *b)
{
	const struct board_ovl *o = &b->ovl;
	uint64_t idle = b->last_progress + OVL_IDLE_US;

	if (!o->on || (!o->count && !o->done_owed))
		return SESS_NEVER;
	/* while the data comes, its frames wake the board */
	return o->committed || o->blocked_until > idle ? o->blocked_until : idle;
}
