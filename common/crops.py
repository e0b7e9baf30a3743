"""What the model sees: one digit as an MNIST-style 28x28 crop.

MNIST was made this way: a white digit on black, its longer side fitted into 20x20,
centred by its centre of mass in 28x28 (LeCun et al., "The MNIST database"). The runtime's
segmentation (runtime/segment.py) finds each digit of a frame and hands its ink here;
training on image folders and on generated negatives uses the same steps, so what is
trained is what is read. numpy and OpenCV only.
"""

from __future__ import annotations

import cv2
import numpy as np

from digits.errors import UnreadableInput

SIZE = 28  # the model's input side, pixels
BOX = 20  # MNIST fits a digit's longer side into this many pixels
# Stroke width, pixels in the 20-pixel box: MNIST's pens measure ~2.5 there. Strokes
# thinner than THIN_STROKE (fine pens, large digits drawn thin) are thickened to
# MNIST_STROKE; thick ones are left alone, since eroding breaks them.
MNIST_STROKE, THIN_STROKE = 2.6, 1.6
# The thickening dilates with a disc about MNIST_STROKE / scale pixels wide, which costs
# the box's area times the disc's: a 1,600 x 1,200 box of thin stripes on a desk needs a
# 195-px disc (1.6 s), and one photo held dozens of such regions (25 s). A disc wider
# than DILATE_MAX pixels is applied instead as a distance transform of the ink (above
# half), whose cost does not grow with the disc: the same pixels with IoU 0.99 on 2-px
# pen rings 100-900 px tall, ~5 ms for that box. Every disc on 40 frames of each
# generated condition (seed 3) is 19 px or less, so those crops are as before.
DILATE_MAX = 25


def stroke_width(mask: np.ndarray) -> float:
    """Mean stroke width in pixels of a binary uint8 mask: area / skeleton length, with the
    skeleton length taken as half the perimeter. 0 for an empty mask."""
    area = int(np.count_nonzero(mask))
    if area == 0:
        return 0.0
    contours, _ = cv2.findContours(mask, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    perimeter = sum(cv2.arcLength(c, True) for c in contours)
    return 2.0 * area / max(perimeter, 1.0)


def upper_decile(values: np.ndarray) -> float:
    """The 90th percentile of a non-empty 1-D array, interpolated linearly between the
    two nearest ranks as ``np.percentile(values, 90)`` does (equal to it within float
    rounding), by a partial sort: ~10x cheaper on a digit's few hundred stroke pixels,
    which the reader takes once per region (bench/frame.py: ~0.5 ms of a ~6 ms frame)."""
    rank = 0.9 * (values.size - 1)
    lo = int(rank)
    hi = min(lo + 1, values.size - 1)
    part = np.partition(values, (lo, hi))
    a, b = float(part[lo]), float(part[hi])
    return a + (b - a) * (rank - lo)


def fit(ink: np.ndarray, stroke: float) -> np.ndarray:
    """One digit's box -> the model's input.

    ``ink``: float32 [h, w] in [0, 1], ink = 1, exactly the digit's bounding box (pixels
    of the frame). ``stroke``: its stroke width in those pixels (``stroke_width``).
    Returns float32 [28, 28] in [0, 1]: longer side 20, thin strokes evened, centred by mass.
    """
    h, w = ink.shape
    scale = BOX / max(w, h)
    if 0 < stroke * scale < THIN_STROKE:
        k = max(3, round(MNIST_STROKE / scale - stroke) | 1)
        if k > DILATE_MAX:
            dist = cv2.distanceTransform(np.uint8(ink < 0.5), cv2.DIST_L2,
                                         cv2.DIST_MASK_PRECISE)
            ink = np.maximum(ink, np.float32(dist <= k / 2))
        else:
            ink = cv2.dilate(ink, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    nw, nh = max(1, round(w * scale)), max(1, round(h * scale))
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    small = cv2.resize(ink, (nw, nh), interpolation=interp)
    out = np.zeros((SIZE, SIZE), np.float32)
    m = cv2.moments(small)
    cx = m["m10"] / m["m00"] if m["m00"] > 0 else nw / 2
    cy = m["m01"] / m["m00"] if m["m00"] > 0 else nh / 2
    ox = min(max(round(SIZE / 2 - cx), 0), SIZE - nw)  # (np.clip on scalars: ~10 us)
    oy = min(max(round(SIZE / 2 - cy), 0), SIZE - nh)
    out[oy:oy + nh, ox:ox + nw] = small
    return out


def from_drawing(ink: np.ndarray) -> np.ndarray:
    """A drawing made for training (float32 [H, W] in [0, 1], ink = 1 on 0) as the
    runtime renders a crop: the box of its ink (above 0.1) fitted by ``fit``, clipped to
    [0, 1]; float32 [28, 28], all zero when it holds no ink."""
    x, y, w, h = cv2.boundingRect(np.uint8(ink > 0.1))
    if w == 0:
        return np.zeros((SIZE, SIZE), np.float32)
    box = ink[y:y + h, x:x + w]
    return np.clip(fit(box, stroke_width(np.uint8(box > 0.5))), 0, 1)


def from_image(image: np.ndarray) -> np.ndarray:
    """An image of ONE digit, any size and either polarity (uint8 gray [H,W] or BGR
    [H,W,3]) -> float32 [28, 28] as the model takes it.

    A 28x28 image is taken as already fitted (a crop saved by ``--save-crops``, or MNIST)
    and only put in MNIST polarity. Otherwise the background level is the median of the
    image's border, ink is what differs from it, and the ink's box is fitted as above.
    Raises UnreadableInput when the image holds no ink.
    """
    gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    background = float(np.median(border))
    ink = np.abs(gray.astype(np.float32) - background)
    if gray.shape == (SIZE, SIZE):  # x/255 exactly: a saved crop reads back as it was seen
        return np.clip(ink / 255.0, 0, 1)
    level, mask = cv2.threshold(ink.astype(np.uint8), 0, 255,
                                cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    if level < 1:  # two levels only (drawn without anti-aliasing): split them halfway
        level, mask = cv2.threshold(ink.astype(np.uint8), float(ink.max()) / 2, 255,
                                    cv2.THRESH_BINARY)
    if not mask.any():
        raise UnreadableInput("no ink: the image is one flat colour")
    ys, xs = np.nonzero(mask)
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    strokes = ink[mask > 0]
    top = upper_decile(strokes)
    scaled = np.clip((ink - 0.5 * level) / max(1.0, top - 0.5 * level), 0, 1)
    return fit(scaled[y0:y1, x0:x1], stroke_width(mask[y0:y1, x0:x1]))
