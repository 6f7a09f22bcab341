/* SPDX-License-Identifier: MIT */
/* ethdl — the host: download files into boards, read them back, prove them.
 * One file per command; this table is all that knows them. */
#include <stdio.h>
#include <string.h>

#include "ethdl.h"

static const struct command commands[] = {
	{"list", cmd_list, "list the interfaces: name, MAC, MTU, state", "[--json]"},
	{"download", cmd_download,
	 "download FILE or PACKAGE into the board, read it back and compare",
	 "-i IF -b MAC [-t TYPE] [--no-readback] [--rate BPS]\n"
	 "            [--activate now|at:TIME|in:DURATION|later] [options] FILE|PACKAGE"},
	{"readback", cmd_readback, "read the board's file back into OUT (- for standard output)",
	 "-i IF -b MAC [-t TYPE] -o OUT|- [options]"},
	{"pack", cmd_pack, "make an update package of IMAGE (docs/PACKAGE.md)",
	 "--vendor V --model M --image-version X.Y.Z [-t TYPE] [--targets FILE]\n"
	 "            [--build-time UNIX] -o PKG IMAGE"},
	{"inspect", cmd_inspect, "show a package's header and check its image's SHA-256",
	 "PKG [--json]"},
	{"info", cmd_info, "show an updatable board: identity, per type active/staged/previous",
	 "-i IF -b MAC [--json] [options]"},
	{"activate", cmd_activate, "activate the staged image of a type, now or at a time",
	 "-i IF -b MAC [-t TYPE] [--at TIME | --in DURATION] [options]"},
	{"rollback", cmd_rollback, "put the previous image of a type back",
	 "-i IF -b MAC [-t TYPE] [options]"},
	{"log", cmd_log, "print the board's event log",
	 "-i IF -b MAC [--since SEQ] [--json] [options]"},
	{"discover", cmd_discover, "list the boards that answer on the segment (group capable)",
	 "-i IF [--vendor V] [--model M] [--window MS] [--probes N] [--json]"},
	{"group", cmd_group, "download a file or package into many boards at once by multicast",
	 "-i IF (-b MAC... | --all | --from FILE) [-t TYPE] [--group-mac M]\n"
	 "            [--rate BPS] [--repair code|resend] [--rounds N] [--full-readback]\n"
	 "            [--activate now|at:TIME|in:DURATION|later] [--dry-run] [options]\n"
	 "            PACKAGE|FILE"},
	{"replay", cmd_replay, "replay a recorded session against a live board and compare",
	 "-i IF (-b MAC | --board-side) [--speed fast|recorded] [--json] [options] CAPTURE"},
	{"conform", cmd_conform, "run the conformance suite against a board: each case pass, fail, n/a",
	 "-i IF -b MAC [-t TYPE] [--json] [--only NAME...] [--list] [options]"},
	{"batch", cmd_batch, "download the files of a manifest into many boards, N at a time",
	 "MANIFEST [--jobs N] [--json] [--resume STATE] [--dry-run] [--continue-on-error]\n"
	 "            [-q] [--timeout S] [--retries N]"},
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static const char exit_codes[] =
	"Exit codes: 0 ok, 1 other error, 2 usage, 11 connect failed, 12 frame CRC,\n"
	"13 file CRC (also: a package refused as malformed), 14 timeout,\n"
	"15 read-back mismatch, 16 wrong command, 17 refused by the board's policy\n"
	"(vendor/model, not a target, not newer), 18 activated and rolled back,\n"
	"20 replay diverged, or a conformance case failed (conform),\n"
	"130 interrupted (SIGINT), 143 interrupted (SIGTERM).\n";

static void show_usage(FILE *f)
{
	fprintf(f, "Usage: " PROG " COMMAND [options]\n\nCommands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-9s %s\n            " PROG " %s %s\n", commands[i].name,
			commands[i].description, commands[i].name, commands[i].usage);
	fprintf(f,
		"\n'" PROG " COMMAND --help' lists the options of a command.\n"
		"'" PROG " --version' prints the version.\n\n%s",
		exit_codes);
}

void show_command_help(const struct command *cmd, const char *options, FILE *f)
{
	fprintf(f, "Usage: " PROG " %s %s\n\n%c%s.\n\nOptions:\n%s", cmd->name, cmd->usage,
		cmd->description[0] >= 'a' && cmd->description[0] <= 'z'
			? cmd->description[0] - 'a' + 'A'
			: cmd->description[0],
		cmd->description + 1, options);
}

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (!strcmp(name, commands[i].name))
			return &commands[i];
	return NULL;
}

int main(int argc, char **argv)
{
	const struct command *cmd;

	opts_init(PROG, NULL);
	outcome_begin(argc, argv);
	if (argc < 2) {
		show_usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		show_usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "help")) {
		if (argc < 3) {
			show_usage(stdout);
			return 0;
		}
		cmd = find_command(argv[2]);
		if (!cmd)
			return usage_error("invalid command `%s'", argv[2]);
		opts_init(PROG, cmd->name);
		return cmd->fn(cmd, 2, (char *[]){argv[2], "--help", NULL});
	}
	if (!strcmp(argv[1], "--version"))
		return show_version();
	if (!strcmp(argv[1], "--json") && argc > 2) {
		/* "ethdl --json COMMAND …": the command takes it */
		argv[1] = argv[2];
		argv[2] = "--json";
	}
	cmd = find_command(argv[1]);
	if (!cmd)
		return outcome_finish(NULL, usage_error("invalid command `%s'", argv[1]));
	opts_init(PROG, cmd->name);
	catch_signals();
	return outcome_finish(cmd->name, cmd->fn(cmd, argc - 1, argv + 1));
}
