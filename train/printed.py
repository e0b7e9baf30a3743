"""Printed digits: OpenCV's Hershey faces, upright and italic, any weight and slant.

MNIST holds handwriting only; cards, forms, labels and meters carry printed digits, and
some of their shapes are rare in MNIST: a model trained on MNIST alone read a script
font's 6 (a stem from the top right into a flat loop) as a 0 at 0.83 — 15 of the 69
errors on bench/scenes.py's digit conditions (tuning seed 5, 60 frames each), the
largest kind. The examples are the digits of the Hershey faces other than the script
ones: the scene generator writes with the script faces (``digits.scenes.FONTS``), so the
benchmark still measures printed digits in faces the model never saw.

Each digit is drawn ~66 px tall with a pen of PEN of its height, slanted by SLANT (run
over rise) and turned by TURN degrees, and rendered the way the runtime renders a crop
(``digits.crops.from_drawing``: longer side 20 px, centred by mass). numpy and OpenCV
only; deterministic by its seed.
"""

from __future__ import annotations

import cv2
import numpy as np

from digits import crops

FACES = (cv2.FONT_HERSHEY_SIMPLEX, cv2.FONT_HERSHEY_PLAIN, cv2.FONT_HERSHEY_DUPLEX,
         cv2.FONT_HERSHEY_COMPLEX, cv2.FONT_HERSHEY_TRIPLEX)
ITALIC_SHARE = 0.3  # drawn in the face's italic variant
SCALE = 3.0  # Hershey digits are ~22 px tall at scale 1 (PLAIN ~11: drawn at twice this)
PEN = (0.03, 0.12)  # pen width, of the digit's height: hairline to bold
SLANT = (-0.3, 0.3)  # run over rise, on top of the face's own
TURN = (-8.0, 8.0)  # degrees
CANVAS = 160


def printed_digit(label: int, rng: np.random.Generator) -> np.ndarray:
    """One printed ``label`` (0-9) in a random face, pen, slant and turn: float32
    [28, 28] in [0, 1] as the runtime renders a crop."""
    face = FACES[int(rng.integers(len(FACES)))]
    scale = SCALE * (2 if face == cv2.FONT_HERSHEY_PLAIN else 1)
    if rng.random() < ITALIC_SHARE:
        face |= cv2.FONT_ITALIC
    height = 22 * SCALE
    pen = max(1, round(height * rng.uniform(*PEN)))
    canvas = np.zeros((CANVAS, CANVAS), np.uint8)
    (w, h), _base = cv2.getTextSize(str(label), face, scale, pen)
    cv2.putText(canvas, str(label), ((CANVAS - w) // 2, (CANVAS + h) // 2), face, scale, 255,
                pen, cv2.LINE_AA)
    slant = rng.uniform(*SLANT)
    m = cv2.getRotationMatrix2D((CANVAS / 2, CANVAS / 2), rng.uniform(*TURN), 1.0)
    m = m @ np.array([[1, -slant, slant * CANVAS / 2], [0, 1, 0], [0, 0, 1]])
    canvas = cv2.warpAffine(canvas, m, (CANVAS, CANVAS), flags=cv2.INTER_LINEAR)
    return crops.from_drawing(canvas.astype(np.float32) / 255)


def generate(count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``count`` printed digits, labels 0-9 in turn: (float32 [count,1,28,28] in [0,1],
    int64 [count]). The same seed gives the same examples."""
    rng = np.random.default_rng(seed)
    labels = np.arange(max(0, count), dtype=np.int64) % 10
    out = np.zeros((len(labels), 1, crops.SIZE, crops.SIZE), np.float32)
    for i, label in enumerate(labels):
        out[i, 0] = printed_digit(int(label), rng)
    return out, labels
