#!/usr/bin/env bash
# Install what ethdl needs to build, test and benchmark, from Debian's archive.
set -euo pipefail
if [ "$(id -u)" != 0 ]; then
	echo "install-deps.sh: run as root (apt-get)" >&2
	exit 1
fi
pkgs=(build-essential cmake pkg-config clang libclang-rt-14-dev
      libpcap-dev libnet1-dev libssl-dev libcunit1-dev libjansson-dev libisal-dev
      iproute2 python3 time nftables openssl tshark
      ansible-core dpkg-dev file libcap2-bin groff-base)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
