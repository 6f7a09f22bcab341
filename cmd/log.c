/* SPDX-License-Identifier: MIT */
/* ethdl log: the board's event log, oldest first, one line (or one JSON
 * object) per event as it comes. */
#include <stdlib.h>
#include <string.h>

#include "ethdl.h"

enum {
	O_SINCE = O_OWN,
};

static const struct option longopts[] = {
	TARGET_LONGOPTS,
	{"since", required_argument, NULL, O_SINCE},
	{NULL, 0, NULL, 0},
};

static const char help[] =
	"      --since SEQ        the first event wanted (default 0: all the board keeps)\n";

struct printer {
	uint64_t since; /* --since */
	const struct target_opts *o;
	char mac[18];
	uint64_t next; /* events below were printed (by an earlier attempt) */
};

static int own_opt(void *ctx, int c, const char *arg)
{
	if (c != O_SINCE)
		return usage_error("unhandled option %d", c);
	return opt_uint("--since", arg, 0, UINT64_MAX, 0, "an event sequence number",
			&((struct printer *)ctx)->since)
		       ? EXIT_USAGE
		       : -1;
}

static void print_event(void *ctx, const struct sess_event *ev)
{
	struct printer *p = ctx;
	char t[32], from[24], to[24], host[18];
	int has_host = memcmp(ev->host, "\0\0\0\0\0\0", 6) != 0;

	if (ev->seq < p->next)
		return;
	p->next = ev->seq + 1;
	format_mac(ev->host, host);
	if (p->o->json) {
		json_t *j = json_object();

		json_object_set_new(j, "board", json_string(p->mac));
		json_object_set_new(j, "seq", json_integer((json_int_t)ev->seq));
		json_object_set_new(j, "time", json_time(ev->time));
		json_object_set_new(j, "event", json_string(proto_event_name(ev->event)));
		json_object_set_new(j, "event_code", json_integer(ev->event));
		json_object_set_new(j, "type",
				    ev->type > 0 && ev->type < FT_COUNT
					    ? json_string(proto_type_name(ev->type))
					    : json_null());
		json_object_set_new(j, "from", json_version(&ev->from));
		json_object_set_new(j, "to", json_version(&ev->to));
		json_object_set_new(j, "host", has_host ? json_string(host) : json_null());
		json_object_set_new(j, "notice", json_integer(ev->notice));
		json_object_set_new(j, "detail", json_integer(ev->detail));
		if (ev->notice || ev->detail)
			json_object_set_new(j, "detail_text",
					    json_string(ev->detail
								? proto_detail_name(ev->detail)
								: frame_notice_name(ev->notice)));
		json_print(stdout, j);
		return;
	}
	printf("%llu %s %s", (unsigned long long)ev->seq, format_time(ev->time, t, sizeof(t)),
	       proto_event_name(ev->event));
	if (ev->type > 0 && ev->type < FT_COUNT)
		printf(" %s", proto_type_name(ev->type));
	if (ev->from.count || ev->to.count)
		printf(" %s -> %s", sess_version_format(&ev->from, from, sizeof(from)),
		       sess_version_format(&ev->to, to, sizeof(to)));
	if (has_host)
		printf(" host %s", host);
	if (ev->notice)
		printf(" %s", frame_notice_name(ev->notice));
	if (ev->detail)
		printf(" (%s)", proto_detail_name(ev->detail));
	printf("\n");
	fflush(stdout);
}

/* A retried session asks from --since again; what was printed is not
 * printed twice. */
static void setup(const struct target_opts *o, struct sess_host_config *cfg, void *ctx)
{
	struct printer *p = ctx;

	p->o = o;
	p->next = p->since;
	format_mac(o->board, p->mac);
	cfg->since = p->since;
	cfg->on_event = print_event;
	cfg->event_ctx = p;
}

int cmd_log(const struct command *cmd, int argc, char **argv)
{
	struct printer p = {0};
	const struct device_cmd dc = {
		.tc = {longopts, TARGET_SHORTOPTS, help, own_opt, &p},
		.job = SESS_LOG,
		.setup = setup,
	};

	return device_command(cmd, &dc, argc, argv);
}
