"""The P4 artefacts for ``gwctl run --program NAME``.

An operator names the program (``vtep_gateway``); gwctl finds its source in
the project's ``p4src/`` and has ``p4sim compile`` write the P4Info and the
p4sim device config, cached by a hash of the sources so that a restart pushes
byte-identical config (and the target keeps its pipeline: same cookie).
Talking to the target stays P4Runtime only: compiling is a build step run as
a separate command, never an import of p4sim. For BMv2, give the P4Info and
BMv2 JSON from p4c with ``--p4info``/``--device-config`` instead.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

P4SRC = Path(__file__).resolve().parents[1] / "p4src"
PROGRAMS = ("vtep_gateway",)
"""Programs gwctl has a pipeline module for (gwctl/pipelines/)."""


class ProgramError(RuntimeError):
    """The program cannot be found or compiled; the message says which and why."""


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "gwctl"


def _sources_digest(main: Path, include: Path) -> str:
    h = hashlib.sha256()
    for path in [main, *sorted(include.rglob("*.p4"))]:
        h.update(str(path.relative_to(main.parent)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def build(name: str, p4src: Path = P4SRC, cache: Path | None = None) -> tuple[Path, Path]:
    """(p4info, device_config) for program ``name``, compiled once per source version."""
    if name not in PROGRAMS:
        raise ProgramError(f"unknown program {name!r}: gwctl drives {', '.join(PROGRAMS)}")
    main = p4src / f"{name}.p4"
    include = p4src / "include"
    if not main.is_file():
        raise ProgramError(f"{main} not found: give --p4info and --device-config built for your target")
    out = (cache or cache_dir()) / f"{name}-{_sources_digest(main, include)}"
    p4info, config = out / f"{name}.p4info.txtpb", out / f"{name}.p4sim.bin"
    if p4info.is_file() and config.is_file():
        return p4info, config
    tmp = out.with_name(out.name + f".tmp{os.getpid()}")
    tmp.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "p4sim.cli", "compile", str(main), "-I", str(include),
           "--p4info", str(tmp / p4info.name), "--device-config", str(tmp / config.name)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        shutil.rmtree(tmp, ignore_errors=True)
        raise ProgramError(f"compiling {main} failed: {proc.stderr.strip() or proc.stdout.strip()}")
    try:
        tmp.rename(out)  # atomic: a concurrent gwctl sees all of it or none
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)  # another gwctl won the race; its files are identical
    return p4info, config
