/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>

#include "nic.h"

int nic_open(struct nic **out, const char *name, const struct nic_config *cfg, char *errbuf)
{
	static const struct nic_config defaults;

	*out = NULL;
	if (!cfg)
		cfg = &defaults;
	if (!name || !*name) {
		snprintf(errbuf, NIC_ERRBUF_SIZE, "empty interface name");
		return -NIC_E_INVAL;
	}
	if (strncmp(name, "file:", 5) == 0)
		return nic_file_open(out, name + 5, errbuf);
	return nic_live_open(out, name, cfg, errbuf);
}

int nic_join(struct nic *n, const uint8_t mac[6])
{
	return n->ops->join ? n->ops->join(n, mac) : -NIC_E_INVAL;
}

void nic_close(struct nic *n)
{
	if (n)
		n->ops->close(n);
}

const char *nic_strerror(int err)
{
	static const char *const msgs[NIC_ERR_COUNT] = {
		"ok",
		"no such interface",
		"interface is down",
		"interface has no carrier",
		"permission denied (needs CAP_NET_RAW)",
		"not an Ethernet interface",
		"MTU too small",
		"send or receive failed",
		"capture file error",
		"out of memory",
		"invalid argument",
		"queue full",
	};
	if (err < 0)
		err = -err;
	return err < NIC_ERR_COUNT ? msgs[err] : "?";
}
