"""gwctl command line: run the agent, or look at what it would do.

    gwctl run     --db unix:/var/run/openvswitch/db.sock --inventory gw.toml \\
                  --p4rt 127.0.0.1:9559 --p4info vtep_gateway.p4info.txtpb --device-config vtep_gateway.p4sim
    gwctl entries --db ... --inventory gw.toml          # entries the database asks for (no target)
    gwctl diff    --db ... --inventory gw.toml --p4rt ... --p4info ...   # what a sync would write
    gwctl faults  --db ... --inventory gw.toml          # rows that cannot be realized, and why

Exit status: 0 ok, 1 runtime error (message on stderr), 2 usage error.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from gwctl.agent import Agent, AgentConfig, compute, load_pipeline
from gwctl.inventory import Inventory, InventoryError, load
from gwctl.p4rt import P4RuntimeTarget
from gwctl.reconcile import summarize
from gwctl.translate import Ids, recover_ids, recover_learned
from gwctl.vtepdb import VtepDb, VtepDbError

log = logging.getLogger("gwctl")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gwctl", description="P4 hardware VTEP agent")
    parser.add_argument("-v", "--verbose", action="count", default=0)
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p: argparse.ArgumentParser, target: bool) -> None:
        p.add_argument("--db", required=True, metavar="REMOTE", help="vtep DB: unix:PATH or tcp:IP:PORT")
        p.add_argument("--inventory", required=True, type=Path, metavar="FILE", help="switch inventory (TOML)")
        p.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for the database")
        if target:
            p.add_argument("--p4rt", required=True, metavar="ADDR", help="P4Runtime server host:port")
            p.add_argument("--p4info", required=True, type=Path, metavar="FILE")
            p.add_argument("--device-config", type=Path, metavar="FILE",
                           help="pushed if the target's pipeline cookie differs")
            p.add_argument("--device-id", type=int, default=0)
            p.add_argument("--election-id", type=int, default=10 if p.prog.endswith("run") else 1,
                           help="P4Runtime election id (run: 10, primary; diff: 1, a read-only backup)")

    common(sub.add_parser("run", help="run the agent"), True)
    common(sub.add_parser("diff", help="print what a sync would write (read-only)"), True)
    common(sub.add_parser("entries", help="print the entries the database asks for"), False)
    common(sub.add_parser("faults", help="print rows that cannot be realized"), False)
    return parser


def _read_db(remote: str, inv: Inventory, timeout: float) -> VtepDb:
    db = VtepDb(remote, inv.switch_name)
    try:
        db.run_until(lambda: db.synced, timeout)
    except TimeoutError as exc:
        db.close()
        raise VtepDbError(f"cannot read vtep database at {remote}: {exc}") from exc
    return db


def cmd_entries(args: argparse.Namespace, inv: Inventory, show_faults: bool) -> int:
    db = _read_db(args.db, inv, args.timeout)
    try:
        plan = compute(db.desired, frozenset(), inv, Ids(), frozenset())
    finally:
        db.close()
    if show_faults:
        for fault in plan.faults:
            print(fault)
    else:
        for entry in sorted(plan.entries, key=lambda e: (e.kind, e.table, repr(e.key), e.priority)):
            print(entry)
    return 0


async def _diff(args: argparse.Namespace, inv: Inventory) -> int:
    db = _read_db(args.db, inv, args.timeout)
    try:
        pipeline = load_pipeline(args.p4info, None)
        async with P4RuntimeTarget(args.p4rt, pipeline, device_id=args.device_id,
                                   election_id=args.election_id) as target:
            realized = frozenset(await target.read_entries())
        ids = recover_ids(realized, db.desired, inv)
        plan = compute(db.desired, recover_learned(realized, ids), inv, ids, realized)
    finally:
        db.close()
    for i, batch in enumerate(plan.batches):
        for update in batch:
            print(f"[{i}] {update}")
    counts = summarize(plan.batches)
    print(f"# {counts['INSERT']} insert, {counts['MODIFY']} modify, {counts['DELETE']} delete", file=sys.stderr)
    return 0


async def _run(args: argparse.Namespace, inv: Inventory) -> int:
    cfg = AgentConfig(args.db, args.p4rt, inv, load_pipeline(args.p4info, args.device_config),
                      device_id=args.device_id, election_id=args.election_id)
    agent = Agent(cfg)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, agent.stop)
    await agent.run()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING - 10 * min(args.verbose, 2),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        inv = load(args.inventory)
        if args.command in ("entries", "faults"):
            return cmd_entries(args, inv, args.command == "faults")
        if args.command == "diff":
            return asyncio.run(_diff(args, inv))
        return asyncio.run(_run(args, inv))
    except (InventoryError, VtepDbError, FileNotFoundError, ValueError) as exc:
        print(f"gwctl: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
