"""The continental hand: flagged 1s and crossed 7s made from MNIST's own 1s and 7s.

MNIST's writers (US Census staff and students) wrote a 1 as a bare stroke; much of the
world starts it with a flag rising to the top, often on a base, and crosses its 7s. A
model trained on MNIST alone reads a flagged 1 as a 7 (bench/scenes.py, condition
"flagged": 20 of 21 errors on tuning seed 3 were 1 -> 7). The flag alone is what a 7
would be without the angle: a 7's bar runs level into a stem that leans; a flag rises
steeply to the top of an upright stem. So the examples keep MNIST's strokes and add the
mark a continental writer adds, with the writer's own pen width:

- a 1 gets a flag from the stroke's top, down to the left at 25-55 degrees below level,
  0.22-0.45 of the digit's height long, and a base on 40 % of the upright ones (a base
  under a leaning stroke draws an angle, not a 1);
- a 7 gets a bar across its stem at 40-62 % of its height.

Each example is drawn at 3x MNIST's resolution and rendered the way the runtime renders
a crop (``digits.crops.from_drawing``: longer side 20 px, centred by mass). numpy and
OpenCV only; deterministic by the numpy Generator it is given.
"""

from __future__ import annotations

import cv2
import numpy as np

from digits import crops

UPSCALE = 3  # MNIST's 28 px drawn at 84 px, so added strokes are anti-aliased like its own
PAD = 30  # room around the digit for a flag or base that reaches past MNIST's frame
FLAG_ANGLE = (25.0, 55.0)  # degrees below level, down to the left of the top
FLAG_LENGTH = (0.22, 0.45)  # of the digit's height
BASE_SHARE = 0.4  # flagged 1s that also stand on a base
BASE_MAX_LEAN = 0.25  # a base only under a stroke leaning less than this (run / rise)
BASE_HALF = (0.15, 0.3)  # of the digit's height, each side of the stroke's foot
BAR_HEIGHT = (0.4, 0.62)  # where a 7's bar crosses, from its top, of its height
BAR_HALF = (0.15, 0.28)  # of the digit's height, each side of the stem


def _canvas(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A 28x28 MNIST image -> (ink float32 at UPSCALE with PAD around, its uint8 mask)."""
    big = cv2.resize(image, None, fx=UPSCALE, fy=UPSCALE, interpolation=cv2.INTER_LINEAR)
    ink = np.pad(big.astype(np.float32), PAD)
    return ink, np.uint8(ink > 0.5)


def _draw(ink: np.ndarray, points: list[tuple[float, float]], width: float) -> None:
    layer = np.zeros(ink.shape, np.uint8)
    pts = np.round(np.array(points)).astype(np.int32)
    cv2.polylines(layer, [pts], False, 255, max(1, round(width)), cv2.LINE_AA)
    np.maximum(ink, layer.astype(np.float32) / 255, out=ink)


def _mean_x(mask: np.ndarray, row: int) -> float | None:
    xs = np.flatnonzero(mask[row])
    return float(xs.mean()) if len(xs) else None


def flagged_one(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """An MNIST 1 (float32 [28,28] in [0,1], ink = 1) with a flag and maybe a base:
    float32 [28,28] as the runtime renders a crop."""
    ink, mask = _canvas(image)
    ys = np.flatnonzero(mask.any(1))
    top, bottom = int(ys[0]), int(ys[-1])
    height = bottom - top + 1
    width = crops.stroke_width(mask)
    x_top, x_foot = _mean_x(mask, top), _mean_x(mask, bottom)
    angle = np.radians(rng.uniform(*FLAG_ANGLE))
    length = height * rng.uniform(*FLAG_LENGTH)
    start = (x_top, top + width / 2)
    _draw(ink, [start, (start[0] - length * np.cos(angle), start[1] + length * np.sin(angle))],
          width)
    if rng.random() < BASE_SHARE and abs(x_top - x_foot) < BASE_MAX_LEAN * height:
        half = height * rng.uniform(*BASE_HALF)
        y = bottom - width / 2
        _draw(ink, [(x_foot - half, y), (x_foot + half, y)], width)
    return crops.from_drawing(ink)


def crossed_seven(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """An MNIST 7 (float32 [28,28] in [0,1], ink = 1) with a bar across its stem:
    float32 [28,28] as the runtime renders a crop."""
    ink, mask = _canvas(image)
    ys = np.flatnonzero(mask.any(1))
    top, height = int(ys[0]), int(ys[-1] - ys[0] + 1)
    row = top + int(height * rng.uniform(*BAR_HEIGHT))
    x = _mean_x(mask, row)
    if x is not None:
        half = height * rng.uniform(*BAR_HALF)
        tilt = half * rng.uniform(-0.15, 0.1)
        _draw(ink, [(x - half, row + tilt), (x + half, row - tilt)], crops.stroke_width(mask))
    return crops.from_drawing(ink)


def generate(images: np.ndarray, labels: np.ndarray, count: int,
             seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``count`` continental 1s and 7s (half each, as far as the images hold both) from
    MNIST ``images`` (float32 [N,1,28,28] in [0,1]) with ``labels`` (int [N]).

    Returns (float32 [count,1,28,28] in [0,1], int64 [count] labels); fewer when the
    images hold no 1 or 7 (a --limit run). The same seed gives the same examples."""
    rng = np.random.default_rng(seed)
    pools = {1: np.flatnonzero(labels == 1), 7: np.flatnonzero(labels == 7)}
    makers = {1: flagged_one, 7: crossed_seven}
    kinds = [k for k, pool in pools.items() if len(pool)]
    if not kinds or count < 1:
        return np.zeros((0, 1, crops.SIZE, crops.SIZE), np.float32), np.zeros(0, np.int64)
    out_labels = np.array([kinds[i % len(kinds)] for i in range(count)], np.int64)
    out = np.zeros((count, 1, crops.SIZE, crops.SIZE), np.float32)
    for i, label in enumerate(out_labels):
        pick = pools[int(label)][int(rng.integers(len(pools[int(label)])))]
        out[i, 0] = makers[int(label)](images[pick, 0], rng)
    return out, out_labels
