"""Writes that never leave a half-written file (DESIGN.md): a temporary file in the target
folder, then a rename over the target. Shared by every stage."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from digits.errors import DigitsError


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically, with the usual permissions (umask)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; these files are for sharing
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def check_writable(folder: Path, what: str = "--out") -> None:
    """Fail before the work, not after it, when ``folder`` cannot take files."""
    try:
        Path(folder).mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".digits-write-test.")
        os.close(fd)
        os.unlink(tmp)
    except OSError as e:
        raise DigitsError(f"cannot write to {what} {folder}: {e.strerror or e}") from None


def write_new(path: Path, data: bytes) -> Path:
    """Write ``data`` atomically as a NEW file: ``path``, or ``stem_2.ext``, ``stem_3.ext``...
    when that name is taken (by an earlier run or another process). Never replaces a file.
    Returns the path written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        target, n = path, 1
        while True:
            try:
                os.link(tmp, target)  # atomic, and fails when the name exists
                return target
            except FileExistsError:
                n += 1
                target = path.with_name(f"{path.stem}_{n}{path.suffix}")
    finally:
        Path(tmp).unlink(missing_ok=True)
