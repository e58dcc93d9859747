"""The run folder: tables as Parquet, the resolved config, and metadata written last.

``metadata.json`` says ``"status": "running"`` from the moment a run starts writing and
``"complete"`` only after every table is on disk (each file is written to a temporary name and
renamed), so a run killed midway never leaves a folder that looks complete.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import socket
import subprocess
import traceback
import uuid
from datetime import UTC, datetime
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # a sweep's launching process reads metadata only: pandas is ~0.4 s
    import pandas as pd
    import pyarrow as pa

DEPENDENCIES = ("mesa", "numpy", "pandas", "pyarrow", "hydra-core", "omegaconf", "seaborn")
TABLES = ("cases", "visits", "site_days")


def now_iso() -> str:
    """The current time, ISO 8601 in UTC."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def package_version() -> str:
    """Pilotsim's installed version."""
    try:
        return importlib_metadata.version("pilotsim")
    except importlib_metadata.PackageNotFoundError:
        return "unknown"


def git_commit() -> str | None:
    """The commit of the source tree pilotsim runs from, if it is a git checkout."""
    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True,
                             text=True, timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0:
        return None
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=here,
                           capture_output=True, text=True, timeout=5, check=False).stdout
    return out.stdout.strip() + ("-dirty" if dirty.strip() else "")


def dependency_versions() -> dict[str, str]:
    """Versions of the libraries a run's results depend on."""
    out = {}
    for name in DEPENDENCIES:
        try:
            out[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


# Keys of a resolved config that belong to the program, not to the run: they never change results
# (``compare``: how a sweep is compared, read by the comparison only).
PROGRAM_KEYS = ("hydra", "output", "compare")


def config_hash(config: Any, without: tuple[str, ...] = ()) -> str:
    """A stable fingerprint of a run's resolved config (seed and arm included).

    Two configs that would produce the same run have the same hash: keys are sorted, and the
    program's own keys (``hydra``, ``output``, ``compare``) are left out. A sweep uses it to
    recognise a run folder that already holds this run (see :mod:`pilotsim.app.sweeps`).

    Args:
        config: A resolved config as plain data (dict), or an OmegaConf DictConfig.
        without: Further top-level keys to leave out (``("seed",)``: the same scenario).

    Returns:
        The SHA-256 hex digest of the canonical JSON of the config.
    """
    try:
        from omegaconf import DictConfig, OmegaConf

        if isinstance(config, DictConfig):
            config = OmegaConf.to_container(config, resolve=True)
    except ImportError:  # pragma: no cover - hydra is a dependency
        pass
    plain = {k: v for k, v in dict(config).items() if k not in PROGRAM_KEYS + without}
    text = json.dumps(plain, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def failure_fields(error: BaseException, last: int = 3) -> dict[str, Any]:
    """What ``metadata.json`` records about a run that raised ``error``.

    Args:
        error: The exception.
        last: Innermost frames kept whatever their module (where the error was raised).

    Returns:
        ``status`` ("failed"), ``error`` (type and message), ``traceback`` (a summary: every
        frame in pilotsim's own code, the ``last`` innermost frames, and the message) and
        ``finished_at``.
    """
    frames = traceback.extract_tb(error.__traceback__)
    keep = [f for i, f in enumerate(frames)
            if i >= len(frames) - last or f"{os.sep}pilotsim{os.sep}" in f.filename]
    text = ("Traceback (pilotsim frames and the innermost ones):\n"
            + "".join(traceback.StackSummary.from_list(keep).format())
            + "".join(traceback.format_exception_only(type(error), error)))
    return {"status": "failed", "error": f"{type(error).__name__}: {error}",
            "traceback": text, "finished_at": now_iso()}


def temp_path(path: Path) -> Path:
    """A hidden temporary name beside ``path``, unique to this process and call.

    Two writers of the same file (two sweeps by mistake, a retried job) must never share a
    temporary file: one would rename it away under the other.
    """
    return path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")


def remove_temp_files(folder: Path) -> None:
    """Remove the temporary files this process left in ``folder`` (a run that stopped midway)."""
    with contextlib.suppress(OSError):
        for tmp in Path(folder).glob(f".*.{os.getpid()}.*.tmp"):
            tmp.unlink(missing_ok=True)


def _atomic_write(path: Path, write) -> None:
    tmp = temp_path(path)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)  # a full disk must not also leave a stray half file
        raise


def write_metadata(folder: Path, meta: dict[str, Any]) -> None:
    """Write ``metadata.json`` atomically."""
    _atomic_write(folder / "metadata.json",
                  lambda p: p.write_text(json.dumps(meta, indent=2, default=str)))


def write_config(folder: Path, config: dict[str, Any]) -> None:
    """Write ``config.yaml``: ``yaml.safe_dump(config, sort_keys=False)``.

    By libyaml's emitter when PyYAML has it and the text is the same (the same text, ~4×
    faster: 0.2 CPU s for the 1M-resident city's 8,000 lines), else by PyYAML's own.
    """
    import yaml

    dumper = yaml.CSafeDumper if libyaml_emits_alike(config) else yaml.SafeDumper
    (folder / "config.yaml").write_text(yaml.dump(config, Dumper=dumper, sort_keys=False))


def libyaml_emits_alike(data: Any) -> bool:
    """Whether libyaml's emitter writes ``data`` as PyYAML's pure-Python one does.

    They break long lines of escaped text (non-ASCII, control characters) and of multi-line
    strings differently, and format no other value differently (30,000 random strings of
    printable ASCII up to 300 characters: none differed): so plain data (dicts, lists,
    numbers, booleans, None) whose strings are all printable ASCII. Needs libyaml.
    """
    import yaml

    if not yaml.__with_libyaml__:
        return False
    stack = [data]
    while stack:
        x = stack.pop()
        if isinstance(x, str):
            if not (x.isascii() and x.isprintable()):
                return False
        elif isinstance(x, dict):
            stack.extend(x)
            stack.extend(x.values())
        elif isinstance(x, list | tuple):
            stack.extend(x)
        elif not (x is None or isinstance(x, bool | int | float)):
            return False
    return True


def write_table(folder: Path, name: str, table: pa.Table) -> None:
    """Write ``name.parquet`` atomically.

    ``table`` is one of :mod:`pilotsim.sim.tables` (the file: the bytes ``to_parquet`` writes
    of its frame).
    """
    import pyarrow.parquet as pq

    _atomic_write(folder / f"{name}.parquet", lambda p: pq.write_table(table, p))


def mark_failed(folder: Path, error: BaseException) -> bool:
    """Record in a run folder that its run raised ``error`` (``metadata.json`` status "failed").

    Only a folder whose run had started writing (status "running") is marked: a complete run
    from an earlier attempt is never overwritten by a later failure to start. Best effort: the
    error may be the disk itself (full, read-only), and the caller reports it either way.

    Returns:
        Whether the folder now says "failed".
    """
    return _mark(folder, failure_fields(error))


def mark_interrupted(folder: Path, how: str) -> bool:
    """Record that a run was stopped from outside (a signal, its sweep's end) before the end.

    Args:
        folder: The run folder.
        how: What stopped it (``SIGINT``, ``SIGTERM``, ``parent process gone``).

    Returns:
        Whether the folder now says "interrupted" (only a "running" folder is marked).
    """
    return _mark(folder, {"status": INTERRUPTED, "error": f"interrupted ({how})",
                          "finished_at": now_iso()})


def _mark(folder: Path, fields: dict[str, Any]) -> bool:
    try:
        meta = read_metadata(folder)
        if meta is None or meta.get("status") != RUNNING:
            return False
        meta.update(fields)
        write_metadata(Path(folder), meta)
    except (OSError, ValueError):
        return False
    return True


def read_metadata(folder: Path) -> dict[str, Any] | None:
    """The metadata of a run folder, or None if it has none (or it is not readable JSON)."""
    path = Path(folder) / "metadata.json"
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):  # cut short, not UTF-8: it holds no usable run either
        return None
    return meta if isinstance(meta, dict) else None


RUNNING, INTERRUPTED = "running", "interrupted"


def process_fields() -> dict[str, Any]:
    """``host`` and ``pid`` of the process writing a run.

    A reader can then tell a run still being written from one whose process is gone
    (:func:`status`).
    """
    return {"host": socket.gethostname(), "pid": os.getpid()}


def process_alive(host: str | None, pid: Any) -> bool | None:
    """Whether process ``pid`` on ``host`` still runs.

    None if that cannot be told from here (another host, or no pid recorded).
    """
    if host != socket.gethostname() or not isinstance(pid, int):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, owned by someone else
        return True
    return _not_zombie(pid)


def _not_zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # no /proc (macOS): kill(0) said it exists
    return stat.rpartition(")")[2].split()[0] != "Z"


def status(meta: dict[str, Any] | None) -> str:
    """A run folder's status as a reader should see it.

    ``metadata.json``'s ``status``, except that a run still marked "running" whose process is
    known to be gone (same host, pid no longer alive) is ``"interrupted"``; ``"not started"``
    without metadata.
    """
    if meta is None:
        return "not started"
    s = str(meta.get("status", "unknown"))
    if s == RUNNING and process_alive(meta.get("host"), meta.get("pid")) is False:
        return INTERRUPTED
    return s


def is_complete(folder: Path) -> bool:
    """Whether ``folder`` holds a complete run."""
    meta = read_metadata(folder)
    return bool(meta) and meta.get("status") == "complete"


def read_tables(folder: Path) -> dict[str, pd.DataFrame]:
    """The three tables of a complete run folder."""
    folder = Path(folder)
    if not is_complete(folder):
        raise FileNotFoundError(f"{folder} is not a complete run folder (metadata.json status)")
    import pandas as pd

    return {t: pd.read_parquet(folder / f"{t}.parquet") for t in TABLES}
