"""Writes that never leave a half-written file (DESIGN.md): a temporary file in the target
folder, then a rename over the target. Shared by every stage."""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

from digits.errors import DigitsError

# Characters of the target's name kept in its temporary name: a legal 255-byte name plus
# the temporary prefix and suffix would exceed the file system's name limit.
TEMP_NAME_CHARS = 40


def temp_file(folder: Path, name: str, suffix: str = ".tmp") -> tuple[int, Path]:
    """A new, uniquely named (across runs and processes) hidden file in ``folder`` for
    ``name``'s content: (open descriptor, path), permissions as the umask allows."""
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name[:TEMP_NAME_CHARS]}.", suffix=suffix)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; these files are for sharing
    return fd, Path(tmp)


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically, replacing it (our own artifacts only).

    Raises OSError (disk full, read-only folder...); nothing is left behind then."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = write_temp(path.parent, path.name, data)
    try:
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_temp(folder: Path, name: str, data: bytes, suffix: str = ".tmp") -> Path:
    """``data`` in a complete temporary file in ``folder`` (see temp_file); on any failure
    nothing is left behind."""
    fd, tmp = temp_file(folder, name, suffix)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def publish_new(tmp: Path, path: Path) -> Path:
    """Give the complete file ``tmp`` the first free name of ``path``, ``stem-2.ext``,
    ``stem-3.ext``...: an existing file is never replaced. Returns the name used.

    The name is claimed with a hard link, which fails when the name exists (no race
    with another process); where the file system has no hard links, with an exclusive
    create. Raises OSError (the temporary file is removed)."""
    path = Path(path)
    try:
        for n in range(1, 10_000):
            target = path if n == 1 else path.with_name(f"{path.stem}-{n}{path.suffix}")
            try:
                os.link(tmp, target)
                return target
            except FileExistsError:
                continue
            except OSError as e:
                if e.errno not in (errno.EPERM, errno.ENOTSUP, errno.EXDEV, errno.EMLINK):
                    raise
                try:
                    os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
                except FileExistsError:
                    continue
                os.replace(tmp, target)
                return target
        raise FileExistsError(errno.EEXIST, "no free name", str(path))
    finally:
        tmp.unlink(missing_ok=True)


def write_new(path: Path, data: bytes) -> Path:
    """Write ``data`` atomically under ``path``'s first free name (see publish_new)."""
    return publish_new(write_temp(Path(path).parent, Path(path).name, data), path)


def check_writable(folder: Path, what: str = "--out") -> None:
    """Fail before the work, not after it, when ``folder`` cannot take files."""
    try:
        Path(folder).mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".digits-write-test.")
        os.close(fd)
        os.unlink(tmp)
    except OSError as e:
        raise DigitsError(f"cannot write to {what} {folder}: {e.strerror or e}") from None
