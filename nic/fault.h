/* SPDX-License-Identifier: MIT */
/*
 * fault — a nic decorator that makes a peer misbehave on the wire in one
 * exact, repeatable way (not at random, as impair does): fall silent, answer
 * a command with the wrong function code, leave out one frame. The reference
 * board uses it to reach every error notice over a real link, and tests use
 * it to make a host or a board meet a broken peer.
 *
 * Only frames of the configured EtherType that decode (frame_decode) are
 * counted, rewritten or dropped; everything else passes as it is, except
 * that a muted nic sends nothing at all.
 */
#ifndef ETHDL_NIC_FAULT_H
#define ETHDL_NIC_FAULT_H

#include <stdint.h>

#include "nic.h"

/** What to break. Zero everywhere is a nic that behaves. */
struct nic_fault {
	uint16_t ethertype; /* 0 = FRAME_ETHERTYPE_DEFAULT */
	/** Send nothing, hear everything. */
	int mute;
	/** 0 = never; else answer the first mute_after frames received, then
	 *  fall silent: a send is swallowed once more than mute_after frames
	 *  have been received (what --silent-after N always meant). */
	unsigned mute_after;
	/** 0 = off; else a sent frame with code rewrite_code goes out with code
	 *  rewrite_to, its CRC sealed again so that the frame is valid. */
	uint8_t rewrite_code, rewrite_to;
	/** 0 = off; else the frame with code drop_code and sequence drop_seq is
	 *  never sent (each attempt is swallowed); so is the frame with code
	 *  drop_code_also (when not 0) and the same sequence. */
	uint8_t drop_code, drop_code_also;
	uint32_t drop_seq;
};

struct nic_fault_stats {
	uint64_t received; /* frames counted toward mute_after */
	uint64_t muted;	   /* sends swallowed by mute / mute_after */
	uint64_t rewritten, dropped;
};

/**
 * Wrap inner with the faults of f (copied). A swallowed send returns 0, as
 * if it went. On success the wrapper owns inner (nic_close closes both); on
 * error (-NIC_E_NOMEM, -NIC_E_INVAL) *out is NULL and inner is the caller's.
 */
int nic_fault_wrap(struct nic **out, struct nic *inner, const struct nic_fault *f);
/** Counters of a fault nic (zeroes for other nics). */
void nic_fault_get_stats(struct nic *n, struct nic_fault_stats *st);

#endif
