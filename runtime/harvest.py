"""``digits recognize --save-crops DIR``: every region read, as the exact 28x28 image the
model saw, filed by its answer so that a person can fix labels by moving files.

    DIR/<label>/        read with confidence >= UNSURE_BELOW
    DIR/unsure/         read with less (whatever --min-confidence shows)
    DIR/not-a-digit/    the model's reject class won (models that have one)

A crop is a grayscale PNG in MNIST polarity (ink white on black): the float crop x 255,
rounded. Its name traces it back: ``<source>_f<frame>_x<x>_y<y>_c<confidence>.png``
(no ``_f`` part for an image; x, y the top-left corner of its box in pixels of the
source). Files are only ever added: a name already taken gets ``-2``, ``-3``...
The folder is what ``digits train --images DIR`` reads (``unsure/`` is left out).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import cv2
import numpy as np

from digits.files import check_writable, write_new
from digits.imagefolder import REJECT_FOLDER, UNSURE_FOLDER
from digits.runtime.model import Model
from digits.runtime.segment import Box

# Below this confidence a crop goes to unsure/: the threshold at which `--save` draws a
# box orange instead of green (recognize.annotate), so the two views agree.
UNSURE_BELOW = 0.8
MAX_STEM = 60  # characters of the source's name kept in a crop's name


def crop_name(source: str | None, frame: int | None, box: Box, confidence: float) -> str:
    """``<source stem>[_f<frame>]_x<x>_y<y>_c<confidence>.png``, filesystem-safe."""
    stem = Path((source or "image").replace(":", "-")).stem
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip(".-")[:MAX_STEM] or "source"
    where = "" if frame is None else f"_f{frame}"
    return f"{stem}{where}_x{box[0]}_y{box[1]}_c{confidence:.3f}.png"


# The subfolders crops are written to: a digit's label, or where a person looks first.
CROP_FOLDERS = (*map(str, range(10)), UNSURE_FOLDER, REJECT_FOLDER)


class CropSaver:
    """Called once per frame with what the model read (``Reader.regions``)."""

    def __init__(self, folder: Path, model: Model) -> None:
        """Raises DigitsError when ``folder`` cannot take files."""
        check_writable(folder, "--save-crops")
        self.folder = Path(folder)
        self.labels = model.labels
        self.reject_index = model.reject_index
        self.saved: Counter[str] = Counter()

    def __call__(self, source: str | None, frame: int | None, crops: np.ndarray,
                 boxes: list[Box], probs: np.ndarray) -> list[Path]:
        """Write each region's crop; return the paths written, in region order.

        ``crops``: float32 [N,1,28,28] in [0,1] (the model's input); ``boxes``: N (x, y, w, h)
        in pixels of the frame; ``probs``: float32 [N,C]. Raises OSError when a write fails."""
        written = []
        for crop, box, p in zip(crops, boxes, probs, strict=True):
            best = int(p.argmax())
            confidence = float(p[best])
            if best == self.reject_index:
                sub = REJECT_FOLDER
            elif confidence < UNSURE_BELOW:
                sub = UNSURE_FOLDER
            else:
                sub = str(self.labels[best])
            pixels = np.round(crop[0] * 255).astype(np.uint8)
            ok, png = cv2.imencode(".png", pixels)
            if not ok:
                raise OSError(f"cannot encode a crop of {source}")
            (self.folder / sub).mkdir(parents=True, exist_ok=True)
            written.append(write_new(self.folder / sub / crop_name(source, frame, box,
                                                                   confidence), png.tobytes()))
            self.saved[sub] += 1
        return written

    def summary(self) -> str:
        """One line: how many crops went where."""
        total = sum(self.saved.values())
        parts = ", ".join(f"{n} in {sub}/" for sub, n in sorted(self.saved.items()))
        return f"saved {total} crop{'s' * (total != 1)} to {self.folder}" + (
            f" ({parts})" if parts else "")
