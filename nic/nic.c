/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>
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

struct nic *nic_new(const struct nic_ops *ops, size_t priv_size)
{
	struct nic *n = calloc(1, sizeof(*n));

	if (n)
		n->priv = calloc(1, priv_size ? priv_size : 1);
	if (!n || !n->priv) {
		free(n);
		return NULL;
	}
	n->ops = ops;
	return n;
}

struct nic *nic_new_over(const struct nic_ops *ops, size_t priv_size, const struct nic *inner)
{
	struct nic *n = nic_new(ops, priv_size);

	if (n) {
		n->mtu = inner->mtu;
		memcpy(n->mac, inner->mac, 6);
		memcpy(n->name, inner->name, sizeof(n->name));
	}
	return n;
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
