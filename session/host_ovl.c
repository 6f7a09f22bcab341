/* SPDX-License-Identifier: MIT */
/*
 * The host's side of the overlapped read-back (PROTOCOL.md §10): each chunk
 * of OVL_DATA is compared at once with the file (read from the source, never
 * held whole); per region the host keeps only the newest pass, which chunks
 * of it came and how they compared. Lost chunks are asked for with OVL_WANT.
 * The verdict waits for OVL_DONE after DOWNLOAD_DONE: every region complete
 * in the board's newest pass, and the CRC of the stored file.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "host_int.h"

#define OVL_NONE      UINT32_MAX
#define WANT_FRAMES   4	 /* OVL_WANT frames per round during the download */
#define WANT_ENTRIES  64 /* at most, in one OVL_WANT */

int host_ovl_offer(const struct sess_host *h)
{
	return !h->cfg.strict && !h->cfg.no_overlap && h->cfg.job == SESS_DOWNLOAD &&
	       h->cfg.readback;
}

void host_ovl_dispose(struct sess_host *h)
{
	struct host_ovl *o = &h->ovl;

	free(o->pass);
	free(o->got);
	free(o->ndiff);
	free(o->first);
	free(o->touched);
	o->pass = NULL;
	o->got = NULL;
	o->ndiff = NULL;
	o->first = NULL;
	o->touched = NULL;
	o->on = 0;
}

size_t host_ovl_memory(const struct sess_host *h)
{
	const struct host_ovl *o = &h->ovl;

	return sizeof(*o) + (size_t)o->g.regions * (sizeof(*o->pass) + sizeof(*o->got) +
						    sizeof(*o->ndiff) + sizeof(*o->first) +
						    sizeof(*o->touched));
}

/* The read-back interval while the download runs: 8 round trips (5 ms at
 * least), at most timeout/30. */
static uint64_t interval(const struct sess_host *h)
{
	uint64_t step = h->cfg.timeout_us / 30;

	if (h->rtt_us && 8 * h->rtt_us < step)
		step = 8 * h->rtt_us > 5000 ? 8 * h->rtt_us : 5000;
	return step;
}

int host_ovl_start(struct sess_host *h, uint64_t now)
{
	struct host_ovl *o = &h->ovl;
	uint32_t n;

	host_ovl_dispose(h);
	memset(o, 0, offsetof(struct host_ovl, buf));
	if (!host_ovl_offer(h) || !h->windowed || !(h->board.caps & CAP_OVERLAP) ||
	    ovl_geom_init(&o->g, h->cfg.size, h->block) < 0)
		return 0;
	n = o->g.regions;
	if (n) {
		o->pass = calloc(n, sizeof(*o->pass));
		o->got = calloc(n, sizeof(*o->got));
		o->ndiff = calloc(n, sizeof(*o->ndiff));
		o->first = calloc(n, sizeof(*o->first));
		o->touched = calloc(n, 1);
		if (!o->pass || !o->got || !o->ndiff || !o->first || !o->touched) {
			host_ovl_dispose(h);
			return -ENOMEM;
		}
	}
	o->on = 1;
	o->next_want = now + interval(h);
	hlog(h, "reading back as it comes: %u regions of %llu bytes", n,
	     (unsigned long long)o->g.rbytes);
	return 0;
}

static int complete(const struct host_ovl *o, uint32_t r)
{
	return o->pass[r] && o->got[r] == ovl_full_mask(ovl_region_chunks(&o->g, r));
}

void host_ovl_data(struct sess_host *h, const struct frame *f, uint64_t now)
{
	struct host_ovl *o = &h->ovl;
	uint64_t q = (uint64_t)f->seq - 1, off;
	uint32_t r, p, k, nd = 0, first = OVL_NONE;
	size_t len;
	const uint8_t *d = f->data + OVL_HDR;
	int was;

	if (f->seq < 1 || q >= o->g.nchunks || f->len < OVL_HDR)
		return;
	len = ovl_chunk_len(&o->g, q);
	if (f->len != len + OVL_HDR)
		return; /* not a chunk of this file: dropped */
	r = (uint32_t)(q / OVL_REGION_CHUNKS);
	k = (uint32_t)(q % OVL_REGION_CHUNKS);
	p = get_be32(f->data);
	if (p < o->pass[r] || !p) {
		o->stale++;
		return; /* an older pass: a newer read of the region is coming or came */
	}
	was = complete(o, r) && !o->ndiff[r];
	if (p > o->pass[r]) {
		/* the region was read again: only the new pass counts */
		if (o->pass[r])
			o->rereads++;
		o->passes += p - o->pass[r];
		o->pass[r] = p;
		o->got[r] = 0;
		o->ndiff[r] = 0;
		o->first[r] = OVL_NONE;
		if (was)
			o->proven--;
		was = 0;
	}
	if (o->got[r] >> k & 1)
		return; /* a repeat */
	off = ovl_chunk_off(&o->g, q);
	if (h->cfg.src->read(h->cfg.src->ctx, off, o->buf, len) < 0) {
		host_fail(h, now, NOTICE_NONE, D_NONE, 0, 0, "reading the file to compare");
		return;
	}
	for (size_t i = 0; i < len; i++)
		if (o->buf[i] != d[i]) {
			if (first == OVL_NONE)
				first = (uint32_t)(off - (uint64_t)r * o->g.rbytes + i);
			nd++;
		}
	o->got[r] |= (uint64_t)1 << k;
	o->touched[r] = o->tick;
	o->chunks_rx++;
	if (nd) {
		if (!o->ndiff[r] || first < o->first[r])
			o->first[r] = first;
		o->ndiff[r] += nd;
	}
	if (o->after)
		o->bytes_after += len;
	else
		o->bytes_during += len;
	if (!was && complete(o, r) && !o->ndiff[r])
		o->proven++;
	h->last_progress = now;
}

/* OVL_WANT entries for the regions that lack chunks, from region *from on:
 * all of them (after OVL_DONE), or during the download only those that
 * started and heard nothing for a round. Returns the data length. */
static size_t want_tlvs(struct sess_host *h, uint32_t *from, int all, uint8_t *d, size_t cap)
{
	struct host_ovl *o = &h->ovl;
	struct tlv_writer w;
	unsigned n = 0;
	uint32_t r = *from;

	tlv_writer_init(&w, d, cap);
	for (; r < o->g.regions && n < WANT_ENTRIES; r++) {
		uint64_t full = ovl_full_mask(ovl_region_chunks(&o->g, r));
		uint8_t e[OVL_WANT_ENTRY];

		if (complete(o, r) || (!all && (!o->pass[r] || o->touched[r] == o->tick)))
			continue;
		put_be32(e, r);
		put_be32(e + 4, o->pass[r]);
		put_be64(e + 8, o->pass[r] ? full & ~o->got[r] : full);
		tlv_put(&w, T_OVL_WANT, e, sizeof(e));
		if (w.overflow) {
			w.overflow = 0;
			w.len -= 2 + OVL_WANT_ENTRY;
			break;
		}
		n++;
	}
	*from = r;
	return w.len;
}

static size_t want_room(const struct sess_host *h)
{
	size_t room = sess_block_for_mtu(h->cfg.nic->mtu);

	if (h->cfg.auth)
		room = room > SESS_AUTH_TRAILER ? room - SESS_AUTH_TRAILER : 0;
	return room < 1200 ? room : 1200;
}

void host_ovl_poll(struct sess_host *h, uint64_t now)
{
	struct host_ovl *o = &h->ovl;
	uint8_t d[1200];
	uint32_t from = 0;

	if (!o->on || o->after || now < o->next_want)
		return;
	for (int i = 0; i < WANT_FRAMES && from < o->g.regions; i++) {
		size_t len = want_tlvs(h, &from, 0, d, want_room(h));

		if (!len)
			break;
		host_send_frame(h, FC_OVL_WANT, d, len);
	}
	o->tick++;
	o->next_want = now + interval(h);
}

uint64_t host_ovl_deadline(const struct sess_host *h)
{
	return h->ovl.on && !h->ovl.after ? h->ovl.next_want : SESS_NEVER;
}

void host_ovl_download_done(struct sess_host *h, uint64_t now)
{
	h->ovl.after = 1;
	h->t_rb_start = now;
	h->rb_size = h->cfg.size;
	h->rb_crc = h->cfg.crc;
	/* the board sends OVL_DONE when its queue is empty; asked again if
	 * it does not come */
	host_keep_cmd(h, FC_OVL_WANT, NULL, 0, H_OVL, 1, now);
}

void host_ovl_done(struct sess_host *h, const struct frame *f, uint64_t now)
{
	struct host_ovl *o = &h->ovl;
	uint64_t size, crc, passes, regions, ndiff = 0;
	uint32_t from = 0, worst = OVL_NONE;
	uint8_t d[1200];
	size_t len;

	if (!tlv_get_uint(f->data, f->len, T_SIZE, &size) ||
	    !tlv_get_uint(f->data, f->len, T_CRC, &crc) ||
	    !tlv_get_uint(f->data, f->len, T_PASSES, &passes) ||
	    !tlv_get_uint(f->data, f->len, T_REGIONS, &regions) || regions != o->g.regions ||
	    passes < o->passes) {
		host_fail(h, now, NOTICE_WRONG_COMMAND, D_BAD_FIELD, 0, 0,
			  "OVL_DONE without size, CRC and passes, or not of this file");
		return;
	}
	if (host_check_stored(h, size, (uint32_t)crc, now) < 0)
		return;
	len = want_tlvs(h, &from, 1, d, want_room(h));
	if (len) {
		/* chunks are missing: asked for again at once if chunks came
		 * since the last question (the board sends OVL_DONE after what
		 * it was asked for, so on a link that keeps order what is still
		 * missing was lost), else at most once an interval (a chunk
		 * that never comes must not make a storm of questions);
		 * OVL_DONE comes again after them */
		uint64_t progress = h->last_progress; /* asking again is not progress */
		int now_ok = o->chunks_rx != o->want_rx || now - o->last_want >= interval(h);

		host_keep_cmd(h, FC_OVL_WANT, d, len, H_OVL, !now_ok, now);
		h->last_progress = progress;
		if (now_ok) {
			o->last_want = now;
			o->want_rx = o->chunks_rx;
		}
		return;
	}
	if (passes > o->passes) {
		/* a region was read again and none of that pass came: read the
		 * whole file back afterwards */
		hlog(h, "the board read %llu passes, %llu came: reading back afterwards",
		     (unsigned long long)passes, (unsigned long long)o->passes);
		o->on = 0;
		host_send_readback(h, now);
		return;
	}
	for (uint32_t r = 0; r < o->g.regions; r++)
		if (o->ndiff[r]) {
			if (worst == OVL_NONE)
				worst = r;
			ndiff += o->ndiff[r];
		}
	if (worst != OVL_NONE) {
		h->result.offset = (uint64_t)worst * o->g.rbytes + o->first[worst];
		h->result.ndiff = ndiff;
		host_fail(h, now, NOTICE_READBACK_MISMATCH, D_NONE, 0, 0,
			  "read-back differs from the file at offset %llu (%llu bytes differ)",
			  (unsigned long long)h->result.offset, (unsigned long long)ndiff);
		return;
	}
	hlog(h, "read-back done: %llu bytes identical, %llu of them compared during the download",
	     (unsigned long long)h->cfg.size, (unsigned long long)o->bytes_during);
	host_dev_proven(h, now);
}
