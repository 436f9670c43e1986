"""finsy, a real P4Runtime controller library, drives the server as it
drives simple_switch_grpc: arbitration, pipeline install by cookie, writes,
reads and multicast groups."""

from __future__ import annotations

import asyncio

import finsy as fy

from p4sim.p4info import write_p4info

MAC = 0x02_00_00_00_00_AA


def test_finsy_installs_programs_and_reads_back(server, rt_pipeline, tmp_path):
    p4info_path = tmp_path / "rt.p4info.txtpb"
    write_p4info(rt_pipeline.p4info, p4info_path)
    opts = fy.SwitchOptions(p4info=p4info_path, p4blob=rt_pipeline.device_config, device_id=1)
    address = f"127.0.0.1:{server.port}"

    async def first() -> tuple[list, list]:
        async with fy.Switch("sw", address, opts) as sw:
            await sw.write([
                +fy.P4TableEntry("dmac", match=fy.P4TableMatch(dst=MAC), action=fy.P4TableAction("forward", port=3)),
                +fy.P4MulticastGroupEntry(5, replicas=[1, 2]),
            ])
            entries = [e async for e in sw.read(fy.P4TableEntry("dmac"))]
            groups = [g async for g in sw.read(fy.P4MulticastGroupEntry())]
            return entries, groups

    entries, groups = asyncio.run(first())
    assert [(e.match["dst"], e.action.args["port"]) for e in entries] == [(MAC, 3)]
    assert [(g.multicast_group_id, tuple(g.replicas)) for g in groups] == [(5, (1, 2))]
    assert server.state.config.cookie is not None  # finsy sets a cookie to recognize its pipeline

    async def second() -> list:
        # Same pipeline: finsy sees its cookie and does not reinstall, so
        # the entries survive a controller restart.
        async with fy.Switch("sw", address, opts) as sw:
            return [e async for e in sw.read(fy.P4TableEntry("dmac"))]

    assert len(asyncio.run(second())) == 1
