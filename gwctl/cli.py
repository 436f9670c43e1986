"""gwctl command line: run the agent, look at the switch, edit the vtep database (in the style of vtep-ctl).

    gwctl run     --db unix:/var/run/openvswitch/db.sock --inventory gw.toml \\
                  --p4rt 127.0.0.1:9559 --p4info vtep_gateway.p4info.txtpb --device-config vtep_gateway.p4sim
    gwctl status  --db ... --inventory gw.toml --p4rt ...      # connections, primary, desired vs realized, faults
    gwctl entries --p4rt ... [TABLE]                           # the switch's entries (read from the target)
    gwctl entries --desired --db ... --inventory gw.toml       # the entries the database asks for
    gwctl diff    --db ... --inventory gw.toml --p4rt ...      # desired and not realized, and the other way
    gwctl faults  --db ... --inventory gw.toml                 # rows that cannot be realized, and why
    gwctl ls add|del|list ...  gwctl bind|unbind PORT VLAN LS  gwctl mac add|del|list ...
    gwctl shell   --p4rt ... [--election-id N]                 # p4runtime-shell on the switch

`--format json` gives data commands (status, entries, diff, faults, ls list,
mac list) a JSON document on stdout. The target's P4Info is read from the
target unless `--p4info` is given.

Exit status: 0 ok; 1 runtime error (target or database away for a read
command, status with an edge unreachable); 2 usage error, including database
edits that were refused before anything was written (bad VLAN, unknown port,
no such logical switch, database unreachable). Errors are one line on stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from gwctl import ctl_db, ctl_shell, ctl_target, program
from gwctl.agent import Agent, AgentConfig, compute, load_pipeline
from gwctl.ctl_render import render, widths_of
from gwctl.inventory import Inventory, InventoryError, load, with_switch
from gwctl.model import DesiredState
from gwctl.p4rt import Pipeline, load_schema
from gwctl.translate import Ids
from gwctl.vtepdb import VtepDb, VtepDbError

log = logging.getLogger("gwctl")
DEFAULT_DB = os.environ.get("GWCTL_DB", "unix:/var/run/openvswitch/db.sock")
"""vtep-ctl's default database, overridable like vtep-ctl's VTEP_DB would be."""


class UsageError(ValueError):
    """The command line is wrong in a way argparse cannot see; exit status 2."""


# ------------------------------------------------------------------ the parser


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gwctl", description="P4 hardware VTEP agent and operator tool")
    parser.add_argument("-v", "--verbose", action="count", default=0)
    sub = parser.add_subparsers(dest="command", required=True)

    def db(p: argparse.ArgumentParser, timeout: float = 10.0) -> None:
        p.add_argument("--db", "--vtep-db", dest="db", default=DEFAULT_DB, metavar="REMOTE",
                       help=f"vtep DB: unix:PATH or tcp:IP:PORT (default {DEFAULT_DB}, or $GWCTL_DB)")
        p.add_argument("--timeout", type=float, default=timeout, help="seconds to wait for the database")

    def inventory(p: argparse.ArgumentParser, required: bool = True) -> None:
        p.add_argument("--inventory", required=required, type=Path, metavar="FILE", help="switch inventory (TOML)")

    def target(p: argparse.ArgumentParser, election_id: int, p4info_default: str = "read from the target") -> None:
        p.add_argument("--p4rt", required=True, metavar="ADDR", help="P4Runtime server host:port")
        p.add_argument("--p4info", type=Path, metavar="FILE", help=f"P4Info text file (default: {p4info_default})")
        p.add_argument("--device-id", type=int, default=0)
        p.add_argument("--election-id", type=int, default=election_id,
                       help=f"P4Runtime election id (default {election_id}"
                            + (", primary)" if election_id > 1 else ", a read-only backup)"))

    def fmt(p: argparse.ArgumentParser) -> None:
        p.add_argument("--format", choices=("text", "json"), default="text")

    p = sub.add_parser("run", help="run the agent")
    db(p)
    inventory(p)
    target(p, 10, p4info_default="compiled from --program")
    p.add_argument("--device-config", type=Path, metavar="FILE", help="pushed if the target's pipeline cookie differs")
    p.add_argument("--program", default="vtep_gateway", metavar="NAME",
                   help="P4 program the switch runs (default vtep_gateway); without --p4info, gwctl compiles "
                        "p4src/NAME.p4 with p4sim for P4Info and device config")
    p.add_argument("--switch", metavar="NAME", help="Physical_Switch name (overrides the inventory's)")
    p.add_argument("--tunnel-ip", action="append", default=[], metavar="IP",
                   help="tunnel IP of this switch; may repeat (overrides the inventory's tunnel_ips)")

    p = sub.add_parser("status", help="connections, primary/backup, desired vs realized entries, faults")
    db(p, 5.0)
    inventory(p)
    target(p, 1)
    fmt(p)

    p = sub.add_parser("diff", help="desired and not on the switch, and the other way (read-only)")
    db(p)
    inventory(p)
    target(p, 1)
    fmt(p)

    p = sub.add_parser("entries", help="the switch's entries, decoded with P4Info names")
    p.add_argument("table", nargs="?", metavar="TABLE", help="only this table (full name, dotted suffix or kind)")
    db(p)
    inventory(p, required=False)
    p.add_argument("--desired", action="store_true",
                   help="print what the database asks for instead (needs --db and --inventory, no target)")
    p.add_argument("--p4rt", metavar="ADDR", help="P4Runtime server host:port (required unless --desired)")
    p.add_argument("--p4info", type=Path, metavar="FILE",
                   help="P4Info text file (default: from the target; with --desired: print MACs, IPs as such)")
    p.add_argument("--device-id", type=int, default=0)
    p.add_argument("--election-id", type=int, default=1, help="P4Runtime election id (default 1, a backup)")
    fmt(p)

    p = sub.add_parser("faults", help="rows that cannot be realized")
    db(p)
    inventory(p)
    fmt(p)

    ls = sub.add_parser("ls", help="logical switches (Logical_Switch)")
    ls_sub = ls.add_subparsers(dest="action", required=True)
    p = ls_sub.add_parser("add", help="add a logical switch")
    p.add_argument("name")
    p.add_argument("--tunnel-key", metavar="VNI", help="tunnel_key (VNI, 1..16777215); needed to be realized")
    p.add_argument("--description", default="")
    p.add_argument("--may-exist", action="store_true", help="no error if it exists (its tunnel key is updated)")
    db(p, 5.0)
    p = ls_sub.add_parser("del", help="delete a logical switch and its MAC rows (it must not be bound)")
    p.add_argument("name")
    p.add_argument("--if-exists", action="store_true")
    db(p, 5.0)
    p = ls_sub.add_parser("list", help="list logical switches with tunnel keys and bindings")
    db(p, 5.0)
    fmt(p)

    for name, text in (("bind", "bind PORT+VLAN of this switch to logical switch LS"),
                       ("unbind", "remove the binding of PORT+VLAN (to LS)")):
        p = sub.add_parser(name, help=text)
        p.add_argument("port")
        p.add_argument("vlan")
        p.add_argument("ls", nargs=None if name == "bind" else "?")
        db(p, 5.0)
        inventory(p, required=False)
        p.add_argument("--switch", metavar="NAME", help="Physical_Switch name (default: the inventory's)")

    mac = sub.add_parser("mac", help="remote MACs (Ucast_Macs_Remote); list shows local ones too")
    mac_sub = mac.add_subparsers(dest="action", required=True)
    p = mac_sub.add_parser("add", help="MAC in LS is behind the VTEP at LOCATOR_IP (replaces an earlier row)")
    p.add_argument("ls")
    p.add_argument("mac")
    p.add_argument("locator", metavar="LOCATOR_IP")
    p.add_argument("--ipaddr", default="", help="the MAC's IP (for ARP suppression)")
    db(p, 5.0)
    p = mac_sub.add_parser("del", help="remove a remote MAC")
    p.add_argument("ls")
    p.add_argument("mac")
    p.add_argument("--if-exists", action="store_true")
    db(p, 5.0)
    p = mac_sub.add_parser("list", help="remote and local MACs")
    p.add_argument("ls", nargs="?")
    db(p, 5.0)
    fmt(p)

    p = sub.add_parser("shell", help="p4runtime-shell attached to the switch (from .venv-p4rtsh)")
    p.add_argument("--p4rt", required=True, metavar="ADDR")
    p.add_argument("--device-id", type=int, default=0)
    p.add_argument("--election-id", type=int, default=1,
                   help="default 1: a backup, read-only while the agent is primary")
    p.add_argument("--venv", type=Path, help="p4runtime-shell venv (default $P4RTSH_VENV or .venv-p4rtsh)")
    p.add_argument("shell_args", nargs=argparse.REMAINDER, help="more p4runtime-shell options, after --")
    return parser


# ------------------------------------------------------------------ output


def _emit(args: argparse.Namespace, data: Any, text: Callable[[], list[str]]) -> None:
    if getattr(args, "format", "text") == "json":
        json.dump(data, sys.stdout, indent=2, sort_keys=False)
        sys.stdout.write("\n")
    else:
        for line in text():
            print(line)


# ------------------------------------------------------------------ database-only commands


def _read_db(remote: str, inv: Inventory, timeout: float) -> VtepDb:
    db = VtepDb(remote, inv.switch_name)
    try:
        db.run_until(lambda: db.synced, timeout)
    except TimeoutError as exc:
        db.close()
        raise VtepDbError(f"cannot read vtep database at {remote}: {exc}") from exc
    return db


def _desired(args: argparse.Namespace, inv: Inventory) -> DesiredState:
    db = _read_db(args.db, inv, args.timeout)
    try:
        return db.desired
    finally:
        db.close()


def cmd_desired(args: argparse.Namespace, inv: Inventory, show_faults: bool) -> int:
    """`entries --desired` and `faults`: the agent's computation on the database alone."""
    plan = compute(_desired(args, inv), frozenset(), inv, Ids(), frozenset())
    if show_faults:
        _emit(args, [ctl_target.fault_dict(f) for f in plan.faults], lambda: [str(f) for f in plan.faults])
        return 0
    entries = ctl_target.select(plan.entries, args.table, tuple(sorted({e.table for e in plan.entries})))
    if args.p4info is None:
        lines = [str(e) for e in entries]      # no P4Info: no widths to tell a MAC from a number
    else:
        widths = widths_of(load_schema(args.p4info))
        lines = [render(e, widths) for e in entries]
    _emit(args, [ctl_target.entry_dict(e) for e in entries], lambda: lines)
    return 0


def _pipeline(args: argparse.Namespace) -> Pipeline:
    if args.p4info is not None and not args.p4info.is_file():
        raise FileNotFoundError(f"P4Info {args.p4info} not found")
    return Pipeline(args.p4info)


def _look(args: argparse.Namespace) -> ctl_target.TargetView:
    return asyncio.run(ctl_target.look(args.p4rt, _pipeline(args), device_id=args.device_id,
                                       election_id=args.election_id))


def _target_or_fail(view: ctl_target.TargetView) -> ctl_target.TargetView:
    if not view.reachable or view.pipeline is None or not view.pipeline.loaded:
        raise RuntimeError(f"target {view.address}: {view.error or 'unreachable'}")
    return view


def cmd_entries(args: argparse.Namespace) -> int:
    """The target's entries (what the switch holds, decoded with the P4Info's names)."""
    view = _target_or_fail(_look(args))
    entries = ctl_target.select(view.entries, args.table, view.tables)
    _emit(args, [ctl_target.entry_dict(e) for e in entries], lambda: [render(e, view.widths) for e in entries])
    return 0


def cmd_diff(args: argparse.Namespace, inv: Inventory) -> int:
    desired = _desired(args, inv)
    view = _target_or_fail(_look(args))
    diff = ctl_target.diff_of(ctl_target.plan_for(desired, inv, view.entries), view.entries)
    _emit(args, diff.as_dict(), lambda: diff.lines(view.widths))
    c = diff.counts
    print(f"# {c['insert']} desired and not realized, {c['modify']} differing, "
          f"{c['delete']} realized and not desired", file=sys.stderr)
    return 0


def cmd_status(args: argparse.Namespace, inv: Inventory) -> int:
    desired: DesiredState | None = None
    reported: list[dict[str, str]] = []
    tunnels: list[dict[str, str]] = []
    agent: tuple[int | None, str] = (None, "")
    db_error = ""
    try:
        desired = _desired(args, inv)
        with ctl_db.VtepCtl(args.db, timeout=args.timeout) as ctl:
            reported = ctl.reported_faults(inv.switch_name)
            tunnels = ctl.tunnels(inv.switch_name)
            agent = ctl.agent(inv.switch_name)
    except (VtepDbError, ctl_db.CtlDbError, ValueError) as exc:
        db_error = str(exc)
    view = _look(args)
    doc = ctl_target.status_dict(db_remote=args.db, switch=inv.switch_name, db_error=db_error, desired=desired,
                                 inventory=inv, view=view, device_id=args.device_id,
                                 election_id=args.election_id, reported_faults=reported, tunnels=tunnels,
                                 agent=agent)
    _emit(args, doc, lambda: ctl_target.status_lines(doc))
    return 0 if desired is not None and view.reachable else 1


# ------------------------------------------------------------------ database edits (exit 2 on any refusal)


def _switch_name(args: argparse.Namespace) -> str:
    if args.switch:
        return str(args.switch)
    if args.inventory is not None:
        return load(args.inventory).switch_name
    raise UsageError("which switch? give --switch NAME or --inventory FILE")


def cmd_edit(args: argparse.Namespace) -> int:
    """ls / bind / unbind / mac: arguments checked first, then one transaction."""
    cmd, action = args.command, getattr(args, "action", None)
    # argument checks that need no database, so a typo never waits for a connection
    vlan = ctl_db.parse_vlan(args.vlan) if cmd in ("bind", "unbind") else None
    key = ctl_db.parse_tunnel_key(args.tunnel_key) if cmd == "ls" and action == "add" and args.tunnel_key else None
    mac = ctl_db.parse_mac(args.mac) if cmd == "mac" and action in ("add", "del") else None
    locator = ctl_db.parse_ipv4(args.locator, "locator") if cmd == "mac" and action == "add" else None
    ipaddr = args.ipaddr if cmd == "mac" and action == "add" else ""
    if ipaddr:
        ipaddr = ctl_db.parse_ipv4(ipaddr, "--ipaddr")
    switch = _switch_name(args) if cmd in ("bind", "unbind") else ""
    with ctl_db.VtepCtl(args.db, timeout=args.timeout) as ctl:
        if cmd == "ls" and action == "add":
            ctl.ls_add(args.name, key, args.description, args.may_exist)
        elif cmd == "ls" and action == "del":
            ctl.ls_del(args.name, args.if_exists)
        elif cmd == "ls":
            infos = ctl.ls_list()
            _emit(args, [i.as_dict() for i in infos], lambda: [
                f"{i.name}\ttunnel_key={i.tunnel_key if i.tunnel_key is not None else '-'}"
                + (f"\tbindings={','.join(i.bindings)}" if i.bindings else "") for i in infos])
        elif cmd == "bind":
            assert vlan is not None
            ctl.bind(switch, args.port, vlan, args.ls)
        elif cmd == "unbind":
            assert vlan is not None
            ctl.unbind(switch, args.port, vlan, args.ls)
        elif action == "add":
            assert mac is not None and locator is not None
            ctl.mac_add(args.ls, mac, locator, ipaddr)
        elif action == "del":
            assert mac is not None
            ctl.mac_del(args.ls, mac, args.if_exists)
        else:
            macs = ctl.mac_list(args.ls)
            _emit(args, [m.as_dict() for m in macs], lambda: [
                f"{m.kind}\t{m.logical_switch}\t{m.mac}\t{m.encapsulation}/{m.locator}"
                + (f"\t{m.ipaddr}" if m.ipaddr else "") for m in macs])
    return 0


# ------------------------------------------------------------------ run and shell


def _show_progress() -> None:
    """Progress of large syncs ("synced 40000/100000 entries") on stderr, whatever the verbosity."""
    progress = logging.getLogger("gwctl.progress")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("gwctl: %(message)s"))
    progress.addHandler(handler)
    progress.setLevel(logging.INFO)
    progress.propagate = False


def run_artefacts(args: argparse.Namespace) -> tuple[Path, Path | None]:
    """--p4info/--device-config as given, or both built from --program."""
    if args.p4info is not None:
        return args.p4info, args.device_config
    if args.device_config is not None:
        raise UsageError("run: --device-config needs the --p4info it was built with")
    return program.build(args.program)


async def _run(args: argparse.Namespace, inv: Inventory) -> int:
    p4info, device_config = run_artefacts(args)
    inv = with_switch(inv, args.switch, args.tunnel_ip)
    cfg = AgentConfig(args.db, args.p4rt, inv, load_pipeline(p4info, device_config),
                      device_id=args.device_id, election_id=args.election_id)
    agent = Agent(cfg)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, agent.stop)
    await agent.run()
    return 0


def cmd_shell(args: argparse.Namespace) -> int:
    extra = list(args.shell_args)
    if extra[:1] == ["--"]:
        extra = extra[1:]
    argv = ctl_shell.shell_argv(ctl_shell.venv_python(args.venv), args.p4rt, args.device_id,
                                args.election_id, extra)
    log.info("exec %s", " ".join(argv))
    sys.stdout.flush()
    sys.stderr.flush()
    ctl_shell.exec_shell(argv)
    return 0   # not reached


# ------------------------------------------------------------------ main


def _dispatch(args: argparse.Namespace) -> int:
    cmd = args.command
    if cmd in ("ls", "bind", "unbind", "mac"):
        return cmd_edit(args)
    if cmd == "shell":
        return cmd_shell(args)
    if cmd == "entries" and not args.desired:
        if not args.p4rt:
            raise UsageError("entries: give --p4rt ADDR (the switch), or --desired to see the database's view")
        return cmd_entries(args)
    if args.inventory is None:
        raise UsageError(f"{cmd}: --inventory FILE is required")
    inv = load(args.inventory)
    if cmd in ("entries", "faults"):
        return cmd_desired(args, inv, cmd == "faults")
    if cmd == "diff":
        return cmd_diff(args, inv)
    if cmd == "status":
        return cmd_status(args, inv)
    _show_progress()
    return asyncio.run(_run(args, inv))


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING - 10 * min(args.verbose, 2),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.command != "run" and args.verbose == 0:
        # finsy warns about what a read-only probe does not need (gNMI, P4Info checks); errors still show
        logging.getLogger("finsy").setLevel(logging.ERROR + 1)
    try:
        return _dispatch(args)
    except UsageError as exc:
        parser.error(str(exc))   # usage and the message, exit status 2, as argparse does
    except (ctl_db.CtlError, ctl_db.CtlDbError, ctl_target.UnknownTable) as exc:
        print(f"gwctl: {exc}", file=sys.stderr)
        return 2
    except InventoryError as exc:
        print(f"gwctl: {exc}", file=sys.stderr)
        return 2 if args.command in ("bind", "unbind") else 1
    except (VtepDbError, ctl_shell.ShellError, FileNotFoundError, RuntimeError, ValueError) as exc:
        print(f"gwctl: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
