/* SPDX-License-Identifier: MIT */
/* outcome: with --json, every exit prints exactly one JSON object. A command
 * that printed its own report is left alone; any other failure (a usage
 * error, an interface that does not open, a file that cannot be read) ends
 * with {"result":"usage"|"error"|"interrupted","exit":N,"detail":…}. */
#include <string.h>

#include "diagnose.h"
#include "ethdl.h"

int outcome_finish(const char *command, int code)
{
	const struct diag *d = diag_current();
	const char *result;
	struct diag od;
	json_t *j;

	/* Commands that open the interface themselves (discover, group, …). */
	if (code && !d && open_nic_error() < 0 &&
	    diag_open_failure(open_nic_error(), open_nic_ifname(), &od)) {
		diag_set(&od);
		d = diag_current();
		if (!outcome_json())
			target_diag_hint();
	}
	if (!outcome_json() || outcome_was_emitted() || !code)
		return code;
	if (code == EXIT_USAGE)
		result = "usage";
	else if (code > 128)
		result = "interrupted";
	else
		result = "error";
	j = json_object();
	json_object_set_new(j, "result", json_string(result));
	json_object_set_new(j, "exit", json_integer(code));
	if (command)
		json_object_set_new(j, "command", json_string(command));
	json_object_set_new(j, "detail", json_string(outcome_result() ? outcome_detail() : ""));
	if (d) {
		json_object_set_new(j, "diagnosis", json_string(d->code));
		json_object_set_new(j, "hint", json_string(d->hint));
	}
	json_print(stdout, j);
	return code;
}

void target_diag_json(json_t *j)
{
	const struct diag *d = diag_current();

	if (!d)
		return;
	json_object_set_new(j, "diagnosis", json_string(d->code));
	json_object_set_new(j, "hint", json_string(d->hint));
}

void target_diag_detail(char *detail, size_t cap)
{
	const struct diag *d = diag_current();
	size_t n = strlen(detail);

	if (d && *d->text && n + 3 < cap)
		snprintf(detail + n, cap - n, "%s%s", n ? "; " : "", d->text);
}

void target_diag_hint(void)
{
	const struct diag *d = diag_current();

	if (d && *d->hint)
		fprintf(stderr, PROG ": hint: %s\n", d->hint);
}
