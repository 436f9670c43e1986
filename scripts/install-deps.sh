#!/usr/bin/env bash
# Debian packages the project needs: OVS (vtep schema, ovsdb-server, vtep-ctl,
# userspace datapath), OVN, iproute2 for namespaces and veths. Idempotent and
# quiet when everything is already there.
set -euo pipefail
pkgs=(openvswitch-switch openvswitch-vtep ovn-central ovn-host ovn-controller-vtep iproute2 tcpdump iputils-ping)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
