/* SPDX-License-Identifier: MIT */
/* What the commands for updatable boards share (info, activate, rollback,
 * log, and download of a package): times and durations on the command line,
 * the wall clock, versions and times in reports, one session to its end. */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ethdl.h"

uint64_t wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

int64_t wall_offset_us(void)
{
	return (int64_t)wall_us() - (int64_t)mono_us();
}

/* "2026-12-02T10:00:00Z": exactly that shape, UTC. */
static int parse_iso(const char *s, uint64_t *us)
{
	struct tm tm;
	char *end;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	if (strlen(s) != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
	    s[16] != ':' || s[19] != 'Z')
		return -1;
	end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (!end || *end || tm.tm_year < 70)
		return -1;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return -1;
	/* timegm normalises 2026-02-30; refuse what it had to change */
	{
		struct tm back;

		if (!gmtime_r(&t, &back) || back.tm_mday != tm.tm_mday || back.tm_mon != tm.tm_mon)
			return -1;
	}
	*us = (uint64_t)t * 1000000u;
	return 0;
}

int opt_time(const char *opt, const char *arg, uint64_t *us)
{
	if (parse_iso(arg, us) < 0)
		return usage_error("invalid %s `%s' (a UTC time such as 2026-12-02T10:00:00Z)", opt,
				   arg);
	if (*us <= wall_us())
		return usage_error("%s `%s' is not in the future", opt, arg);
	return 0;
}

int opt_duration(const char *opt, const char *arg, uint64_t *us)
{
	const char *p = arg;
	uint64_t v = 0, unit = 1;

	if (*p < '0' || *p > '9')
		goto bad;
	for (; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (uint64_t)(*p - '0');
		if (v > 366u * 86400u)
			goto bad;
	}
	if (*p == 's')
		unit = 1, p++;
	else if (*p == 'm')
		unit = 60, p++;
	else if (*p == 'h')
		unit = 3600, p++;
	if (*p || !v || v * unit > 366u * 86400u)
		goto bad;
	*us = v * unit * 1000000u;
	return 0;
bad:
	return usage_error("invalid %s `%s' (a duration: 90s, 5m, 2h or seconds; 1 s to 366 days)",
			   opt, arg);
}

int opt_activate(const char *opt, const char *arg, int *mode, uint64_t *at, uint64_t *in)
{
	if (!strcmp(arg, "now")) {
		*mode = SESS_ACT_NOW;
		return 0;
	}
	if (!strcmp(arg, "later")) {
		*mode = SESS_ACT_NONE;
		return 0;
	}
	if (!strncmp(arg, "at:", 3)) {
		*mode = SESS_ACT_AT;
		return opt_time(opt, arg + 3, at);
	}
	if (!strncmp(arg, "in:", 3)) {
		*mode = SESS_ACT_IN;
		return opt_duration(opt, arg + 3, in);
	}
	return usage_error("invalid %s `%s' (now, at:TIME, in:DURATION or later)", opt, arg);
}

char *format_time(uint64_t us, char *out, size_t cap)
{
	time_t t = (time_t)(us / 1000000u);
	struct tm tm;

	if (!us || !gmtime_r(&t, &tm) || !strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, cap, "none");
	return out;
}

json_t *json_time(uint64_t us)
{
	char b[32];

	return us ? json_string(format_time(us, b, sizeof(b))) : json_null();
}

json_t *json_version(const struct pkg_version *v)
{
	char b[24];

	return json_string(sess_version_format(v, b, sizeof(b)));
}

void log_stderr(void *ctx, const char *msg)
{
	(void)ctx;
	fprintf(stderr, PROG ": %s\n", msg);
}

json_t *json_secs(double s)
{
	return json_real(floor(s * 1000.0 + 0.5) / 1000.0);
}

void json_print(FILE *out, json_t *j)
{
	char *s = json_dumps(j, ETHDL_JSON_FLAGS);

	outcome_emitted();
	if (s)
		fprintf(out, "%s\n", s);
	else
		error_line("cannot format a JSON report");
	free(s);
	json_decref(j);
	fflush(out);
}

const char *activation_name(const struct sess_activation *a)
{
	switch (a->state) {
	case ACT_SCHEDULED: return "scheduled";
	case ACT_ACTIVATED: return "activated";
	case ACT_ROLLED_BACK: return "rolled back";
	case ACT_TESTING: return "testing";
	default: return a->asked ? "unknown" : "staged";
	}
}

void activation_prose(const struct sess_activation *a, char *out, size_t cap)
{
	char from[24], to[24], t1[32], t2[32];

	sess_version_format(&a->from, from, sizeof(from));
	sess_version_format(&a->to, to, sizeof(to));
	switch (a->state) {
	case ACT_ACTIVATED:
		snprintf(out, cap, "activated %s (was %s), health check passed", to, from);
		break;
	case ACT_ROLLED_BACK:
		snprintf(out, cap, "ROLLED BACK: %s failed its health check, %s is active again",
			 to, from);
		break;
	case ACT_SCHEDULED:
		snprintf(out, cap, "activation of %s scheduled at %s (board clock %s)", to,
			 format_time(a->host_act_at, t1, sizeof(t1)),
			 format_time(a->act_at, t2, sizeof(t2)));
		break;
	default:
		snprintf(out, cap, "%s",
			 a->asked ? "activation outcome unknown" : "staged, not activated");
		break;
	}
}

void activation_json(json_t *j, const struct sess_activation *a)
{
	json_object_set_new(j, "activation", json_string(activation_name(a)));
	if (a->asked && a->state) {
		json_object_set_new(j, "version_from", json_version(&a->from));
		json_object_set_new(j, "version_to", json_version(&a->to));
	}
	if (a->state == ACT_SCHEDULED) {
		json_object_set_new(j, "activate_at", json_time(a->host_act_at));
		json_object_set_new(j, "activate_at_board", json_time(a->act_at));
	}
}

static int device_retry(const struct target_opts *o, const struct sess_result *r, int attempt,
			int changes_board)
{
	/* A command that changes the board (ACTIVATE, ROLLBACK) is run again
	 * only when nothing reached it: a second ROLLBACK would swap back. */
	if (changes_board && r->notice != NOTICE_CONNECT_FAILED)
		return 0;
	return target_retry(o, r, attempt);
}

int device_run(const struct target_opts *o, struct sess_host_config *cfg, struct sess_host *h,
	       int changes_board, struct sess_result *res)
{
	struct target_stop stop;
	int attempts = 0, sig = 0, r;

	do {
		sess_host_dispose(h);
		cfg->session_id = target_session_id();
		r = sess_host_init(h, cfg);
		if (r < 0) {
			res->local = r;
			snprintf(res->text, sizeof(res->text), "cannot start a session: %s",
				 strerror(-r));
			return 0;
		}
		sig = target_run(h, cfg->nic, o, &stop);
		*res = *sess_host_result(h);
	} while (!sig && device_retry(o, res, ++attempts, changes_board));
	return sig;
}

int device_finish(const struct target_opts *o, const char *what, const struct sess_result *res,
		  int sig)
{
	char mac[18], text[sizeof(res->text) + 256];
	int code = sig ? exit_for_signal(sig) : sess_exit_code(res);

	format_mac(o->board, mac);
	snprintf(text, sizeof(text), "%s", sig ? "interrupted" : res->text);
	if (!sig)
		target_diag_detail(text, sizeof(text));
	if (!code || code == 18)
		return code;
	if (o->json) {
		json_t *j = json_object();

		json_object_set_new(j, "board", json_string(mac));
		json_object_set_new(j, "command", json_string(what));
		json_object_set_new(j, "result",
				    json_string(sig	      ? "interrupted"
						: res->notice ? frame_notice_name(res->notice)
						: code == 17  ? "refused"
							      : "error"));
		json_object_set_new(j, "notice", json_integer(res->notice));
		json_object_set_new(j, "exit", json_integer(code));
		json_object_set_new(j, "detail", json_string(text));
		target_diag_json(j);
		json_print(stdout, j);
	} else if (sig) {
		fprintf(stderr, "%s: %s: %s: interrupted by %s\n", PROG, mac, what,
			signal_name(sig));
	} else {
		fprintf(stderr, "%s: %s: %s: %s%s%s\n", PROG, mac, what,
			res->notice  ? frame_notice_name(res->notice)
			: code == 17 ? "refused"
				     : "error",
			*text ? ": " : "", text);
		target_diag_hint();
	}
	return code;
}

int device_command(const struct command *cmd, const struct device_cmd *dc, int argc, char **argv)
{
	struct target_opts o;
	struct sess_host_config cfg;
	struct sess_result res;
	struct sess_host *h = NULL;
	struct nic *nic = NULL;
	int ret, args, sig;

	ret = target_parse(cmd, &dc->tc, argc, argv, &o, &args);
	if (ret >= 0)
		return ret;
	if (args < argc)
		return usage_error("unexpected argument `%s'", argv[args]);
	if (o.strict)
		return usage_error("--strict offers no extensions: %s needs the device extension",
				   cmd->name);
	ret = target_open_nic(&o, &nic);
	if (ret)
		return ret;
	ret = 1;
	h = calloc(1, sizeof(*h));
	if (!h) {
		error_line("out of memory");
		goto out;
	}
	target_session_config(&o, nic, dc->job, &cfg);
	cfg.wall_offset_us = wall_offset_us();
	if (dc->setup)
		dc->setup(&o, &cfg, dc->tc.ctx);
	memset(&res, 0, sizeof(res));
	sig = device_run(&o, &cfg, h, dc->changes_board, &res);
	ret = device_finish(&o, cmd->name, &res, sig);
	if ((!ret || ret == 18) && dc->report)
		dc->report(&o, h, ret, dc->tc.ctx);
out:
	if (h)
		sess_host_dispose(h);
	free(h);
	nic_close(nic);
	return ret;
}
