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
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from digits.errors import DigitsError
from digits.files import check_new_file, check_writable, publish_new, temp_file, write_new
from digits.paths import COLOUR_IMAGE_EXT, IMAGE_EXT, VIDEO_EXT
from digits.runtime.sources import Frame, utf8


def _identity(path: Path) -> tuple[int, int] | None:
    """A folder's (device, inode): one folder reached by two paths (a link, a bind mount)
    has one identity. None when it does not exist (yet)."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return st.st_dev, st.st_ino


def _ancestors(path: Path) -> set[tuple[int, int]]:
    """The identities of the folders above ``path``."""
    return {i for p in Path(path).resolve().parents if (i := _identity(p)) is not None}


def _read_from(source: str) -> tuple[Path, bool]:
    """The folder whose files a SOURCE reads, and whether its subfolders too."""
    if not glob.has_magic(source):
        path = Path(source)
        return (path if path.is_dir() else path.parent), False
    parts = Path(source).parts
    fixed = next(i for i, p in enumerate(parts) if glob.has_magic(p))
    return (Path(*parts[:fixed]) if fixed else Path(".")), fixed < len(parts) - 1


def check_output_folder(folder: Path, option: str, sources: list[str],
                        subfolders: tuple[str, ...] = ()) -> None:
    """Refuse (DigitsError, exit 2) an output folder (``--save``, ``--save-crops``) that is
    empty, unwritable, or one the SOURCEs read from, before any input is read. Folders
    are compared as folders, not as paths: a link or a bind mount is the folder it shows.

    ``subfolders``: the outputs go into these subfolders of ``folder`` (--save-crops'
    DIR/<label>/), so a SOURCE inside it is refused too (a run would read the crops it
    writes, and each later run more of them), and each that exists must be a folder."""
    writes_subfolders = bool(subfolders)
    what = "crops" if writes_subfolders else "annotated copies"
    if not str(folder).strip():
        raise DigitsError(f"{option} is empty (an unset variable?); give the folder for the "
                          f"{what}")
    for sub in subfolders:
        if (Path(folder) / sub).exists() and not (Path(folder) / sub).is_dir():
            raise DigitsError(f"{option} {folder}: {Path(folder) / sub} is not a folder; "
                              f"{what} of that class could not be written")
    target = _identity(folder)
    above_target = _ancestors(folder)
    for src in sources:
        read, subfolders = _read_from(src)
        where = _identity(read)
        if where is None:
            continue
        if (where == target or (subfolders and where in above_target)
                or (writes_subfolders and target is not None and target in _ancestors(read))):
            raise DigitsError(f"{option} {folder} is where the input {src} is read from; "
                              f"{what} must go to a folder of their own")
    check_writable(Path(folder), option)


def check_save_and_crops(save: Path, save_crops: Path) -> None:
    """Refuse (DigitsError) a --save folder inside the --save-crops folder: whole annotated
    frames in DIR/<label>/ would be trained on as crops of that label (the same folder is
    fine: training reads only its subfolders)."""
    crops = _identity(save_crops)
    if ((crops is not None and crops in _ancestors(save))
            or Path(save_crops).resolve() in Path(save).resolve().parents):
        raise DigitsError(f"--save {save} is inside --save-crops {save_crops}: annotated "
                          "frames there would be taken for crops; choose another folder")


def written_by_run(save: Path | None, save_crops: Path | None) -> Callable[[Path], bool]:
    """Whether an input file is one this run writes: in the --save folder, or in a
    subfolder of the --save-crops folder (however reached: a link inside a recursive
    glob's tree, a bind mount). Such files are never read, or a run reads its own
    outputs as it writes them. The folders exist (``check_output_folder`` made them)."""
    annotated = _identity(save) if save else None
    crops = _identity(save_crops) if save_crops else None

    def written(path: Path) -> bool:
        return ((annotated is not None and _identity(path.parent) == annotated)
                or (crops is not None and _identity(path.parent.parent) == crops))

    return written


def check_csv(csv_path: str | Path, save: Path | None, sources: list[str]) -> None:
    """Refuse (DigitsError, exit 2), before any input is read, a --csv FILE that could
    replace something (check_new_file), or that is named as an image or video (an
    annotated copy could take the name; a later run would read it as an input)."""
    if Path(csv_path).suffix.lower() in IMAGE_EXT | VIDEO_EXT:
        raise DigitsError(f"--csv {csv_path} is named as an image or video: a later run "
                          "over its folder would read it as one; choose a name ending .csv")
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
                if not utf8(str(tmp)):
                    raise OSError(f"--save {self.folder}: not a UTF-8 path, which OpenCV's "
                                  "video writer needs")
                h, w = annotated.shape[:2]
                writer = cv2.VideoWriter(str(tmp), cv2.VideoWriter_fourcc(*"mp4v"),
                                         frame.fps or 30.0, (w, h))
            except BaseException:  # also a signal's cut: no temporary file is left
                tmp.unlink(missing_ok=True)
                raise
            self.writers[frame.source] = (writer, tmp, self.folder / f"{stem}.mp4")
        self.writers[frame.source][0].write(annotated)
        return None

    def close(self) -> list[Path]:
        """Finish every video: release, then publish under a free name. Never raises for
        one video; a video that cannot be published is removed and not listed. Cut short
        (KeyboardInterrupt: a third signal), the videos not yet published are removed."""
        done = []
        try:
            while self.writers:
                source = next(iter(self.writers))
                writer, tmp, final = self.writers[source]
                writer.release()
                try:
                    done.append(publish_new(tmp, final))
                except OSError:
                    tmp.unlink(missing_ok=True)
                del self.writers[source]
        except BaseException:  # cut short (a third signal): no temporary file is left
            # (at exit, digits.files.remove_unrenamed removes what a cut left anywhere)
            for _, tmp, _ in self.writers.values():
                tmp.unlink(missing_ok=True)
            self.writers.clear()
            raise
        return done
