#!/usr/bin/env bash
# The project's main job, end to end: the P4 VTEP gateway (p4sim running
# vtep_gateway.p4, driven by gwctl from a real hardware_vtep ovsdb-server)
# joins a bare-metal host and the VMs of an OVS hypervisor (userspace
# datapath) in one VXLAN overlay. Namespaces gw, bm1, hv1, vm1, vm2; all of
# it is removed at exit. Options: see `python3 -m demo --help` (--vlan 100,
# --prefix, --keep, --trace). Needs root. The p4sim-only example that used to
# be the demo is `python3 -m bmv2.demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 -m demo "$@"
