/* SPDX-License-Identifier: MIT */
/*
 * fec — Reed-Solomon parity of one generation, over Intel ISA-L
 * (PROTOCOL.md §8). A generation is k source blocks of `block` bytes (the
 * last one of a file padded with zeros); parity index i is row k + i of
 * ISA-L's Cauchy matrix (gf_gen_cauchy1_matrix), i < FEC_MAX_ROWS - k. Any k
 * distinct symbols (source blocks or parity) recover the generation.
 *
 * No I/O; the calls allocate only their own scratch (freed before they
 * return). Firmware-compilable with ISA-L.
 */
#ifndef ETHDL_FEC_H
#define ETHDL_FEC_H

#include <stddef.h>
#include <stdint.h>

#define FEC_MAX_ROWS 255u /* source + parity rows of one generation: GF(2^8) */
#define FEC_MAX_K    128u /* largest generation */
#define FEC_K	     128u /* the generation the host uses */

/** Parity indices a generation of k source blocks has. */
static inline unsigned fec_max_parity(unsigned k)
{
	return k && k <= FEC_MAX_K ? FEC_MAX_ROWS - k : 0;
}

/**
 * Compute count parity blocks of a generation: parity index first + c into
 * parity[c] (block bytes each), for c < count. src[j] are the k source
 * blocks (block bytes each). 0, or -EINVAL (k out of 1..FEC_MAX_K, indices
 * past fec_max_parity(k), block 0), -ENOMEM.
 */
int fec_encode(unsigned k, size_t block, const uint8_t *const *src, unsigned first,
	       unsigned count, uint8_t *const *parity);

/**
 * Recover the missing source blocks of a generation of k from exactly k
 * distinct symbols. sym[s] (block bytes) is symbol row[s]: a source block
 * when row[s] < k, else parity index row[s] - k. The source blocks listed
 * in missing[0..nmissing) (indices 0..k-1, none of them among the rows) are
 * written to out[m]. 0, or -EINVAL (a row repeated or out of range, a
 * missing block that is given), -ENOMEM. Cauchy rows never make a singular
 * system; -EDOM would say so.
 */
int fec_decode(unsigned k, size_t block, const uint8_t *row, const uint8_t *const *sym,
	       const uint8_t *missing, unsigned nmissing, uint8_t *const *out);

#endif
