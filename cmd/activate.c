/* SPDX-License-Identifier: MIT */
/* ethdl activate: activate the staged image of a type, now (and wait for
 * its health check) or at a time. */
#include <stdlib.h>
#include <string.h>

#include "ethdl.h"

struct activate_opts {
	int mode; /* enum sess_activate */
	uint64_t at, in;
};

enum {
	O_AT = O_OWN,
	O_IN,
};

static const struct option longopts[] = {
	TARGET_LONGOPTS,
	{"at", required_argument, NULL, O_AT},
	{"in", required_argument, NULL, O_IN},
	{NULL, 0, NULL, 0},
};

static const char help[] =
	"      --at TIME          activate at TIME, UTC (2026-12-02T10:00:00Z); the board\n"
	"                         counts from the host's clock, not its own\n"
	"      --in DURATION      activate DURATION from now (90s, 5m, 2h, or seconds)\n"
	"                         (default: now, then wait for the health check)\n";

static int own_opt(void *ctx, int c, const char *arg)
{
	struct activate_opts *a = ctx;

	if (a->mode != SESS_ACT_NOW)
		return usage_error("--at and --in go alone: give one of them");
	switch (c) {
	case O_AT: a->mode = SESS_ACT_AT; return opt_time("--at", arg, &a->at) ? EXIT_USAGE : -1;
	case O_IN:
		a->mode = SESS_ACT_IN;
		return opt_duration("--in", arg, &a->in) ? EXIT_USAGE : -1;
	}
	return usage_error("unhandled option %d", c);
}

/* The report of activate and rollback: one line of prose or one object. */
void activation_report(const struct target_opts *o, const char *what,
		       const struct sess_activation *a, int code)
{
	char mac[18], line[256];

	format_mac(o->board, mac);
	if (o->json) {
		json_t *j = json_object();

		json_object_set_new(j, "board", json_string(mac));
		json_object_set_new(j, "command", json_string(what));
		json_object_set_new(j, "type", json_string(proto_type_name(a->type)));
		activation_json(j, a);
		json_object_set_new(j, "result", json_string(code == 18 ? "rolled back" : "ok"));
		json_object_set_new(j, "exit", json_integer(code));
		json_print(stdout, j);
		return;
	}
	if (!strcmp(what, "rollback")) {
		char from[24], to[24];

		/* after ROLLBACK, "from" was active and "to" is active now */
		snprintf(line, sizeof(line), "rolled back from %s to %s",
			 sess_version_format(&a->from, from, sizeof(from)),
			 sess_version_format(&a->to, to, sizeof(to)));
	} else {
		activation_prose(a, line, sizeof(line));
	}
	fprintf(code ? stderr : stdout, "%s: %s %s: %s\n", PROG, mac, proto_type_name(a->type),
		line);
	fflush(stdout);
}

static void setup(const struct target_opts *o, struct sess_host_config *cfg, void *ctx)
{
	const struct activate_opts *a = ctx;

	(void)o;
	cfg->activate = a->mode;
	cfg->act_at_us = a->at;
	cfg->act_in_us = a->in;
}

static void report(const struct target_opts *o, const struct sess_host *h, int code, void *ctx)
{
	(void)ctx;
	activation_report(o, "activate", sess_host_activation(h), code);
}

int cmd_activate(const struct command *cmd, int argc, char **argv)
{
	struct activate_opts a = {.mode = SESS_ACT_NOW};
	const struct device_cmd dc = {
		.tc = {longopts, TARGET_SHORTOPTS, help, own_opt, &a},
		.job = SESS_ACTIVATE,
		.changes_board = 1,
		.setup = setup,
		.report = report,
	};

	return device_command(cmd, &dc, argc, argv);
}
