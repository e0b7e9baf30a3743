"""``--save DIR``: annotated copies that never replace a file the run did not create.

Checked before anything is read: the folder must be writable and must not be where the
inputs are (``--save photos/`` beside ``photos/*.jpg``, or ``--save ""``, the current
folder); nor may ``--save-crops``' folder. Every output is first written whole under a
temporary name that is unique across runs, then given the first free name (``x.jpg``,
``x-2.jpg``...): two inputs named alike in different folders, or a file already there,
are never overwritten.
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from digits.errors import DigitsError
from digits.files import check_new_file, check_writable, publish_new, temp_file, write_new
from digits.paths import COLOUR_IMAGE_EXT
from digits.runtime.sources import Frame


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def _read_from(source: str) -> tuple[Path, bool]:
    """The folder whose files a SOURCE reads, and whether its subfolders too."""
    if not glob.has_magic(source):
        path = Path(source)
        return (path if path.is_dir() else path.parent), False
    parts = Path(source).parts
    fixed = next(i for i, p in enumerate(parts) if glob.has_magic(p))
    return (Path(*parts[:fixed]) if fixed else Path(".")), fixed < len(parts) - 1


def check_output_folder(folder: Path, option: str, sources: list[str],
                        writes_subfolders: bool = False) -> None:
    """Refuse (DigitsError, exit 2) an output folder (``--save``, ``--save-crops``) that is
    empty, unwritable, or one the SOURCEs read from, before any input is read.

    ``writes_subfolders``: the outputs go into subfolders of ``folder`` (--save-crops'
    DIR/<label>/), so a SOURCE inside it is refused too; a run would read the crops it
    writes, and each later run more of them."""
    what = "crops" if writes_subfolders else "annotated copies"
    if not str(folder).strip():
        raise DigitsError(f"{option} is empty (an unset variable?); give the folder for the "
                          f"{what}")
    target = Path(folder).resolve()
    for src in sources:
        read, subfolders = _read_from(src)
        read = read.resolve()
        if (target == read or (subfolders and read in target.parents)
                or (writes_subfolders and target in read.parents)):
            raise DigitsError(f"{option} {folder} is where the input {src} is read from; "
                              f"{what} must go to a folder of their own")
    check_writable(Path(folder), option)


def check_csv(csv_path: str | Path, save: Path | None, sources: list[str]) -> None:
    """Refuse (DigitsError, exit 2), before any input is read, a --csv FILE that could
    replace something (check_new_file), or that an annotated copy could take: a name
    in the --save folder ending as an image or video does."""
    if (save is not None and _same(Path(csv_path).parent, Path(save))
            and Path(csv_path).suffix.lower() in {*COLOUR_IMAGE_EXT, ".mp4"}):
        raise DigitsError(f"--csv {csv_path} is in the --save folder under a name an "
                          "annotated copy may take; choose another name")
    check_new_file(csv_path, "--csv", inputs=sources, outputs=[save] if save else [])


def _write_image(path: Path, image: np.ndarray) -> Path:
    ok, encoded = cv2.imencode(path.suffix, image)
    if not ok:
        raise OSError(f"cannot encode {path.suffix} image")
    return write_new(path, encoded.tobytes())


@dataclass
class Saver:
    """--save DIR: annotated images by name, one annotated .mp4 per video or camera."""

    folder: Path
    writers: dict[str, tuple[Any, Path, Path]] = field(default_factory=dict)

    def save(self, frame: Frame, annotated: np.ndarray) -> Path | None:
        """Write an image's annotated copy (returns its path) or add a video frame.

        Raises OSError when the file cannot be written; nothing is left behind."""
        if frame.index is None:
            name = Path(frame.source).name
            if Path(name).suffix.lower() not in COLOUR_IMAGE_EXT:
                name += ".png"
            return _write_image(self.folder / name, annotated)
        if frame.source not in self.writers:
            stem = Path(frame.source.replace(":", "_")).stem
            # OpenCV takes UTF-8 paths only (others crash it): the temporary name is made
            # of UTF-8; the final name, given by Python, keeps the source's bytes.
            fd, tmp = temp_file(self.folder, stem.encode("utf-8", "replace").decode(),
                                suffix=".tmp.mp4")
            os.close(fd)
            try:
                str(tmp).encode("utf-8")
            except UnicodeEncodeError:
                tmp.unlink()
                raise OSError(f"--save {self.folder}: not a UTF-8 path, which OpenCV's video "
                              "writer needs") from None
            h, w = annotated.shape[:2]
            writer = cv2.VideoWriter(str(tmp), cv2.VideoWriter_fourcc(*"mp4v"),
                                     frame.fps or 30.0, (w, h))
            self.writers[frame.source] = (writer, tmp, self.folder / f"{stem}.mp4")
        self.writers[frame.source][0].write(annotated)
        return None

    def close(self) -> list[Path]:
        """Finish every video: release, then publish under a free name. Never raises for
        one video; a video that cannot be published is removed and not listed."""
        done = []
        for writer, tmp, final in self.writers.values():
            writer.release()
            try:
                done.append(publish_new(tmp, final))
            except OSError:
                tmp.unlink(missing_ok=True)
        self.writers.clear()
        return done
