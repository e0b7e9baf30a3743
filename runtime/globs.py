"""Glob patterns expanded lazily, with symbolic-link loops broken.

``glob.glob(recursive=True)`` follows links to folders, so ``**`` through two links
that point back up the tree never finishes (the paths multiply at every level), and it
builds the whole list before the first file is read. Here matches are yielded one
folder at a time, sorted within each folder, and ``**`` enters each real folder once.
"""

from __future__ import annotations

import fnmatch
import glob
import os
from collections.abc import Iterator
from pathlib import Path


def iglob(pattern: str) -> Iterator[Path]:
    """Files (anything not a folder) matching ``pattern``: ``*``, ``?``, ``[...]`` within
    one name, ``**`` for any depth of folders (itself included); hidden names match only
    a component that starts with a dot, as in the shell."""
    parts = Path(pattern).parts
    fixed = 0
    while fixed < len(parts) - 1 and not glob.has_magic(parts[fixed]):
        fixed += 1
    root = Path(*parts[:fixed]) if fixed else Path(".")
    if not root.is_dir():
        return
    yield from _match(root, parts[fixed:], set(), top=not fixed)


def _entries(folder: Path) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(folder) as it:
            return sorted(it, key=lambda e: e.name)
    except OSError:
        return []


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def _out(folder: Path, name: str, top: bool) -> Path:
    return Path(name) if top else folder / name


def _match(folder: Path, parts: tuple[str, ...], seen: set[tuple[int, int]],
           top: bool) -> Iterator[Path]:
    head, rest = parts[0], parts[1:]
    if head == "**":
        try:
            st = os.stat(folder)
        except OSError:
            return
        if (st.st_dev, st.st_ino) in seen:  # a link back into a folder already searched
            return
        seen.add((st.st_dev, st.st_ino))
        if rest:
            yield from _match(folder, rest, seen, top)
        for e in _entries(folder):
            if _is_dir(e) and not e.name.startswith("."):
                yield from _match(_out(folder, e.name, top), parts, seen, False)
        return
    if not glob.has_magic(head):
        path = _out(folder, head, top)
        if not rest:
            if os.path.lexists(path) and not os.path.isdir(path):
                yield path
        elif os.path.isdir(path):
            yield from _match(path, rest, seen, False)
        return
    for e in _entries(folder):
        if e.name.startswith(".") and not head.startswith("."):
            continue
        if not fnmatch.fnmatchcase(e.name, head):
            continue
        path = _out(folder, e.name, top)
        if not rest:
            if not _is_dir(e):
                yield path
        elif _is_dir(e):
            yield from _match(path, rest, seen, False)
