"""gwctl's P4Runtime edge against a real p4sim server running vtep_gateway.p4."""

from __future__ import annotations

import asyncio

import pytest

from gwctl.p4rt import P4RuntimeTarget, P4RuntimeWriteError, Pipeline
from gwctl.pipelines import vtep_gateway as p4
from gwctl.reconcile import Kind, Op, Update, reconcile
from gwctl.translate import translate
from gwctl.validate import validate
from tests.gwctl.test_translate import INV, state


def managed(entries):
    """What gwctl manages: everything but the default entries the program starts with."""
    return {e for e in entries if e.kind != Kind.DEFAULT}


def test_program_reconcile_restart_without_rewrite(p4sim, program):
    wanted = translate(validate(state(), p4.CAPABILITIES).state, [], INV).entries
    pipeline = Pipeline(program.p4info, program.device_config)

    async def first_run() -> int:
        async with P4RuntimeTarget(p4sim.address, pipeline) as target:
            assert target.is_primary
            actual = await target.read_entries()
            assert managed(actual) == set()
            batches = reconcile(wanted, actual)
            applied = await target.write(batches)
            assert len(applied) == len(wanted)
            assert managed(await target.read_entries()) == wanted
            return len(batches)

    async def restart() -> list:
        # a new agent (new connection): same cookie, so the pipeline and its entries stay
        async with P4RuntimeTarget(p4sim.address, pipeline, election_id=11) as target:
            actual = await target.read_entries()
            return reconcile(wanted, actual)

    assert asyncio.run(first_run()) >= 3   # groups/members, then entries in dependency order
    assert asyncio.run(restart()) == []


def test_per_update_errors_say_what_went_in(p4sim, program):
    pipeline = Pipeline(program.p4info, program.device_config)
    good = p4.vni_to_ls(7001, 7)
    dup = p4.vni_to_ls(7002, 8)

    async def run() -> P4RuntimeWriteError:
        async with P4RuntimeTarget(p4sim.address, pipeline) as target:
            await target.write([(Update(Op.INSERT, dup),)])
            with pytest.raises(P4RuntimeWriteError) as info:
                await target.write([(Update(Op.INSERT, good), Update(Op.INSERT, dup)),
                                    (Update(Op.INSERT, p4.vni_to_ls(7003, 9)),)])
            assert managed(await target.read_entries()) == {good, dup}, "second batch must not be sent"
            return info.value

    err = asyncio.run(run())
    assert err.batch_index == 0
    assert [u.entry for u in err.applied] == [good]
    assert [(f.update.entry, f.code) for f in err.failures] == [(dup, "ALREADY_EXISTS")]


def test_requests_in_flight_when_one_is_refused_are_accounted_for(p4sim, program, monkeypatch):
    """A batch split into several requests, several in flight: a refusal in the first stops further sends,
    and what the requests already in flight applied is reported as applied, the target holding exactly that."""
    import gwctl.p4rt as p4rt

    monkeypatch.setattr(p4rt, "WRITE_CHUNK", 2)
    monkeypatch.setattr(p4rt, "WRITE_WINDOW", 3)
    pipeline = Pipeline(program.p4info, program.device_config)
    dup = p4.vni_to_ls(7001, 1)
    batch = tuple(Update(Op.INSERT, p4.vni_to_ls(7000 + i, i)) for i in range(1, 11))   # 5 requests of 2

    async def run() -> tuple[P4RuntimeWriteError, set]:
        async with P4RuntimeTarget(p4sim.address, pipeline) as target:
            await target.write([(Update(Op.INSERT, dup),)])
            with pytest.raises(P4RuntimeWriteError) as info:
                await target.write([batch])
            return info.value, managed(await target.read_entries())

    err, held = asyncio.run(run())
    assert [(f.update.entry, f.code) for f in err.failures] == [(dup, "ALREADY_EXISTS")]
    # requests 1-3 were in flight together (window 3); requests 4 and 5 were never sent
    assert [u.entry for u in err.applied] == [u.entry for u in batch[1:6]]
    assert held == {dup} | {u.entry for u in batch[1:6]}
