/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>

#include "nic.h"

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
		n->send_path = inner->send_path;
		n->inner = inner;
	}
	return n;
}

uint64_t nic_rx_dropped(const struct nic *n)
{
	while (n->inner)
		n = n->inner;
	return n->stats.rx_dropped;
}

int nic_join(struct nic *n, const uint8_t mac[6])
{
	return n->ops->join ? n->ops->join(n, mac) : -NIC_E_INVAL;
}

int nic_leave(struct nic *n, const uint8_t mac[6])
{
	return n->ops->leave ? n->ops->leave(n, mac) : -NIC_E_INVAL;
}

int nic_send_path_parse(const char *s)
{
	if (!strcmp(s, "libnet"))
		return NIC_SEND_LIBNET;
	if (!strcmp(s, "sendmmsg"))
		return NIC_SEND_SENDMMSG;
	if (!strcmp(s, "bypass"))
		return NIC_SEND_BYPASS;
	return -NIC_E_INVAL;
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
