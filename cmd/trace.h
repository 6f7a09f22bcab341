/* SPDX-License-Identifier: MIT */
/* trace: a nic decorator for -vv that logs every frame sent and received
 * (direction, function code, sequence, data length) on a stream. */
#ifndef ETHDL_CMD_TRACE_H
#define ETHDL_CMD_TRACE_H

#include <stdint.h>
#include <stdio.h>

#include "nic.h"

/** One line for the frame buf of len bytes into out: "tx CONNECT seq 0
 *  len 24" (dir is "tx" or "rx"), or what is wrong with it. Returns out. */
char *trace_format(char *out, size_t cap, const char *dir, const uint8_t *buf, size_t len,
		   uint16_t ethertype);

/** Wrap inner so that every frame is logged on log ("ethdl: " first);
 *  closing the wrapper closes inner. NULL (inner untouched) out of memory. */
struct nic *trace_wrap(struct nic *inner, uint16_t ethertype, FILE *log);

#endif
