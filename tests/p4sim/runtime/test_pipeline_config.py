"""SetForwardingPipelineConfig (every action) and GetForwardingPipelineConfig
(every response type) with p4sim device configs."""

from __future__ import annotations

import grpc
import pytest
from finsy.proto.p4.v1 import p4runtime_pb2 as p4r

from p4sim import device_config

from .conftest import Pipeline, build_pipeline, set_pipeline
from .entities import Info, ins, te_entity

R = p4r.GetForwardingPipelineConfigRequest


def _get(client, rt=R.ALL) -> p4r.ForwardingPipelineConfig:
    return client.stub.GetForwardingPipelineConfig(R(device_id=client.device_id, response_type=rt)).config


def _code(fn) -> grpc.StatusCode:
    try:
        fn()
    except grpc.RpcError as exc:
        return exc.code()
    return grpc.StatusCode.OK


def _entries(client, info: Info, table: str) -> int:
    return len(client.read(te_entity(p4r.TableEntry(table_id=info.table_id(table)))))


@pytest.fixture
def primary(clients):
    c = clients()
    c.become_primary()
    return c


def test_verify_and_save_do_not_install(primary, rt_pipeline):
    set_pipeline(primary, rt_pipeline, "VERIFY")
    assert _code(lambda: _get(primary)) == grpc.StatusCode.FAILED_PRECONDITION
    set_pipeline(primary, rt_pipeline, "VERIFY_AND_SAVE", cookie=11)
    assert _code(lambda: _get(primary)) == grpc.StatusCode.FAILED_PRECONDITION
    set_pipeline(primary, Pipeline(p4r.ForwardingPipelineConfig().p4info, b""), "COMMIT", cookie=12)
    cfg = _get(primary)
    assert cfg.p4info == rt_pipeline.p4info
    assert cfg.p4_device_config == rt_pipeline.device_config
    assert cfg.cookie.cookie == 12  # COMMIT's cookie wins over the saved one


def test_commit_without_saved_config_fails(primary):
    code = _code(lambda: set_pipeline(primary, Pipeline(p4r.ForwardingPipelineConfig().p4info, b""), "COMMIT"))
    assert code == grpc.StatusCode.FAILED_PRECONDITION


def test_get_response_types(primary, rt_pipeline):
    set_pipeline(primary, rt_pipeline, cookie=42)
    only = _get(primary, R.COOKIE_ONLY)
    assert only.cookie.cookie == 42 and not only.HasField("p4info") and not only.p4_device_config
    p4 = _get(primary, R.P4INFO_AND_COOKIE)
    assert p4.p4info == rt_pipeline.p4info and not p4.p4_device_config and p4.cookie.cookie == 42
    dc = _get(primary, R.DEVICE_CONFIG_AND_COOKIE)
    assert dc.p4_device_config == rt_pipeline.device_config and not dc.HasField("p4info")
    # The device config read back is a usable p4sim config.
    main, files = device_config.read(dc.p4_device_config)
    assert main.endswith("rt_test.p4") and any(n.endswith("rt_headers.p4") for n in files)


def test_get_without_cookie_has_none(primary, rt_pipeline):
    set_pipeline(primary, rt_pipeline)
    assert not _get(primary).HasField("cookie")


def test_verify_and_commit_clears_forwarding_state(primary, rt_pipeline):
    info = Info(rt_pipeline.p4info)
    set_pipeline(primary, rt_pipeline)
    primary.write(ins(info.entity("dmac", "forward", {"port": 1}, dst=5)))
    assert _entries(primary, info, "dmac") == 1
    set_pipeline(primary, rt_pipeline)
    assert _entries(primary, info, "dmac") == 0


def test_reconcile_keeps_entries_of_unchanged_tables(primary, rt_pipeline):
    info = Info(rt_pipeline.p4info)
    set_pipeline(primary, rt_pipeline)
    primary.write(
        ins(info.entity("dmac", "forward", {"port": 1}, dst=5)),
        ins(info.entity("smac", "NoAction", src=6)),
        ins(info.entity("lpm_t", "set_tag", {"tag": 1}, dst=("lpm", 0x0200_0000_0000, 8))),
    )
    group = p4r.Entity()
    group.packet_replication_engine_entry.multicast_group_entry.multicast_group_id = 3
    group.packet_replication_engine_entry.multicast_group_entry.replicas.add(egress_port=1)
    member = p4r.Entity()
    m = member.action_profile_member
    m.action_profile_id, m.member_id = info.table("prof_t").implementation_id, 4
    m.action.CopyFrom(info.action("forward", port=2))
    indirect = info.entry("prof_t", ether_type=0x9999)
    indirect.action.action_profile_member_id = 4
    primary.write(ins(group), ins(member), ins(te_entity(indirect)))

    v2 = build_pipeline("rt_test_v2.p4")
    info2 = Info(v2.p4info)
    set_pipeline(primary, v2, "RECONCILE_AND_COMMIT")
    assert _entries(primary, info2, "dmac") == 1
    assert _entries(primary, info2, "smac") == 1
    assert _entries(primary, info2, "prof_t") == 1  # with its profile's members
    assert _entries(primary, info2, "lpm_t") == 0  # its definition changed
    assert len(primary.read(p4r.Entity(action_profile_member=p4r.ActionProfileMember()))) == 1
    assert len(primary.read(group)) == 1
    assert _get(primary).p4info == v2.p4info


def test_broken_program_is_refused_and_old_pipeline_kept(primary, rt_pipeline, tmp_path):
    info = Info(rt_pipeline.p4info)
    set_pipeline(primary, rt_pipeline)
    primary.write(ins(info.entity("dmac", "forward", {"port": 1}, dst=5)))
    bad = device_config.pack(device_config.DeviceConfig(main="bad.p4", files={"bad.p4": "control {\n"}))
    try:
        set_pipeline(primary, Pipeline(rt_pipeline.p4info, bad))
    except grpc.RpcError as exc:
        assert exc.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "does not compile" in exc.details() and "bad.p4" in exc.details()
    else:
        raise AssertionError("a program that does not compile was committed")
    assert _entries(primary, info, "dmac") == 1
    assert _get(primary).p4info == rt_pipeline.p4info


def test_p4info_that_does_not_describe_the_program_is_refused(primary, rt_pipeline):
    wrong = p4r.ForwardingPipelineConfig().p4info
    wrong.CopyFrom(rt_pipeline.p4info)
    wrong.tables[0].match_fields[0].bitwidth += 1
    try:
        set_pipeline(primary, Pipeline(wrong, rt_pipeline.device_config))
    except grpc.RpcError as exc:
        assert exc.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert wrong.tables[0].preamble.name in exc.details()
    else:
        raise AssertionError("a mismatched P4Info was accepted")


def test_pipeline_needs_the_primary(clients, rt_pipeline):
    p = clients(election_id=9)
    p.become_primary()
    b = clients(election_id=3)
    s = b.stream()
    s.arbitrate(3, device_id=1)
    s.get("arbitration")
    assert _code(lambda: set_pipeline(b, rt_pipeline)) == grpc.StatusCode.PERMISSION_DENIED
    assert _code(lambda: _get(p)) == grpc.StatusCode.FAILED_PRECONDITION


def test_unspecified_action_and_bad_p4info_are_invalid_argument(primary, rt_pipeline):
    req = p4r.SetForwardingPipelineConfigRequest(device_id=1)
    req.election_id.low = 1
    assert _code(lambda: primary.stub.SetForwardingPipelineConfig(req)) == grpc.StatusCode.INVALID_ARGUMENT

    dup = p4r.ForwardingPipelineConfig().p4info
    dup.CopyFrom(rt_pipeline.p4info)
    dup.tables[1].preamble.id = dup.tables[0].preamble.id
    try:
        set_pipeline(primary, Pipeline(dup, rt_pipeline.device_config))
    except grpc.RpcError as exc:
        assert exc.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert f"P4Info id {dup.tables[0].preamble.id}" in exc.details()
    else:
        raise AssertionError("a P4Info with a duplicate id was accepted")

    missing = p4r.SetForwardingPipelineConfigRequest(
        device_id=1, action=p4r.SetForwardingPipelineConfigRequest.VERIFY_AND_COMMIT
    )
    missing.election_id.low = 1
    missing.config.p4_device_config = rt_pipeline.device_config
    assert _code(lambda: primary.stub.SetForwardingPipelineConfig(missing)) == grpc.StatusCode.INVALID_ARGUMENT
