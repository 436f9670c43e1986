"""`gwctl shell`: p4runtime-shell attached to the switch, from its own virtual environment.

p4runtime-shell pins protobuf < 3.21, which must not enter gwctl's
environment (finsy needs a current protobuf), so it lives in `.venv-p4rtsh`
at the repository root (`scripts/p4rtsh-venv.sh`, run by `make setup`).
gwctl only builds the command line and execs that venv's python: the shell
owns the terminal, and its exit status is gwctl's.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
VENV_ENV = "P4RTSH_VENV"
"""The same variable scripts/p4rtsh-venv.sh honours."""


class ShellError(RuntimeError):
    """p4runtime-shell cannot be started (its venv is missing); the message says how to make it."""


def venv_python(venv: Path | None = None) -> Path:
    """The python of the p4runtime-shell venv: `venv`, else $P4RTSH_VENV, else REPO/.venv-p4rtsh."""
    root = venv or Path(os.environ.get(VENV_ENV, REPO / ".venv-p4rtsh"))
    if not root.is_absolute():
        root = REPO / root
    python = root / "bin" / "python"
    if not python.exists():
        raise ShellError(f"p4runtime-shell venv {root} not found: run `make setup` (scripts/p4rtsh-venv.sh)")
    return python


def election_id_arg(election_id: int) -> str:
    """p4runtime-shell takes the 128-bit election id as `high,low`."""
    if not 0 < election_id < 1 << 128:
        raise ValueError(f"election id {election_id} must be in 1..2^128-1")
    return f"{election_id >> 64},{election_id & ((1 << 64) - 1)}"


def shell_argv(python: Path, address: str, device_id: int, election_id: int,
               extra: Sequence[str] = ()) -> list[str]:
    """The command line: `python -m p4runtime_sh --grpc-addr A --device-id N --election-id H,L [extra]`.

    No --config: the shell reads the P4Info from the switch, and pushing a
    pipeline is the agent's job, not an inspection tool's.
    """
    return [str(python), "-m", "p4runtime_sh", "--grpc-addr", address, "--device-id", str(device_id),
            "--election-id", election_id_arg(election_id), *extra]


def exec_shell(argv: list[str]) -> None:
    """Replace this process with the shell (never returns)."""
    os.execv(argv[0], argv)
