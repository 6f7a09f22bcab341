/* SPDX-License-Identifier: MIT */
/*
 * overlap — the overlapped read-back (CAP_OVERLAP, PROTOCOL.md §10): while a
 * windowed download goes on, the board reads back each region it has
 * completely stored, from its store, and streams it to the host, which
 * compares it with the file it sent. This header holds what both machines
 * share: how a file is cut into regions and chunks, and the two records.
 *
 * A region is OVL_REGION_CHUNKS chunks; a chunk is block - OVL_HDR bytes of
 * the file (block: the download's). OVL_DATA's sequence numbers the chunks
 * of the file from 1; its data is the region's pass (u32) then the bytes.
 */
#ifndef ETHDL_OVERLAP_H
#define ETHDL_OVERLAP_H

#include <stddef.h>
#include <stdint.h>

#include "frame.h"

#define OVL_REGION_CHUNKS 64u
#define OVL_HDR		  4u  /* the pass in front of a chunk's bytes */
#define OVL_MIN_BLOCK	  64u /* smaller blocks read back afterwards */
#define OVL_WANT_ENTRY	  16u /* T_OVL_WANT: region u32, pass u32, chunk mask u64 */

/** The cut of a file of size bytes read back in chunks of block - OVL_HDR
 *  bytes: 0, or -1 when block is below OVL_MIN_BLOCK. */
struct ovl_geom {
	uint64_t size;
	unsigned chunk;	   /* bytes per chunk */
	uint64_t rbytes;   /* bytes per region */
	uint32_t regions;  /* regions of the file */
	uint64_t nchunks;  /* chunks of the file */
};

static inline int ovl_geom_init(struct ovl_geom *g, uint64_t size, unsigned block)
{
	if (block < OVL_MIN_BLOCK)
		return -1;
	g->size = size;
	g->chunk = block - OVL_HDR;
	g->rbytes = (uint64_t)g->chunk * OVL_REGION_CHUNKS;
	g->regions = (uint32_t)((size + g->rbytes - 1) / g->rbytes);
	g->nchunks = (size + g->chunk - 1) / g->chunk;
	return 0;
}

/** Chunks of region r (the last one may have fewer). */
static inline unsigned ovl_region_chunks(const struct ovl_geom *g, uint32_t r)
{
	uint64_t first = (uint64_t)r * OVL_REGION_CHUNKS;

	return g->nchunks - first < OVL_REGION_CHUNKS ? (unsigned)(g->nchunks - first)
						       : OVL_REGION_CHUNKS;
}

static inline uint64_t ovl_full_mask(unsigned chunks)
{
	return chunks >= 64 ? UINT64_MAX : (((uint64_t)1 << chunks) - 1);
}

/** Byte offset and length of chunk q (from 0) of the file. */
static inline uint64_t ovl_chunk_off(const struct ovl_geom *g, uint64_t q)
{
	return q * g->chunk;
}
static inline size_t ovl_chunk_len(const struct ovl_geom *g, uint64_t q)
{
	uint64_t off = q * g->chunk;

	return g->size - off < g->chunk ? (size_t)(g->size - off) : g->chunk;
}

/* ---- the board's side (board_ovl.c) ---- */

struct board_ovl {
	int on;		   /* this download is read back as it comes */
	int committed;	   /* the download is committed: read the image, not the part */
	int done_owed;	   /* OVL_DONE goes once the queue is empty */
	int type, role;	   /* the image to read after the commit (enum dev_role) */
	unsigned block;	   /* the download's */
	struct ovl_geom g;
	uint32_t *pass;	   /* per region: times it was read back (0 = not yet complete) */
	uint64_t *todo;	   /* per region: chunks still to send */
	uint32_t *ring;	   /* regions with chunks to send, oldest first */
	uint32_t head, count;
	uint64_t passes;   /* sum of pass[] */
	uint32_t crc;	   /* of the stored file, once committed */
	uint64_t blocked_until; /* the nic refused a frame: wait a little */
	unsigned credit;	/* data frames taken since the last poll */
	/* chunks read from the store in one run (one read, not one a chunk):
	 * chunks rk .. rk+rn-1 of region rr, pass rp, before or after the
	 * commit (rc); rn = 0: none */
	uint8_t *rbuf;
	uint32_t rr, rp, rk, rn;
	int rc;
	/* statistics (kept after the session, until the next download) */
	uint64_t chunks_sent, rereads, reads;
};

/* ---- the host's side (host_ovl.c) ---- */

struct host_ovl {
	int on;
	struct ovl_geom g;
	uint32_t *pass;	 /* per region: the newest pass seen */
	uint64_t *got;	 /* per region: chunks of that pass received and compared */
	uint32_t *ndiff; /* per region: bytes of that pass that differ from the file */
	uint32_t *first; /* per region: offset in the region of the first one, if any */
	uint8_t *touched; /* per region: the tick its last chunk came in */
	uint8_t tick;
	uint32_t proven; /* regions whose newest pass is complete and identical */
	uint64_t passes; /* sum of pass[] */
	uint64_t bytes_during, bytes_after; /* compared before / after DOWNLOAD_DONE */
	uint64_t chunks_rx, stale, rereads;
	uint64_t next_want; /* during the download: when to ask for lost chunks */
	uint64_t last_want; /* after it: when OVL_WANT with entries last went */
	uint64_t want_rx;   /* chunks_rx when it went */
	int after;	    /* DOWNLOAD_DONE came */
	uint8_t buf[FRAME_MAX_DATA];
};

#endif
