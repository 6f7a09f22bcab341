/* SPDX-License-Identifier: MIT */
/* ethdl-board's command line. */
#ifndef ETHDL_CMD_BOARD_OPTS_H
#define ETHDL_CMD_BOARD_OPTS_H

#include "common.h"
#include "session.h"
#include "devstore_fault.h"

#define BOARD_PROG	"ethdl-board"
#define BOARD_MAX_TRUST 16 /* DEV_TRUST_KEYS */

struct board_opts {
	const char *dir;		   /* -d STATE_DIR */
	struct nic_setup nic;		   /* -i, --ethertype, --capture, fault injection */
	struct sess_board_config cfg;	   /* identity, limits; nic and store unset */
	struct devstore_fault store_fault; /* --flip-received, --corrupt-readback */
	double timeout;			   /* seconds */
	const char *health_cmd;		   /* --health-cmd */
	double health_timeout;		   /* seconds */
	int fail_health;
	const char *trust[BOARD_MAX_TRUST]; /* --trust PUB.pem */
	int ntrust;
	const char *decrypt_key; /* --decrypt-key KEYFILE */
	unsigned signed_only;	 /* --signed-only TYPE: bit t */
	int once;
	int quiet;
	struct sess_auth_key auth; /* --auth-key (cfg.auth points here) */
};

/** Parse argv into o (defaults first). Returns -1 to go on, else the exit
 *  code: 0 after --help or --version, EXIT_USAGE after a usage error. */
int board_parse(int argc, char **argv, struct board_opts *o);

#endif
