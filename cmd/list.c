/* SPDX-License-Identifier: MIT */
/* ethdl list: the interfaces a board could be on. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "ethdl.h"

static const struct option longopts[] = {
	{"json", no_argument, NULL, 'j'},
	{"version", no_argument, NULL, 'V'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

static const char help[] = "      --json             one JSON object per interface\n"
			   "      --version          print the version\n"
			   "  -h, --help             this text\n";

static void print_one(const struct nic_info *ni, int json)
{
	char mac[18] = "-";
	char state[64];

	if (ni->has_mac)
		format_mac(ni->mac, mac);
	if (!json) {
		snprintf(state, sizeof(state), "%s%s%s", ni->up ? "up" : "down",
			 ni->up ? (ni->carrier ? ",carrier" : ",no-carrier") : "",
			 ni->ethernet ? "" : ",not-ethernet");
		printf("%-16s %-17s %6u  %s\n", ni->name, mac, ni->mtu, state);
		return;
	}
	json_t *j = json_pack("{s:s, s:s, s:i, s:b, s:b, s:b}", "name", ni->name, "mac", mac, "mtu",
			      (int)ni->mtu, "up", ni->up, "carrier", ni->carrier, "ethernet",
			      ni->ethernet);
	char *s = j ? json_dumps(j, ETHDL_JSON_FLAGS) : NULL;

	outcome_emitted();
	if (s)
		puts(s);
	else
		error_line("cannot format the JSON line of %s", ni->name);
	free(s);
	json_decref(j);
}

int cmd_list(const struct command *cmd, int argc, char **argv)
{
	struct nic_info info[64];
	char errbuf[NIC_ERRBUF_SIZE] = "";
	int c, n, json = 0;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		case 'V': return show_version();
		case 'h': show_command_help(cmd, help, stdout); return 0;
		default: return opt_rejected(c, argv, longopts);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument `%s'", argv[optind]);
	n = nic_list(info, 64, errbuf);
	if (n < 0)
		return error_line("cannot list interfaces: %s", *errbuf ? errbuf : nic_strerror(n));
	if (n > 64)
		n = 64;
	if (!json)
		printf("%-16s %-17s %6s  %s\n", "INTERFACE", "MAC", "MTU", "STATE");
	for (int i = 0; i < n; i++)
		print_one(&info[i], json);
	return 0;
}
