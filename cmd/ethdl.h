/* SPDX-License-Identifier: MIT */
/* What the subcommands of ethdl share: their entry in the command table, and
 * (target.c) the options, the session loop and the report of a command that
 * talks to one board. A new subcommand is a new file with one cmd_NAME and
 * one line in the table of ethdl.c. */
#ifndef ETHDL_CMD_ETHDL_H
#define ETHDL_CMD_ETHDL_H

#include <getopt.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "common.h"
#include "session.h"

#define PROG "ethdl"

struct command {
	const char *name;
	/** argv[0] is the command's name; returns the exit code. */
	int (*fn)(const struct command *cmd, int argc, char **argv);
	const char *description;
	const char *usage; /* what follows "ethdl NAME" */
};

int cmd_list(const struct command *cmd, int argc, char **argv);
int cmd_download(const struct command *cmd, int argc, char **argv);
int cmd_readback(const struct command *cmd, int argc, char **argv);
int cmd_pack(const struct command *cmd, int argc, char **argv);
int cmd_inspect(const struct command *cmd, int argc, char **argv);
int cmd_info(const struct command *cmd, int argc, char **argv);
int cmd_activate(const struct command *cmd, int argc, char **argv);
int cmd_rollback(const struct command *cmd, int argc, char **argv);
int cmd_log(const struct command *cmd, int argc, char **argv);
int cmd_discover(const struct command *cmd, int argc, char **argv);
int cmd_group(const struct command *cmd, int argc, char **argv);
int cmd_replay(const struct command *cmd, int argc, char **argv);
int cmd_conform(const struct command *cmd, int argc, char **argv);
int cmd_batch(const struct command *cmd, int argc, char **argv);

/* ---- discover.c: discovery, also run by group ---- */
struct sess_disc;
/** Run discovery d (initialised) on nic to its end. 0, the signal that
 *  stopped it, or -1 after saying why the nic failed. */
int discover_run(struct nic *nic, struct sess_disc *d);
/** Capability bits as "window,resume,device,group" ("-" for none). */
void discover_caps(uint32_t caps, char *out, size_t cap);

/* ---- download.c, also used by group ---- */
/** The package header at the start of fd: -1 for a plain file, 0 with the
 *  header in *hdr (malloc'd) and its parse in *ph, or the exit code after
 *  saying why it is refused. */
int download_read_package(int fd, const char *file, uint64_t size, uint8_t **hdr, size_t *len,
			  struct pkg_header *ph);

/** "Usage: ethdl NAME USAGE", the description, then options (the help of the
 *  command's options, one per line). */
void show_command_help(const struct command *cmd, const char *options, FILE *f);

/* ---- outcome.c: --json for every outcome, and the diagnosis in reports ---- */
/** With --json, when the command printed no JSON object and failed: one
 *  object naming the result, the exit code, the first failure noted and the
 *  diagnosis. Returns code. */
int outcome_finish(const char *command, int code);
/** Add "diagnosis" and "hint" to j when a diagnosis was set. */
void target_diag_json(json_t *j);
/** Append "; what was seen" of the diagnosis (if any) to detail. */
void target_diag_detail(char *detail, size_t cap);
/** "ethdl: hint: …" on stderr when a diagnosis was set. */
void target_diag_hint(void);

/* ---- target.c: a command that talks to one board ---- */

struct target_opts {
	const char *ifname;
	uint8_t board[6];
	int have_board;
	int type;
	int type_given; /* -t was given */
	double timeout;
	uint64_t retries;
	int strict;
	unsigned block, window;
	uint16_t ethertype;
	int json;
	const char *capture;
	int verbose;		   /* -v: session events; -vv: every frame too */
	int quiet;		   /* -q: no progress lines, no notes */
	struct sess_auth_key auth; /* --auth-key */
	int have_auth;
};

/* The options every such command takes; a command adds its own after them,
 * with codes from O_OWN on. */
enum {
	O_TIMEOUT = 256,
	O_RETRIES,
	O_STRICT,
	O_BLOCK,
	O_WINDOW,
	O_ETHERTYPE,
	O_JSON,
	O_CAPTURE,
	O_VERSION,
	O_AUTH_KEY,
	O_PROGRESS_FD,
	O_OWN,
};

#define TARGET_SHORTOPTS ":i:b:t:vqh"
#define TARGET_LONGOPTS                                                                            \
	{"interface", required_argument, NULL, 'i'}, {"board", required_argument, NULL, 'b'},      \
		{"type", required_argument, NULL, 't'},                                            \
		{"timeout", required_argument, NULL, O_TIMEOUT},                                   \
		{"retries", required_argument, NULL, O_RETRIES},                                   \
		{"strict", no_argument, NULL, O_STRICT},                                           \
		{"block", required_argument, NULL, O_BLOCK},                                       \
		{"window", required_argument, NULL, O_WINDOW},                                     \
		{"ethertype", required_argument, NULL, O_ETHERTYPE},                               \
		{"json", no_argument, NULL, O_JSON},                                               \
		{"capture", required_argument, NULL, O_CAPTURE},                                   \
		{"auth-key", required_argument, NULL, O_AUTH_KEY},                                 \
		{"progress-fd", required_argument, NULL, O_PROGRESS_FD},                           \
		{"verbose", no_argument, NULL, 'v'}, {"quiet", no_argument, NULL, 'q'},            \
		{"version", no_argument, NULL, O_VERSION},                                         \
	{                                                                                          \
		"help", no_argument, NULL, 'h'                                                     \
	}

/** How one command reads its command line. */
struct target_cmd {
	const struct option *longopts; /* TARGET_LONGOPTS, the command's own, {NULL} */
	const char *shortopts;	       /* TARGET_SHORTOPTS and the command's own */
	const char *help;	       /* help lines of the command's own options */
	/** One of the command's own options (c as getopt returns it): -1 when
	 *  taken, else an exit code (after printing why). */
	int (*own)(void *ctx, int c, const char *arg);
	void *ctx;
};

/**
 * Parse argv into o (defaults first). The arguments that are not options
 * are left in argv[*args .. argc). Returns -1 to go on, else the exit code:
 * 0 after --help or --version, EXIT_USAGE after a usage error (printed).
 * Checks that -i and -b were given.
 */
int target_parse(const struct command *cmd, const struct target_cmd *tc, int argc, char **argv,
		 struct target_opts *o, int *args);

/** Open o's interface (with --capture) and check --block against its MTU.
 *  0, or the exit code after printing why (1, or EXIT_USAGE). */
int target_open_nic(const struct target_opts *o, struct nic **nic);

/** A random nonzero session id. */
uint32_t target_session_id(void);

/** The session settings every command takes from the options. */
void target_session_config(const struct target_opts *o, struct nic *nic, int job,
			   struct sess_host_config *cfg);

/** Where a session stood when a signal stopped it. */
struct target_stop {
	struct sess_host_stats stats; /* phase, frames the board holds, … */
	struct sess_result result;    /* the verdict so far (final once closing) */
};

/** Run one session to its end, with the progress lines and verbosity of o
 *  (progress.h) and, while connecting, a watch of the interface that
 *  diagnoses a connect that gets no answer (diagnose.h). On SIGINT or
 *  SIGTERM the session is aborted (the board is told DISCONNECT), stop says
 *  where it stood just before, and the signal is returned; otherwise 0. */
int target_run(struct sess_host *h, struct nic *nic, const struct target_opts *o,
	       struct target_stop *stop);

/** 1 when a session that ended with r (attempt attempts so far) is worth
 *  running again, after saying so: never after a signal. */
int target_retry(const struct target_opts *o, const struct sess_result *r, int attempt);

/** What one command reports about one file. */
struct target_report {
	const char *file;      /* the local file: FILE, OUT, or "-" */
	const char *file_name; /* as said in prose ("standard output" for "-") */
	int to_board;	       /* direction: 1 file -> board, 0 board -> file */
	uint64_t bytes;
	uint32_t frames, crc;
	int readback;	  /* read back (and compared, for a download) */
	const char *what; /* the end of the success line */
	double secs;
	int attempts;
	struct sess_result result;    /* the session's, or a local failure after it */
	struct sess_host_stats stats; /* at the end */
	int signal;		      /* 0, or the signal that interrupted it */
	char left[320];		      /* after a signal: what the board was left with */
	int package;		      /* an update package was downloaded */
	struct sess_activation act;   /* package: what became of its activation */
	FILE *out;		      /* where the success line or the JSON goes */
	const char *send_path;	      /* how the nic sends ("sendmmsg"), or NULL */
};

/** The exit code of the report: 128 + signal, or that of the result. */
int target_exit_code(const struct target_report *r);
/** One prose line or one JSON object. */
void target_report(const struct target_opts *o, const struct target_report *r);

/* ---- device.c: commands for updatable boards (CAP_DEVICE) ---- */

/** The wall clock, µs since 1970; and its offset from mono_us(). */
uint64_t wall_us(void);
int64_t wall_offset_us(void);
/** A UTC time "2026-12-02T10:00:00Z" in the future, into µs since 1970. */
int opt_time(const char *opt, const char *arg, uint64_t *us);
/** A duration: 90s, 5m, 2h or plain seconds (1 s to 366 days), into µs. */
int opt_duration(const char *opt, const char *arg, uint64_t *us);
/** --activate now|at:T|in:D|later into mode (enum sess_activate; later is
 *  SESS_ACT_NONE) and *at or *in. */
int opt_activate(const char *opt, const char *arg, int *mode, uint64_t *at, uint64_t *in);
/** "2026-12-02T10:00:00Z", or "none" for 0; returns out. */
char *format_time(uint64_t us, char *out, size_t cap);
json_t *json_time(uint64_t us);
json_t *json_version(const struct pkg_version *v);
/** Print j as one line on out and free it. */
void json_print(FILE *out, json_t *j);
/** A machine's log line on stderr, after "ethdl: " (-v). */
void log_stderr(void *ctx, const char *msg);
/** The flags every JSON line is written with: compact, and reals without
 *  binary noise (seconds are rounded to ms by json_secs). */
#define ETHDL_JSON_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(12))
/** Seconds as a JSON number, to the millisecond. */
json_t *json_secs(double s);
/** "activated", "rolled back", "scheduled", "staged" (none asked), … */
const char *activation_name(const struct sess_activation *a);
/** What became of an activation, in words. */
void activation_prose(const struct sess_activation *a, char *out, size_t cap);
/** Add "activation", the versions and times to a JSON report. */
void activation_json(json_t *j, const struct sess_activation *a);
/** Run the session of cfg (its id is chosen here) until done, again after
 *  a failure --retries allows (only a connect failure when the command
 *  changes the board). res gets the result; returns the signal or 0. */
int device_run(const struct target_opts *o, struct sess_host_config *cfg, struct sess_host *h,
	       int changes_board, struct sess_result *res);
/** activate.c: the report of activate (code 0 or 18) and rollback. */
void activation_report(const struct target_opts *o, const char *what,
		       const struct sess_activation *a, int code);
/** After a failure (or signal): say it once (prose on stderr, or one JSON
 *  object), return the exit code; 0 (nothing printed) on success. A
 *  rollback (exit 18) is left to the command's own report. */
int device_finish(const struct target_opts *o, const char *what, const struct sess_result *res,
		  int sig);

/** A command that talks to the device extension: its options (tc), the
 *  session job, whether it changes the board (then it is run again only
 *  when nothing reached the board), and what it adds to the session
 *  settings and to the report. ctx is tc.ctx. */
struct device_cmd {
	struct target_cmd tc;
	int job;
	int changes_board;
	void (*setup)(const struct target_opts *o, struct sess_host_config *cfg, void *ctx);
	void (*report)(const struct target_opts *o, const struct sess_host *h, int code, void *ctx);
};
/** Parse, connect, run the session (again after a connect failure or a
 *  timeout when it may), report; returns the exit code. */
int device_command(const struct command *cmd, const struct device_cmd *dc, int argc, char **argv);

#endif
