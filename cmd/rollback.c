/* SPDX-License-Identifier: MIT */
/* ethdl rollback: put the previous image of a type back. */
#include <stdlib.h>
#include <string.h>

#include "ethdl.h"

static const struct option longopts[] = {
	TARGET_LONGOPTS,
	{NULL, 0, NULL, 0},
};

int cmd_rollback(const struct command *cmd, int argc, char **argv)
{
	const struct target_cmd tc = {longopts, TARGET_SHORTOPTS, NULL, NULL, NULL};
	struct target_opts o;
	struct sess_host_config cfg;
	struct sess_result res;
	struct sess_host *h = NULL;
	struct nic *nic = NULL;
	int ret, args, sig;

	ret = target_parse(cmd, &tc, argc, argv, &o, &args);
	if (ret >= 0)
		return ret;
	if (args < argc)
		return usage_error("unexpected argument `%s'", argv[args]);
	if (o.strict)
		return usage_error("--strict offers no extensions: rollback needs the device "
				   "extension");
	ret = target_open_nic(&o, &nic);
	if (ret)
		return ret;
	ret = 1;
	h = calloc(1, sizeof(*h));
	if (!h) {
		error_line("out of memory");
		goto out;
	}
	target_session_config(&o, nic, SESS_ROLLBACK, &cfg);
	cfg.wall_offset_us = wall_offset_us();
	memset(&res, 0, sizeof(res));
	sig = device_run(&o, &cfg, h, 1, &res);
	ret = device_finish(&o, "rollback", &res, sig);
	if (!ret)
		activation_report(&o, "rollback", sess_host_activation(h), 0);
out:
	if (h)
		sess_host_dispose(h);
	free(h);
	nic_close(nic);
	return ret;
}
