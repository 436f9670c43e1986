"""p4sim's P4Runtime device config: the P4 program itself, self-contained.

BMv2 takes a JSON produced by p4c as ``p4_device_config``; p4sim compiles P4
source, so its device config carries the main file and every file it
includes (found the way the preprocessor finds them), and the target can
compile it with no access to the controller's file system. Format (see
docs/p4sim-device-config.md):

    P4SIM-DEVICE-CONFIG 1\\n
    {"format": "p4sim-device-config", "version": 1, "main": "prog.p4",
     "include_dirs": ["include"], "files": {"prog.p4": "...", ...}}

one header line naming the format and version, then UTF-8 JSON. Names are
relative paths with "/" separators, laid out so that writing every file under
one directory and passing ``include_dirs`` (relative to it) reproduces the
original tree; ``core.p4`` and ``v1model.p4`` are the target's own and are
not stored."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from p4sim.errors import InvalidArgument

MAGIC = b"P4SIM-DEVICE-CONFIG"
VERSION = 1
FORMAT = "p4sim-device-config"
# The target's own declaration files (p4sim/p4include), never stored.
BUILTIN_DIR = Path(__file__).resolve().parent / "p4include"

_INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.MULTILINE)


@dataclass(slots=True)
class DeviceConfig:
    main: str
    files: dict[str, str]
    include_dirs: list[str] = field(default_factory=list)
    version: int = VERSION


# ------------------------------------------------------------------ writing


def _resolve(spec: str, quoted: bool, including: Path, include_dirs: list[Path]) -> Path | None:
    """Where cpp would find ``#include spec``: next to the including file for
    quoted includes, then each include dir, then the target's builtins."""
    candidates = []
    if quoted:
        candidates.append(including.parent / spec)
    candidates += [d / spec for d in include_dirs]
    for c in candidates:
        if c.is_file():
            return c.resolve()
    if (BUILTIN_DIR / spec).is_file():
        return BUILTIN_DIR / spec
    return None


def collect(program_path: str | os.PathLike, include_dirs: list[str | os.PathLike] = ()) -> DeviceConfig:
    """Gathers the program and everything it includes (transitively). An
    include that cannot be found is an error here, at packaging time, rather
    than a compile error on the target later. Includes inside ``#if`` blocks
    are followed too when they exist: packing one file too many is harmless."""
    main = Path(program_path).resolve()
    if not main.is_file():
        raise FileNotFoundError(f"P4 program {program_path} not found")
    dirs = [Path(d).resolve() for d in include_dirs]
    found: dict[Path, str] = {}
    todo = [main]
    while todo:
        path = todo.pop()
        if path in found:
            continue
        text = path.read_text(encoding="utf-8")
        found[path] = text
        for m in _INCLUDE.finditer(text):
            quoted, spec = m.group(1) == '"', m.group(2).strip()
            target = _resolve(spec, quoted, path, dirs)
            if target is None:
                line = text.count("\n", 0, m.start()) + 1
                raise FileNotFoundError(f"{path}:{line}: cannot find #include file {spec!r}")
            if target.parent != BUILTIN_DIR:
                todo.append(target)
    root = Path(os.path.commonpath([p.parent for p in found] + dirs + [main.parent]))

    def rel(p: Path) -> str:
        return PurePosixPath(*p.relative_to(root).parts).as_posix()

    files = {rel(p): t for p, t in found.items()}
    inc = [rel(d) or "." for d in dirs]
    return DeviceConfig(main=rel(main), files=files, include_dirs=inc)


def pack(config: DeviceConfig) -> bytes:
    _check(config)
    body = {
        "format": FORMAT,
        "version": config.version,
        "main": config.main,
        "include_dirs": config.include_dirs,
        "files": dict(sorted(config.files.items())),
    }
    return MAGIC + b" %d\n" % config.version + json.dumps(body, indent=1).encode("utf-8")


def write(path: str | os.PathLike, program_path: str | os.PathLike, include_dirs=()) -> bytes:
    """Packs ``program_path`` and its includes into the file ``path``;
    returns the bytes written (what goes in ``p4_device_config``)."""
    data = pack(collect(program_path, list(include_dirs)))
    Path(path).write_bytes(data)
    return data


# ------------------------------------------------------------------ reading


def _looks_like_bmv2_json(data: bytes) -> bool:
    head = data.lstrip()[:1]
    if head != b"{":
        return False
    try:
        obj = json.loads(data)
    except ValueError:
        return False
    return isinstance(obj, dict) and ("header_types" in obj or "pipelines" in obj or "__meta__" in obj)


def parse(data: bytes) -> DeviceConfig:
    """Decodes a device config; every problem is an InvalidArgument saying
    what is wrong, since it goes straight back to the controller."""
    if not data:
        raise InvalidArgument("p4_device_config is empty: p4sim needs its program container")
    if not data.startswith(MAGIC):
        if _looks_like_bmv2_json(data):
            raise InvalidArgument(
                "p4_device_config is a BMv2 JSON: p4sim compiles P4 source and needs a p4sim device "
                "config (see docs/p4sim-device-config.md; build it with p4sim.device_config.write)"
            )
        raise InvalidArgument(
            f"p4_device_config is not a p4sim device config (it starts with {data[:24]!r}, "
            f"expected {MAGIC.decode()!r})"
        )
    header, sep, body = data.partition(b"\n")
    try:
        version = int(header[len(MAGIC):].strip())
    except ValueError:
        raise InvalidArgument(f"p4sim device config: bad header line {header[:60]!r}") from None
    if version != VERSION:
        raise InvalidArgument(f"p4sim device config version {version} is not supported (this is {VERSION})")
    try:
        obj = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise InvalidArgument(f"p4sim device config: body is not UTF-8 JSON: {exc}") from None
    if not isinstance(obj, dict) or obj.get("format") != FORMAT:
        raise InvalidArgument("p4sim device config: body lacks \"format\": \"p4sim-device-config\"")
    config = DeviceConfig(
        main=obj.get("main"),
        files=obj.get("files"),
        include_dirs=obj.get("include_dirs", []),
        version=version,
    )
    _check(config)
    return config


def read(data: bytes) -> tuple[str, dict[str, str]]:
    """(main file name, {name: text}) of a device config."""
    c = parse(data)
    return c.main, c.files


def _safe_name(name: object, what: str) -> str:
    if not isinstance(name, str) or not name:
        raise InvalidArgument(f"p4sim device config: {what} must be a non-empty string")
    p = PurePosixPath(name)
    if p.is_absolute() or ".." in p.parts or "\\" in name:
        raise InvalidArgument(
            f"p4sim device config: {what} {name!r} must be a relative path inside the container"
        )
    return name


def _check(c: DeviceConfig) -> None:
    if not isinstance(c.files, dict) or not all(isinstance(t, str) for t in c.files.values()):
        raise InvalidArgument("p4sim device config: \"files\" must map names to source text")
    for n in c.files:
        _safe_name(n, "file name")
    _safe_name(c.main, "main")
    if c.main not in c.files:
        raise InvalidArgument(f"p4sim device config: main file {c.main!r} is not among its files")
    if not isinstance(c.include_dirs, list):
        raise InvalidArgument("p4sim device config: \"include_dirs\" must be a list")
    for d in c.include_dirs:
        if d != ".":
            _safe_name(d, "include dir")


def materialize(c: DeviceConfig, directory: str | os.PathLike) -> tuple[Path, list[Path]]:
    """Writes the files under ``directory``; returns the main file's path
    and the include dirs, ready for ``p4sim.frontend.compile_file``."""
    base = Path(directory)
    for name, text in c.files.items():
        p = base / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    dirs = [base / d for d in c.include_dirs]
    for d in dirs:
        d.mkdir(parents=True, exist_ok=True)
    return base / c.main, dirs
