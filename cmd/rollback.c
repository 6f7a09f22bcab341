/* SPDX-License-Identifier: MIT */
/* ethdl rollback: put the previous image of a type back. */
#include <stdlib.h>
#include <string.h>

#include "ethdl.h"

static const struct option longopts[] = {
	TARGET_LONGOPTS,
	{NULL, 0, NULL, 0},
};

static void report(const struct target_opts *o, const struct sess_host *h, int code, void *ctx)
{
	(void)code;
	(void)ctx;
	activation_report(o, "rollback", sess_host_activation(h), 0);
}

int cmd_rollback(const struct command *cmd, int argc, char **argv)
{
	const struct device_cmd dc = {
		.tc = {longopts, TARGET_SHORTOPTS, NULL, NULL, NULL},
		.job = SESS_ROLLBACK,
		.changes_board = 1,
		.report = report,
	};

	return device_command(cmd, &dc, argc, argv);
}
