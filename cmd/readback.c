/* SPDX-License-Identifier: MIT */
/* ethdl readback: read a board's file back into a local file, or to standard
 * output, once its CRC was checked. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ethdl.h"
#include "readback.h"

static const struct option longopts[] = {
	TARGET_LONGOPTS,
	{"output", required_argument, NULL, 'o'},
	{NULL, 0, NULL, 0},
};

static const char help[] =
	"  -o, --output OUT       where to save the board's file; - for standard output\n"
	"                         (written only after its CRC was checked; the report,\n"
	"                         --json too, then goes to stderr)\n";

static int own_opt(void *ctx, int c, const char *arg)
{
	const char **output = ctx;

	if (c != 'o')
		return usage_error("unhandled option %d", c);
	*output = arg;
	return -1;
}

static const char *tmpdir(void)
{
	const char *t = getenv("TMPDIR");

	return t && *t ? t : "/tmp";
}

static void say_left(struct target_report *rep, const struct target_stop *stop)
{
	const struct sess_host_stats *st = &stop->stats;
	size_t n = sizeof(rep->left);

	if (st->phase == SESS_PH_READBACK && st->done < st->total)
		snprintf(rep->left, n, "the read-back was not finished (%llu of %llu bytes); %s",
			 (unsigned long long)st->done, (unsigned long long)st->total,
			 "nothing was written");
	else if (st->phase == SESS_PH_READBACK)
		snprintf(rep->left, n, "all %llu bytes came, but were not checked; %s",
			 (unsigned long long)st->total, "nothing was written");
	else if (st->phase == SESS_PH_CONNECT)
		snprintf(rep->left, n, "nothing was read or written");
	else
		snprintf(rep->left, n, "the read-back was not saved; nothing was written");
}

/* The output, checked before a frame is sent. -1 to go on, else an exit code. */
static int open_output(struct rb_save *save, const char *output)
{
	int r;

	if (!*output)
		return usage_error("-o needs a file name (or - for standard output)");
	if (!strcmp(output, "-")) {
		if (isatty(STDOUT_FILENO))
			return usage_error("-o - would write the board's file to a terminal: "
					   "redirect standard output");
		r = rb_save_init_fd(save, STDOUT_FILENO, tmpdir());
		if (r < 0)
			return error_line("cannot make a temporary file in %s: %s", tmpdir(),
					  strerror(-r));
		return -1;
	}
	r = rb_save_init(save, output);
	if (r == 0)
		r = rb_save_prepare(save, tmpdir());
	if (r == -EISDIR)
		return usage_error("-o `%s' is a directory: give a file name", output);
	if (r == -ENAMETOOLONG)
		return usage_error("-o `%s': name too long", output);
	if (r < 0)
		return error_line("cannot write `%s': %s", output, strerror(-r));
	return -1;
}

int cmd_readback(const struct command *cmd, int argc, char **argv)
{
	const char *output = NULL;
	const struct target_cmd tc = {longopts, TARGET_SHORTOPTS "o:", help, own_opt, &output};
	struct target_opts o;
	struct rb_save save = {.fd = -1, .out_fd = -1};
	struct sess_sink sink;
	struct sess_host *h = NULL;
	struct sess_host_config cfg;
	struct target_report rep = {.to_board = 0, .readback = 1};
	struct target_stop stop;
	struct nic *nic = NULL;
	int ret, args, r, to_stdout;

	ret = target_parse(cmd, &tc, argc, argv, &o, &args);
	if (ret >= 0)
		return ret;
	if (args < argc)
		return usage_error("unexpected argument `%s'", argv[args]);
	if (!output)
		return usage_error("missing -o OUT (where to save the read-back; - for standard "
				   "output)");
	to_stdout = !strcmp(output, "-");
	ret = open_output(&save, output);
	if (ret >= 0)
		goto out;
	ret = target_open_nic(&o, &nic);
	if (ret)
		goto out;
	ret = 1;
	h = calloc(1, sizeof(*h));
	if (!h) {
		error_line("out of memory");
		goto out;
	}
	do {
		uint64_t t0 = mono_us();

		sess_host_dispose(h);
		sink = rb_save_sink(&save);
		target_session_config(&o, nic, SESS_READBACK, &cfg);
		cfg.sink = &sink;
		r = sess_host_init(h, &cfg);
		if (r < 0) {
			error_line("cannot start a session: %s", strerror(-r));
			goto out;
		}
		rep.signal = target_run(h, nic, &o, &stop);
		rep.secs = (double)(mono_us() - t0) / 1e6;
		rep.result = *sess_host_result(h);
	} while (target_retry(&o, &rep.result, ++rep.attempts));
	sess_host_stats(h, &rep.stats);
	if (!rep.signal && !sess_exit_code(&rep.result)) {
		r = rb_save_commit(&save);
		if (r == -EINTR && caught_signal()) {
			rep.signal = caught_signal();
			snprintf(rep.left, sizeof(rep.left),
				 "the read-back was verified, but only part of it was written");
		} else if (r < 0) {
			rep.result.local = r;
			snprintf(rep.result.text, sizeof(rep.result.text),
				 "read back and CRC checked, but cannot write %s%s%s: %s",
				 to_stdout ? "" : "`", to_stdout ? "standard output" : output,
				 to_stdout ? "" : "'", strerror(-r));
		}
	} else if (rep.signal) {
		say_left(&rep, &stop);
	}
	rep.file = output;
	rep.file_name = to_stdout ? "standard output" : output;
	rep.bytes = rep.stats.rb_size;
	rep.frames = rep.stats.rb_frames;
	rep.crc = rep.stats.rb_crc;
	rep.what = "read back, CRC checked";
	rep.out = to_stdout ? stderr : stdout;
	rep.send_path = nic->send_path;
	target_report(&o, &rep);
	ret = target_exit_code(&rep);
out:
	if (h)
		sess_host_dispose(h);
	free(h);
	rb_save_dispose(&save);
	nic_close(nic);
	return ret;
}
