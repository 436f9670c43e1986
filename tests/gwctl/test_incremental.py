"""The incremental translation: any sequence of row changes gives exactly validate + translate of the end state."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from gwctl.incremental import Incremental, state_changes
from gwctl.model import (
    DesiredState,
    FrozenMap,
    LearnedMac,
    LogicalRouter,
    LogicalSwitch,
    McastMacRemote,
    PhysicalLocator,
    PhysicalPort,
    UcastMacRemote,
)
from gwctl.pipelines import vtep_gateway as p4
from gwctl.reconcile import Entry, Kind, apply_to, reconcile_changes
from gwctl.translate import Ids, translate
from gwctl.validate import validate
from tests.gwctl.test_translate import HV1, INV, IPS, MAC1, MAC2, MACS, referenced_groups, state, states

HOST_IPS = ["", "192.0.2.11", "192.0.2.12", "198.51.100.7", "not-an-ip"]


@st.composite
def rich_states(draw) -> tuple[DesiredState, tuple[LearnedMac, ...]]:
    """test_translate's states plus host IPs, routers, multicast MACs and rows that validation refuses."""
    s, learned = draw(states())
    names = sorted(s.logical_switches)
    ucast = {k: replace(r, ipaddr=draw(st.sampled_from(HOST_IPS))) for k, r in s.ucast_macs_remote.items()}
    if draw(st.booleans()):   # a row in a missing switch, a multicast MAC, a bad locator
        ls = draw(st.sampled_from([*names, "ls9"]))
        mac = draw(st.sampled_from(["01:00:5e:00:00:01", "zz", MAC1]))
        ucast[(ls, mac)] = UcastMacRemote(mac, ls, PhysicalLocator(draw(st.sampled_from([HV1, "bad"]))))
    mcast = dict(s.mcast_macs_remote)
    routers = {}
    if names:
        if draw(st.booleans()):
            ls = draw(st.sampled_from(names))
            mcast[(ls, draw(st.sampled_from(MACS)))] = McastMacRemote(
                "m", ls, frozenset({PhysicalLocator(draw(st.sampled_from(IPS)))}))
        if draw(st.booleans()):
            binding = {"192.0.2.1/24": draw(st.sampled_from(names))}
            if draw(st.booleans()):
                binding["198.51.100.1/24"] = draw(st.sampled_from(names))
            routers["lr1"] = LogicalRouter("lr1", FrozenMap(binding),
                                           FrozenMap({"203.0.113.0/24": "198.51.100.7"}))
    return replace(s, ucast_macs_remote=FrozenMap(ucast), mcast_macs_remote=FrozenMap(mcast),
                   logical_routers=FrozenMap(routers)), learned


@st.composite
def small_step(draw, s: DesiredState, learned: tuple[LearnedMac, ...]) -> tuple[DesiredState, tuple[LearnedMac, ...]]:
    """One row changed, as the vtep DB mostly delivers them."""
    names = sorted(s.logical_switches) or ["ls1"]
    what = draw(st.sampled_from(["ucast", "ucast", "ucast", "ls", "port", "learned"]))
    if what == "ucast":
        key = (draw(st.sampled_from(names)), draw(st.sampled_from(MACS)))
        if key in s.ucast_macs_remote and draw(st.booleans()):
            return replace(s, ucast_macs_remote=s.ucast_macs_remote.remove(key)), learned
        row = UcastMacRemote(key[1], key[0], PhysicalLocator(draw(st.sampled_from(IPS))),
                             draw(st.sampled_from(HOST_IPS)))
        return replace(s, ucast_macs_remote=s.ucast_macs_remote.set(key, row)), learned
    if what == "ls":
        name = draw(st.sampled_from(names))
        if name in s.logical_switches and draw(st.booleans()):
            return replace(s, logical_switches=s.logical_switches.remove(name)), learned
        return replace(s, logical_switches=s.logical_switches.set(
            name, LogicalSwitch(name, draw(st.sampled_from([None, 7, 8, 9]))))), learned
    if what == "port":
        port = draw(st.sampled_from(["p1", "p2", "p3"]))
        bindings = draw(st.dictionaries(st.integers(0, 4), st.sampled_from(names), max_size=2))
        return replace(s, ports=s.ports.set(port, PhysicalPort(port, FrozenMap(bindings)))), learned
    extra = LearnedMac(draw(st.sampled_from(names)), draw(st.sampled_from(MACS)),
                       draw(st.sampled_from(["p1", "p2"])), draw(st.integers(0, 4)))
    return s, tuple({*learned} ^ {extra})


@st.composite
def histories(draw) -> list[tuple[DesiredState, tuple[LearnedMac, ...]]]:
    out = [draw(rich_states())]
    for _ in range(draw(st.integers(1, 8))):
        if draw(st.integers(0, 3)) == 0:
            out.append(draw(rich_states()))
        else:
            out.append(draw(small_step(*out[-1])))
    return out


def reference(s: DesiredState, learned, previous: Ids):
    checked = validate(s, p4.CAPABILITIES)
    t = translate(checked.state, learned, INV, previous)
    return t, tuple(sorted(set(checked.faults + t.faults)))


@settings(max_examples=300, deadline=None, report_multiple_bugs=False)
@given(histories())
def test_any_sequence_of_changes_gives_exactly_the_translation_of_the_end_state(history):
    inc = Incremental(INV)
    before = DesiredState()
    ids = Ids()
    realized: dict[tuple, Entry] = {}
    for s, learned in history:
        inc.update(state_changes(before, s), learned)
        t, faults = reference(s, learned, ids)
        assert inc.entries() == t.entries
        assert inc.ids == t.ids
        assert inc.faults == faults
        # the delta, reconciled against what the target holds, realizes exactly that, in a safe order
        for batch in reconcile_changes(inc.take_changes(), realized):
            apply_to(realized, batch)
            groups = {e.key[0] for e in realized.values() if e.kind == Kind.MCAST_GROUP}
            assert referenced_groups(frozenset(realized.values())) <= groups
        assert frozenset(realized.values()) == t.entries
        assert inc.take_changes() == {}
        before, ids = s, t.ids
    # starting over from the end state (a resync) gives the same, with the same ids
    fresh = Incremental(INV, ids)
    fresh.load(before, history[-1][1])
    assert fresh.entries() == inc.entries() and fresh.ids == inc.ids and fresh.faults == inc.faults


def test_one_remote_mac_touches_only_its_own_entries():
    inc = Incremental(INV)
    inc.load(validate(state(), p4.CAPABILITIES).state)
    inc.take_changes()
    row = UcastMacRemote(MAC2, "ls1", PhysicalLocator(HV1), "192.0.2.12")
    inc.update(state_changes(state(), state(ucast_macs_remote=state().ucast_macs_remote.set(("ls1", MAC2), row))))
    changes = inc.take_changes()
    assert {e.table for e in changes.values()} == {p4.DMAC, p4.ARP_SUPPRESS}
    assert all(e is not None for e in changes.values())
    # and its removal takes them away again
    inc.update(state_changes(state(ucast_macs_remote=state().ucast_macs_remote.set(("ls1", MAC2), row)), state()))
    assert set(inc.take_changes().values()) == {None}
