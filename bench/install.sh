#!/usr/bin/env bash
# bench/install.sh: what bench/run.sh needs beyond the build and test
# dependencies (scripts/install-deps.sh), from Debian's archive only.
#
# Clients (installed as packages, they do not conflict):
#   atftp      atftp client (0.8.0 on Debian 12: --option "blksize N",
#              --option "windowsize N")
#   tftp-hpa   tftp-hpa client (no blksize option: 512-byte blocks only;
#              run.sh does not use it in the matrix, see README)
#   uftp       UFTP 4.10.2 (uftp sender, uftpd receiver), for bench/group.sh;
#              (on a systemd machine the package enables uftp.service, a
#              uftpd on every interface: when install.sh installed uftp
#              itself, it stops and disables that service;
#              group.sh starts its own uftpd in each board namespace)
#   nftables   nft, per-port loss on the bridge of bench/group.sh
# Servers: tftpd-hpa and atftpd conflict as packages (both are a tftp
# server), and installing either starts a daemon on port 69 of the machine.
# So neither is installed: `apt-get download` fetches the two .debs and
# `dpkg-deb -x` unpacks them under $ETHDL_BENCH_TOOLS (default
# /opt/ethdl-bench), from where run.sh starts them by hand inside its own
# board namespace. Their shared libraries are installed as packages.
set -euo pipefail
if [ "$(id -u)" != 0 ]; then
	echo "bench/install.sh: run as root (apt-get)" >&2
	exit 1
fi
tools=${ETHDL_BENCH_TOOLS:-/opt/ethdl-bench}
export DEBIAN_FRONTEND=noninteractive

pkgs=(atftp tftp-hpa time iproute2 python3 python3-matplotlib libwrap0 libpcre2-8-0 uftp nftables)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
updated=0
if [ ${#missing[@]} -gt 0 ]; then
	apt-get update -qq
	updated=1
	apt-get install -y -qq --no-install-recommends "${missing[@]}"
	# The uftp package starts uftpd on the machine's interfaces; the
	# benchmark runs its own, inside its namespaces, and wants no other.
	case " ${missing[*]} " in
	*" uftp "*)
		if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
			systemctl disable --now uftp.service 2>/dev/null || true
		elif [ -x /etc/init.d/uftp ]; then
			/etc/init.d/uftp stop 2>/dev/null || true
		fi
		;;
	esac
fi

if [ ! -x "$tools/usr/sbin/in.tftpd" ] || [ ! -x "$tools/usr/sbin/atftpd" ]; then
	[ "$updated" = 1 ] || apt-get update -qq
	dl=$(mktemp -d)
	trap 'rm -rf "$dl"' EXIT
	# apt-get download drops privileges to _apt: let it write there.
	chown _apt "$dl" 2>/dev/null || chmod 777 "$dl"
	(cd "$dl" && apt-get download -qq tftpd-hpa atftpd)
	mkdir -p "$tools"
	for deb in "$dl"/*.deb; do
		dpkg-deb -x "$deb" "$tools"
	done
fi
"$tools/usr/sbin/atftpd" --version 2>&1 | head -1 || true
echo "tftp servers unpacked in $tools/usr/sbin: in.tftpd (tftp-hpa), atftpd"
