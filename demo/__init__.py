"""End-to-end demo: the P4 VTEP gateway (p4sim + gwctl) joining an OVS hypervisor's VMs and a bare-metal host.

See demo/README.md; `python3 -m demo` (or `make demo`) runs the scenario.
"""
