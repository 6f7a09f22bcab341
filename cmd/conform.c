/* SPDX-License-Identifier: MIT */
/* ethdl conform: run the conformance suite (conform/, docs/CONFORMANCE.md)
 * against one board and report each case: pass, fail (and how), n/a. */
#include <stdlib.h>
#include <string.h>

#include "conform.h"
#include "ethdl.h"

#define EXIT_CASE_FAILED 20 /* a case failed (no notice uses 20) */
#define MAX_ONLY	 64

enum { O_ONLY = O_OWN, O_LIST };

static const struct option longopts[] = {
	TARGET_LONGOPTS,
	{"only", required_argument, NULL, O_ONLY},
	{"list", no_argument, NULL, O_LIST},
	{NULL, 0, NULL, 0},
};

static const char help[] =
	"      --only NAME        run this case only (repeatable); --list names them\n"
	"      --list             list the cases and what each checks (needs no -i, -b)\n"
	"  -t, --type TYPE        the scratch file type the cases download into\n"
	"                         (default redundancy); its file is read back first and\n"
	"                         put back at the end\n"
	"      --timeout SECONDS  the board's timer, for the timer cases (default 3)\n"
	"Exit: 0 no case failed, 20 a case failed, 11 the board did not answer.\n"
	"Of the options below, --strict, --block, --window, --retries and --auth-key\n"
	"are refused: each case chooses its own exchange.\n";

struct own {
	const char *only[MAX_ONLY];
	int nonly;
};

static int own_opt(void *ctx, int c, const char *arg)
{
	struct own *w = ctx;

	if (c != O_ONLY)
		return usage_error("unhandled option %d", c);
	if (!conform_find(arg))
		return usage_error("no case `%s' (ethdl conform --list names them)", arg);
	if (w->nonly == MAX_ONLY)
		return usage_error("at most %d --only", MAX_ONLY);
	w->only[w->nonly++] = arg;
	return -1;
}

static int list_cases(int json)
{
	for (size_t i = 0; i < conform_ncases; i++) {
		const struct conform_case *c = &conform_cases[i];

		if (json) {
			json_print(stdout,
				   json_pack("{s:s, s:s}", "case", c->name, "what", c->what));
			continue;
		}
		printf("%-20s %s\n", c->name, c->what);
	}
	return 0;
}

static int selected(const struct own *w, const char *name)
{
	if (!w->nonly)
		return 1;
	for (int i = 0; i < w->nonly; i++)
		if (!strcmp(w->only[i], name))
			return 1;
	return 0;
}

static uint64_t io_now(void *ctx)
{
	(void)ctx;
	return mono_us();
}

static int io_wait(void *ctx, uint64_t deadline)
{
	int r = wait_input(ctx, deadline);

	return r < 0 && caught_signal() ? -1 : r < 0 ? 1 : r;
}

static void report(int json, const struct conform_result *r)
{
	if (json) {
		json_t *j = json_pack("{s:s, s:s, s:s}", "case", r->name, "result",
				      conform_res_name(r->result), "detail", r->detail);

		json_object_set_new(j, "seconds", json_secs(r->secs));
		json_print(stdout, j);
		return;
	}
	printf("%-5s %s%s%s\n", conform_res_name(r->result), r->name, r->detail[0] ? ": " : "",
	       r->detail);
	fflush(stdout);
}

int cmd_conform(const struct command *cmd, int argc, char **argv)
{
	struct own w = {.nonly = 0};
	const struct target_cmd tc = {longopts, TARGET_SHORTOPTS, help, own_opt, &w};
	struct target_opts o;
	struct nic_config ncfg = {0};
	char errbuf[NIC_ERRBUF_SIZE], mac[18], caps[64];
	struct nic *nic = NULL;
	struct conform *cf = NULL;
	struct conform_result res;
	struct conform_config cc;
	struct conform_io io;
	int ret, args, counts[3] = {0, 0, 0}, r, json = 0;
	uint64_t t0;

	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		json |= !strcmp(argv[i], "--json");
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--list"))
			return list_cases(json);
	ret = target_parse(cmd, &tc, argc, argv, &o, &args);
	if (ret >= 0)
		return ret;
	if (args < argc)
		return usage_error("unexpected argument `%s'", argv[args]);
	if (o.have_auth)
		return usage_error("--auth-key: conform does not authenticate yet (a board with "
				   "CAP_AUTH runs connect and auth-required only)");
	if (o.strict || o.block || o.window || o.retries)
		return usage_error("--strict, --block, --window and --retries have no meaning "
				   "here: each case chooses its exchange");
	ncfg.ethertype = o.ethertype;
	ncfg.promisc = 1; /* the busy case hears the board answer another host */
	r = nic_open(&nic, o.ifname, &ncfg, errbuf);
	if (r < 0)
		return error_line("%s", errbuf);
	if (o.capture) {
		struct nic *cap;

		if (nic_capture_wrap(&cap, nic, o.capture, errbuf) < 0) {
			nic_close(nic);
			return error_line("%s", errbuf);
		}
		nic = cap;
	}
	memset(&cc, 0, sizeof(cc));
	memcpy(cc.board, o.board, 6);
	cc.type = o.type_given ? o.type : FT_REDUNDANCY;
	cc.timer_us = (uint64_t)(o.timeout * 1e6);
	cc.seed = target_session_id();
	cc.log = o.verbose ? log_stderr : NULL;
	io = (struct conform_io){nic, o.ethertype, io_now, io_wait, nic};
	cf = conform_new(&cc, &io);
	ret = 1;
	if (!cf) {
		error_line("out of memory");
		goto out;
	}
	format_mac(o.board, mac);
	t0 = mono_us();
	if (conform_begin(cf, &res) < 0) {
		if (caught_signal()) {
			ret = exit_for_signal(caught_signal());
			goto out;
		}
		if (json)
			json_print(stdout, json_pack("{s:s, s:s, s:s}", "board", mac, "result",
						     "connect failed", "detail", res.detail));
		else
			error_line("board %s: %s", mac, res.detail);
		ret = 10 + NOTICE_CONNECT_FAILED;
		goto out;
	}
	discover_caps(conform_caps(cf), caps, sizeof(caps));
	if (!json)
		printf("board %s, capabilities %s, scratch type %s\n", mac, caps,
		       proto_type_name(cc.type));
	for (size_t i = 0; i < conform_ncases; i++) {
		if (!selected(&w, conform_cases[i].name))
			continue;
		r = conform_run(cf, &conform_cases[i], &res);
		if (r < 0)
			break;
		counts[res.result]++;
		report(json, &res);
	}
	if (caught_signal()) {
		ret = exit_for_signal(caught_signal());
		goto out;
	}
	conform_end(cf, &res);
	counts[res.result]++;
	report(json, &res);
	ret = counts[CONFORM_FAIL] ? EXIT_CASE_FAILED : 0;
	if (json) {
		json_t *j = json_pack("{s:s, s:s, s:i, s:i, s:i, s:i}", "board", mac, "caps", caps,
				      "pass", counts[CONFORM_PASS], "fail", counts[CONFORM_FAIL],
				      "n/a", counts[CONFORM_NA], "exit", ret);

		json_object_set_new(j, "seconds", json_secs((double)(mono_us() - t0) / 1e6));
		json_print(stdout, j);
	} else {
		printf("%d pass, %d fail, %d n/a in %.1f s: %s\n", counts[CONFORM_PASS],
		       counts[CONFORM_FAIL], counts[CONFORM_NA], (double)(mono_us() - t0) / 1e6,
		       counts[CONFORM_FAIL] ? "the board does NOT conform" : "no case failed");
	}
out:
	conform_free(cf);
	nic_close(nic);
	return ret;
}
