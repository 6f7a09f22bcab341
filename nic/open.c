/* SPDX-License-Identifier: MIT */
/* open: a nic chosen by name ("file:x.pcap" or an interface), and the list
 * of interfaces. The one place that knows every backend; it links them all. */
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netpacket/packet.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

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

int nic_list(struct nic_info *out, int cap, char *errbuf)
{
	struct ifaddrs *ifs = NULL, *ifa;
	int fd = -1, count = 0, ret;

	if (getifaddrs(&ifs)) {
		if (errbuf)
			snprintf(errbuf, NIC_ERRBUF_SIZE, "getifaddrs: %s", strerror(errno));
		ret = -NIC_E_IO;
		goto out;
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	for (ifa = ifs; ifa; ifa = ifa->ifa_next) {
		const struct sockaddr_ll *sll = (const void *)ifa->ifa_addr;
		struct nic_info *ni;
		struct ifreq ifr;

		if (!sll || sll->sll_family != AF_PACKET)
			continue;
		if (count++ >= cap)
			continue;
		ni = &out[count - 1];
		memset(ni, 0, sizeof(*ni));
		snprintf(ni->name, sizeof(ni->name), "%s", ifa->ifa_name);
		if (sll->sll_halen == 6) {
			memcpy(ni->mac, sll->sll_addr, 6);
			ni->has_mac = 1;
		}
		ni->up = !!(ifa->ifa_flags & IFF_UP);
		ni->carrier = !!(ifa->ifa_flags & IFF_RUNNING);
		ni->ethernet = sll->sll_hatype == ARPHRD_ETHER;
		memset(&ifr, 0, sizeof(ifr));
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifa->ifa_name);
		if (fd >= 0 && !ioctl(fd, SIOCGIFMTU, &ifr))
			ni->mtu = (unsigned)ifr.ifr_mtu;
	}
	ret = count;
out:
	if (fd >= 0)
		close(fd);
	if (ifs)
		freeifaddrs(ifs);
	return ret;
}
