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
