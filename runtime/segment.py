"""From a camera frame to MNIST-like 28x28 digit crops and their boxes.

The model was trained on MNIST: a white digit on black, its longer side fitted into
20x20, centred by centre of mass in 28x28. Stretching a whole frame to 28x28 loses
almost everything, so each digit is found and re-drawn that way here:

    gray -> polarity (dark ink or light ink) -> background removed (uneven light)
    -> ink strength -> threshold -> ruled lines removed -> connected regions
    -> filtered, broken strokes merged, touching digits split -> reading order
    -> each region: ink scaled to [0,1], stroke width evened, 20x20 fit, mass-centred.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import cv2
import numpy as np

from digits import crops

Box = tuple[int, int, int, int]  # x, y, w, h in pixels of the original frame


@dataclass
class Segmentation:
    """Crops ready for the model, in reading order, with their boxes."""

    crops: np.ndarray  # float32 [N,1,28,28]
    boxes: list[Box]


def _gray(frame: np.ndarray) -> np.ndarray:
    if frame.ndim == 2:
        return frame
    if frame.shape[2] == 4:
        return cv2.cvtColor(frame, cv2.COLOR_BGRA2GRAY)
    return cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)


def ink_map(gray: np.ndarray) -> np.ndarray:
    """Ink strength (0 = background) with the background's slow light changes removed,
    whether the ink is darker (pen on paper) or lighter (chalk on a board, MNIST)."""
    h, w = gray.shape
    if min(h, w) < 96:  # a crop that is a digit already: one background level will do
        med = float(np.median(gray))
        light = float(np.percentile(gray, 99)) - med > med - float(np.percentile(gray, 1))
        bg = np.full_like(gray, round(med))
        return cv2.subtract(gray, bg) if light else cv2.subtract(bg, gray)
    f = max(1, min(h, w) // 60)
    small = cv2.resize(gray, (w // f, h // f), interpolation=cv2.INTER_AREA)
    med = cv2.medianBlur(small, 5)
    diff = small.astype(np.int16) - med
    light = int((diff > 25).sum()) > int((diff < -25).sum())
    # a max (min) filter wider than a stroke sees only paper (board) around dark (light) ink
    k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (7, 7))
    bg = cv2.erode(small, k) if light else cv2.dilate(small, k)
    bg = cv2.GaussianBlur(bg, (5, 5), 0)
    bg = cv2.resize(bg, (w, h), interpolation=cv2.INTER_LINEAR)
    return cv2.subtract(gray, bg) if light else cv2.subtract(bg, gray)


def binarize(ink: np.ndarray) -> tuple[np.ndarray, float]:
    """Otsu on the ink map, floored above the noise so an empty page stays empty."""
    blur = cv2.GaussianBlur(ink, (3, 3), 0)
    otsu, _ = cv2.threshold(blur, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    sample = blur[::4, ::4]  # a sparse sample is enough for the noise level
    med = float(np.median(sample))
    mad = float(np.median(np.abs(sample - med)))
    noise = med + 6.0 * max(1.0, 1.4826 * mad)
    t = max(float(otsu), noise, 18.0)
    _, binary = cv2.threshold(blur, t, 255, cv2.THRESH_BINARY)
    return binary, t


def remove_lines(binary: np.ndarray) -> np.ndarray:
    """Drop ruled lines: ink that is thin vertically and part of a long horizontal run.
    A stroke crossing a line is thick vertically there, so it is kept. Lines are found
    at half resolution (a mask is enough) with a band that tolerates perspective slant."""
    h, w = binary.shape
    if min(h, w) < 96:
        return binary
    half = cv2.resize(binary, (w // 2, h // 2), interpolation=cv2.INTER_AREA)
    half = cv2.threshold(half, 0, 255, cv2.THRESH_BINARY)[1]
    thin = cv2.subtract(half, cv2.morphologyEx(half, cv2.MORPH_OPEN, np.ones((5, 1), np.uint8)))
    if not thin.any():
        return binary
    band = cv2.dilate(thin, np.ones((7, 1), np.uint8))
    lines = cv2.morphologyEx(band, cv2.MORPH_OPEN,
                             cv2.getStructuringElement(cv2.MORPH_RECT, (max(30, w // 8), 1)))
    # a line broken by a digit (or by uneven light) leaves short pieces in its row that
    # are too short to be found alone: thin ink on a found line's row, a quarter frame on
    # either side, is line too (3 rows tall: the slant of a mild perspective)
    lines = cv2.dilate(lines, cv2.getStructuringElement(cv2.MORPH_RECT, (w // 4 | 1, 3)))
    cut = cv2.bitwise_and(lines, thin)
    if not cut.any():
        return binary
    cut = cv2.resize(cut, (w, h), interpolation=cv2.INTER_NEAREST)
    cut = cv2.dilate(cut, np.ones((3, 1), np.uint8))
    # keep pixels with stroke ink (not line) just above and below: a stroke crossing it
    rest = cv2.subtract(binary, cut)
    k = 4
    above, below = np.zeros_like(rest), np.zeros_like(rest)
    above[k:], below[:-k] = rest[:-k], rest[k:]
    wide = np.ones((1, 7), np.uint8)
    crossing = cv2.bitwise_and(cv2.dilate(above, wide), cv2.dilate(below, wide))
    return cv2.subtract(binary, cv2.subtract(cut, crossing))


def _union(a: list, b: list) -> list:
    """One region from two: the box around both, their areas and ids together."""
    x0, y0 = min(a[0], b[0]), min(a[1], b[1])
    x1, y1 = max(a[0] + a[2], b[0] + b[2]), max(a[1] + a[3], b[1] + b[3])
    return [x0, y0, x1 - x0, y1 - y0, a[4] + b[4], a[5] + b[5]]


def _merge(boxes: list[list], gap: float) -> list[list]:
    """Join regions of one broken digit: they overlap in x and sit close in y."""
    merged = True
    while merged:
        merged = False
        for i in range(len(boxes)):
            for j in range(i + 1, len(boxes)):
                a, b = boxes[i], boxes[j]
                ox = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
                oy = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
                overlapping = ox > 0 and oy > 0 and ox * oy > 0.2 * min(a[2] * a[3], b[2] * b[3])
                stacked = ox >= 0.6 * min(a[2], b[2]) and oy >= -gap * min(a[3], b[3])
                if not (overlapping or stacked):
                    continue
                boxes[i] = _union(a, b)
                del boxes[j]
                merged = True
                break
            if merged:
                break
    return boxes


def _gap(a: list, b: list) -> int:
    """Chebyshev distance between two boxes (0 when they touch or overlap)."""
    dx = max(a[0] - (b[0] + b[2]), b[0] - (a[0] + a[2]), 0)
    dy = max(a[1] - (b[1] + b[3]), b[1] - (a[1] + a[3]), 0)
    return max(dx, dy)


def _attach(boxes: list[list]) -> list[list]:
    """A fragment much smaller than a close neighbour and not shaped like a digit (a 5's
    detached bar, a 2's tail: wide and flat, or tiny) is part of that neighbour."""
    i = 0
    while i < len(boxes):
        a = boxes[i]
        near = [(_gap(a, b), j) for j, b in enumerate(boxes)
                if j != i and a[3] < 0.5 * b[3] and (a[2] > 1.5 * a[3] or a[3] < 0.3 * b[3])]
        near = [(d, j) for d, j in near if d <= 0.2 * boxes[j][3]]
        if not near:
            i += 1
            continue
        j = min(near)[1]
        boxes[j] = _union(a, boxes[j])
        del boxes[i]
        i = 0
    return boxes


def _split(box: list, binary: np.ndarray) -> list[list]:
    """Cut a region too wide for one digit at columns with little ink. Wide single digits
    (a 5 with a long bar, a 2 with a long tail) are kept whole: a cut needs a clear neck."""
    x, y, w, h, _area, ids = box
    if w < 1.25 * h:
        return [box]
    cols = (binary[y:y + h, x:x + w] > 0).sum(axis=0).astype(np.float32)
    guess = max(2, round(w / (0.9 * h)))
    for n in dict.fromkeys((guess, guess - 1, guess + 1)):
        cuts = _cuts(cols, n) if n >= 2 else None
        if cuts:
            break
    else:
        return [box]
    parts = []
    for a, b in itertools.pairwise(cuts):
        sub = binary[y:y + h, x + a:x + b]
        ys = np.flatnonzero(sub.any(axis=1))
        if len(ys) == 0:
            continue
        parts.append([x + a, y + int(ys[0]), b - a, int(ys[-1] - ys[0] + 1),
                      int((sub > 0).sum()), ids])
    if any(p[3] < 0.55 * h for p in parts):  # a flat piece is a bar or tail, not a digit
        return [box]
    return parts


def _cuts(cols: np.ndarray, n: int) -> list[int] | None:
    """Column cuts for n digits, each at a clear neck near its expected place, or None."""
    w = len(cols)
    cuts = [0]
    for i in range(1, n):
        c = int(i * w / n)
        lo, hi = max(cuts[-1] + 2, c - w // (3 * n)), min(w - 2, c + w // (3 * n))
        if hi <= lo:
            return None
        cut = lo + int(np.argmin(cols[lo:hi]))
        if cols[cut] > 0.3 * float(cols.mean()):
            return None
        cuts.append(cut)
    return [*cuts, w]


def reading_order(boxes: list[Box]) -> tuple[list[int], list[int]]:
    """Indices in reading order (lines top to bottom, left to right) and each one's line."""
    order = sorted(range(len(boxes)), key=lambda i: boxes[i][1] + boxes[i][3] / 2)
    lines: list[list[int]] = []
    for i in order:
        _x, y, _w, h = boxes[i]
        cy = y + h / 2
        for line in lines:
            top = min(boxes[j][1] for j in line)
            bottom = max(boxes[j][1] + boxes[j][3] for j in line)
            if top <= cy <= bottom:
                line.append(i)
                break
        else:
            lines.append([i])
    out, line_of = [], []
    for n, line in enumerate(lines):
        for i in sorted(line, key=lambda i: boxes[i][0]):
            out.append(i)
            line_of.append(n)
    return out, line_of


def _components(binary: np.ndarray) -> tuple[np.ndarray, list[list]]:
    """Region labels and [x, y, w, h, area, [id]] per region. Boxes come from outer
    contours: OpenCV's connectedComponentsWithStats costs ~6x more here."""
    _n, labels = cv2.connectedComponents(binary, connectivity=8)
    contours, hierarchy = cv2.findContours(binary, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    stats = []
    for c, (_next, _prev, _child, parent) in zip(contours, hierarchy[0] if contours else [],
                                                 strict=True):
        if parent != -1:
            continue  # a hole's boundary
        x, y, w, h = cv2.boundingRect(c)
        px, py = c[0, 0]
        area = cv2.contourArea(c) + cv2.arcLength(c, True) / 2 + 1  # pixels, about
        stats.append([x, y, w, h, int(area), [int(labels[py, px])]])
    return labels, stats


def _unlink(box: list, labels: np.ndarray, next_id: int,
            speck: int) -> tuple[list[list], int]:
    """Split a long region at its vertically thin links; relabels `labels` in place."""
    x, y, w, h, _area, ids = box
    view = labels[y:y + h, x:x + w]
    own = np.isin(view, ids)
    mask = cv2.morphologyEx(own.astype(np.uint8), cv2.MORPH_OPEN, np.ones((5, 1), np.uint8))
    view[own & (mask == 0)] = 0
    n, sub, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    parts = []
    for k in range(1, n):
        view[sub == k] = next_id
        sx, sy, sw, sh, area = map(int, stats[k])
        if area >= speck:
            parts.append([x + sx, y + sy, sw, sh, area, [next_id]])
        next_id += 1
    return parts, next_id


def find_digits(binary: np.ndarray) -> tuple[list[Box], list[list[int]], np.ndarray]:
    """Connected regions that look like digits, merged and split: boxes, the region ids
    of each, and the region label image (so a crop holds only its own strokes)."""
    h, w = binary.shape
    labels, stats = _components(binary)
    min_h = max(8, int(0.035 * min(h, w)))
    speck = max(4, min_h * min_h // 40)
    # thin flat runs are ruled-line remnants: alone they would be dropped below, but
    # merged into a digit they widen its box (and bring their ink into its crop)
    boxes = [s for s in stats if s[4] >= speck and not (s[3] <= 5 and s[2] > 10 * s[3])]
    boxes = _merge(boxes, gap=0.25)
    next_id = int(labels.max()) + 1
    for b in [b for b in boxes if b[2] > 3 * b[3] and b[3] >= min_h]:
        boxes.remove(b)  # digits chained by a leftover line: cut thin links, label again
        parts, next_id = _unlink(b, labels, next_id, speck)
        boxes += parts
    boxes = _attach(_merge(boxes, gap=0.25))
    out: list[Box] = []
    ids: list[list[int]] = []
    for b in boxes:
        _bx, _by, bw, bh, area, _ = b
        if bh < min_h or bh > 0.95 * h or bw > 0.95 * w:
            continue
        if bw > 8 * bh or bh > 12 * bw:  # lines and rule fragments, not digits
            continue
        fill = area / float(bw * bh)
        if fill > 0.85 and bw > 0.5 * bh:  # solid blobs (stains, fingers)
            continue
        for p in _split(b, binary):
            if p[3] >= min_h * 0.8:
                out.append((p[0], p[1], p[2], p[3]))
                ids.append(p[5])
    return out, ids, labels


def _inked(ink: np.ndarray, labels: np.ndarray, ids: list[int], box: Box,
           level: float) -> bool:
    """Whether a region's ink looks like a digit's. Ruled-line remnants stacked into one
    box leave most of its rows empty; at the frame's border, a shade (a dark corner, the
    light falling off at the paper's edge) is ink barely above the threshold."""
    x, y, w, h = box
    own = np.isin(labels[y:y + h, x:x + w], ids)
    if own.any(axis=1).mean() < 0.5:
        return False
    H, W = ink.shape
    if x > 0 and y > 0 and x + w < W and y + h < H:
        return True  # (faint digits well inside the frame are real often enough)
    return float(np.percentile(ink[y:y + h, x:x + w][own], 90)) >= 1.6 * level


def normalize(ink: np.ndarray, labels: np.ndarray, ids: list[int], box: Box,
              level: float) -> np.ndarray:
    """The digit's own strokes, ink scaled to [0,1], fitted by ``digits.crops.fit``."""
    x, y, w, h = box
    pad = max(1, int(0.04 * max(w, h)))
    H, W = ink.shape
    x0, y0, x1, y1 = max(0, x - pad), max(0, y - pad), min(W, x + w + pad), min(H, y + h + pad)
    # only this digit's strokes (and their soft edges): a neighbour's stay out
    strokes_mask = np.isin(labels[y0:y1, x0:x1], ids).astype(np.uint8)
    inner_mask = np.zeros_like(strokes_mask)
    inner_mask[y - y0:y - y0 + h, x - x0:x - x0 + w] = 1  # a split digit ends at its cut
    strokes_mask &= inner_mask
    mask = cv2.dilate(strokes_mask, np.ones((3, 3), np.uint8))
    region = ink[y0:y1, x0:x1].astype(np.float32)
    strokes = region[strokes_mask > 0]
    top = float(np.percentile(strokes, 90)) if strokes.size else level
    img = np.clip((region - 0.5 * level) / max(1.0, top - 0.5 * level), 0, 1)
    img[mask == 0] = 0
    inner = img[y - y0:y - y0 + h, x - x0:x - x0 + w]
    return crops.fit(inner, crops.stroke_width(strokes_mask[y - y0:y - y0 + h,
                                                            x - x0:x - x0 + w]))


def segment(frame: np.ndarray) -> Segmentation:
    """All digits of a BGR (or gray) frame as a model-ready batch, in reading order."""
    gray = _gray(frame)
    ink = ink_map(gray)
    binary, level = binarize(ink)
    binary = remove_lines(binary)
    boxes, ids, labels = find_digits(binary)
    keep = [i for i, (box, own) in enumerate(zip(boxes, ids, strict=True))
            if _inked(ink, labels, own, box, level)]
    boxes, ids = [boxes[i] for i in keep], [ids[i] for i in keep]
    order, _lines = reading_order(boxes)
    crops = np.zeros((len(boxes), 1, 28, 28), np.float32)
    for n, i in enumerate(order):
        crops[n, 0] = normalize(ink, labels, ids[i], boxes[i], level)
    boxes = [boxes[i] for i in order]
    return Segmentation(crops, boxes)
