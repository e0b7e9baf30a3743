"""Writes that never leave a half-written file (DESIGN.md): a temporary file in the target
folder, then a rename over the target. Shared by every stage."""

from __future__ import annotations

import atexit
import contextlib
import errno
import fcntl
import os
import secrets
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

from digits.errors import DigitsError

# Characters of the target's name kept in its temporary name: a legal 255-byte name plus
# the temporary prefix and suffix would exceed the file system's name limit.
TEMP_NAME_CHARS = 40
# This process's mark, in the name of every temporary file it makes (before the suffix),
# and the folders it made them in, noted before each is made: at exit, those a signal
# left between their creation and their rename (or their removal) are found by it. A
# forked child takes a mark of its own: its exit must not remove its parent's files.
RUN_MARK = secrets.token_hex(4)
_TEMP_FOLDERS: set[Path] = set()


def _new_run() -> None:
    global RUN_MARK
    RUN_MARK = secrets.token_hex(4)
    _TEMP_FOLDERS.clear()


os.register_at_fork(after_in_child=_new_run)


def temp_file(folder: Path, name: str, suffix: str = ".tmp") -> tuple[int, Path]:
    """A new, uniquely named (across runs and processes) hidden file in ``folder`` for
    ``name``'s content: (open descriptor, path), permissions as the umask allows. Its
    name is ``.NAME.RANDOM.RUN_MARK`` + ``suffix``: if it is still there when the
    process exits, ``remove_unrenamed`` removes it (a ``.tmp`` suffix, as every new
    content has; not a ``.old`` backup)."""
    _TEMP_FOLDERS.add(Path(folder).absolute())
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name[:TEMP_NAME_CHARS]}.",
                               suffix=f".{RUN_MARK}{suffix}")
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; these files are for sharing
    return fd, Path(tmp)


@atexit.register
def remove_unrenamed() -> None:
    """Remove the temporary files of new content (``.tmp``, ``.tmp.mp4``) this process
    made and never renamed, run at exit. A third signal cuts a write wherever it lands;
    between a temporary file's creation and the ``try`` that removes it on failure, it
    was left behind (``recognize DIR --save OUT`` with INT, TERM and HUP sent at once:
    15 of 45 runs left a hidden annotated image). Backups of old files (``.old``, kept
    by ``replace_set`` until the new set is in) are not touched: where a cut left one,
    it may be the old file's only copy."""
    for folder in _TEMP_FOLDERS:
        with contextlib.suppress(OSError):
            for tmp in folder.glob(f".*.{RUN_MARK}.tmp*"):
                tmp.unlink(missing_ok=True)


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


def _claim(tmp: Path, target: Path) -> None:
    """Give the complete file ``tmp`` the name ``target`` unless that name exists
    (FileExistsError then). A hard link, which fails when the name exists (no race with
    another process); where the file system has no hard links, an exclusive create."""
    try:
        os.link(tmp, target)
    except FileExistsError:
        raise
    except OSError as e:
        if e.errno not in (errno.EPERM, errno.ENOTSUP, errno.EXDEV, errno.EMLINK):
            raise
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
        os.replace(tmp, target)


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
                _claim(tmp, target)
                return target
            except FileExistsError:
                continue
        raise FileExistsError(errno.EEXIST, "no free name", str(path))
    finally:
        tmp.unlink(missing_ok=True)


def write_new(path: Path, data: bytes) -> Path:
    """Write ``data`` atomically under ``path``'s first free name (see publish_new)."""
    return publish_new(write_temp(Path(path).parent, Path(path).name, data), path)


def write_exclusive(path: Path, data: bytes) -> Path:
    """Write ``data`` atomically as the new file ``path``; never replaces anything.

    Raises FileExistsError when ``path`` appeared since it was checked (check_new_file),
    OSError otherwise; nothing is left behind then."""
    path = Path(path)
    tmp = write_temp(path.parent, path.name, data)
    try:
        _claim(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def check_new_file(path: Path | str, what: str, inputs: Iterable[Path | str] = (),
                   outputs: Iterable[Path | str] = ()) -> Path:
    """Refuse (DigitsError, exit 2), before anything is read, a user-named output FILE
    (``--csv``, ``--plot``...) that could replace something: an empty name, one of the
    run's ``inputs``, anything that exists (a file the run did not create, a symlink,
    folder, FIFO or device), a name in or equal to another output of the run
    (``outputs``), or a folder that cannot take files. Returns the path.

    The file is then written with write_exclusive, which never replaces either."""
    if not str(path).strip():
        raise DigitsError(f"{what} is empty (an unset variable?); name a new file")
    path = Path(path)
    if os.path.lexists(path):
        for given in inputs:
            with contextlib.suppress(OSError):
                if os.path.samefile(path, given):
                    raise DigitsError(f"{what} {path} is an input of this run ({given}); "
                                      "choose another name")
        if path.is_symlink() or not path.is_file():
            raise DigitsError(f"{what} {path} exists and is not a regular file (a link, "
                              "folder, FIFO or device); choose another name")
        raise DigitsError(f"{what} {path} exists; remove it or choose another name")
    for other in outputs:
        if _same_place(path, Path(other)):
            raise DigitsError(f"{what} {path} is also another output of this run "
                              f"({other}); choose another name")
    check_writable(path.parent, what)
    return path


def _same_place(a: Path, b: Path) -> bool:
    """Whether two paths, existing or not, name the same place (links resolved)."""
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return a.absolute() == b.absolute()


def check_writable(folder: Path, what: str = "--out") -> None:
    """Fail before the work, not after it, when ``folder`` cannot take files.

    Raises DigitsError naming why (a dangling link or a file that is no folder is named
    as one: mkdir's own word for both is "File exists")."""
    folder = Path(folder)
    if folder.is_symlink() and not folder.exists():
        raise DigitsError(f"cannot write to {what} {folder}: it is a link to "
                          f"{os.readlink(folder)}, which does not exist")
    if folder.exists() and not folder.is_dir():
        raise DigitsError(f"cannot write to {what} {folder}: it is not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = temp_file(folder, "digits-write-test")
        os.close(fd)
        os.unlink(tmp)
    except OSError as e:
        raise DigitsError(f"cannot write to {what} {folder}: {e.strerror or e}") from None


def _keep(path: Path) -> Path:
    """A second name for ``path``'s current content: a hard link, else a copy."""
    backup = path.with_name(f".{path.name[:TEMP_NAME_CHARS]}.{secrets.token_hex(6)}.old")
    try:
        os.link(path, backup)
    except OSError as e:
        if e.errno not in (errno.EPERM, errno.ENOTSUP, errno.EMLINK):
            raise
        return write_temp(path.parent, path.name, path.read_bytes(), suffix=".old")
    return backup


@contextlib.contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``folder`` (flock on the folder itself: no lock file is
    left behind): writers of one set of files into one folder take turns."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def replace_set(files: dict[Path, bytes], commit: Callable[[], AbstractContextManager[None]]
                = contextlib.nullcontext) -> None:
    """Replace a set of files in one folder all together or not at all.

    Every file is first written whole under a temporary name (a full disk fails here,
    with nothing changed); then, under the folder's lock, each target is renamed over,
    the old ones kept as hard links until all are in place, and restored if a rename
    fails or the process is interrupted. The renames run inside ``commit()`` (the CLI's
    ``committing``: signals wait for them), the writing and the wait for the lock do not:
    an export waiting on another one is interrupted at once. Raises OSError; no
    temporary file is left."""
    if not files:
        return
    folder = next(iter(files)).parent
    staged: dict[Path, Path] = {}
    backups: dict[Path, Path] = {}
    done: list[Path] = []
    try:
        for path, data in files.items():
            staged[path] = write_temp(folder, path.name, data)
        with folder_lock(folder), commit():
            try:
                for path in staged:
                    if path.exists():  # the old file stays reachable until all are in
                        backups[path] = _keep(path)
                for path, tmp in staged.items():
                    os.replace(tmp, path)
                    done.append(path)
            except BaseException:
                for path in done:
                    if path in backups:
                        os.replace(backups.pop(path), path)
                    else:
                        path.unlink(missing_ok=True)
                raise
    finally:
        for tmp in [*staged.values(), *backups.values()]:
            tmp.unlink(missing_ok=True)
