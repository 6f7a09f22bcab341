/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opts.h"
#include "proto.h"

static const char *prog = "ethdl";
static const char *command;
static volatile sig_atomic_t caught;
static struct {
	int on, emitted;
	const char *result;
	char detail[512];
} outcome;

void outcome_begin(int argc, char **argv)
{
	memset(&outcome, 0, sizeof(outcome));
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--json"))
			outcome.on = 1;
}

int outcome_json(void)
{
	return outcome.on;
}

void outcome_emitted(void)
{
	outcome.emitted = 1;
}

int outcome_was_emitted(void)
{
	return outcome.emitted;
}

void outcome_note(const char *result, const char *fmt, ...)
{
	va_list ap;

	if (outcome.result)
		return; /* the first failure is the one that counts */
	outcome.result = result;
	va_start(ap, fmt);
	vsnprintf(outcome.detail, sizeof(outcome.detail), fmt, ap);
	va_end(ap);
}

const char *outcome_result(void)
{
	return outcome.result;
}

const char *outcome_detail(void)
{
	return outcome.detail;
}

void opts_init(const char *p, const char *cmd)
{
	prog = p;
	command = cmd;
}

const char *opts_prog(void)
{
	return prog;
}

/* The first failure of the run, for the JSON object outcome_finish prints. */
static void outcome_record(const char *result, const char *fmt, va_list ap)
{
	if (!outcome.result) {
		outcome.result = result;
		vsnprintf(outcome.detail, sizeof(outcome.detail), fmt, ap);
	}
}

void outcome_usage(const char *detail)
{
	if (!outcome.result) {
		outcome.result = "usage";
		snprintf(outcome.detail, sizeof(outcome.detail), "%s", detail);
	}
}

/* "prog: " and the message on stderr, recorded as the run's outcome
 * (result) if it is its first failure; the caller ends the line. */
static void say_failure(const char *result, const char *fmt, va_list ap)
{
	va_list aq;

	fprintf(stderr, "%s: ", prog);
	va_copy(aq, ap);
	outcome_record(result, fmt, aq);
	va_end(aq);
	vfprintf(stderr, fmt, ap);
}

int usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say_failure("usage", fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s%s%s --help'.\n", prog, command ? " " : "",
		command ? command : "");
	return EXIT_USAGE;
}

int error_line(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say_failure("error", fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

int show_version(void)
{
	printf("%s %s\n", prog, ETHDL_VERSION);
	return 0;
}

int opt_rejected(int c, char **argv, const struct option *longopts)
{
	const char *arg = argv[optind - 1];
	char where[64];
	const struct option *exact = NULL;
	int is_long = !strncmp(arg, "--", 2) && arg[2];
	size_t len = is_long ? strcspn(arg + 2, "=") : 0;
	int matches = 0;

	snprintf(where, sizeof(where), "%s%s", command ? command : "there is",
		 command ? " has" : "");
	/* optopt is the short option, or the val of a long one that got what it
	 * cannot take; argv[optind - 1] is the word only when a long option or
	 * the last of a group of short ones was read. */
	for (const struct option *o = longopts; is_long && o && o->name; o++)
		if (!strncmp(o->name, arg + 2, len)) {
			matches++;
			if (strlen(o->name) == len)
				exact = o;
		}
	if (is_long && !exact && matches == 1)
		for (exact = longopts; strncmp(exact->name, arg + 2, len); exact++)
			;
	if (c == ':')
		return is_long && exact && exact->val == optopt
			       ? usage_error("option `--%s' needs a value", exact->name)
			       : usage_error("option `-%c' needs a value", optopt);
	if (is_long && exact && exact->val == optopt && arg[2 + len] == '=')
		return usage_error("option `--%s' takes no value", exact->name);
	if (optopt > 0 && optopt < 128)
		return usage_error("%s no option `-%c'", where, optopt);
	if (is_long && matches > 1 && !exact)
		return usage_error("ambiguous option `%.*s' (give more of its name)", (int)len + 2,
				   arg);
	return usage_error("%s no option `%.*s'", where, is_long ? (int)len + 2 : (int)strlen(arg),
			   arg);
}

static void on_signal(int sig)
{
	if (!caught)
		caught = sig;
}

void catch_signals(void)
{
	struct sigaction sa = {.sa_handler = on_signal};

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* A reader that went away is a write error, not a silent death. */
	signal(SIGPIPE, SIG_IGN);
}

int caught_signal(void)
{
	return caught;
}

const char *signal_name(int sig)
{
	switch (sig) {
	case SIGINT: return "SIGINT";
	case SIGTERM: return "SIGTERM";
	default: return "a signal";
	}
}

int exit_for_signal(int sig)
{
	return 128 + sig;
}

static const char suffixes[] = "kMGT";

/* The multiplier of the suffix at *p (advanced past it), 1 if none. */
static uint64_t take_suffix(const char **p, unsigned base)
{
	static const char lower[] = "kmgt";
	const char *s = **p ? strchr(lower, **p | 0x20) : NULL;
	uint64_t m = 1;

	if (!base || !s)
		return 1;
	for (long i = 0; i <= s - lower; i++)
		m *= base;
	(*p)++;
	return m;
}

/* v as short as it can be said: 1k, 100G, 65500, 0.001. */
static void format_real(char *buf, size_t n, double v, unsigned base)
{
	int i = -1;

	while (base && v >= base && fmod(v, base) == 0 && i < 3) {
		v /= base;
		i++;
	}
	snprintf(buf, n, "%.15g%.*s", v, i >= 0 ? 1 : 0, i >= 0 ? suffixes + i : "");
}

static void format_uint(char *buf, size_t n, uint64_t v, unsigned base)
{
	int i = -1;

	while (base && v >= base && v % base == 0 && i < 3) {
		v /= base;
		i++;
	}
	snprintf(buf, n, "%" PRIu64 "%.*s", v, i >= 0 ? 1 : 0, i >= 0 ? suffixes + i : "");
}

static int out_of_range(const char *opt, const char *arg, const char *lo, const char *hi,
			unsigned suffix_base, const char *unit)
{
	return usage_error("invalid %s `%s' (%s, %s to %s%s)", opt, arg, unit, lo, hi,
			   !suffix_base		 ? ""
			   : suffix_base == 1000 ? "; k, M, G, T: powers of 1000"
						 : "; k, M, G, T: powers of 1024");
}

int opt_uint(const char *opt, const char *arg, uint64_t min, uint64_t max, unsigned suffix_base,
	     const char *unit, uint64_t *out)
{
	const char *end;
	char *e, lo[32], hi[32];
	uint64_t v, m;

	if (*arg < '0' || *arg > '9')
		goto bad;
	errno = 0;
	v = strtoull(arg, &e, 10);
	end = e;
	if (errno)
		goto bad;
	m = take_suffix(&end, suffix_base);
	if (*end || v > UINT64_MAX / m)
		goto bad;
	v *= m;
	if (v < min || v > max)
		goto bad;
	*out = v;
	return 0;
bad:
	format_uint(lo, sizeof(lo), min, suffix_base);
	format_uint(hi, sizeof(hi), max, suffix_base);
	return out_of_range(opt, arg, lo, hi, suffix_base, unit);
}

int opt_real(const char *opt, const char *arg, double min, double max, unsigned suffix_base,
	     const char *unit, double *out)
{
	const char *end;
	char *e, lo[32], hi[32];
	double v;

	/* strtod also takes nan, inf, hex, signs and leading blanks. */
	if (!((*arg >= '0' && *arg <= '9') || *arg == '.') || strpbrk(arg, "xX"))
		goto bad;
	errno = 0;
	v = strtod(arg, &e);
	end = e;
	if (errno || e == arg)
		goto bad;
	v *= (double)take_suffix(&end, suffix_base);
	if (*end || !isfinite(v) || v < min || v > max)
		goto bad;
	*out = v;
	return 0;
bad:
	format_real(lo, sizeof(lo), min, suffix_base);
	format_real(hi, sizeof(hi), max, suffix_base);
	return out_of_range(opt, arg, lo, hi, suffix_base, unit);
}

int opt_ethertype(const char *opt, const char *arg, uint16_t *out)
{
	const char *p = arg;
	unsigned long v = 0;
	size_t n = 0;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		p += 2;
	for (; p[n]; n++) {
		const char *d = strchr("0123456789abcdef", p[n] | 0x20);

		if (!d || !*d || n >= 4)
			break;
		v = v * 16 + (unsigned long)(d - "0123456789abcdef");
	}
	if (!n || p[n] || v < 0x600)
		return usage_error("invalid %s `%s' (hexadecimal, 0600 to ffff)", opt, arg);
	*out = (uint16_t)v;
	return 0;
}

int opt_board_mac(const char *opt, const char *arg, uint8_t mac[6])
{
	if (parse_mac(arg, mac) < 0)
		return usage_error("invalid MAC address `%s' for %s (aa:bb:cc:dd:ee:ff)", arg, opt);
	if (mac[0] & 1)
		return usage_error("`%s' is a group address: %s takes one board's own (unicast) "
				   "MAC",
				   arg, opt);
	if (!memcmp(mac, "\0\0\0\0\0\0", 6))
		return usage_error("`%s' is not a board's MAC", arg);
	return 0;
}

int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	char sep = s[0] && s[1] && s[2] ? s[2] : 0;

	if (sep != ':' && sep != '-')
		return -1;
	for (int i = 0; i < 6; i++) {
		const char *p = s + 3 * i;

		for (int k = 0; k < 2; k++)
			if (!strchr("0123456789abcdefABCDEF", p[k]) || !p[k])
				return -1;
		if (p[2] != (i < 5 ? sep : '\0'))
			return -1;
		v[i] = (unsigned)strtoul((char[3]){p[0], p[1], 0}, NULL, 16);
	}
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	return 0;
}

void format_mac(const uint8_t mac[6], char out[18])
{
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
		 mac[5]);
}

int opt_file_type(const char *s)
{
	for (int t = 1; t < FT_COUNT; t++)
		if (strcmp(s, proto_type_name(t)) == 0)
			return t;
	return 0;
}
