/* SPDX-License-Identifier: MIT */
/* ethdl batch: every board of a manifest, up to N at once, one child
 * process per board; a summary table or one JSON line per file. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batch.h"
#include "ethdl.h"
#include "opts.h"
#include "proto.h"

enum {
	O_JOBS = 256,
	O_BJSON,
	O_RESUME,
	O_DRY_RUN,
	O_CONTINUE,
	O_BTIMEOUT,
	O_BRETRIES,
	O_BVERSION,
};

static const struct option longopts[] = {
	{"jobs", required_argument, NULL, O_JOBS},
	{"json", no_argument, NULL, O_BJSON},
	{"resume", required_argument, NULL, O_RESUME},
	{"dry-run", no_argument, NULL, O_DRY_RUN},
	{"continue-on-error", no_argument, NULL, O_CONTINUE},
	{"timeout", required_argument, NULL, O_BTIMEOUT},
	{"retries", required_argument, NULL, O_BRETRIES},
	{"quiet", no_argument, NULL, 'q'},
	{"version", no_argument, NULL, O_BVERSION},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

static const char help[] =
	"  -j, --jobs N           boards downloaded at once, 1 to 64 (default: the\n"
	"                         manifest's \"jobs\", else 1); one process per board\n"
	"      --json             one JSON object per file, then one summary object\n"
	"      --resume STATE     record each verified file in the JSON file STATE;\n"
	"                         skip a file STATE says the board already holds\n"
	"                         (same board, type and SHA-256 of the content)\n"
	"      --dry-run          check the manifest and every file, print the plan,\n"
	"                         send nothing\n"
	"      --continue-on-error  a failed file does not stop the board's next files\n"
	"      --timeout S        the session timer of each download (default 3)\n"
	"      --retries N        run a download again after connect failed, frame\n"
	"                         CRC or timeout, up to N times (default 0)\n"
	"  -q, --quiet            no progress lines, only the summary\n"
	"      --version          print the version\n"
	"  -h, --help             this text\n"
	"\n"
	"MANIFEST is JSON: {\"interface\": IF, \"jobs\": N, \"boards\": [{\"mac\": MAC,\n"
	"\"name\": TEXT, \"group\": NAME, \"files\": [{\"type\": TYPE, \"path\": FILE}]}]}.\n"
	"Paths are relative to the manifest's directory. Boards with the same \"group\"\n"
	"get each distinct file by one group download (ethdl group). A failed file\n"
	"stops that board's later files; the other boards always go on. Exit 0 when\n"
	"every file is verified, else the exit code of the first failed file in\n"
	"manifest order; 2 for a bad manifest or file.\n";

struct batch_opts {
	int jobs, json, dry_run, cont, quiet;
	const char *resume, *timeout, *retries, *manifest;
};

struct view {
	const struct batch_opts *o;
	const struct batch_manifest *m;
	struct batch_run *r;
	int tty;
	int drawn;	  /* live lines on the terminal now */
	uint64_t last_line; /* last progress lines (not a terminal) */
};

static void json_line(json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT);

	outcome_emitted(); /* no fallback object after ours */
	if (s)
		printf("%s\n", s);
	free(s);
	json_decref(j);
	fflush(stdout);
}

/* A usage error: the line on stderr (try_help 1: with the pointer to
 * --help; 2: it was said already). With --json, main prints the one
 * object of the outcome (outcome_finish). */
static int usage(int try_help, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int usage(int try_help, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (try_help == 1)
		usage_error("%s", msg);
	else if (try_help == 0)
		fprintf(stderr, PROG ": batch: %s\n", msg);
	outcome_usage(msg);
	return EXIT_USAGE;
}

static void sha_hex(const uint8_t *p, char out[65])
{
	for (int i = 0; i < 32; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

static json_t *file_json(const struct batch_manifest *m, size_t b, size_t f, const char *event)
{
	const struct batch_board *bd = &m->boards[b];
	const struct batch_file *bf = &bd->files[f];
	json_t *j = json_object();

	json_object_set_new(j, "event", json_string(event));
	json_object_set_new(j, "board", json_string(bd->macs));
	json_object_set_new(j, "name", json_string(bd->name));
	json_object_set_new(j, "file", json_string(bf->given));
	json_object_set_new(j, "path", json_string(bf->path));
	json_object_set_new(j, "type", json_string(proto_type_name(bf->type)));
	json_object_set_new(j, "group", bd->group ? json_string(bd->group) : json_null());
	return j;
}

static void on_result(void *ctx, size_t b, size_t f)
{
	struct view *v = ctx;
	const struct batch_result *x = &v->r->res[b][f];
	json_t *j;

	if (!v->o->json)
		return;
	j = file_json(v->m, b, f, "file");
	json_object_set_new(j, "result", json_string(x->result));
	json_object_set_new(j, "exit", json_integer(x->exit));
	json_object_set_new(j, "bytes", json_integer((json_int_t)x->bytes));
	json_object_set_new(j, "ms", json_integer((json_int_t)x->ms));
	json_object_set_new(j, "detail", json_string(x->detail));
	json_object_set_new(j, "verified", json_boolean(x->verified));
	json_object_set_new(j, "resumed", json_boolean(x->resumed));
	json_line(j);
}

/* The name column: "-" when the manifest gave none (it is the MAC). */
static const char *shown_name(const struct batch_board *bd)
{
	return strcmp(bd->name, bd->macs) ? bd->name : "-";
}

static void live_line(const struct view *v, size_t b, char *out, size_t cap)
{
	const struct batch_board *bd = &v->m->boards[b];
	const struct batch_live *l = &v->r->live[b];
	unsigned pct = l->total ? (unsigned)(l->bytes * 100 / l->total) : 0;

	snprintf(out, cap, "%-12.12s %s %-24.24s %-9s %3u%% %8.2f MB/s ETA %5.1f s", shown_name(bd),
		 bd->macs, bd->files[l->file].given, l->phase, pct, (double)l->rate / 1e6,
		 (double)l->eta_ms / 1e3);
}

static void clear_live(struct view *v)
{
	for (; v->drawn > 0; v->drawn--)
		fputs("\033[1A\033[2K\r", stdout);
	fflush(stdout);
}

static void on_tick(void *ctx)
{
	struct view *v = ctx;
	char line[256];

	if (v->o->json || v->o->quiet)
		return;
	if (v->tty) {
		clear_live(v);
		for (size_t b = 0; b < v->m->nboards; b++)
			if (v->r->live[b].active) {
				live_line(v, b, line, sizeof(line));
				printf("%s\n", line);
				v->drawn++;
			}
		fflush(stdout);
		return;
	}
	if (mono_us() - v->last_line < 5000000)
		return;
	v->last_line = mono_us();
	for (size_t b = 0; b < v->m->nboards; b++)
		if (v->r->live[b].active) {
			live_line(v, b, line, sizeof(line));
			printf(PROG ": batch: %s\n", line);
		}
	fflush(stdout);
}

static int dry_run(const struct batch_opts *o, const struct batch_manifest *m,
		   const struct batch_state *st)
{
	size_t nfiles = 0, nskip = 0;

	if (!o->json)
		printf("%-17s %-12s %-10s %-9s %10s %-6s %s\n", "BOARD", "NAME", "TYPE", "GROUP",
		       "BYTES", "ACTION", "FILE");
	for (size_t b = 0; b < m->nboards; b++)
		for (size_t f = 0; f < m->boards[b].nfiles; f++) {
			const struct batch_board *bd = &m->boards[b];
			const struct batch_file *bf = &bd->files[f];
			int skip = st && batch_state_find(st, bd->macs, bf->type, bf->size,
							   bf->sha256);
			char h[65];

			nfiles++;
			nskip += skip;
			if (o->json) {
				json_t *j = file_json(m, b, f, "plan");

				sha_hex(bf->sha256, h);
				json_object_set_new(j, "bytes", json_integer((json_int_t)bf->size));
				json_object_set_new(j, "sha256", json_string(h));
				json_object_set_new(j, "action", json_string(skip ? "skip" : "send"));
				json_line(j);
			} else
				printf("%-17s %-12.12s %-10s %-9.9s %10llu %-6s %s\n", bd->macs,
				       shown_name(bd), proto_type_name(bf->type),
				       bd->group ? bd->group : "-", (unsigned long long)bf->size,
				       skip ? "skip" : "send", bf->given);
		}
	if (o->json) {
		json_t *j = json_object();

		json_object_set_new(j, "event", json_string("summary"));
		json_object_set_new(j, "dry_run", json_true());
		json_object_set_new(j, "interface", json_string(m->ifname));
		json_object_set_new(j, "boards", json_integer((json_int_t)m->nboards));
		json_object_set_new(j, "files", json_integer((json_int_t)nfiles));
		json_object_set_new(j, "send", json_integer((json_int_t)(nfiles - nskip)));
		json_object_set_new(j, "skip", json_integer((json_int_t)nskip));
		json_object_set_new(j, "exit", json_integer(0));
		json_line(j);
	} else
		printf("%s: %zu boards, %zu files on %s: %zu to send, %zu already verified; "
		       "nothing sent (dry run)\n",
		       m->file, m->nboards, nfiles, m->ifname, nfiles - nskip, nskip);
	return 0;
}

static int summary(const struct batch_opts *o, struct view *v, int jobs, uint64_t t0)
{
	const struct batch_manifest *m = v->m;
	const struct batch_run *r = v->r;
	size_t nfiles = 0, nok = 0, nskip = 0, nfail = 0, nnot = 0;
	int code = 0;
	json_t *failed = json_array();

	for (size_t b = 0; b < m->nboards; b++) {
		int bfail = 0;

		for (size_t f = 0; f < m->boards[b].nfiles; f++) {
			const struct batch_result *x = &r->res[b][f];

			nfiles++;
			if (x->state == BR_SKIPPED)
				nskip++;
			else if (x->state == BR_NOT_RUN)
				nnot++;
			else if (x->exit) {
				nfail++;
				bfail = 1;
				if (!code)
					code = x->exit;
			} else
				nok++;
		}
		if (bfail)
			json_array_append_new(failed, json_string(m->boards[b].macs));
	}
	if (r->signal)
		code = exit_for_signal(r->signal);
	else if (!code && nnot)
		code = 1;
	if (o->json) {
		json_t *j = json_object();

		json_object_set_new(j, "event", json_string("summary"));
		json_object_set_new(j, "interface", json_string(m->ifname));
		json_object_set_new(j, "boards", json_integer((json_int_t)m->nboards));
		json_object_set_new(j, "files", json_integer((json_int_t)nfiles));
		json_object_set_new(j, "verified", json_integer((json_int_t)(nok + nskip)));
		json_object_set_new(j, "ok", json_integer((json_int_t)nok));
		json_object_set_new(j, "skipped", json_integer((json_int_t)nskip));
		json_object_set_new(j, "failed", json_integer((json_int_t)nfail));
		json_object_set_new(j, "not_run", json_integer((json_int_t)nnot));
		json_object_set_new(j, "failed_boards", failed);
		json_object_set_new(j, "jobs", json_integer(jobs));
		json_object_set_new(j, "ms", json_integer((json_int_t)((mono_us() - t0) / 1000)));
		json_object_set_new(j, "signal",
				    r->signal ? json_string(signal_name(r->signal)) : json_null());
		json_object_set_new(j, "exit", json_integer(code));
		json_line(j);
		return code;
	}
	json_decref(failed);
	printf("%-17s %-12s %-20s %-10s %-17s %4s %10s %8s  %s\n", "BOARD", "NAME", "FILE", "TYPE",
	       "RESULT", "EXIT", "BYTES", "SECONDS", "DETAIL");
	for (size_t b = 0; b < m->nboards; b++)
		for (size_t f = 0; f < m->boards[b].nfiles; f++) {
			const struct batch_board *bd = &m->boards[b];
			const struct batch_result *x = &r->res[b][f];

			printf("%-17s %-12.12s %-20.20s %-10s %-17.17s %4d %10llu %8.3f  %s\n",
			       bd->macs, shown_name(bd), bd->files[f].given,
			       proto_type_name(bd->files[f].type), x->result, x->exit,
			       (unsigned long long)x->bytes, (double)x->ms / 1e3,
			       x->exit || x->state != BR_DONE ? x->detail : "");
		}
	printf("%zu boards, %zu files: %zu verified (%zu skipped as verified before), %zu failed, "
	       "%zu not sent, in %.1f s with %d jobs\n",
	       m->nboards, nfiles, nok + nskip, nskip, nfail, nnot,
	       (double)(mono_us() - t0) / 1e6, jobs);
	fflush(stdout);
	return code;
}

int cmd_batch(const struct command *cmd, int argc, char **argv)
{
	struct batch_opts o = {0};
	struct batch_manifest m;
	struct batch_state st = {0}, *stp = NULL;
	struct batch_run r;
	struct view v = {0};
	struct batch_run_opts ro = {0};
	char err[1024] = "", exe[PATH_MAX];
	uint64_t val, t0 = mono_us();
	double secs;
	ssize_t n;
	int c, ret;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":j:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
		case O_JOBS:
			if (opt_uint("--jobs", optarg, 1, BATCH_MAX_JOBS, 0, "jobs", &val))
				return usage(2, "invalid --jobs `%s' (1 to %d)", optarg,
					     BATCH_MAX_JOBS);
			o.jobs = (int)val;
			break;
		case O_BJSON: o.json = 1; break;
		case O_RESUME: o.resume = optarg; break;
		case O_DRY_RUN: o.dry_run = 1; break;
		case O_CONTINUE: o.cont = 1; break;
		case O_BTIMEOUT:
			if (opt_real("--timeout", optarg, 0.001, 3600, 0, "seconds", &secs))
				return usage(2, "invalid --timeout `%s'", optarg);
			o.timeout = optarg;
			break;
		case O_BRETRIES:
			if (opt_uint("--retries", optarg, 0, 1000, 0, "sessions", &val))
				return usage(2, "invalid --retries `%s'", optarg);
			o.retries = optarg;
			break;
		case 'q': o.quiet = 1; break;
		case O_BVERSION: return show_version();
		case 'h': show_command_help(cmd, help, stdout); return 0;
		default: return opt_rejected(c, argv, longopts);
		}
	}
	if (optind >= argc)
		return usage(1, "missing MANIFEST (the JSON list of boards and files)");
	if (optind + 1 < argc)
		return usage(1, "unexpected argument `%s'", argv[optind + 1]);
	o.manifest = argv[optind];
	if (batch_manifest_load(o.manifest, &m, err, sizeof(err)) < 0)
		return usage(0, "%s", err);
	ret = EXIT_USAGE;
	if (batch_manifest_check_files(&m, err, sizeof(err)) < 0) {
		usage(0, "%s", err);
		goto out;
	}
	if (o.resume) {
		if (batch_state_load(o.resume, &st, err, sizeof(err)) < 0) {
			usage(0, "%s", err);
			goto out;
		}
		stp = &st;
	}
	if (o.dry_run) {
		ret = dry_run(&o, &m, stp);
		goto out;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0) {
		ret = error_line("batch: cannot find the ethdl binary (/proc/self/exe): %s",
				 strerror(errno));
		goto out;
	}
	exe[n] = 0;
	ro.exe = exe;
	ro.jobs = o.jobs ? o.jobs : m.jobs ? m.jobs : 1;
	ro.continue_on_error = o.cont;
	ro.timeout = o.timeout;
	ro.retries = o.retries;
	ro.state = stp;
	ro.on_result = on_result;
	ro.on_tick = on_tick;
	ro.ctx = &v;
	v.o = &o;
	v.m = &m;
	v.r = &r;
	v.tty = isatty(STDOUT_FILENO);
	v.last_line = mono_us();
	if (batch_run(&m, &ro, &r) < 0) {
		ret = 1;
		goto out;
	}
	clear_live(&v);
	ret = summary(&o, &v, ro.jobs, t0);
	batch_run_dispose(&r);
out:
	batch_manifest_dispose(&m);
	if (stp)
		batch_state_dispose(stp);
	return ret;
}
