/* SPDX-License-Identifier: MIT */
/*
 * The record grammar fuzz_board and fuzz_host share: a frame is chosen, not
 * spelled out, so that the fuzzer reaches deep states of a machine with few
 * bytes. One record:
 *
 *   sel u8    who sends and how (each target says)
 *   code u8   an index into the target's table of codes; past its end, the
 *             byte itself is the code (reserved and unknown ones included)
 *   seq u8    the sequence: 0xF0 0, 0xF1 frames+1, 0xF2 0xFFFFFFFF,
 *             0xF3 0x80000000, 0xF4 the last frame; else the byte itself
 *   dt u8     the fake clock moves on dt x 20 ms before the frame
 *   n u8      bits 0-3: TLVs picked from the dictionary (3 bytes each
 *             follow: index, mode, value); bit 7: then the code's canonical
 *             TLVs (the picks come first, so they win: tlv_find takes the
 *             first of a type)
 *
 * A pick's mode: 0 the canonical value, 1 plus value, 2 minus value,
 * 3 the value alone, 4 value << 24, 5 all ones, 6 empty, 7 three bytes.
 */
#ifndef ETHDL_FUZZ_PICK_H
#define ETHDL_FUZZ_PICK_H

#include <stdint.h>
#include <string.h>

#include "frame.h"
#include "proto.h"

#define PICK_HDR 5

struct pick_tlv {
	uint8_t type;
	uint8_t width; /* 1, 2, 4, 8: an integer; else bytes of canon_bytes */
	uint64_t canon;
	const uint8_t *canon_bytes;
};

static inline uint32_t pick_seq(uint8_t b, uint32_t frames)
{
	switch (b) {
	case 0xF0: return 0;
	case 0xF1: return frames + 1;
	case 0xF2: return 0xffffffffu;
	case 0xF3: return 0x80000000u;
	case 0xF4: return frames;
	default: return b;
	}
}

/* Append one picked TLV to w. */
static inline void pick_put(struct tlv_writer *w, const struct pick_tlv *t, uint8_t mode, uint8_t v)
{
	uint64_t x = t->canon;
	uint8_t b[8];

	if (t->width != 1 && t->width != 2 && t->width != 4 && t->width != 8) {
		if (mode == 6)
			tlv_put(w, t->type, NULL, 0);
		else
			tlv_put(w, t->type, t->canon_bytes, t->width);
		return;
	}
	switch (mode & 7) {
	case 0: break;
	case 1: x += v; break;
	case 2: x -= v; break;
	case 3: x = v; break;
	case 4: x = (uint64_t)v << 24; break;
	case 5: x = UINT64_MAX; break;
	case 6: tlv_put(w, t->type, NULL, 0); return;
	case 7:
		b[0] = v;
		b[1] = (uint8_t)x;
		b[2] = (uint8_t)(x >> 8);
		tlv_put(w, t->type, b, 3);
		return;
	}
	for (int i = 0; i < t->width; i++)
		b[i] = (uint8_t)(x >> (8 * (t->width - 1 - i)));
	tlv_put(w, t->type, b, t->width);
}

/* The picks of a record at r (n of them, 3 bytes each; the caller checked
 * they are there) into w. */
static inline void pick_all(struct tlv_writer *w, const struct pick_tlv *dict, size_t ndict,
			    const uint8_t *r, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		pick_put(w, &dict[r[3 * i] % ndict], r[3 * i + 1], r[3 * i + 2]);
}

#endif
