"""``p4sim compile`` and ``p4sim run``: the command line a p4c + BMv2 user
expects.

``compile`` stands in for ``p4c --p4runtime-files``: it checks the program
and writes P4Info (and p4sim's P4Runtime device config). ``run`` stands in for
``simple_switch`` / ``simple_switch_grpc`` and takes their option names
(``-i 0@veth0``, ``--pcap``, ``--log-console``, ``--no-p4``,
``--grpc-server-addr``, ``--cpu-port``, ``--device-id``), so scripts written
for BMv2 work by changing the binary and passing the P4 source instead of
p4c's JSON. A compile error is printed as ``file:line:col: error: message``
with exit status 1, never as a traceback.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from p4sim.errors import EngineError, P4CompileError
from p4sim.ports import PortError
from p4sim.runtime.dataplane import Dataplane

EXIT_OK = 0
EXIT_ERROR = 1
DROP_PORT = 511


class UsageError(Exception):
    """Bad command-line input, reported as one line on stderr."""


# ------------------------------------------------------------------ parsing


def _port_number(text: str) -> int:
    try:
        value = int(text, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"port {value} must not be negative")
    return value


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="p4sim", description="Pure-Python P4_16 v1model target")
    sub = ap.add_subparsers(dest="command", required=True)

    c = sub.add_parser("compile", help="check a program and write its P4Info / device config")
    c.add_argument("program", help="P4_16 source file")
    c.add_argument("-I", dest="include_dirs", action="append", default=[], metavar="DIR",
                   help="add DIR to the include search path")
    c.add_argument("--p4info", "--p4runtime-files", dest="p4info", metavar="FILE[,FILE...]",
                   help="write P4Info; format by extension: .txt/.txtpb text, .bin binary, .json JSON; "
                        "a comma-separated list writes several, as p4c's --p4runtime-files does")
    c.add_argument("--device-config", metavar="FILE",
                   help="write p4sim's P4Runtime device config (the program and its includes)")

    r = sub.add_parser("run", help="run a program on network interfaces, like simple_switch(_grpc)")
    r.add_argument("program", nargs="?", help="P4_16 source file (omit with --no-p4)")
    r.add_argument("-i", "--interface", dest="interfaces", action="append", default=[],
                   metavar="N@IFACE", help="attach interface IFACE as port N; may repeat")
    r.add_argument("-I", dest="include_dirs", action="append", default=[], metavar="DIR")
    r.add_argument("--cpu-port", type=_port_number, default=None, metavar="N",
                   help="port for P4Runtime packet-in/packet-out (not 0, not 511)")
    r.add_argument("--log-console", action="store_true", help="print the per-packet trace on stdout")
    r.add_argument("--log-file", metavar="FILE", help="append the per-packet trace to FILE")
    r.add_argument("-L", "--log-level", default="trace",
                   choices=["trace", "debug", "info", "warn", "error", "off"],
                   help="'off' silences the trace even with --log-console")
    r.add_argument("--pcap", nargs="?", const=".", default=None, metavar="DIR",
                   help="write <iface>_in.pcap and <iface>_out.pcap into DIR (default: current dir)")
    r.add_argument("--grpc-server-addr", metavar="ADDR", help="start the P4Runtime server on ADDR")
    r.add_argument("--device-id", type=int, default=0, metavar="N", help="P4Runtime device id (default 0)")
    r.add_argument("--no-p4", action="store_true", help="start without a program; wait for P4Runtime")
    r.add_argument("--thrift-port", type=int, help="accepted for BMv2 compatibility; ignored")
    return ap


def _strip_separator(argv: Sequence[str]) -> list[str]:
    """simple_switch_grpc wants ``-- --grpc-server-addr ...``; p4sim has one
    option namespace, so a lone ``--`` is dropped."""
    return [a for a in argv if a != "--"]


# ------------------------------------------------------------------ compile


def _compile(program: str, include_dirs: list[str]):
    path = Path(program)
    if not path.is_file():
        raise UsageError(f"{program}: No such file")
    from p4sim.frontend import compile_file

    try:
        return compile_file(str(path), [str(d) for d in include_dirs])
    except (P4CompileError, RecursionError):
        raise
    except Exception as e:
        # A front-end bug must still read as a compiler diagnostic, not a
        # traceback; P4SIM_TRACEBACK=1 shows the traceback for debugging.
        if os.environ.get("P4SIM_TRACEBACK"):
            raise
        raise P4CompileError(None, f"{program}: internal compiler error: {type(e).__name__}: {e}") from e


def cmd_compile(args: argparse.Namespace) -> int:
    from p4sim.p4info import check_p4info_path, generate, write_p4info

    outputs = [p for p in (args.p4info or "").split(",") if p]
    for out in outputs:
        check_p4info_path(out)  # refuse an unknown extension before compiling
    prog = _compile(args.program, args.include_dirs)
    if outputs:
        p4info = generate(prog)
        for out in outputs:
            write_p4info(p4info, out)
    if args.device_config:
        from p4sim import device_config

        device_config.write(args.device_config, args.program, args.include_dirs)
    return EXIT_OK


# ---------------------------------------------------------------------- run


def _trace_sink(args: argparse.Namespace) -> Callable[[str], None] | None:
    if args.log_level == "off":
        return None
    if args.log_console:
        def to_console(line: str) -> None:
            sys.stdout.write(line + "\n")
            sys.stdout.flush()
        return to_console
    if args.log_file:
        f = open(args.log_file, "a", buffering=1)  # noqa: SIM115 - open for the switch's lifetime

        def to_file(line: str) -> None:
            f.write(line + "\n")
        return to_file
    return None


def _check_run_args(args: argparse.Namespace) -> list[tuple[int, str]]:
    from p4sim.ports import parse_interface

    if args.no_p4 and args.program:
        raise UsageError("--no-p4 and a program are exclusive")
    if not args.no_p4 and not args.program:
        raise UsageError("please give a P4 program, or --no-p4 to wait for one over P4Runtime")
    if args.no_p4 and not args.grpc_server_addr:
        raise UsageError("--no-p4 needs --grpc-server-addr: nothing else can load a program")
    if args.log_console and args.log_file:
        raise UsageError("--log-console and --log-file are exclusive")
    if args.cpu_port is not None and args.cpu_port in (0, DROP_PORT):
        raise UsageError(f"--cpu-port {args.cpu_port} is reserved; choose another port")
    if args.pcap is not None and not Path(args.pcap).is_dir():
        raise UsageError(f"directory '{args.pcap}' specified with '--pcap' does not exist")
    try:
        interfaces = [parse_interface(s) for s in args.interfaces]
    except ValueError as e:
        raise UsageError(str(e)) from None
    for _, name in interfaces:
        try:
            socket.if_nametoindex(name)
        except OSError:
            raise UsageError(f"interface {name} does not exist") from None
    return interfaces


def _start_runtime(
    args: argparse.Namespace, holder: Dataplane, ports, program, log: Callable[[str], None] | None
) -> Callable[[], None]:
    """Start the P4Runtime server; returns its stop function. A program given
    on the command line becomes the committed pipeline, as with
    simple_switch_grpc started with a JSON."""
    from p4sim.runtime import server

    config = b""
    if program is not None:
        from p4sim import device_config

        config = device_config.pack(device_config.collect(args.program, args.include_dirs))
    handle = server.serve(
        holder,
        args.grpc_server_addr,
        device_id=args.device_id,
        cpu_port=args.cpu_port,
        transmit=lambda port, frame: ports.transmit([(port, frame)]),
        log=log,
        program=program,
        device_config=config,
    )
    return handle.stop


def cmd_run(args: argparse.Namespace) -> int:
    from p4sim.ports import stop_pipe

    interfaces = _check_run_args(args)
    # Stop requests arrive through a pipe the receive loop watches; one made
    # before the loop starts (during a long compile) is not lost.
    stop_r, stop_w = stop_pipe()

    def request_stop(signum, frame) -> None:
        os.write(stop_w, b"x")

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    try:
        _run(args, interfaces, stop_r)
    finally:
        os.close(stop_r)
        os.close(stop_w)
    _diagnostic("stopped")
    return EXIT_OK


def _run(args: argparse.Namespace, interfaces: list[tuple[int, str]], stop_r: int) -> None:
    from p4sim.ports import PortSet, serve_ports

    log = _trace_sink(args)
    # The P4Runtime server swaps holder.switch on a pipeline commit and
    # receives packet-ins and digests through holder.on_result.
    holder = Dataplane()
    program = None
    if not args.no_p4:
        from p4sim.engine import Switch

        program = _compile(args.program, args.include_dirs)
        holder.switch = Switch(program, cpu_port=args.cpu_port, log=log)

    ports = PortSet.open(interfaces, args.pcap, log=_diagnostic if args.log_console else None)
    stop_runtime: Callable[[], None] = lambda: None  # noqa: E731
    try:
        if args.grpc_server_addr:
            stop_runtime = _start_runtime(args, holder, ports, program, log)
        _diagnostic(
            f"running {args.program or '(no program)'} on "
            + (", ".join(f"{n}@{p.name}" for n, p in sorted(ports.ports.items())) or "no ports")
            + (f"; P4Runtime on {args.grpc_server_addr}" if args.grpc_server_addr else "")
        )

        serve_ports(ports, lambda port, frame: holder.process(port, frame).outputs, stop_r)
    finally:
        stop_runtime()
        _diagnostic(_summary(ports, holder.switch))
        ports.close()


def _summary(ports, switch) -> str:
    """Counts printed at shutdown; engine errors (packets whose processing
    raised and was dropped) would otherwise go unnoticed."""
    per_port = ", ".join(f"{n}@{p.name} rx {p.rx} tx {p.tx}" for n, p in sorted(ports.ports.items()))
    stats = getattr(switch, "stats", None)
    errors = f"; {stats.errors} packet(s) failed in the engine" if stats is not None and stats.errors else ""
    return f"ports: {per_port or 'none'}{errors}"


def _diagnostic(msg: str) -> None:
    sys.stderr.write(f"p4sim: {msg}\n")
    sys.stderr.flush()


# --------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(_strip_separator(sys.argv[1:] if argv is None else argv))
    try:
        if args.command == "compile":
            return cmd_compile(args)
        return cmd_run(args)
    except P4CompileError as e:
        sys.stderr.write(f"{e}\n")
        return EXIT_ERROR
    except (UsageError, PortError, OSError, ValueError, EngineError) as e:
        _diagnostic(f"error: {e}")
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
