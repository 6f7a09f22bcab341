/* SPDX-License-Identifier: MIT */
/* --progress-fd FD: a command that talks to one board writes its progress
 * as JSON lines on FD, for a program that drives it (ethdl batch). */
#ifndef ETHDL_CMD_PROGRESS_FD_H
#define ETHDL_CMD_PROGRESS_FD_H

#include <stdint.h>

#include "session.h"

/** The help line of the option. */
#define PROGRESS_FD_HELP                                                                           \
	"      --progress-fd FD   write progress to file descriptor FD as JSON lines:\n"          \
	"                         {\"event\":\"progress\",\"board\":MAC,\"phase\":\"connect|data|\n"  \
	"                         repair|read-back|activate\",\"bytes\":N,\"total\":N,\"rate\":N,\n"   \
	"                         \"eta_ms\":N,\"resumed_bytes\":N}, at most every 250 ms\n"        \
	"                         and at each change of phase (rate in bytes/s)\n"

/** Take --progress-fd's argument: an open descriptor from 3 on. 0, or
 *  EXIT_USAGE after saying why. */
int progress_fd_option(const char *arg);
/** The board the progress is about. */
void progress_fd_board(const uint8_t mac[6]);
/** Write a line when due (nothing without --progress-fd). */
void progress_fd_update(const struct sess_host_stats *st, uint64_t now);

#endif
