"""The namespace helper builds exactly what it promises and removes it all."""

import subprocess

import pytest

from bmv2.netns import NetnsError, SwitchNamespace, netns_exists


def links_in(ns: str) -> set[str]:
    out = subprocess.run(["ip", "-n", ns, "-o", "link", "show"], capture_output=True, text=True, check=True).stdout
    return {line.split(":")[1].strip().split("@")[0] for line in out.splitlines()}


def test_namespace_with_veth_pairs_is_created_and_removed():
    name = "p4t-netns-a"
    with SwitchNamespace(name, 3) as ns:
        assert netns_exists(name)
        assert {"sw0", "h0", "sw1", "h1", "sw2", "h2", "lo"} <= links_in(name)
        assert ns.interface_args() == ["-i", "0@sw0", "-i", "1@sw1", "-i", "2@sw2"]
        proc = ns.spawn(["sleep", "60"])
        assert proc.poll() is None
    assert not netns_exists(name)
    assert proc.poll() is not None, "processes started in the namespace are stopped with it"


def test_existing_namespace_is_never_reused():
    name = "p4t-netns-b"
    with SwitchNamespace(name, 1), pytest.raises(NetnsError, match="already exists"):
        SwitchNamespace(name, 1).up()
    assert not netns_exists(name)
