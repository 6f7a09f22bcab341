/* SPDX-License-Identifier: MIT */
/* What the command lines of both programs share: usage errors, the version,
 * signals, numbers with ranges, MAC addresses and EtherTypes. Every opt_*
 * parser prints its own usage error and returns EXIT_USAGE, or 0. */
#ifndef ETHDL_CMD_OPTS_H
#define ETHDL_CMD_OPTS_H

#include <getopt.h>
#include <stdint.h>

#define EXIT_USAGE 2

/** The program name that starts every message, and the command (or NULL)
 *  whose --help a usage error points to. */
void opts_init(const char *prog, const char *command);
const char *opts_prog(void);

/** "PROG: message" and "Try 'PROG [COMMAND] --help'." on stderr; returns
 *  EXIT_USAGE. */
int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/** "PROG: message" on stderr; returns 1 (a local failure). */
int error_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/** Print "PROG VERSION" on stdout; returns 0. */
int show_version(void);
/** The usage error for getopt's '?' or ':' (c), naming the option in argv;
 *  longopts tells an ambiguous abbreviation from an unknown option. */
int opt_rejected(int c, char **argv, const struct option *longopts);

/* --json for every outcome: a command that ends without printing its JSON
 * object (a usage error, an interface that cannot be opened, …) gets one
 * from outcome_finish (ethdl.c) with the first failure noted here.
 * usage_error and error_line note theirs themselves. */
/** Look for --json on the command line (before a "--"). */
void outcome_begin(int argc, char **argv);
/** 1 when --json was on the command line. */
int outcome_json(void);
/** A usage error said in a line of the command's own: the detail of the
 *  JSON object printed at the end (usage_error records its own). */
void outcome_usage(const char *detail);
/** A command printed its JSON object: nothing more is added. */
void outcome_emitted(void);
int outcome_was_emitted(void);
/** Note the first failure: result ("usage", "error") and its detail. */
void outcome_note(const char *result, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/** The first failure noted (NULL if none), and its detail. */
const char *outcome_result(void);
const char *outcome_detail(void);

/** Catch SIGINT and SIGTERM: the first one is remembered, not acted on.
 *  SIGPIPE is ignored (a closed pipe is a write error). */
void catch_signals(void);
/** The signal caught (SIGINT, SIGTERM), or 0. */
int caught_signal(void);
/** "SIGINT", "SIGTERM", … */
const char *signal_name(int sig);
/** 128 + sig: 130 for SIGINT, 143 for SIGTERM. */
int exit_for_signal(int sig);

/**
 * A whole number in min..max: decimal digits only, then, if suffix_base is
 * 1000 or 1024, an optional k, M, G or T. Refuses a sign, a fraction, an
 * exponent, hex, junk after it and overflow. opt names the option in the
 * message ("--window"), unit says what is counted ("frames").
 */
int opt_uint(const char *opt, const char *arg, uint64_t min, uint64_t max, unsigned suffix_base,
	     const char *unit, uint64_t *out);
/** A finite decimal number in min..max (1.5, .5, 2e3; suffixes as for
 *  opt_uint). Refuses nan, inf, a sign, hex and junk after it. */
int opt_real(const char *opt, const char *arg, double min, double max, unsigned suffix_base,
	     const char *unit, double *out);
/** A hexadecimal EtherType, 0600 to ffff ("88b5" or "0x88b5"). */
int opt_ethertype(const char *opt, const char *arg, uint16_t *out);
/** A file type by name (config, algorithm, parameter, redundancy): 1..4,
 *  or 0 for anything else. */
int opt_file_type(const char *s);
/** The MAC of one board: not a group address, not zero. */
int opt_board_mac(const char *opt, const char *arg, uint8_t mac[6]);

/** Parse "aa:bb:cc:dd:ee:ff" (or with '-'); 0 on success, -1 otherwise. */
int parse_mac(const char *s, uint8_t mac[6]);
void format_mac(const uint8_t mac[6], char out[18]);

#endif
