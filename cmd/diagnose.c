/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "diagnose.h"
#include "frame.h"
#include "nic.h"

static struct diag current;

void diag_set(const struct diag *d)
{
	current = *d;
}

const struct diag *diag_current(void)
{
	return current.code ? &current : NULL;
}

void diag_clear(void)
{
	memset(&current, 0, sizeof(current));
}

static void mac_text(const uint8_t m[6], char out[18])
{
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

void diag_count_frame(struct diag_counts *c, const uint8_t *buf, size_t len, const uint8_t board[6],
		      const uint8_t self[6], uint16_t ethertype)
{
	struct frame f;
	uint16_t et;
	int r;

	if (len < FRAME_ETH_LEN || !memcmp(buf + 6, self, 6))
		return;
	c->rx++;
	if (memcmp(buf + 6, board, 6))
		return;
	c->board++;
	et = (uint16_t)(buf[12] << 8 | buf[13]);
	if (!ethertype)
		ethertype = FRAME_ETHERTYPE_DEFAULT;
	if (et != ethertype) {
		c->board_etype++;
		c->etype_seen = et;
		return;
	}
	r = frame_decode(&f, buf, len, ethertype);
	if (r == -FRAME_E_VERSION) {
		c->board_version++;
		c->version_seen = buf[16];
	} else if (r == -FRAME_E_START || r == -FRAME_E_SHORT)
		c->board_foreign++;
	else if (r < 0)
		c->board_invalid++;
	else if (!(buf[0] & 1) && memcmp(buf, self, 6)) {
		c->board_other_dst++;
		memcpy(c->other_dst, buf, 6);
	} else
		c->board_valid++;
}

static const char *etype_name(uint16_t et)
{
	switch (et) {
	case 0x0800: return " (IPv4)";
	case 0x0806: return " (ARP)";
	case 0x86dd: return " (IPv6)";
	case 0x8100: return " (VLAN tag)";
	case 0x88cc: return " (LLDP)";
	default: return "";
	}
}

#define SET(d, c, ...)                                                                             \
	do {                                                                                       \
		(d)->code = (c);                                                                   \
		snprintf((d)->text, sizeof((d)->text), __VA_ARGS__);                               \
	} while (0)
#define HINT(d, ...) snprintf((d)->hint, sizeof((d)->hint), __VA_ARGS__)

int diag_classify(const struct diag_counts *c, const struct sess_result *res, const char *ifname,
		  const uint8_t board[6], uint16_t ethertype, double wait_s, struct diag *d)
{
	char mac[18], other[18];

	memset(d, 0, sizeof(*d));
	mac_text(board, mac);
	if (!ethertype)
		ethertype = FRAME_ETHERTYPE_DEFAULT;
	if (res && res->notice == NOTICE_CONNECT_FAILED && res->detail == D_BUSY) {
		d->code = "busy"; /* the board's own words say what */
		HINT(d, "wait until the other host's session ends (the board drops a silent one "
			"after its timer), then run this again");
		return 1;
	}
	if (!c)
		return 0;
	if (c->board_valid && !c->board_other_dst && c->board_valid >= c->board_invalid)
		return 0; /* the board spoke to us: the session's own words say it */
	if (!c->rx) {
		SET(d, "silent_link", "nothing at all was received on %s in %.1f s", ifname,
		    wait_s);
		HINT(d, "check the cable, the switch port (and its VLAN) and that the board is "
			"powered and running ethdl");
		return 1;
	}
	if (!c->board) {
		SET(d, "no_board", "%llu frames arrived on %s in %.1f s, none from %s",
		    (unsigned long long)c->rx, ifname, wait_s, mac);
		HINT(d, "check the board's MAC: ethdl discover -i %s lists the boards that answer",
		     ifname);
		return 1;
	}
	if (c->board_invalid) {
		SET(d, "invalid_frames",
		    "%llu frames from %s failed their check (bad frame CRC or header)",
		    (unsigned long long)c->board_invalid, mac);
		HINT(d, "the frames are damaged on the way or by the board: check the cable, the "
			"link's duplex and the board's firmware");
		return 1;
	}
	if (c->board_version) {
		SET(d, "other_version",
		    "the board sends EtherType 0x%04x frames of protocol version %u, not %u",
		    ethertype, c->version_seen, FRAME_VERSION);
		HINT(d,
		     "another protocol version (or protocol) uses 0x%04x on the board; if its "
		     "ethdl uses another EtherType give --ethertype",
		     ethertype);
		return 1;
	}
	if (c->board_foreign) {
		SET(d, "other_version",
		    "the board sends EtherType 0x%04x frames that are not ethdl frames (no start "
		    "flag)",
		    ethertype);
		HINT(d,
		     "another protocol uses 0x%04x on the board; if its ethdl uses another "
		     "EtherType give --ethertype",
		     ethertype);
		return 1;
	}
	if (c->board_other_dst) {
		mac_text(c->other_dst, other);
		SET(d, "busy_elsewhere", "the board %s is exchanging frames with %s, not with us",
		    mac, other);
		HINT(d, "the board is likely busy with the host %s: wait until its session ends",
		     other);
		return 1;
	}
	if (c->board_etype) {
		SET(d, "other_ethertype",
		    "%llu frames from %s, of EtherType 0x%04x%s, none of 0x%04x",
		    (unsigned long long)c->board_etype, mac, c->etype_seen,
		    etype_name(c->etype_seen), ethertype);
		HINT(d,
		     "the board is there but does not speak ethdl on 0x%04x: if it uses "
		     "0x%04x give --ethertype %04x, else check that ethdl runs on it",
		     ethertype, c->etype_seen, c->etype_seen);
		return 1;
	}
	return 0;
}

static void read_sys(const char *ifname, const char *what, char *out, size_t cap)
{
	char path[128];
	FILE *f;

	snprintf(out, cap, "?");
	snprintf(path, sizeof(path), "/sys/class/net/%s/%s", ifname, what);
	f = fopen(path, "r");
	if (!f)
		return;
	if (fgets(out, (int)cap, f))
		out[strcspn(out, "\n")] = '\0';
	else
		snprintf(out, cap, "?");
	fclose(f);
}

int diag_open_failure(int err, const char *ifname, struct diag *d)
{
	char oper[32], carrier[8], flags[16], self[256];
	ssize_t n;

	memset(d, 0, sizeof(*d));
	if (err < 0)
		err = -err;
	switch (err) {
	case NIC_E_NODEV:
		SET(d, "no_interface", "no interface %s here", ifname);
		HINT(d, "ethdl list shows the interfaces");
		return 1;
	case NIC_E_DOWN:
		read_sys(ifname, "operstate", oper, sizeof(oper));
		read_sys(ifname, "flags", flags, sizeof(flags));
		SET(d, "interface_down", "%s is down (operstate %s, flags %s)", ifname, oper,
		    flags);
		HINT(d, "bring it up: ip link set %s up (operstate %s, flags %s)", ifname, oper,
		     flags);
		return 1;
	case NIC_E_NOCARRIER:
		read_sys(ifname, "operstate", oper, sizeof(oper));
		read_sys(ifname, "carrier", carrier, sizeof(carrier));
		SET(d, "no_carrier", "%s is up but has no carrier (operstate %s, carrier %s)",
		    ifname, oper, carrier);
		HINT(d,
		     "nothing is linked to %s (operstate %s, carrier %s): check the cable and "
		     "that the switch port or the board is powered",
		     ifname, oper, carrier);
		return 1;
	case NIC_E_PERM:
		n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (n <= 0)
			snprintf(self, sizeof(self), "ethdl");
		else
			self[n] = '\0';
		SET(d, "no_permission", "no permission to open %s for raw frames", ifname);
		HINT(d, "run as root, or once: setcap cap_net_raw,cap_net_admin+ep %s", self);
		return 1;
	}
	return 0;
}

int diag_bad_target(const uint8_t mac[6], const uint8_t self[6], const char *ifname, struct diag *d)
{
	char m[18];

	memset(d, 0, sizeof(*d));
	mac_text(mac, m);
	if (mac[0] & 1) {
		SET(d, "group_address",
		    "%s is a group address (multicast or broadcast), not a board's own (unicast) "
		    "MAC",
		    m);
		HINT(d, "to download into many boards at once use ethdl group");
		return 1;
	}
	if (self && !memcmp(mac, self, 6)) {
		SET(d, "own_mac", "%s is this host's own MAC on %s", m, ifname);
		HINT(d, "give the board's MAC: ethdl discover -i %s lists the boards that answer",
		     ifname);
		return 1;
	}
	return 0;
}
