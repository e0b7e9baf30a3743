"""A folder of labelled digit images (torchvision's ImageFolder layout) as model inputs.

    DIR/0/*.png ... DIR/9/*.png      one folder per class, named by its label
    DIR/not-a-digit/*.png            when the model has a reject class
    DIR/unsure/                      `recognize --save-crops`'s pile to sort: skipped

Any image of one digit works: a crop written by ``digits recognize --save-crops`` (28x28,
used as it is) or a photo or scan of a single digit, any size, either polarity, fitted by
``digits.crops.from_image`` exactly as the runtime fits what it reads. numpy and OpenCV
only: ``digits train --images`` and the torch-free ``digits evaluate --images`` of an ONNX
file both read folders here.

Bad files never stop the read: non-images, undecodable or empty files, images above
``MAX_PIXELS``, blank images and byte-identical duplicates are skipped and listed in
``Folder.skipped``; a folder that is not a class, or no usable image at all, is a
DigitsError (exit 2). Nothing is written.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from digits import MAX_IMAGE_PIXELS as MAX_PIXELS
from digits import crops
from digits import image as image_io
from digits.errors import DigitsError, UnreadableInput
from digits.imagefile import header_size
from digits.paths import IMAGE_EXT

REJECT_FOLDER = "not-a-digit"  # the folder of a model's reject class
UNSURE_FOLDER = "unsure"  # what --save-crops could not decide; a person sorts it

cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)  # our warnings say it once


@dataclass
class Folder:
    """The usable images of a folder, in a stable order (class, then path).

    ``images``: float32 [N,1,28,28] in [0,1], ink = 1 (the model's input).
    ``targets``: int64 [N], indices into ``classes``. ``paths``: [N], relative to ``root``.
    ``sha256``: [N] hex digests of the files' bytes. ``skipped``: (relative path, reason).
    """

    root: Path
    classes: list[str]
    images: np.ndarray
    targets: np.ndarray
    paths: list[str]
    sha256: list[str]
    skipped: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # empty classes, ignored folders

    def counts(self) -> dict[str, int]:
        """Images per class name (every class, zeros included)."""
        n = np.bincount(self.targets, minlength=len(self.classes))
        return {c: int(k) for c, k in zip(self.classes, n, strict=True)}

    def fingerprint(self) -> str:
        """sha256 of the file list: one ``class/path sha256`` line per image, in order.
        Any file added, removed, moved between classes or edited changes it."""
        lines = "".join(f"{p} {h}\n" for p, h in zip(self.paths, self.sha256, strict=True))
        return hashlib.sha256(lines.encode()).hexdigest()

    def record(self) -> dict[str, object]:
        """What a checkpoint records about the dataset (DESIGN.md)."""
        return {"root": str(self.root), "images": len(self.paths), "counts": self.counts(),
                "file_list_sha256": self.fingerprint(), "skipped": len(self.skipped)}

    def warnings(self) -> list[str]:
        """One line per kind of skip, naming the files (the first few) and how many."""
        lines = list(self.notes)
        by_reason: dict[str, list[str]] = {}
        for path, reason in self.skipped:
            by_reason.setdefault(reason, []).append(path)
        for reason, paths in by_reason.items():
            named = ", ".join(paths[:3]) + (f" and {len(paths) - 3} more" if len(paths) > 3 else "")
            lines.append(f"skipped {len(paths)} file{'s' * (len(paths) != 1)} ({reason}): {named}")
        return lines


def class_folders(labels: Sequence[object]) -> list[str]:
    """Folder name of each logit index: the digit for 0-9, ``not-a-digit`` for any other
    label (the reject class of a model that has one)."""
    return [str(label) if isinstance(label, int) and 0 <= label <= 9 else REJECT_FOLDER
            for label in labels]


def decode(data: bytes) -> np.ndarray:
    """An encoded image -> uint8 BGR [H,W,3], normalised as the runtime normalises what it
    reads (``digits.image``: alpha flattened onto the colour opposite the strokes, 16-bit
    and palette images converted, EXIF orientation applied).

    Raises UnreadableInput (empty, undecodable, too many pixels)."""
    if not data:
        raise UnreadableInput("empty file")
    size = header_size(data)
    if size and size[0] * size[1] > MAX_PIXELS:
        raise UnreadableInput(f"above the {MAX_PIXELS // 1_000_000} MP decode limit")
    try:
        image = image_io.decode(data)
    except cv2.error:  # OpenCV's own size check, for formats whose header we do not parse
        raise UnreadableInput(f"above the {MAX_PIXELS // 1_000_000} MP decode limit, or a "
                              "malformed header") from None
    if image is None:
        raise UnreadableInput("not a decodable image")
    return image


def read(root: Path, labels: Sequence[object]) -> Folder:
    """Read ``root`` laid out as the module docstring says, for a model with ``labels``.

    Raises DigitsError (exit 2) when ``root`` is not a folder, holds a folder that is not a
    class of this model, or yields no usable image.
    """
    root = Path(root)
    if not root.is_dir():
        raise DigitsError(f"--images {root}: no such folder")
    classes = class_folders(labels)
    index = {c: i for i, c in enumerate(classes)}
    folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    notes: list[str] = []
    unknown = [p.name for p in folders if p.name not in index and p.name != UNSURE_FOLDER
               and p.name != REJECT_FOLDER]
    if unknown:
        raise DigitsError(f"--images {root}: {', '.join(unknown)} "
                          f"{'is not a class' if len(unknown) == 1 else 'are not classes'} "
                          f"of this model (class folders: {', '.join(classes)})")
    stray = sorted(p.name for p in root.iterdir() if p.is_file() and not p.name.startswith("."))
    if stray:
        notes.append(f"ignored {len(stray)} file{'s' * (len(stray) != 1)} outside class "
                     f"folders: {', '.join(stray[:3])}{' ...' if len(stray) > 3 else ''}")
    images, targets, paths, digests = [], [], [], []
    skipped: list[tuple[str, str]] = []
    seen: dict[str, str] = {}
    for folder in folders:
        files = sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))
        if folder.name not in index:
            why = ("sort them into class folders to use them" if folder.name == UNSURE_FOLDER
                   else "this model has no not-a-digit class")
            notes.append(f"ignored {folder.name}/ ({len(files)} images): {why}")
            continue
        n_before = len(paths)
        for path in files:
            rel = path.relative_to(root).as_posix()
            if path.suffix.lower() not in IMAGE_EXT:
                skipped.append((rel, "not an image"))
                continue
            try:
                data = path.read_bytes()
                digest = hashlib.sha256(data).hexdigest()
                if digest in seen:
                    first = seen[digest]
                    if first.split("/")[0] != folder.name:
                        raise DigitsError(f"--images {root}: {rel} and {first} are the same "
                                          "image in two classes; keep one")
                    skipped.append((rel, "a byte-identical copy of an earlier image"))
                    continue
                x = crops.from_image(decode(data))
            except UnreadableInput as e:
                skipped.append((rel, str(e)))
                continue
            except OSError as e:
                skipped.append((rel, f"cannot read: {e.strerror or e}"))
                continue
            seen[digest] = rel
            images.append(x)
            targets.append(index[folder.name])
            paths.append(rel)
            digests.append(digest)
        if len(paths) == n_before:
            notes.append(f"class {folder.name}/ has no usable image")
    if not paths:
        raise DigitsError(f"--images {root}: no usable image in any class folder "
                          f"({', '.join(classes)})")
    stack = np.stack(images)[:, None].astype(np.float32)
    return Folder(root, classes, stack, np.array(targets, np.int64), paths, digests,
                  skipped, notes)
