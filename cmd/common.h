/* SPDX-License-Identifier: MIT */
/* What both programs share: clock, MAC parsing, opening a nic with its
 * decorators, and the poll loop. */
#ifndef ETHDL_CMD_COMMON_H
#define ETHDL_CMD_COMMON_H

#include <stdint.h>

#include "fault.h"
#include "nic.h"

#define EXIT_USAGE 2

uint64_t mono_us(void);
/** Parse "aa:bb:cc:dd:ee:ff" (or with '-'); 0 on success, -1 otherwise. */
int parse_mac(const char *s, uint8_t mac[6]);
void format_mac(const uint8_t mac[6], char out[18]);
/** Parse a probability 0..1; -1 on error. */
int parse_prob(const char *s, double *p);
/** Parse a hexadecimal EtherType, 0600..ffff; -1 on error. */
int parse_ethertype(const char *s, uint16_t *out);
/** Parse a positive number with an optional k/M/G suffix (powers of 1000). */
int parse_num(const char *s, double *v);

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

/** Wait for input on n up to deadline (mono_us), or a signal. Returns 1 if
 *  input may be waiting, 0 on timeout, -1 if interrupted. */
int wait_input(struct nic *n, uint64_t deadline);

#endif
