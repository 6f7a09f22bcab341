/* SPDX-License-Identifier: MIT */
/* What both programs share at run time: the clock, opening a nic with its
 * decorators, and the poll loop. (Their command lines share opts.h.) */
#ifndef ETHDL_CMD_COMMON_H
#define ETHDL_CMD_COMMON_H

#include <stdint.h>

#include "auth.h"
#include "fault.h"
#include "nic.h"
#include "opts.h"

uint64_t mono_us(void);

struct nic_setup {
	const char *ifname;
	uint16_t ethertype;
	const char *capture;	  /* pcap file for every frame, or NULL */
	struct nic_impair impair; /* applied when any probability is set */
	struct nic_fault fault;	  /* a peer that misbehaves on purpose (tests) */
	unsigned buffer_bytes;
};

/** Open ifname with the capture and impair decorators. On failure prints
 *  the reason (prog: ...) and returns NULL. */
struct nic *open_nic(const char *prog, const struct nic_setup *s);

/** The nic_open() result of the last open_nic(): 0 or -enum nic_err. */
int open_nic_error(void);
/** The interface name of the last open_nic(). */
const char *open_nic_ifname(void);

/** A block size asked for with opt (--block, --max-block) that the MTU of
 *  n cannot carry: the usage error naming the largest that fits
 *  (EXIT_USAGE), else 0. block 0 means "as the MTU allows". */
int check_block_fits(const char *opt, unsigned block, const struct nic *n);

/** Read the key file path of opt (--auth-key): 64 hex digits, whitespace
 *  ignored, into k (with the OpenSSL ops). 0, or EXIT_USAGE after saying
 *  what is wrong with the file. */
int auth_key_load(const char *opt, const char *path, struct sess_auth_key *k);

/** Pass on what n queued (nic_flush), then wait for input on n up to
 *  deadline (mono_us), or a signal. Returns 1 if
 *  input may be waiting, 0 on timeout, -1 if interrupted. */
int wait_input(struct nic *n, uint64_t deadline);

#endif
