"""From a frame to candidate digit regions and their MNIST-like 28x28 crops.

The model was trained on MNIST: a white digit on black, its longer side fitted into
20x20, centred by centre of mass in 28x28 (``digits.crops.fit``). This module finds
every region that MIGHT be a digit; the model decides which ones are
(``digits.runtime.recognize.read``). The steps, in order:

1. ``working_gray``   any image -> 8-bit gray; a large photo is reduced to a working size
2. ``ink_map``        ink polarity for the whole frame, background (uneven light) removed
3. ``binarize``       ink strength -> ink mask, floored above the noise
4. ``remove_lines``   printed structure out: ruled, margin and grid lines, box edges,
   ``remove_boxes``   searched on fainter ink (``faint_ink``); then boxes found as boxes
5. ``candidates``     connected regions, broken strokes merged, specks dropped; no rule on
                      size, aspect or fill drops a plausible digit
6. ``Segmentation``   crops for the model, and candidate cuts of wide regions
                      (``split_options``) whose parts the model scores; ``best_cut``
                      picks the parts that make up the region

Every tuning constant lives in ``digits.runtime.tuning`` with its reason.
Coordinates: boxes are (x, y, w, h) in pixels; ``Region`` boxes are in working pixels,
``Segmentation.boxes`` in pixels of the original frame.
"""

from __future__ import annotations

import functools
import itertools
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import cv2
import numpy as np

from digits import crops
from digits.errors import TooManyRegions
from digits.image import to_8bit, to_gray
from digits.runtime import tuning as T

Box = tuple[int, int, int, int]  # x, y, w, h
_SQUARE = np.ones((3, 3), np.uint8)  # a pixel and its 8 neighbours, for dilation


@dataclass
class Region:
    """One candidate: its box (working pixels) and which of the box's pixels are its ink."""

    box: Box
    mask: np.ndarray  # bool [h, w]: this region's ink inside its box

    @property
    def height(self) -> int:
        return self.box[3]

    @property
    def width(self) -> int:
        return self.box[2]


def union(a: Region, b: Region) -> Region:
    """One region holding the ink of both."""
    x0, y0 = min(a.box[0], b.box[0]), min(a.box[1], b.box[1])
    x1 = max(a.box[0] + a.box[2], b.box[0] + b.box[2])
    y1 = max(a.box[1] + a.box[3], b.box[1] + b.box[3])
    mask = np.zeros((y1 - y0, x1 - x0), bool)
    for r in (a, b):
        x, y, w, h = r.box
        mask[y - y0:y - y0 + h, x - x0:x - x0 + w] |= r.mask
    return Region((x0, y0, x1 - x0, y1 - y0), mask)


# ---- 1. working image -------------------------------------------------------------------

def working_gray(image: np.ndarray) -> tuple[np.ndarray, int]:
    """uint8 gray at working size and the integer factor it was reduced by (1 for frames
    up to WORK_MAX_SHORT_SIDE on their short side)."""
    gray = to_gray(image)
    f = max(1, min(gray.shape) // T.WORK_MAX_SHORT_SIDE)
    if f > 1:
        gray = cv2.resize(gray, (gray.shape[1] // f, gray.shape[0] // f),
                          interpolation=cv2.INTER_AREA)
    return gray, f


# ---- 2. polarity and background ---------------------------------------------------------

def ink_map(gray: np.ndarray) -> tuple[np.ndarray, bool, np.ndarray | None, bool]:
    """Ink strength (uint8, 0 = background), whether the ink is lighter than its surface
    (chalk, white-on-black canvases, MNIST) rather than darker (pen on paper), that
    surface at low resolution (uint8, short side BACKGROUND_SHORT_SIDE; None for an
    image taken as one digit), for ``surface_steps``, and whether the image is to be
    read the other way too: its one-level polarity (``_one_level``) is not the one taken
    and the polarity is in doubt, in a small image (short side below ONE_DIGIT_MAX_SIDE)
    or one with almost no thin ink of either polarity (below THIN_INK_SHARE) whose ink
    against one level covers FAT_INK_MIN_COVER of it or more (fat strokes filling the
    frame, which the thin ink counts cannot see).

    At low resolution three surfaces are estimated: a median (what most of each
    neighbourhood is), the frame with dark strokes closed over and with light strokes
    opened away (kernels wider than any stroke). Ink differs from the median AND from
    its own polarity's surface: a fat brush or a loop does not pull the median over, and
    a desk's edge is a surface step in both (so neither polarity counts it). Polarity is
    the one with more such pixels, unless they cover more than INK_MAX_SHARE of the
    frame (the paper of a page dense with digits); its surface, less what fat strokes
    left in it (``_fat_remnants_filled``), is the background, removed.

    A small image, or one where neither polarity finds much thin ink and the ink
    reaches all four edges (a tight crop whose strokes are wider than the kernel; in an
    image of ONE_DIGIT_MAX_SIDE or more, judged at low resolution: ``_fat_crop``), is
    one digit or a row of them already: its background is one level, the median of its
    border (``_one_level``)."""
    h, w = gray.shape
    if min(h, w) < T.SMALL_IMAGE:
        return *_one_level(gray), None, False
    small, k = _low_res(gray)
    closed = cv2.morphologyEx(small, cv2.MORPH_CLOSE, k)  # dark ink gone
    opened = cv2.morphologyEx(small, cv2.MORPH_OPEN, k)  # light ink gone
    half = gray[::2, ::2]
    on_desk = _unlike_border(small, k)
    dark, light = _thin_ink(half, cv2.medianBlur(small, T.BACKGROUND_KERNEL), closed, opened,
                            on_desk)
    share = max(dark, light) / half.size
    small_image = min(h, w) < T.ONE_DIGIT_MAX_SIDE
    one: tuple[np.ndarray, bool] | None = None  # ink against one level, when needed
    if small_image:
        if share < T.THIN_INK_SHARE:
            return *_one_level(gray), None, False
        if share < T.TIGHT_CROP_THIN_INK_SHARE:
            one = _one_level(gray)
            if min(_edge_cover(binarize(one[0])[0])) > 0:
                return *one, None, False  # the ink reaches all four edges: a tight crop
    is_light = light > dark
    if max(dark, light) < T.POLARITY_CLEAR * min(dark, light):
        is_light = is_light if on_desk else _light_from_border(small, half)
    if max(dark, light) > T.INK_MAX_SHARE * half.size >= min(dark, light):
        is_light = dark > light  # the paper of a dense page, not ink
    if not small_image and share < T.TIGHT_CROP_THIN_INK_SHARE and _fat_crop(small):
        return *_one_level(gray), None, False
    other = False
    if small_image or share < T.THIN_INK_SHARE:  # large: the counts may have seen nothing
        one_ink, one_light = one or _one_level(gray)
        other = one_light != is_light and (small_image or cv2.countNonZero(
            binarize(one_ink)[0]) >= T.FAT_INK_MIN_COVER * gray.size)
    surface = _fat_remnants_filled(small, opened if is_light else closed, k, is_light)
    bg = cv2.resize(cv2.GaussianBlur(surface, (5, 5), 0), (w, h),
                    interpolation=cv2.INTER_LINEAR)
    return ((cv2.subtract(gray, bg), True, surface, other) if is_light
            else (cv2.subtract(bg, gray), False, surface, other))


def _fat_remnants_filled(small: np.ndarray, surface: np.ndarray, k: np.ndarray,
                         light: bool) -> np.ndarray:
    """The surface ``surface`` of ``small`` (uint8, low resolution; ``small`` with its
    dark strokes closed over with ``k``, or its light ones opened away when ``light``) where
    blurred fat strokes were wider than ``k``: they stay behind in it, taken then for
    paper, and the ink fades there and is gone where strokes cross (a tight crop of a
    fat 4 read "111"). The surface made with a kernel REMNANT_KERNEL_FACTOR as wide is
    taken over each such remnant: differing from it by POLARITY_MIN_CONTRAST or more,
    at least as wide as ``k`` (a desk's strip or corner left beside a sheet is
    narrower), filling at most REMNANT_MAX_SOLIDITY of its convex hull (strokes bend and
    cross; a coin, a cap, a phone, a remote, a label or a patch of shadow on the page
    is solid, and stays surface), and meeting the frame's sides along at most
    REMNANT_SIDE_CONTACT of its short side (a stroke cut by the frame's edge does; a
    desk or a shaded side runs along it)."""
    size = T.REMNANT_KERNEL_FACTOR * k.shape[0]
    wider = cv2.morphologyEx(small, cv2.MORPH_OPEN if light else cv2.MORPH_CLOSE,
                             cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size)))
    gap = (cv2.absdiff(wider, surface) >= T.POLARITY_MIN_CONTRAST).astype(np.uint8)
    if not gap.any():
        return surface
    n, labels = cv2.connectedComponents(gap, connectivity=8)
    sides = np.concatenate([labels[0], labels[-1], labels[1:-1, 0], labels[1:-1, -1]])
    contact = np.bincount(sides, minlength=n)
    # each remnant's widest point: twice the largest distance to its outside
    half = cv2.distanceTransform(np.pad(gap, 1), cv2.DIST_L2, 3)[1:-1, 1:-1]
    widest = np.zeros(n, np.float32)
    np.maximum.at(widest, labels.ravel(), half.ravel())
    take = [i for i in np.flatnonzero((contact <= T.REMNANT_SIDE_CONTACT * min(small.shape))
                                      & (2 * widest >= k.shape[0]))
            if i > 0 and _solidity(labels == i) <= T.REMNANT_MAX_SOLIDITY]
    if not take:
        return surface
    where = cv2.dilate(np.isin(labels, take).astype(np.uint8), k) > 0  # their rims too
    out = surface.copy()
    out[where] = wider[where]
    return out


def _solidity(mask: np.ndarray) -> float:
    """The share of its convex hull that a mask (bool [h, w], one blob) fills: ~1 for a
    solid shape, a digit's strokes ~0.5-0.7."""
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL,
                                   cv2.CHAIN_APPROX_SIMPLE)
    hull = cv2.contourArea(cv2.convexHull(np.concatenate(contours)))
    return float(np.count_nonzero(mask)) / max(hull, 1.0)


def _edge_cover(mask: np.ndarray) -> list[float]:
    """For each side of a mask (top, bottom, left, right), the share of it along which
    its ink comes within TIGHT_CROP_MARGIN of that side (0: the ink does not reach it)."""
    h, w = mask.shape
    my, mx = max(1, round(T.TIGHT_CROP_MARGIN * h)), max(1, round(T.TIGHT_CROP_MARGIN * w))
    m = mask > 0
    return [float(m[:my].any(0).mean()), float(m[-my:].any(0).mean()),
            float(m[:, :mx].any(1).mean()), float(m[:, -mx:].any(1).mean())]


def _fat_crop(small: np.ndarray) -> bool:
    """Whether a large image (short side ONE_DIGIT_MAX_SIDE or more), reduced to
    ``small`` (uint8 gray, short side BACKGROUND_SHORT_SIDE), is a tight crop of digits
    whose strokes are wider than the background kernel: against one background level,
    its ink reaches all four edges in strokes at least BACKGROUND_KERNEL wide (narrower
    ones are thin ink, which the surfaces handle; a desk's rim around a sheet filling the
    frame is narrower) and no wider than CROP_STROKE_MAX of its short side (a shaded
    corner or band of a sheet is wider), and along no side over CROP_SIDE_COVER of it
    (a band of shade along a side). Widths are measured with the image padded by
    background: a stroke along an edge is not twice as wide."""
    mask = binarize(_one_level(small)[0])[0]
    cover = _edge_cover(mask)
    if min(cover) == 0 or max(cover) > T.CROP_SIDE_COVER:
        return False
    stroke = 2 * float(cv2.distanceTransform(np.pad(mask, 1), cv2.DIST_L2, 3).max())
    return T.BACKGROUND_KERNEL <= stroke <= T.CROP_STROKE_MAX * min(small.shape)


def surface_steps(surface: np.ndarray | None, shape: tuple[int, int],
                  colour: np.ndarray | None = None) -> np.ndarray | None:
    """Where the writing surface itself changes sharply (the edge of a sheet or card on a
    desk, a desk's stripes, a hard shadow): a bool mask at the frame's ``shape`` (h, w),
    or None for frames under ONE_DIGIT_MAX_SIDE (in a crop, a digit's strokes fill the
    frame) and without a ``surface`` (``ink_map``'s: the frame with its strokes closed
    over, at low resolution). Steps are the surface's pixels that differ from a
    neighbour's by SURFACE_STEP gray levels or more, or, given the frame's ``colour``
    (uint8 BGR [H, W, 3]), those where its hue steps (``_colour_step``); in steps at
    least SURFACE_STEP_SPAN of the short side long, and their neighbours. The
    background estimate smears a gray step into a thin strip of "ink" along it, and a
    sheet's shadow runs along its edge (``candidates`` drops regions lying on one)."""
    h, w = shape
    if surface is None or min(h, w) < T.ONE_DIGIT_MAX_SIDE:
        return None
    zone = _long_steps(_step(surface) if colour is None
                       else _colour_step(colour, surface.shape))
    if zone is None:
        return None
    return cv2.resize(zone, (w, h), interpolation=cv2.INTER_NEAREST) > 0


def _step(surface: np.ndarray) -> np.ndarray:
    """The pixels of a low-resolution surface (uint8) that differ from a neighbour's by
    SURFACE_STEP levels or more: uint8 mask, 1 = step."""
    return (cv2.subtract(cv2.dilate(surface, _SQUARE), cv2.erode(surface, _SQUARE))
            >= T.SURFACE_STEP).astype(np.uint8)


def _colour_step(colour: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """The surface's steps in hue: in any colour channel less the gray of a frame (uint8
    BGR [H, W, 3]) reduced to ``size`` (h, w). A sheet as light as the desk but of
    another colour (a yellow note on a pale gray desk) steps there, not in gray; a gray
    frame nowhere. Each channel has its own ink polarity (blue ink is lighter than a
    yellow note in blue), so a channel's step counts where it shows both with its dark
    strokes closed over and with its light strokes opened away (``_step`` of each): a
    stroke narrower than BACKGROUND_KERNEL is gone from one of them, a surface's edge
    is in both. uint8 mask, 1 = step."""
    # every s-th pixel of a large frame is averaged: all of a 12 MP photo's took 80 ms
    s = max(1, min(colour.shape[:2]) // (T.COLOUR_SAMPLES * min(size)))
    small = cv2.resize(colour[::s, ::s], (size[1], size[0]), interpolation=cv2.INTER_AREA)
    k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (T.BACKGROUND_KERNEL,) * 2)
    p = T.BACKGROUND_KERNEL  # the desk beyond the frame's edge goes on as it ends there
    small = cv2.copyMakeBorder(small, p, p, p, p, cv2.BORDER_REPLICATE)
    gray = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
    step = np.zeros(small.shape[:2], np.uint8)
    for channel in cv2.split(small):
        channel = cv2.addWeighted(channel, 1, gray, -1, 128)
        step |= (_step(cv2.morphologyEx(channel, cv2.MORPH_CLOSE, k))
                 & _step(cv2.morphologyEx(channel, cv2.MORPH_OPEN, k)))
    return step[p:-p, p:-p]


def _long_steps(step: np.ndarray) -> np.ndarray | None:
    """Of a low-resolution step mask (uint8, 1 = step), the steps at least
    SURFACE_STEP_SPAN of its short side long (shorter: what is left of a brush wider than
    the kernel), and their neighbours: uint8 mask at its size; None when nothing steps."""
    if not step.any():
        return None
    long = T.SURFACE_STEP_SPAN * min(step.shape)
    for _x, _y, sw, sh, contour in outer_boxes(step):
        if max(sw, sh) < long:
            cv2.drawContours(step, [contour], 0, 0, -1)
    return cv2.dilate(step, _SQUARE)


def _low_res(gray: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The frame reduced to a short side of BACKGROUND_SHORT_SIDE, and the elliptic
    BACKGROUND_KERNEL the surfaces are estimated with there."""
    h, w = gray.shape
    f = min(h, w) / T.BACKGROUND_SHORT_SIDE
    small = cv2.resize(gray, (max(1, round(w / f)), max(1, round(h / f))),
                       interpolation=cv2.INTER_AREA)
    return small, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (T.BACKGROUND_KERNEL,) * 2)


def _border(image: np.ndarray) -> np.ndarray:
    """The pixels along an image's four sides, one flat array."""
    return np.concatenate([image[0], image[-1], image[:, 0], image[:, -1]])


def _unlike_border(small: np.ndarray, kernel: np.ndarray) -> bool:
    """Whether a solid area of the reduced frame, as wide as ``kernel``, stands
    POLARITY_MIN_CONTRAST or more from the median of the frame's border: a card or sheet
    on a desk (a fat brush's strokes are narrower than the kernel)."""
    level = _middle(_border(small))
    far = (np.abs(small.astype(np.int16) - level) > T.POLARITY_MIN_CONTRAST).astype(np.uint8)
    return bool(cv2.erode(far, kernel).any())


def _light_from_border(small: np.ndarray, half: np.ndarray) -> bool:
    """Polarity when the counts of thin ink are close (a fat 8's loops count as light
    ink) and the frame's border is the surface (not ``_unlike_border``): ink is the side
    that stands further from the border's level (1st and 99th percentiles at half
    resolution)."""
    level = _middle(_border(small))
    lo, hi = np.percentile(half, (1, 99))  # (thin ink fades at low resolution)
    return float(hi) - level > level - float(lo)


def _middle(values: np.ndarray) -> float:
    """The median of an array's values, exactly as ``np.median`` gives it, by one partial
    sort: a fifth of its cost on the few hundred pixels of a border or a corner, where
    numpy's checks take most of its ~9 us (three to six such medians a frame)."""
    flat = values.ravel()
    k = flat.size // 2
    if flat.size % 2:
        return float(np.partition(flat, k)[k])
    part = np.partition(flat, (k - 1, k))
    return (float(part[k - 1]) + float(part[k])) / 2


def _one_level(gray: np.ndarray) -> tuple[np.ndarray, bool]:
    """Ink against one background level. The image's two levels are split by Otsu; the
    background is the side that holds most of the four corners (a tight crop's digit
    may cover most of the border, rarely the corners), or, at two corners each, the side
    holding most of the border; its level is the median of the border pixels on that
    side. Light ink when the background is the dark side."""
    otsu, _ = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    k = max(1, min(gray.shape) // T.CORNER_DIVISOR)
    corners = [gray[:k, :k], gray[:k, -k:], gray[-k:, :k], gray[-k:, -k:]]
    dark_corners = sum(_middle(c) <= otsu for c in corners)
    border = _border(gray)
    dark_border = border <= otsu
    light = dark_corners > 2 or (dark_corners == 2 and dark_border.mean() > 0.5)
    side = border[dark_border] if light else border[~dark_border]
    level = _middle(side if len(side) else border)
    bg = np.full_like(gray, round(level))
    return (cv2.subtract(gray, bg) if light else cv2.subtract(bg, gray)), light


def _thin_ink(half: np.ndarray, median: np.ndarray, closed: np.ndarray,
              opened: np.ndarray, on_desk: bool) -> tuple[int, int]:
    """Pixels of dark and of light thin ink, counted on a half-resolution frame against
    the low-resolution surfaces; ``on_desk`` (a sheet on a desk): not along the long
    steps of the median surface, the sheet's edges."""
    size = (half.shape[1], half.shape[0])
    med, cl, op = (cv2.resize(s, size, interpolation=cv2.INTER_LINEAR)
                   for s in (median, closed, opened))
    half = np.ascontiguousarray(half)
    # a long step of the surface itself (a sheet's edge on a desk) is neither polarity's
    # ink: the surfaces, smoothed at low resolution, leave a strip of either along it
    steps = _long_steps(_step(median)) if on_desk else None
    off_steps = (None if steps is None else cv2.compare(
        cv2.resize(steps, size, interpolation=cv2.INTER_NEAREST), 0, cv2.CMP_EQ))

    def count(a: np.ndarray, b: np.ndarray, c: np.ndarray, d: np.ndarray) -> int:
        """Pixels where both a - b and c - d exceed POLARITY_MIN_CONTRAST (uint8
        differences saturate at 0, which no contrast exceeds)."""
        least = cv2.min(cv2.subtract(a, b), cv2.subtract(c, d))
        ink = cv2.threshold(least, T.POLARITY_MIN_CONTRAST, 255, cv2.THRESH_BINARY)[1]
        return cv2.countNonZero(ink if off_steps is None else cv2.bitwise_and(ink, off_steps))

    return count(med, half, cl, half), count(half, med, half, op)


# ---- 3. threshold -----------------------------------------------------------------------

def binarize(ink: np.ndarray, floor: bool = True) -> tuple[np.ndarray, float]:
    """Otsu on the ink map, floored above the noise of the background (the pixels below
    Otsu's level) so an empty page stays empty, and at MIN_INK_LEVEL. Returns the uint8
    mask (255 = ink) and the threshold. ``floor=False`` for an image taken as one digit
    (``ink_map``'s one level): ink may cover most of it, and the soft rims of a thin 1
    cut tight (12 px wide) are most of its "background", whose spread then put the
    floor above the stroke itself."""
    blur = cv2.GaussianBlur(ink, (3, 3), 0)
    otsu, _ = cv2.threshold(blur, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    t = max(float(otsu), _noise_floor(blur, otsu) if floor else 0.0, T.MIN_INK_LEVEL)
    _, binary = cv2.threshold(blur, t, 255, cv2.THRESH_BINARY)
    return binary, t


def faint_ink(ink: np.ndarray, level: float) -> np.ndarray:
    """The mask of ink at FAINT_LINE_SHARE of the ink threshold ``level`` (uint8, 255 =
    ink), still above the background's noise: where printed lines are searched."""
    blur = cv2.GaussianBlur(ink, (3, 3), 0)
    t = max(T.FAINT_LINE_SHARE * level, _noise_floor(blur, level))
    return cv2.threshold(blur, t, 255, cv2.THRESH_BINARY)[1]


def _noise_floor(blur: np.ndarray, below: float) -> float:
    """NOISE_MADS median absolute deviations above the median of the background (the
    pixels below ``below``; ink may cover half of a tight crop), on a sparse sample.
    Medians are taken on the sample's histogram (uint8: 256 bins), exactly as
    ``np.median`` would, at a fraction of its cost."""
    hist = np.bincount(blur[::4, ::4].ravel(), minlength=256)
    under = hist.copy()
    under[max(0, int(np.ceil(below))):] = 0
    if under.any():
        hist = under
    med = _median(np.arange(256, dtype=np.float64), hist)
    mad = _median(np.abs(np.arange(256) - med), hist)
    return med + T.NOISE_MADS * max(1.0, 1.4826 * mad)


def _median(values: np.ndarray, counts: np.ndarray) -> float:
    """The median of a sample given as distinct ``values`` and their ``counts``."""
    order = np.argsort(values, kind="stable")
    v, c = values[order], np.cumsum(counts[order])
    n = int(c[-1])
    lo = v[np.searchsorted(c, (n - 1) // 2, side="right")]
    hi = v[np.searchsorted(c, n // 2, side="right")]
    return float(lo + hi) / 2


def outer_boxes(binary: np.ndarray) -> list[tuple[int, int, int, int, np.ndarray]]:
    """(x, y, w, h, outer contour) of each 8-connected region of a uint8 mask. Contours
    cost ~0.1 ms on a 640x480 frame; labelling costs ~1 ms and connectedComponentsWithStats
    ~6 ms, so labels are made only where a region's own pixels are needed."""
    contours, hierarchy = cv2.findContours(binary, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return []
    return [(*cv2.boundingRect(c), c) for c, h in zip(contours, hierarchy[0], strict=True)
            if h[3] == -1]  # (a hole's boundary has a parent)


# ---- 4. printed structure ---------------------------------------------------------------

@dataclass(frozen=True)
class _LineScale:
    """The line constants of ``tuning`` (working pixels) at the resolution lines are
    found at."""

    thick: int
    slant_rows: int
    min_run: int
    row_tolerance: int

    @classmethod
    def at(cls, factor: int) -> _LineScale:
        def scaled(v: int) -> int:
            return max(2, -(-v // factor))
        return cls(scaled(T.LINE_MAX_THICK), scaled(T.LINE_SLANT_ROWS),
                   scaled(T.LINE_MIN_RUN), scaled(T.LINE_ROW_TOLERANCE))


def remove_lines(binary: np.ndarray, faint: np.ndarray | None = None) -> np.ndarray:
    """Printed lines out of the ink mask ``binary``, digits crossing them kept. Lines are
    searched on ``faint`` when given (``faint_ink``: printed lines are often fainter than
    the pen, and a box whose faint sides are missed leaves its dark ones as 1s).

    A line is thin ink (at most LINE_MAX_THICK across) in a long straight run: rows of
    runs spanning LINE_SPAN_H of the width (ruled paper, grid, a row of form boxes),
    columns spanning LINE_SPAN_V of the height (margins, grid), and the vertical edges
    that join two horizontal lines (boxes, table cells). One line alone is not enough
    (a tight crop of a 7 is one long thin bar): two in one orientation, or a full-height
    one beside horizontal lines. A stroke that crosses a line keeps its pixels there.
    Frames of LINE_HALF_RES_SIDE and more are searched at half resolution (a 2x2 block
    with any ink is ink), which is 4x cheaper; the line pixels found are cut at full."""
    h, w = binary.shape
    if min(h, w) < T.SMALL_IMAGE:
        return binary
    f = 2 if min(h, w) >= T.LINE_HALF_RES_SIDE else 1

    def reduced(mask: np.ndarray) -> np.ndarray:
        if f == 1:
            return mask
        small = cv2.resize(mask, (w // f, h // f), interpolation=cv2.INTER_AREA)
        return cv2.threshold(small, 0, 255, cv2.THRESH_BINARY)[1]

    cut = _line_pixels(reduced(binary), reduced(binary if faint is None else faint),
                       _LineScale.at(f))
    if cut is None:
        return binary
    if f > 1:
        cut = cv2.resize(cut, (w // f * f, h // f * f), interpolation=cv2.INTER_NEAREST)
        cut = cv2.copyMakeBorder(cut, 0, h - cut.shape[0], 0, w - cut.shape[1],
                                 cv2.BORDER_REPLICATE)
    return cv2.subtract(binary, cut)


def _line_pixels(binary: np.ndarray, faint: np.ndarray, g: _LineScale) -> np.ndarray | None:
    """The pixels of printed lines (found on ``faint``) that no stroke of ``binary``
    crosses (``remove_lines``), or None."""
    @functools.cache
    def thin(across_x: bool) -> np.ndarray:
        """Ink thin in y (in x for vertical lines, transposed) in either mask: a dark line
        is thicker in the faint one. Made only once a line is in sight."""
        f, b = (faint.T, binary.T) if across_x else (faint, binary)
        return cv2.bitwise_or(_thin(np.ascontiguousarray(f), g),
                              _thin(np.ascontiguousarray(b), g))

    rows, columns = functools.partial(thin, False), functools.partial(thin, True)
    horizontal = _lines(faint, rows, T.LINE_SPAN_H, g)
    vertical = _lines(faint.T, columns, T.LINE_SPAN_V, g).T
    nh, nv = _count(horizontal), _count(vertical.T)
    if nv < 2 and nh >= T.GRID_MIN_LINES and _evenly_spaced(horizontal, g):
        # ruled or squared paper: a grid's columns fade in the dark part of the frame
        columns_seen = _lines(faint.T, columns, T.LINE_SPAN_GRID_V, g)
        if _count(columns_seen) >= T.GRID_MIN_LINES and _evenly_spaced(columns_seen, g):
            vertical, nv = columns_seen.T, _count(columns_seen)
    if nv < 2 and not (nh >= 2 and nv == 1) and not _hairline(vertical.T):
        vertical[:] = 0
    elif nv >= 2 and nh >= 2 and _evenly_spaced(vertical.T, g):
        # squared paper: its faint or broken columns too (not a table's: a column of
        # 1s there, one under the other, would make a line)
        vertical = _lines(faint.T, columns, T.LINE_SPAN_FAMILY, g).T
    if nh < 2 and not _hairline(horizontal):
        horizontal[:] = 0
    else:  # boxes between these lines; then faint or broken lines of the same family
        vertical = cv2.bitwise_or(vertical, _cell_edges(columns().T, horizontal, g))
        horizontal = _lines(faint, rows, T.LINE_SPAN_FAMILY, g)
    if not (horizontal.any() or vertical.any()):
        return None
    lines = cv2.bitwise_or(horizontal, vertical)
    if horizontal.any() and vertical.any():
        # where lines cross, each is thick for the other: each line's gap there is
        # closed along it (a square around every crossing of a dense grid held most of
        # a digit's strokes)
        k = 2 * g.thick + 1
        near = np.ones((k, k), np.uint8)
        lines |= faint & cv2.bitwise_or(
            cv2.morphologyEx(horizontal, cv2.MORPH_CLOSE, np.ones((1, k), np.uint8))
            & cv2.dilate(vertical, near),
            cv2.morphologyEx(vertical, cv2.MORPH_CLOSE, np.ones((k, 1), np.uint8))
            & cv2.dilate(horizontal, near))
    rest = cv2.subtract(binary, cv2.dilate(lines, _SQUARE))
    keep = cv2.bitwise_or(_crossing(rest, horizontal, g, vertical=False),
                          _crossing(rest, vertical, g, vertical=True))
    cut = cv2.subtract(lines, keep)
    return cv2.bitwise_or(cut, _remnants(cv2.subtract(binary, cut), horizontal, vertical, g))


def _thin(binary: np.ndarray, g: _LineScale) -> np.ndarray:
    """Ink at most LINE_MAX_THICK pixels tall (thin in y): horizontal line material."""
    k = np.ones((g.thick + 1, 1), np.uint8)
    opened = cv2.morphologyEx(binary, cv2.MORPH_OPEN, k)
    # along the frame's top and bottom edges, what lies outside is no ink: a line that
    # the edge runs along is thin too, unless its ink runs on from the edge past
    # LINE_MAX_THICK (a desk's band, a stroke cut by the edge)
    t = g.thick + 1
    if binary.shape[0] > 4 * t:
        beyond = cv2.morphologyEx(binary, cv2.MORPH_OPEN, k, borderType=cv2.BORDER_CONSTANT,
                                  borderValue=0)
        reach = cv2.dilate(beyond, np.ones((2 * t + 1, 1), np.uint8)) & binary
        opened[:t], opened[-t:] = reach[:t], reach[-t:]
    return cv2.subtract(binary, opened)


def _lines(binary: np.ndarray, thin: Callable[[], np.ndarray], span: float,
           g: _LineScale) -> np.ndarray:
    """Horizontal line pixels of a (possibly transposed) mask: ``thin()`` ink (``_thin``)
    on runs whose rows together span ``span`` of the width. Runs are found on the ink mask
    thickened by a few rows (slant, strokes crossing keep a line whole), and grouped into
    rows by their centre (``_pieces``)."""
    length = binary.shape[1]
    if np.count_nonzero(binary.any(axis=0)) < span * length:
        # no row can span more columns than hold ink at all (most frames: a few digits)
        return np.zeros_like(binary, order="C")
    binary = np.ascontiguousarray(binary)
    run = max(g.min_run, length // T.LINE_RUN_DIVISOR)
    band = cv2.dilate(binary, np.ones((g.slant_rows, 1), np.uint8))
    runs = cv2.morphologyEx(band, cv2.MORPH_OPEN, np.ones((1, run), np.uint8))
    out = np.zeros_like(binary)
    tall = cv2.dilate(runs, np.ones((2 * g.row_tolerance + 1, 1), np.uint8))
    # (row sums of 255s: OpenCV's take a tenth of numpy's count_nonzero's time)
    if cv2.reduce(tall, 1, cv2.REDUCE_SUM, dtype=cv2.CV_32S).max() < 255 * span * length:
        return out  # no row is covered enough (most frames: no printed lines)
    rows: list[list[tuple[float, int, int, int, int, int]]] = []
    thin_ink = thin()
    for piece in sorted(_pieces(runs, thin_ink, run, g)):
        if rows and piece[0] - rows[-1][-1][0] <= g.row_tolerance:
            rows[-1].append(piece)
        else:
            rows.append([piece])
    for row in rows:
        if sum(p[1] for p in row) < span * length:
            continue
        ys, xs = [], []
        for _cy, _width, y0, y1, x0, x1 in row:
            py, px = np.nonzero(cv2.bitwise_and(runs[y0:y1, x0:x1], thin_ink[y0:y1, x0:x1]))
            ys.append(py + y0)
            xs.append(px + x0)
        ys, xs = _along_line(np.concatenate(ys), np.concatenate(xs), g, span * length,
                             min(span, T.LINE_SPAN_FAMILY) * length)
        out[ys, xs] = 255
    return out


def _along_line(ys: np.ndarray, xs: np.ndarray, g: _LineScale, min_cols: float,
                next_cols: float) -> tuple[np.ndarray, np.ndarray]:
    """The pixels (rows, columns) of a row of line candidates that lie on its printed
    lines: within a line's own half thickness plus LINE_FIT_SLACK of the straight line
    fitted to it (a printed line is straight; perspective keeps it so). Strokes beside a
    line inside its rows (a 0's side along a grid column, a 4's stem) are candidates
    too, and a digit may join two or three lines into one row: lines are taken one by
    one, each the densest (``_densest_line``), the first spanning ``min_cols`` columns,
    the others of the row, once one is found, ``next_cols`` (a family's lines, broken
    where digits cross them). After LINE_ROW_MAX lines, or LINE_ROW_WORK / (the row's
    pixels) of them, the rest of the row is line too."""
    keep = np.zeros(len(ys), bool)
    searches = max(1, min(T.LINE_ROW_MAX, T.LINE_ROW_WORK // max(len(ys), 1)))
    for _line in range(searches):
        free = np.flatnonzero(~keep)
        if len(free) < 2:
            break
        fy, fx = ys[free], xs[free]
        if keep.any() and np.count_nonzero(np.bincount(fx)) < next_cols:
            break  # what is left cannot span another line
        dist = np.abs(fy - _line_fit(fx, fy, fx))
        if dist.max() > g.thick:  # more than one line, or strokes beside it
            near = _densest_line(fy, fx, g)
            dist = np.abs(fy - _line_fit(fx[near], fy[near], fx))
        band = dist <= g.thick
        cols = np.count_nonzero(np.bincount(fx[band]))
        if cols < (next_cols if keep.any() else min_cols):
            break
        half = np.count_nonzero(band) / cols / 2  # the line's own thickness, halved
        on = dist <= half + T.LINE_FIT_SLACK
        if not on.any():
            break
        keep[free[on]] = True
    else:
        return ys, xs  # a texture of fine lines (hatching, stripes): all of it is line
    return ys[keep], xs[keep]


def _line_fit(xs: np.ndarray, ys: np.ndarray, at: np.ndarray) -> np.ndarray:
    """The least-squares straight line y(x) through the points (xs, ys), at ``at``."""
    xm, ym = float(xs.mean()), float(ys.mean())
    dx = xs - xm
    var = float(np.dot(dx, dx))
    slope = float(np.dot(dx, ys - ym)) / var if var > 0 else 0.0
    return ym + slope * (at - xm)


def _densest_line(ys: np.ndarray, xs: np.ndarray, g: _LineScale) -> np.ndarray:
    """Which of the pixels (rows, columns) lie within LINE_MAX_THICK of the straight
    line through most of them, of slope up to LINE_MAX_SLANT (a Hough transform over
    LINE_FIT_SLOPES slopes, voted by LINE_VOTE_POINTS of them at most)."""
    slopes = np.linspace(-T.LINE_MAX_SLANT, T.LINE_MAX_SLANT, T.LINE_FIT_SLOPES)
    step = -(-len(ys) // T.LINE_VOTE_POINTS)  # every step-th pixel votes
    off = np.round(ys[None, ::step] - slopes[:, None] * xs[None, ::step]).astype(np.int64)
    low = off.min(axis=1)
    off -= low[:, None]
    span = int(off.max()) + 1
    counts = np.bincount((off + span * np.arange(len(slopes))[:, None]).ravel(),
                         minlength=span * len(slopes)).reshape(len(slopes), span)
    counts[:, 1:-1] += counts[:, :-2] + counts[:, 2:]  # (a line may straddle two rows)
    k, at = np.unravel_index(int(counts.argmax()), counts.shape)
    return np.abs(np.round(ys - slopes[k] * xs).astype(np.int64) - low[k] - at) <= g.thick


def _pieces(runs: np.ndarray, thin: np.ndarray, run: int,
            g: _LineScale) -> list[tuple[float, int, int, int, int, int]]:
    """(centre y, columns covered by thin ink, first row, end row, first column, end
    column) per line piece of a run mask. A run region that is not flat (lines joined
    by a digit's strokes: two grid lines and a 4's stem between them) is cut into bands
    of rows that each hold a long run. Columns count only where the piece is thin ink:
    a thick bar (a 4's, a 7's) covers none."""
    out = []
    for x, y, w, h, _c in outer_boxes(runs):
        if h <= T.LINE_MAX_SLANT * w + g.slant_rows + 4:
            covered = int(np.count_nonzero(thin[y:y + h, x:x + w].any(axis=0)))
            out.append((y + h / 2, covered, y, y + h, x, x + w))
            continue
        own = runs[y:y + h, x:x + w] > 0
        long_rows = np.flatnonzero(own.sum(axis=1) >= run)
        if not len(long_rows):
            continue
        breaks = np.flatnonzero(np.diff(long_rows) > 1)
        for a, b in zip(np.r_[0, breaks + 1], np.r_[breaks, len(long_rows) - 1], strict=True):
            r0, r1 = int(long_rows[a]), int(long_rows[b]) + 1
            covered = int(np.count_nonzero(
                (own[r0:r1] & (thin[y + r0:y + r1, x:x + w] > 0)).any(axis=0)))
            out.append((y + (r0 + r1) / 2, covered, y + r0, y + r1, x, x + w))
    return out


def _remnants(binary: np.ndarray, horizontal: np.ndarray,
              vertical: np.ndarray, g: _LineScale) -> np.ndarray:
    """Ink regions lying wholly on the extensions of found lines: the pieces of lines that
    uneven light or a faint print broke into dashes too short to be found (a grid's
    columns read as rows of 1s). Each line is extended across the frame along its fitted
    slope, LINE_MAX_THICK either side; a stroke crossing a line reaches outside its band
    and stays. A remnant is also no wider or no taller than a band: in a dense grid
    whose bands cover most of the paper, digits lie wholly inside them too."""
    band = np.maximum(_bands(horizontal, g), _bands(np.ascontiguousarray(vertical.T), g).T)
    if not band.any():
        return band
    labels, stats, wholly = _wholly_within(binary, band)
    wholly &= np.minimum(stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]) \
        <= 2 * g.thick + 1
    return np.where(wholly[labels], np.uint8(255), np.uint8(0))


def _wholly_within(binary: np.ndarray, band: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The 8-connected regions of the uint8 mask ``binary`` (labels [H,W], stats as
    connectedComponentsWithStats gives them) and, per label, whether its ink lies wholly
    within ``band`` (some ink there, none outside; the background label is False)."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
    ink, inside = binary > 0, band > 0
    wholly = (np.bincount(labels[ink & ~inside], minlength=n) == 0) \
        & (np.bincount(labels[ink & inside], minlength=n) > 0)
    wholly[0] = False
    return labels, stats, wholly


def _bands(lines: np.ndarray, g: _LineScale) -> np.ndarray:
    """The horizontal lines of a mask that span LINE_SPAN_FAMILY of the width (pieces
    joined across the gaps where strokes or other lines crossed them), and the lines of
    the same evenly spaced family that were not found (``_missing_lines``), each drawn
    across the whole width along its least-squares slope, 2 * LINE_MAX_THICK + 1 pixels
    thick."""
    band = np.zeros_like(lines)
    w = lines.shape[1]
    joined = cv2.morphologyEx(lines, cv2.MORPH_CLOSE, np.ones((1, g.min_run), np.uint8))
    _n, labels, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    ys, xs = np.nonzero(lines)
    of = labels[ys, xs]
    by_line = np.argsort(of, kind="stable")  # each line's pixels found once, in order
    starts = np.searchsorted(of[by_line], np.arange(len(stats) + 1))
    fits = []  # (y at the middle column, slope)
    for k in np.flatnonzero(stats[1:, cv2.CC_STAT_WIDTH] >= T.LINE_SPAN_FAMILY * w) + 1:
        own = by_line[starts[k]:starts[k + 1]]
        slope, at = np.polyfit(xs[own], ys[own], 1)
        fits.append((at + slope * w / 2, slope))
    for mid, slope in fits + _missing_lines(fits, lines.shape[0], g):
        y0 = mid - slope * w / 2
        cv2.line(band, (0, round(y0)), (w - 1, round(y0 + slope * (w - 1))), 255,
                 2 * g.thick + 1)
    return band


def _missing_lines(fits: list[tuple[float, float]], height: int,
                   g: _LineScale) -> list[tuple[float, float]]:
    """(middle position, slope) of the lines an evenly spaced family (ruled paper, a grid)
    has where none was found: faded by glare or shadow. Needs GRID_MIN_LINES found lines
    whose positions fit a smooth function of their index (perspective changes the
    spacing slowly) within LINE_MAX_THICK, spaced at least GRID_MIN_SPACING bands apart."""
    if len(fits) < T.GRID_MIN_LINES:
        return []
    fits = sorted(fits)
    pos = np.array([f[0] for f in fits])
    gaps = np.diff(pos)
    gaps = gaps[gaps > 2 * g.thick + 1]  # (two pieces of one line are one line)
    if not len(gaps):
        return []
    spacing = float(np.median(gaps))
    if spacing < T.GRID_MIN_SPACING * (2 * g.thick + 1):
        return []
    index = np.round((pos - pos[0]) / spacing)
    degree = 2 if len(np.unique(index)) >= T.GRID_MIN_LINES + 2 else 1
    at = np.polyfit(index, pos, degree)
    if np.abs(np.polyval(at, index) - pos).max() > g.thick:
        return []  # not one evenly spaced family
    tilt = np.polyfit(index, [f[1] for f in fits], 1)
    found = set(index.astype(int))
    reach = int(height / spacing) + 1
    return [(float(np.polyval(at, i)), float(np.polyval(tilt, i)))
            for i in range(-reach, int(index.max()) + reach + 1)
            if i not in found and -g.thick <= np.polyval(at, i) < height + g.thick]


def _hairline(lines: np.ndarray) -> bool:
    """One horizontal line that is a line even alone: it crosses LINE_ALONE_SPAN of the
    frame and is LINE_ALONE_ASPECT times longer than thick (a margin whose ruled lines
    were too faint to find; a fine-pen 1 is 15-25 times, a tight crop's bar less)."""
    cols = np.count_nonzero(lines.any(axis=0))
    if cols < T.LINE_ALONE_SPAN * lines.shape[1]:
        return False
    return cols >= T.LINE_ALONE_ASPECT * np.count_nonzero(lines) / max(cols, 1)


def _evenly_spaced(lines: np.ndarray, g: _LineScale) -> bool:
    """Whether the lines of a horizontal line mask stand evenly spaced: GRID_EVEN of the
    gaps between neighbours within GRID_GAP_TOLERANCE of a multiple of the smallest
    spacing (squared paper whose faint lines were not all found, a page edge or margin
    aside; a table's columns are as wide as their contents). The lines are taken where
    they cross one column (``_crossed_rows``). A line within a line's band (2
    LINE_MAX_THICK + 1) of the one before is one with it: a 2 px line seen as two, a
    digit's stroke along a grid column. Fewer than GRID_MIN_LINES lines tell no
    spacing, and pass."""
    centres: list[float] = []
    for top, bottom in _crossed_rows(lines):
        if not centres or (top + bottom) / 2 - centres[-1] > 2 * g.thick + 1:
            centres.append((top + bottom) / 2)
    if len(centres) < T.GRID_MIN_LINES:
        return True
    gaps = np.diff(centres)
    spacing = float(np.median(gaps[gaps <= 1.5 * gaps.min()]))  # some lines may be missing
    steps = gaps / spacing
    return bool((np.abs(steps - np.round(steps)) <= T.GRID_GAP_TOLERANCE).mean() >= T.GRID_EVEN)


def _line_rows(lines: np.ndarray) -> list[tuple[int, int]]:
    """(first row, last row) of each line of a horizontal line mask: runs of rows with
    ink, separated by empty rows, top to bottom."""
    edges = np.flatnonzero(np.diff(np.r_[0, lines.any(axis=1).astype(np.int8), 0]))
    return [(int(a), int(b) - 1) for a, b in zip(edges[0::2], edges[1::2], strict=True)]


def _crossed_rows(lines: np.ndarray) -> list[tuple[int, int]]:
    """(first row, last row) of each line of a horizontal line mask where the lines cross
    one column, of GRID_SAMPLE_COLUMNS spread across the mask, the one crossing the most:
    slanted lines of a dense grid share rows across the frame."""
    crossed: list[tuple[int, int]] = []
    for c in np.linspace(0, lines.shape[1] - 1, T.GRID_SAMPLE_COLUMNS).astype(int):
        found = _line_rows(lines[:, c:c + 1])
        if len(found) > len(crossed):
            crossed = found
    return crossed


def _count(lines: np.ndarray) -> int:
    """Distinct lines in a horizontal line mask: by the rows they cover, or where they
    cross one column (``_crossed_rows``) when that finds more."""
    rows = len(_line_rows(lines))
    return max(rows, len(_crossed_rows(lines))) if rows else 0


def _cell_edges(thin_v: np.ndarray, horizontal: np.ndarray, g: _LineScale) -> np.ndarray:
    """Runs of ``thin_v`` (ink thin in x) that start at one horizontal line and end at the
    next: the sides of form boxes and table cells. A digit's stroke inside a box is
    shorter than the box; one crossing lines runs on past them."""
    out = np.zeros_like(thin_v)
    tol = g.slant_rows + g.thick
    for (top0, top1), (bot0, bot1) in itertools.pairwise(_line_rows(horizontal)):
        gap = bot0 - top1
        if gap < g.min_run:
            continue
        y0, y1 = max(0, top0 - tol), min(thin_v.shape[0], bot1 + tol + 1)
        band = np.ascontiguousarray(thin_v[y0:y1])
        runs = cv2.morphologyEx(band, cv2.MORPH_OPEN,
                                np.ones((int(T.CELL_EDGE_SPAN * gap), 1), np.uint8))
        for x, y, ww, hh, _c in outer_boxes(runs):
            if _box_side(thin_v, horizontal, (x, y0 + y, ww, hh), tol, g):
                out[y0 + y:y0 + y + hh, x:x + ww] |= runs[y:y + hh, x:x + ww]
    return out


def remove_boxes(binary: np.ndarray, faint: np.ndarray | None = None) -> np.ndarray:
    """Printed boxes out of an ink mask (uint8, 255 = ink): the boxes of a form that are
    not in a row long enough to be found as lines, a lone box, a row of cells joined
    into one strip, an empty box (else read as a 0). Boxes are looked for on ``binary``
    and on ``faint`` when given (``faint_ink``: a strip whose faint sides the ink mask
    lacks is whole there; a digit touching its box there is apart in ``binary``), and
    erased from ``binary``. A cell whose digit touches its side is found by its hull
    (``_bitten_cells``), its line erased unless a stroke crosses it (``_erase_bitten``).

    A box is a region whose outline is a convex quadrilateral (``_quadrilateral``), at
    least BOX_MIN_SIDE wide and tall, drawn with a thin line: its ink, divided by half its
    outline's and holes' length, is at most BOX_MAX_THICK thick. Its outline is erased
    that thick, and so is the outline of each hole that is a quadrilateral too (the
    dividers of a strip of cells). A digit inside a box is its own region, or touches
    the box and loses only the pixels on the box's line: a quadrilateral box's line is
    erased as thick as it is (``_outline_runs``), and the pieces of it left wholly
    within the band its ink measures (a blurred side's rim) go too."""
    erase = np.zeros_like(binary)
    band = np.zeros_like(binary)
    for mask in (binary,) if faint is None else (binary, faint):
        _erase_boxes(mask, erase, band)
    if not erase.any():
        return binary
    kept = cv2.subtract(binary, erase)
    # (within the band's bounding box and a pixel more: a region crossing its edge has
    # ink outside the band there)
    x, y, w, h = cv2.boundingRect(band)
    x0, y0 = max(0, x - 1), max(0, y - 1)
    roi = kept[y0:y + h + 1, x0:x + w + 1]
    labels, _stats, rim = _wholly_within(roi, band[y0:y + h + 1, x0:x + w + 1])
    if rim.any():
        roi[rim[labels]] = 0
    return kept


def _erase_boxes(mask: np.ndarray, erase: np.ndarray, band: np.ndarray) -> None:
    """Draw into ``erase`` the outlines of the boxes of ``mask``, and into ``band`` the
    same outlines as thick as their ink measures (``remove_boxes``)."""
    contours, hierarchy = cv2.findContours(mask, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return
    holes: dict[int, list[int]] = {}
    for i, (_next, _prev, _child, parent) in enumerate(hierarchy[0]):
        if parent >= 0:
            holes.setdefault(int(parent), []).append(i)
    for i, inner_ids in holes.items():
        x, y, w, h = cv2.boundingRect(contours[i])
        if x == 0 and y == 0 and x + w == mask.shape[1] and y + h == mask.shape[0]:
            continue  # a grid running off every side: squared paper (remove_lines)
        quad = _quadrilateral(contours[i])
        inner = [contours[j] for j in inner_ids]
        quads, others = [], []  # boxes' cells, and other holes whose hull has 4 corners
        for c in inner:
            if (hull := _hull_quad(c)) is not None:
                (quads if _fills(c, hull, T.BOX_FILL) else others).append((c, hull))
        quads = [hull for _c, hull in quads]
        runs = None if quad is None else _outline_runs(mask, quad)
        # cells a digit touching their side bites: their line is erased where no stroke
        # crosses it (_erase_bitten)
        bitten = _bitten_cells(others, quads, None if runs is None else (quad, runs[0])
                               ) if others else []
        quads += bitten
        if quad is None:  # not a box; a row of cells drawn as separate boxes still is
            quads = _cells(quads)
            if not quads:
                continue
        ink = cv2.contourArea(contours[i]) - sum(cv2.contourArea(c) for c in inner)
        length = cv2.arcLength(contours[i], True) + sum(cv2.arcLength(c, True) for c in inner)
        thick = 2 * ink / max(length, 1.0)
        hollow = min(T.BOX_MAX_THICK, T.BOX_HOLLOW * min(w, h))
        if thick > hollow:  # a box is hollow: no bold word whose letters join on the faint ink
            if runs is None:
                continue
            if runs[1] < T.BOX_LINE_COVER or runs[0] > hollow:
                continue
            thick = max(1.0, runs[0])  # a thin line all round holding a bold digit touching it
        # a sheet's outline (a quadrilateral of half the frame or more) bends: a margin
        sheet = quad is not None and cv2.contourArea(quad) >= T.SHEET_AREA * mask.size
        margin = T.SHEET_ERASE_MARGIN if sheet else T.CELL_ERASE_MARGIN if quad is None else 0
        outlines = quads if quad is None else [quad, *quads]
        width = 2 * (round(thick) + margin) + 1
        cut = {id(c) for c in bitten}
        cv2.polylines(band, [c for c in outlines if id(c) not in cut], True, 255, width)
        if runs is not None:  # a digit touching its box: only the box's own line goes
            own = min(thick, max(1.0, runs[0]))
            width = 2 * (round(own) + margin) + 1
            if quads and not sheet and (len(quads) > 1 or not bitten):  # (a strip's cells)
                _strip_dividers(mask, quad, quads, thick, erase)
        cv2.polylines(erase, [c for c in outlines if id(c) not in cut], True, 255, width)
        _erase_bitten(mask, erase, band, [c for c in outlines if id(c) in cut],
                      round(thick if runs is None else runs[0]), margin)


def _erase_bitten(mask: np.ndarray, erase: np.ndarray, band: np.ndarray,
                  rects: list[np.ndarray], line: int, margin: int) -> None:
    """Draw into ``erase`` and ``band`` (``remove_boxes``) the lines around the bitten
    cells ``rects`` (the rectangles of their insides, 4 corners as ``_bitten_cells``
    gives them), ``line`` px thick and ``margin`` px more either side, from the cell's
    inside outward: its digit touches its line, and erased from the cell's outline
    inward as well, a 2's foot on it went (read as a 7). A cell keeps its lines as
    they are when a stroke of ``mask`` crosses one (``_crossing``; a digit overflowing
    into the next cell or out of its box: the bits of line between strokes were read
    as 1s, and a 9's stem along the line went with it, read as a 6), or when the ink
    along a side runs outward thicker than two lines (two boxes drawn side by side)
    and BITE_ALIGN px more (``_side_runs``: a piece of a cell whose side is a bold
    digit's stem)."""
    line = max(1, line)
    out = (line + 1) / 2  # the line's middle, outward from the cell's inside
    width = line + 2 * margin + 1
    outlines = []
    for rect in rects:
        corners = rect.reshape(4, 2).astype(np.float32)
        if max(_side_runs(mask, corners, 3 * line + 6)) > 2 * line + T.BITE_ALIGN:
            continue
        (cx, cy), (w, h), angle = cv2.minAreaRect(corners)
        outlines.append(np.round(cv2.boxPoints(((cx, cy), (w + 2 * out, h + 2 * out), angle))
                                 ).astype(np.int32))
    if not outlines:
        return
    pad = 3 * width + T.BITE_RIM
    corners = np.concatenate(outlines)  # all of them in one window
    wx, wy = np.maximum(corners.min(axis=0) - pad, 0)
    wx1, wy1 = corners.max(axis=0) + pad + 1
    mask, erase, band = (m[wy:wy1, wx:wx1] for m in (mask, erase, band))
    outlines = [o - (wx, wy) for o in outlines]
    lines = np.zeros_like(mask)
    cv2.polylines(lines, [o.reshape(4, 1, 2) for o in outlines], True, 255, width)
    rest = cv2.subtract(mask, erase | lines)
    # (ink a band's width away: beyond the band, and beyond a neighbouring cell's band
    # where the divider between them is thinner than the box's outer line; a slanted
    # stroke meets the two sides of a line that far apart along it)
    g = replace(_LineScale.at(1), thick=width)
    beyond_x = cv2.dilate(rest, np.ones((1, width), np.uint8))
    beyond_y = cv2.dilate(rest, np.ones((width, 1), np.uint8))
    rim = np.ones((2 * T.BITE_RIM + 1,) * 2, np.uint8)
    for moved in outlines:  # each cell in a window around it
        x0, y0 = np.maximum(moved.min(axis=0) - pad, 0)
        x1, y1 = moved.max(axis=0) + pad + 1
        window = (slice(y0, y1), slice(x0, x1))
        across = np.zeros_like(mask[window])  # its horizontal sides, and vertical ones
        along = np.zeros_like(across)
        ends = np.zeros_like(across)  # where the row's other lines meet its corners
        for a, b in zip(moved - (x0, y0), np.roll(moved, -1, axis=0) - (x0, y0), strict=True):
            flat = abs(b[0] - a[0]) >= abs(b[1] - a[1])
            cv2.line(across if flat else along, tuple(map(int, a)), tuple(map(int, b)), 255,
                     width)
            cv2.circle(ends, tuple(map(int, a)), 2 * width, 255, -1)
        if _crossing(np.ascontiguousarray(beyond_x[window]), cv2.subtract(across, ends), g,
                     False).any() \
                or _crossing(np.ascontiguousarray(beyond_y[window]), cv2.subtract(along, ends),
                             g, True).any():
            continue
        erase[window] |= across | along
        # the band, for the rim of a blurred line: BITE_RIM px wider either side, not as
        # thick as the region's ink over its outline (which counts the digits touching
        # it: a 1 beside the side went with it)
        band[window] |= cv2.dilate(across | along, rim)


def _side_runs(mask: np.ndarray, corners: np.ndarray, reach: int) -> list[float]:
    """Per side of a cell (``corners``: float32 [4,2], the rectangle of its inside), the
    median length in px of the run of ink from the cell's inside outward, up to
    ``reach`` px, at BOX_SIDE_SAMPLES points over the middle BITE_SIDE_SHARE of the
    side (its corners meet the other lines): a box's line."""
    cut = (1 - T.BITE_SIDE_SHARE) / 2
    at = np.linspace(cut, 1 - cut, T.BOX_SIDE_SAMPLES, dtype=np.float32)
    pts = _across_sides(corners, at, -np.arange(1, reach + 1, dtype=np.float32))
    xs = np.round(pts[..., 0]).astype(np.intp)
    ys = np.round(pts[..., 1]).astype(np.intp)
    inside = (xs >= 0) & (ys >= 0) & (xs < mask.shape[1]) & (ys < mask.shape[0])
    ink = inside & (mask[np.clip(ys, 0, mask.shape[0] - 1), np.clip(xs, 0, mask.shape[1] - 1)] > 0)
    run = np.where(ink.all(axis=2), reach, (~ink).argmax(axis=2))  # [4, samples]
    return [float(v) for v in np.median(run, axis=1)]


def _strip_dividers(mask: np.ndarray, quad: np.ndarray, cells: list[np.ndarray],
                    thick: float, erase: np.ndarray) -> None:
    """Draw into ``erase`` the dividers of a strip of cells (a box, ``quad``, holding
    the quadrilateral holes ``cells``): thin vertical runs from its top side to its
    bottom side (``_cell_edges``) beside a cell's outline. A digit touching a divider
    splits its cell's hole, which is then no quadrilateral, and the divider was left
    joined to the digit, read as a 1 beside it. Ink inside a cell is no divider, nor is
    a 1 written in a cell from its top to its bottom away from its walls (a cell's width
    from the next cell's outline); one drawn against a wall is taken with it."""
    x, y, w, h = cv2.boundingRect(quad)
    roi = np.ascontiguousarray(mask[y:y + h, x:x + w])
    reach = 2 * round(thick) + 2  # a divider is two boxes' sides
    g = replace(_LineScale.at(1), thick=reach)
    corners = quad.reshape(4, 2) - (x, y)
    by_row = corners[np.argsort(corners[:, 1])]
    sides = np.zeros_like(roi)
    for pair in (by_row[:2], by_row[2:]):
        cv2.line(sides, tuple(map(int, pair[0])), tuple(map(int, pair[1])), 255, 1)
    inside = [c - (x, y) for c in cells]
    near = np.zeros_like(roi)  # outside the cells, within a divider's width of one
    cv2.polylines(near, inside, True, 255, 2 * reach + 1)
    cv2.fillPoly(near, inside, 0)
    thin_v = np.ascontiguousarray(_thin(np.ascontiguousarray(roi.T), g).T)
    erase[y:y + h, x:x + w] |= _cell_edges(thin_v, sides, g) & near


# where _outline_runs samples: along each side, and from its outline inward (px)
_SIDE_AT = np.linspace(0.15, 0.85, T.BOX_SIDE_SAMPLES, dtype=np.float32)
_REACH = np.arange(-T.BOX_MAX_THICK, 2 * T.BOX_MAX_THICK + 1, dtype=np.float32)


def _across_sides(corners: np.ndarray, at: np.ndarray, steps: np.ndarray) -> np.ndarray:
    """Points across the sides of a quadrilateral (``corners``: float32 [4,2], in order
    round it): at the shares ``at`` (float32 [S]) along each side, ``steps`` (float32
    [R], px) along its inward normal (negative: outward). float32 [4, S, R, 2], x y."""
    along = np.roll(corners, -1, axis=0) - corners  # the 4 sides, [4, 2]
    normal = along[:, ::-1] * np.float32([-1, 1])
    normal /= np.maximum(np.hypot(normal[:, 0], normal[:, 1]), 1.0)[:, None]
    inward = np.sum((corners.mean(axis=0) - corners) * normal, axis=1) >= 0
    normal[~inward] *= -1
    return (corners[:, None, None, :] + at[None, :, None, None] * along[:, None, None, :]
            + steps[None, None, :, None] * normal[:, None, None, :])


def _outline_runs(mask: np.ndarray, quad: np.ndarray) -> tuple[float, float]:
    """How far a box's line reaches inward from its outline (``quad``, its 4 outer
    corners, which may stand a pixel or two off the ink), and how much of the outline
    has ink on it. Thickness: the median, across each side at BOX_SIDE_SAMPLES points
    away from the corners, of where the first run of ink met along the inward normal
    ends (pixels; sides without ink there aside). A digit touching the box lengthens a
    few runs only; its ink counted in the box's own (ink over outline length) made the
    side erased as thick as the digit's stroke beside it, and a 0 touching its box lost
    that side. Cover: the share of those points with ink within BOX_LINE_REACH of the
    outline (1 for a box's line; a bold word's outline meets its letters at a few
    points only)."""
    pts = _across_sides(quad.reshape(4, 2).astype(np.float32), _SIDE_AT, _REACH
                        ).reshape(-1, len(_REACH), 2)
    xs = np.clip(np.round(pts[..., 0]).astype(np.intp), 0, mask.shape[1] - 1)
    ys = np.clip(np.round(pts[..., 1]).astype(np.intp), 0, mask.shape[0] - 1)
    ink = mask[ys, xs] > 0
    cover = float(ink[:, np.abs(_REACH) <= T.BOX_LINE_REACH].any(axis=1).mean())
    found = ink.any(axis=1)
    if not found.any():
        return float(T.BOX_MAX_THICK), cover
    after = ~ink & (np.arange(len(_REACH))[None, :] > ink.argmax(axis=1)[:, None])
    end = np.where(after.any(axis=1), after.argmax(axis=1), len(_REACH) - 1)
    return float(np.median(_REACH[end][found])), cover


def _bitten_cells(holes: list[tuple[np.ndarray, np.ndarray]], cells: list[np.ndarray],
                  box: tuple[np.ndarray, float] | None = None) -> list[np.ndarray]:
    """The 4 corners (int32 [4,1,2]) of the least rectangles around the ``holes`` (each a
    contour and the 4 corners of its convex hull, ``_hull_quad``) that are cells of a
    box or row of boxes, their outline bitten by a digit touching its side: the hole
    fills BITE_MIN_FILL of its hull, and either the hole is the inside of the box
    (``box``: its outer corners and line thickness in px; each side of their bounding
    rectangles within the line and BITE_ALIGN px more), or its top and bottom lie within
    BITE_ALIGN px of those of a cell beside it (``cells``: the whole ones; less than 2
    BOX_MAX_THICK apart, width and height within CELL_SIZE_RATIO). Such a cell's sides
    were left beside its digit, joined to it, and read as 1s (a 5 against its box's side
    read as a 6). A digit touching two sides splits the hole instead: its pieces are
    narrower than a cell, or shorter; and a 0 touching the top and bottom leaves pieces
    its loop bulges into, which fill less of their hull. Cells found join the row, so a
    run of bitten cells beside one whole cell is found."""
    if len(holes) > T.CELL_MAX_HOLES:
        return []
    shaped = [(hole, hull) for hole, hull in holes if _fills(hole, hull, T.BITE_MIN_FILL)]
    if not shaped:
        return []
    boxes = np.array([cv2.boundingRect(hole) for hole, _ in shaped], np.int64).reshape(-1, 4)
    taken = np.zeros(len(shaped), bool)
    if box is not None:  # the hole is the box's inside, less the box's line all round
        bx, by, bw, bh = cv2.boundingRect(box[0])
        reach = max(1.0, box[1]) + T.BITE_ALIGN
        x, y, w, h = (boxes[:, 0], boxes[:, 1], boxes[:, 2], boxes[:, 3])
        taken = (np.abs(x - bx) <= reach) & (np.abs(y - by) <= reach) \
            & (np.abs(bx + bw - x - w) <= reach) & (np.abs(by + bh - y - h) <= reach)
    queue = [cv2.boundingRect(c) for c in cells] + [tuple(b) for b in boxes[taken]]
    while queue:  # each cell found looks for bitten cells beside it
        beside = ~taken & _beside(boxes, queue.pop())
        taken |= beside
        queue += [tuple(b) for b in boxes[beside]]
    # (the hole's least rectangle, turned as the row is: where the digit bites a corner,
    # the hull's corner stands inside the digit, and the outline erased along it cut
    # the digit through; an upright rectangle around a turned cell missed its sides)
    return [np.round(cv2.boxPoints(cv2.minAreaRect(hole))).astype(np.int32).reshape(4, 1, 2)
            for (hole, _quad), t in zip(shaped, taken, strict=True) if t]


def _beside(boxes: np.ndarray, cell: tuple[int, ...]) -> np.ndarray:
    """Which of ``boxes`` (int [N, 4], x y w h) are cells beside ``cell`` in one row
    (``_bitten_cells``): bool [N]."""
    x, y, w, h = boxes.T
    cx, cy, cw, ch = cell
    gap = np.maximum(x, cx) - np.minimum(x + w, cx + cw)
    return (gap >= 0) & (gap < 2 * T.BOX_MAX_THICK) \
        & (np.maximum(w, cw) <= T.CELL_SIZE_RATIO * np.minimum(w, cw)) \
        & (np.maximum(h, ch) <= T.CELL_SIZE_RATIO * np.minimum(h, ch)) \
        & (np.abs(y - cy) <= T.BITE_ALIGN) & (np.abs(y + h - cy - ch) <= T.BITE_ALIGN)


def _hull_quad(contour: np.ndarray) -> np.ndarray | None:
    """The 4 corners of the contour's convex hull (``_quadrilateral`` without its fill
    test), or None when the hull is no quadrilateral at least BOX_MIN_SIDE on each side."""
    _x, _y, w, h = cv2.boundingRect(contour)
    if min(w, h) < T.BOX_MIN_SIDE:
        return None
    hull = cv2.convexHull(contour)
    quad = cv2.approxPolyDP(hull, T.BOX_CORNER_TOLERANCE * cv2.arcLength(hull, True), True)
    return quad if len(quad) == 4 else None


def _cells(holes: list[np.ndarray]) -> list[np.ndarray]:
    """The quadrilateral holes of a region that stand in a row of cells: each beside
    another of about its size (width and height within CELL_SIZE_RATIO, sharing
    CELL_ROW_OVERLAP of the lower one's rows) less than 2 BOX_MAX_THICK apart: the boxes
    of a form drawn one by one, neighbours overlapping with lines of different
    thickness, whose outline is no quadrilateral (one side of a light box is lost). The
    loops of a digit (an 8, a 7-segment 0) stand one above the other, or alone; the
    paper between two ruled lines and the digits written on them is as tall as the
    spacing but as wide as the gaps between digits, which differ. A region of more than
    CELL_MAX_HOLES holes is no row of boxes."""
    if not 2 <= len(holes) <= T.CELL_MAX_HOLES:
        return []
    boxes = np.array([cv2.boundingRect(q) for q in holes], np.int64)
    x2, y2, w2, h2 = (v[None, :] for v in boxes.T)
    out = []
    for first in range(0, len(boxes), T.CELL_BLOCK):  # a block of holes against all
        x, y, w, h = (v[:, None] for v in boxes[first:first + T.CELL_BLOCK].T)
        rows = np.minimum(y + h, y2 + h2) - np.maximum(y, y2)
        gap = np.maximum(x, x2) - np.minimum(x + w, x2 + w2)
        beside = ((np.maximum(h, h2) <= T.CELL_SIZE_RATIO * np.minimum(h, h2))
                  & (np.maximum(w, w2) <= T.CELL_SIZE_RATIO * np.minimum(w, w2))
                  & (rows >= T.CELL_ROW_OVERLAP * np.minimum(h, h2))
                  & (gap < 2 * T.BOX_MAX_THICK))
        beside[np.arange(len(beside)), first + np.arange(len(beside))] = False  # itself
        out += [holes[first + i] for i in np.flatnonzero(beside.any(axis=1))]
    return out


def _quadrilateral(contour: np.ndarray) -> np.ndarray | None:
    """The contour's 4 corners (int32 [4,1,2]) when it is a convex quadrilateral at least
    BOX_MIN_SIDE on each side that fills BOX_FILL of it (a hand-drawn 0 has round
    corners), else None. The corners are those of its convex hull: a bold box's
    blurred corner or a neighbouring cell's line sticking out by a pixel or two makes
    the outline itself a pentagon."""
    quad = _hull_quad(contour)
    return quad if quad is not None and _fills(contour, quad, T.BOX_FILL) else None


def _fills(contour: np.ndarray, quad: np.ndarray, share: float) -> bool:
    """Whether the contour's area is at least ``share`` of its 4 corners' ``quad``."""
    return cv2.contourArea(contour) >= share * cv2.contourArea(quad)


def _box_side(thin_v: np.ndarray, horizontal: np.ndarray, run: Box, tol: int,
              g: _LineScale) -> bool:
    """Whether a vertical run starts at a line and ends at a line (looked for where the
    run is: a slanted row of boxes has its lines higher at one end), and runs on past
    neither: a stroke crossing ruled lines does, the side of a row of boxes does not (the
    inner sides of a table do, unless long enough to be found as vertical lines)."""
    x, top, w, h = run
    near = horizontal[:, max(0, x - tol):x + w + tol]
    up = np.flatnonzero(near[max(0, top - tol):top + tol + 1].any(axis=1))
    down = np.flatnonzero(near[max(0, top + h - tol - 1):top + h + tol].any(axis=1))
    if not len(up) or not len(down):
        return False
    above = max(0, top - tol) + int(up.min())  # the top line's first row
    below = max(0, top + h - tol - 1) + int(down.max())  # the bottom line's last row
    reach = g.min_run // 2
    cols = thin_v[:, x:x + w]
    return not (cols[max(0, above - reach):max(0, above - 1)].any()
                or cols[below + 2:below + reach].any())


def _crossing(rest: np.ndarray, lines: np.ndarray, g: _LineScale,
              vertical: bool) -> np.ndarray:
    """Line pixels with stroke ink (``rest``: ink that is no line) just beyond the line on
    both sides: where a stroke crosses it (kept, so the digit stays whole)."""
    if not lines.any():
        return np.zeros_like(rest)
    if vertical:
        return _crossing(np.ascontiguousarray(rest.T), np.ascontiguousarray(lines.T), g,
                         vertical=False).T.copy()
    k = g.thick
    above, below = np.zeros_like(rest), np.zeros_like(rest)
    above[k:], below[:-k] = rest[:-k], rest[k:]
    wide = np.ones((1, 5), np.uint8)
    both = cv2.bitwise_and(cv2.dilate(above, wide), cv2.dilate(below, wide))
    return cv2.bitwise_and(cv2.dilate(lines, np.ones((3, 1), np.uint8)), both)


# ---- 5. candidate regions ---------------------------------------------------------------

def candidates(binary: np.ndarray, steps: np.ndarray | None = None,
               faint: np.ndarray | None = None, ink: np.ndarray | None = None,
               hue: Callable[[], np.ndarray | None] | None = None
               ) -> tuple[list[Region], float]:
    """Connected ink regions, pieces of one digit merged, specks and flat pieces dropped;
    and the stroke width (pixels) of the ink they were judged against, not the frame: a
    speck is a blob hardly longer than it is thick (against all the ink's strokes), a
    flat piece (a line's remnant, a dash) is hardly taller than one stroke (against the
    strokes of the regions left once the sheet's edge and the desk are dropped: a
    checkered desk's are thicker than a pen's); a 5's detached bar is merged before it
    is judged. A region with SURFACE_STEP_SHARE of its ink on ``steps``
    (``surface_steps``) is the edge of a sheet, not ink; a digit crossing a hard
    shadow's edge has most of its ink off it. So is one on the steps of hue (``hue()``:
    made only once a region is long enough to need them) when it is SURFACE_STEP_SPAN
    of the frame's short side long: the shadow along a note's edge, not a 1 written
    along a coloured band's edge. On a frame whose surface steps in gray, a thin region
    that is a piece of a long faint line (``_on_faint_line``: ``faint`` is
    ``faint_ink``'s mask, ``ink`` the ink mask before printed lines were removed) is the
    sheet's shadow. Raises TooManyRegions above MAX_INK_REGIONS regions."""
    boxes = outer_boxes(binary)
    if not boxes:
        return [], 0.0
    count = sum(max(w, h) >= T.SPECK_MIN_PX for _x, _y, w, h, _c in boxes)
    if count > T.MAX_INK_REGIONS:
        raise TooManyRegions(f"too many ink regions ({count}, at most {T.MAX_INK_REGIONS} "
                             "are read in one frame); crop or downscale")
    _n, labels = cv2.connectedComponents(binary, connectivity=8)
    stroke = crops.stroke_width(binary)
    regions = []
    sized = 0  # regions past the speck test
    for x, y, w, h, contour in boxes:
        length = max(w, h)
        if length < T.SPECK_MIN_PX:
            continue
        px, py = contour[0, 0]
        mask = labels[y:y + h, x:x + w] == labels[py, px]
        if length < T.SPECK_STROKES * stroke and length < T.SPECK_STROKES * crops.stroke_width(
                mask.astype(np.uint8)):
            continue  # (its own strokes are measured only when the frame's say "small")
        sized += 1
        on_step = T.SURFACE_STEP_SHARE * np.count_nonzero(mask)
        if steps is not None and np.count_nonzero(steps[y:y + h, x:x + w] & mask) >= on_step:
            continue
        if hue is not None and length >= T.SURFACE_STEP_SPAN * min(binary.shape) \
                and (tinted := hue()) is not None \
                and np.count_nonzero(tinted[y:y + h, x:x + w] & mask) >= on_step:
            continue
        regions.append(Region((x, y, w, h), mask))
    kept = _drop_surface(regions, binary.shape)
    if 0 < len(kept) < sized:
        # the strokes of what is left: a desk's pattern or a sheet's rim, dropped, measured
        # three times a pen's width, and 3s and 7s were then taken for flat pieces
        own = np.zeros_like(binary)
        for r in kept:
            own[r.box[1]:r.box[1] + r.height, r.box[0]:r.box[0] + r.width][r.mask] = 255
        stroke = crops.stroke_width(own)
    regions = _merge_pieces(kept)
    regions = [r for r in regions if r.height >= T.FLAT_STROKES * stroke]
    if steps is not None and faint is not None and ink is not None:
        regions = [r for r in regions if not _on_faint_line(r, faint, ink)]
    return regions, stroke


def _on_faint_line(region: Region, faint: np.ndarray, ink: np.ndarray) -> bool:
    """Whether a thin region (LINE_PIECE_ASPECT times longer than wide) is a piece of a
    long faint line, the edge or the shadow of a sheet on a desk: ink at the faint level
    (``faint``, uint8 mask, 255 = faint ink) runs on along the region's own axis, both
    ways together, to LINE_PIECE_EXTENT times the region's length, and less than
    LINE_PIECE_INK of that run is ink (``ink``: the ink mask before printed lines were
    removed; a grid line under a 1 is ink, not faint)."""
    x, y, w, h = region.box
    if max(w, h) < T.LINE_PIECE_ASPECT * min(w, h):
        return False
    ys, xs = np.nonzero(region.mask)
    pts = np.stack([xs + x, ys + y], 1).astype(np.float32)
    vx, vy, cx, cy = (float(v) for v in cv2.fitLine(pts, cv2.DIST_L2, 0, 0.01, 0.01).ravel())
    along = (pts[:, 0] - cx) * vx + (pts[:, 1] - cy) * vy
    across = np.abs((pts[:, 1] - cy) * vx - (pts[:, 0] - cx) * vy)
    length = float(along.max() - along.min()) + 1
    tol = int(np.ceil(across.max())) + 1
    reach = np.arange(1, int(T.LINE_PIECE_EXTENT * length) + 1, dtype=np.float32)
    runs = [_faint_run(faint, (cx, cy), (vx, vy), float(along.max()) + reach, tol),
            _faint_run(faint, (cx, cy), (vx, vy), float(along.min()) - reach, tol)]
    if length + sum(n for n, _y, _x in runs) < T.LINE_PIECE_EXTENT * length:
        return False
    ry = np.concatenate([r for _n, r, _x in runs])
    rx = np.concatenate([c for _n, _y, c in runs])
    return bool(np.count_nonzero(ink[ry, rx]) < T.LINE_PIECE_INK * max(1, len(ry)))


def _faint_run(faint: np.ndarray, centre: tuple[float, float], axis: tuple[float, float],
               at: np.ndarray, tol: int) -> tuple[int, np.ndarray, np.ndarray]:
    """How far faint ink runs on along a line (through ``centre``, direction ``axis``, a
    unit vector) over the steps ``at`` (distances from the centre, moving away), looking
    ``tol`` pixels to either side: the steps before the first LINE_PIECE_GAP + 1 in a row
    without faint ink, and that run's faint pixels (rows, columns)."""
    (cx, cy), (vx, vy) = centre, axis
    offsets = np.arange(-tol, tol + 1, dtype=np.float32)
    ix = np.round(cx + at[:, None] * vx - offsets[None] * vy).astype(int)
    iy = np.round(cy + at[:, None] * vy + offsets[None] * vx).astype(int)
    fh, fw = faint.shape
    inside = (ix >= 0) & (ix < fw) & (iy >= 0) & (iy < fh)
    ix, iy = np.clip(ix, 0, fw - 1), np.clip(iy, 0, fh - 1)
    hit = (faint[iy, ix] > 0) & inside
    gap = T.LINE_PIECE_GAP + 1
    empty = np.flatnonzero(np.convolve(~hit.any(axis=1), np.ones(gap, int), "valid") == gap)
    end = int(empty[0]) if len(empty) else len(hit)
    return end, iy[:end][hit[:end]], ix[:end][hit[:end]]


def _merge_pieces(regions: list[Region]) -> list[Region]:
    """Join the pieces of one digit: a 5's detached bar, a broken loop: regions that
    overlap (unless one surrounds the other), or sit one above the other mostly within
    each other's columns. Each region in turn takes in every later region it joins (and
    is checked again once it has grown), in passes until none joins. The pairs' boxes
    are compared all at once per pass (``_pairs``), and a line's regions are looked up
    by their middles in order (``_halves_of_line``): a frame of 1,000 regions (a ledger
    page, a grid of dashes) took 10-45 s when the search restarted after every join and
    walked every region for each stacked pair."""
    boxes = np.array([r.box for r in regions], np.int64).reshape(-1, 4)
    starts = np.sort(boxes[:, 0])
    ends = np.sort(boxes[:, 0] + boxes[:, 2])
    if not (starts[1:] < ends[:-1]).any():
        return regions  # no two share a column (most frames: one line of digits)
    merged = True
    while merged:
        merged = False
        joins, stacks = _pairs(boxes, boxes)
        if not np.triu(joins | stacks, 1).any():
            break  # (most frames: nothing to join)
        middles = _by_middle(boxes)
        i = 0
        while i < len(regions):
            later = np.flatnonzero(joins[i, i + 1:] | stacks[i, i + 1:]) + i + 1
            if not joins[i, later].all():
                later = later[joins[i, later] | _could_be_halves(boxes, i, later, middles)]
            j = next((int(j) for j in later
                      if joins[i, j] or _halves_of_line(boxes, i, int(j), middles)), None)
            if j is None:
                i += 1
                continue
            regions[i] = union(regions[i], regions[j])
            del regions[j]
            boxes = np.delete(boxes, j, axis=0)
            boxes[i] = regions[i].box
            joins, stacks = (np.delete(np.delete(m, j, axis=0), j, axis=1)
                             for m in (joins, stacks))
            joins[i], stacks[i] = (m[0] for m in _pairs(boxes[i:i + 1], boxes))
            middles = _by_middle(boxes)
            merged = True
    return regions


def _pairs(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For every pair of boxes (rows of int [M, 4] and [N, 4], x, y, w, h): whether they
    are pieces of one digit by their boxes alone (they overlap by MERGE_OVERLAP of the
    smaller, or sit one above the other within MERGE_STACK_COLUMNS of the narrower's
    columns, at most MERGE_STACK_GAP apart, one less than MERGE_PIECE_HEIGHT of the
    other's height; neither surrounds the other, ``_around``), and whether they sit one
    above the other otherwise, to be judged against their line (``_halves_of_line``):
    two bool [M, N]."""
    ax, ay, aw, ah = first = tuple(v[:, None] for v in a.T)
    bx, by, bw, bh = second = tuple(v[None, :] for v in b.T)
    ox = np.minimum(ax + aw, bx + bw) - np.maximum(ax, bx)
    oy = np.minimum(ay + ah, by + bh) - np.maximum(ay, by)
    apart = ~(_around(first, second) | _around(second, first))
    inside = apart & (ox > 0) & (oy > 0) & (
        ox * oy > T.MERGE_OVERLAP * np.minimum(aw * ah, bw * bh))
    over = apart & (ox >= T.MERGE_STACK_COLUMNS * np.minimum(aw, bw))
    near = over & (oy >= -T.MERGE_STACK_GAP * np.maximum(ah, bh)) & (
        np.minimum(ah, bh) < T.MERGE_PIECE_HEIGHT * np.maximum(ah, bh))
    return inside | near, over & ~near


def _by_middle(boxes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Boxes (int [N, 4], x, y, w, h) in order of their middle row: their indices and
    those middle rows (float, ascending)."""
    middles = boxes[:, 1] + boxes[:, 3] / 2
    order = np.argsort(middles, kind="stable")
    return order, middles[order]


def _could_be_halves(boxes: np.ndarray, i: int, js: np.ndarray,
                     middles: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Whether regions ``js`` (indices into ``boxes``) and region i may be the halves of
    one digit (``_halves_of_line``) against the tallest region whose middle lies within
    their rows, which no median of their line exceeds: bool [len(js)]. An exact
    pre-check that spares the median to pairs far apart (a column of dashes)."""
    order, rows = middles
    y, h = boxes[i, 1], boxes[i, 3]
    by, bh = boxes[js, 1], boxes[js, 3]
    y0, y1 = np.minimum(y, by), np.maximum(y + h, by + bh)
    # max over each pair's run of middles (never empty: i's own middle is in it)
    bounds = np.stack([np.searchsorted(rows, y0, "left"),
                       np.searchsorted(rows, y1, "right")], 1).ravel()
    tallest = np.maximum.reduceat(np.append(boxes[order, 3], 0), bounds)[::2]
    gap = np.maximum(y, by) - np.minimum(y + h, by + bh)
    return _halves_fit(gap, np.maximum(h, bh), y1 - y0, tallest)


def _halves_of_line(boxes: np.ndarray, i: int, j: int,
                    middles: tuple[np.ndarray, np.ndarray]) -> bool:
    """Regions i and j (rows of ``boxes``: int [N, 4], x, y, w, h; ``middles``: theirs,
    ``_by_middle``), one above the other, are the two halves of one broken digit (a
    stroke broken by glare, a 7-segment digit's upper and lower segments): each is less
    than MERGE_HALF_HEIGHT of the other regions on their line (median), together at most
    MERGE_UNION_HEIGHT of it, at most MERGE_STACK_GAP of it apart (``_halves_fit``).
    Without other regions beside them (their middle within the pair's rows) nothing is
    merged."""
    a, b = boxes[i], boxes[j]
    y0, y1 = min(a[1], b[1]), max(a[1] + a[3], b[1] + b[3])
    order, rows = middles
    beside = order[np.searchsorted(rows, y0, "left"):np.searchsorted(rows, y1, "right")]
    beside = beside[(beside != i) & (beside != j)]
    if len(beside) == 0:
        return False
    gap = max(a[1], b[1]) - min(a[1] + a[3], b[1] + b[3])
    return bool(_halves_fit(gap, max(a[3], b[3]), y1 - y0, float(np.median(boxes[beside, 3]))))


def _halves_fit(gap: Any, taller: Any, span: Any, line: Any) -> Any:
    """Whether two stacked pieces ``gap`` apart, the taller ``taller`` high, spanning
    ``span`` rows together, are the halves of one digit on a line ``line`` high (all in
    pixels; numbers or arrays alike)."""
    return ((gap <= T.MERGE_STACK_GAP * line) & (taller < T.MERGE_HALF_HEIGHT * line)
            & (span <= T.MERGE_UNION_HEIGHT * line))


def _around(a: Box | tuple[np.ndarray, ...], b: Box | tuple[np.ndarray, ...]) -> Any:
    """Box a is MERGE_AROUND times b's size both ways: it surrounds b (a frame, a ring of
    desk), it is not a piece of the same digit. Boxes (x, y, w, h) of numbers give a
    bool; of arrays (``_pairs``), a bool array."""
    return (a[2] > T.MERGE_AROUND * b[2]) & (a[3] > T.MERGE_AROUND * b[3])


def _drop_surface(regions: list[Region], shape: tuple[int, int]) -> list[Region]:
    """A desk's band or a shadow at the frame's border is not ink: a region lying along
    the border (SURFACE_EDGE_CONTACT of a side), or touching it with strokes
    SURFACE_STROKES times thicker than the other regions', or SURFACE_AROUND_STROKES
    times thicker while it surrounds another region (a band of desk around a card). A
    region along a side may be a digit at a tight crop's side (``_digit_at_side``).
    A sliver along a side goes too: thinner across it than SURFACE_SLIVER of the frame
    and along SURFACE_SLIVER_CONTACT of it (a grid line cut by the frame's edge, the
    last strip of a desk). A lone region is otherwise kept: a tight crop touches all
    four borders."""
    regions = [r for r in regions if not _sliver(r, shape)]
    h, w = shape
    border = [x == 0 or y == 0 or x + rw >= w or y + rh >= h for x, y, rw, rh in
              (r.box for r in regions)]
    if len(regions) < 2 or not any(border):  # (stroke widths cost ~20 us a region)
        return regions
    widths = [crops.stroke_width(r.mask.astype(np.uint8)) for r in regions]
    out = []
    for i, (r, sw) in enumerate(zip(regions, widths, strict=True)):
        if border[i]:
            along = _side_contacts(r, shape)
            if max(along) >= T.SURFACE_EDGE_CONTACT \
                    and not _digit_at_side(i, regions, widths, along, shape[0]):
                continue  # lies along the border: a desk strip, the paper's edge
            typical = float(np.median([o for j, o in enumerate(widths) if j != i]))
            around = any(_around(r.box, o.box) for j, o in enumerate(regions) if j != i)
            if sw > T.SURFACE_STROKES * typical or (
                    around and sw > T.SURFACE_AROUND_STROKES * typical):
                continue
        out.append(r)
    return out


def _digit_at_side(i: int, regions: list[Region], widths: list[float],
                   along: tuple[float, float], frame_height: int) -> bool:
    """Whether region i, along SURFACE_EDGE_CONTACT of a frame side, is a digit at a
    tight crop's side: it lies along one side only, shaped like a digit (at most
    SPLIT_PART_MAX_WIDTH as wide as tall), touching a left or right side along less
    than SURFACE_DIGIT_CONTACT of its height (a curve meets the side; a strip, a
    fingertip, a bezel, a bracket or a housing runs along it; at the top or bottom, a
    7's or a 2's bar may run along all of its width); and a region beside it
    (their rows overlapping) is of its height within SURFACE_LIKE_HEIGHT either way,
    with strokes at least 1 / SURFACE_AROUND_STROKES as thick (``widths``: the
    regions' stroke widths, pixels; ``along``: its ``_side_contacts``)."""
    _x, y, w, h = regions[i].box
    along_x, along_y = along
    if min(along) >= T.SURFACE_EDGE_CONTACT or w > T.SPLIT_PART_MAX_WIDTH * h:
        return False
    if along_x >= along_y and along_x * frame_height >= T.SURFACE_DIGIT_CONTACT * h:
        return False
    return any(
        j != i and o.box[1] < y + h and o.box[1] + o.height > y
        and h <= T.SURFACE_LIKE_HEIGHT * o.height and o.height <= T.SURFACE_LIKE_HEIGHT * h
        and widths[i] <= T.SURFACE_AROUND_STROKES * widths[j]
        for j, o in enumerate(regions))


def _sliver(region: Region, shape: tuple[int, int]) -> bool:
    """Whether a region lies along a frame side (SURFACE_SLIVER_CONTACT of it) while
    thinner across that side than SURFACE_SLIVER of the frame."""
    h, w = shape
    along_x, along_y = _side_contacts(region, shape)
    return bool((along_x >= T.SURFACE_SLIVER_CONTACT and region.width < T.SURFACE_SLIVER * w)
                or (along_y >= T.SURFACE_SLIVER_CONTACT and region.height < T.SURFACE_SLIVER * h))


def _side_contacts(region: Region, shape: tuple[int, int]) -> tuple[float, float]:
    """The largest share of the left or right frame side, and of the top or bottom one,
    that a region's ink touches (0 where it touches none)."""
    h, w = shape
    x, y, rw, rh = region.box
    m = region.mask
    left = np.count_nonzero(m[:, 0]) / h if x == 0 else 0.0
    right = np.count_nonzero(m[:, -1]) / h if x + rw >= w else 0.0
    top = np.count_nonzero(m[0]) / w if y == 0 else 0.0
    bottom = np.count_nonzero(m[-1]) / w if y + rh >= h else 0.0
    return max(left, right), max(top, bottom)


def reading_order(boxes: list[Box]) -> tuple[list[int], list[int]]:
    """Indices in reading order (lines top to bottom, left to right) and each one's line.
    Boxes are taken by their centre's height; one joins the first line whose rows hold its
    centre. A line of small digits raised beside taller ones then joins their line
    (``_join_raised``: a price's cents, an exponent, a form's field number)."""
    order = sorted(range(len(boxes)), key=lambda i: boxes[i][1] + boxes[i][3] / 2)
    lines: list[list[int]] = []
    rows: list[list[int]] = []  # each line's top and bottom row, kept as it grows
    for i in order:
        _x, y, _w, h = boxes[i]
        cy = y + h / 2
        for line, span in zip(lines, rows, strict=True):
            if span[0] <= cy <= span[1]:
                line.append(i)
                span[0], span[1] = min(span[0], y), max(span[1], y + h)
                break
        else:
            lines.append([i])
            rows.append([y, y + h])
    out, line_of = [], []
    for n, line in enumerate(_join_raised(lines, boxes)):
        for i in sorted(line, key=lambda i: boxes[i][0]):
            out.append(i)
            line_of.append(n)
    return out, line_of


def _join_raised(lines: list[list[int]], boxes: list[Box]) -> list[list[int]]:
    """The lines, each line of digits raised beside a taller line joined to it: its
    digits each less than RAISED_SHARE of the height of every digit of the taller line,
    their centres within the rows of every one, all of them to one side of it, at most
    RAISED_REACH of its median height away. (A small line above a number with one taller
    digit has its centres within that digit's rows only; a ledger's line above a bigger
    amount stretches across the page, over it; a tall bar beside several lines joins one,
    whose digits are then too small for the next.) Each line is judged against all others
    at once (a page of hundreds of lines costs milliseconds)."""
    if len(lines) < 2:
        return lines
    def figures(line: list[int]) -> tuple[float, ...]:
        """Its digits' least and greatest height, the rows all of them hold, the rows of
        their centres, its extent left to right, its median height. (In Python: a line
        holds a few digits, and numpy's calls on them cost ~10x as much.)"""
        hs = [boxes[i][3] for i in line]
        tops = [boxes[i][1] for i in line]
        centres = [t + v / 2 for t, v in zip(tops, hs, strict=True)]
        return (min(hs), max(hs), max(tops), min(t + v for t, v in zip(tops, hs, strict=True)),
                min(centres), max(centres), min(boxes[i][0] for i in line),
                max(boxes[i][0] + boxes[i][2] for i in line), statistics.median(hs))

    fig = np.array([figures(line) for line in lines])
    low, high, rows_top, rows_bottom, centre_top, centre_bottom, lo, hi, mid = fig.T  # views
    out = [list(line) for line in lines]
    kept = np.ones(len(lines), bool)
    for a in range(len(lines)):
        kept[a] = False
        gap = np.maximum(lo[a] - hi, lo - hi[a])
        beside = kept & (high[a] < T.RAISED_SHARE * low) & (centre_top[a] >= rows_top) \
            & (centre_bottom[a] <= rows_bottom) & (gap >= 0) & (gap <= T.RAISED_REACH * mid)
        if beside.any():
            t = int(np.argmax(beside))
            out[t] += out[a]
            out[a] = []
            fig[t] = figures(out[t])
        else:
            kept[a] = True
    return [line for line in out if line]


# ---- 6. crops and cuts ------------------------------------------------------------------

@dataclass
class Segmentation:
    """Candidate regions of one frame in reading order, their crops and boxes.

    ``crops``: float32 [N,1,28,28] for the model; ``boxes``: (x, y, w, h) in pixels of
    the original frame; ``regions`` the same candidates in working pixels."""

    crops: np.ndarray
    boxes: list[Box]
    regions: list[Region] = field(default_factory=list)
    ink: np.ndarray | None = None  # uint8 ink strength at working size
    level: float = 0.0  # the ink threshold
    scale: int = 1  # original pixels per working pixel
    stroke: float = 0.0  # the frame's stroke width, working pixels
    # an image whose polarity is in doubt and whose one-level polarity is not the one
    # taken (``ink_map``): the reader also reads ``segment(frame, one_level=True)`` and
    # keeps the better reading
    other_polarity: bool = False

    def crop(self, region: Region, aspect: float | None = None) -> np.ndarray:
        """The region's own ink, scaled to [0,1] and fitted: float32 [28, 28]. A region
        longer than CROP_MAX_SIDE is first reduced by an integer factor, each pixel the
        most of its block (strokes keep their ink). ``aspect``: the ink of a region wider
        than that (width / height) is narrowed to it before it is fitted (a digit
        written wide read as one of usual width; ``reader._narrowed``)."""
        assert self.ink is not None
        x, y, w, h = region.box
        mask = region.mask.astype(np.uint8)
        ink = self.ink[y:y + h, x:x + w]
        f = -(-max(w, h) // T.CROP_MAX_SIDE)
        if f > 1:
            mask, ink = _max_pool(mask, f), _max_pool(ink, f)
        soft = cv2.dilate(mask, _SQUARE)  # the strokes' soft edges
        strokes = ink[mask > 0]  # (uint8, before the float copy: a quarter of the bytes)
        top = crops.upper_decile(strokes) if strokes.size else self.level
        low = 0.5 * self.level
        img = ink.astype(np.float32)
        img -= low  # (in place: a region's crop is made ~10 times a frame)
        img /= max(1.0, top - low)
        np.clip(img, 0, 1, out=img)
        img[soft == 0] = 0
        stroke = crops.stroke_width(mask)
        if aspect is not None and img.shape[1] > aspect * img.shape[0]:
            img = cv2.resize(img, (max(1, round(aspect * img.shape[0])), img.shape[0]),
                             interpolation=cv2.INTER_AREA)
        return crops.fit(img, stroke)

    def frame_box(self, region: Region) -> Box:
        """A region's box in pixels of the original frame."""
        x, y, w, h = region.box
        s = self.scale
        return (x * s, y * s, w * s, h * s)

    def split_options(self, region: Region, pair: bool = False) -> Cuts | None:
        """Candidate cuts of a region that may hold touching digits (a digit and a 1 beside
        it included): at every CUT_SPACING of its height, the cheapest path through the
        ink within that band (not only straight empty columns), and the parts between
        any two such cuts at most SPLIT_PART_MAX_WIDTH of the height apart that keep
        SPLIT_PART_HEIGHT of it (pieces of one digit, a 6's loop and its stem, do not).
        The model scores the parts and ``best_cut`` picks the 2..MAX_TOUCHING of them
        that make up the region; None when the region is too narrow to hold two, or too
        wide to be made up of that many (two for a ``pair``).
        ``pair``: only the parts of cuts in two (each touching a side of the region)."""
        _x, _y, w, h = region.box
        # parts span at most SPLIT_PART_MAX_WIDTH of the height: a region wider than that
        # many parts can take holds no split (a 20,000-px wavy line offered ~4,000 parts)
        most = 2 if pair else T.MAX_TOUCHING
        if w < T.SPLIT_MIN_ASPECT * h or w > most * T.SPLIT_PART_MAX_WIDTH * h or h < 2:
            return None
        step = max(2, round(T.CUT_SPACING * h))
        loops = _loops(region.mask, T.CUT_LOOP_AREA * h * h)
        # a loop costs more than any path through ink: paths go round it where they can
        cost = region.mask.astype(np.float32) + h * loops
        stroke = max(1.0, crops.stroke_width(region.mask.astype(np.uint8)))
        rows = np.arange(h)
        paths, centres, crossed = [np.zeros(h, np.int32)], [0.0], [0.0]
        bands = [(centre, max(1, centre - step // 2), min(w - 1, centre + step // 2 + 1))
                 for centre in range(step, w - step // 2, step)]
        bands = [(c, lo, hi) for c, lo, hi in bands if hi - lo >= 2]
        found = _cut_paths(cost, [(lo, hi) for _c, lo, hi in bands])
        for (centre, _lo, _hi), path in zip(bands, found, strict=True):
            if loops[rows, path].any():
                continue  # through a digit's loop: a square 0 is no 1 and a 3
            paths.append(path)
            centres.append(float(centre))
            crossed.append(float(cost[rows, path].sum()) / stroke)
        paths.append(np.full(h, w, np.int32))
        centres.append(float(w))
        crossed.append(0.0)
        tall = T.SPLIT_PART_HEIGHT * h
        widest = T.SPLIT_PART_MAX_WIDTH * h

        def one(p: Region) -> bool:  # shaped like a 1: narrow, nearly the region's height
            return p.width <= T.SPLIT_ONE_WIDTH * h and p.height >= T.SPLIT_ONE_HEIGHT * h

        parts: dict[tuple[int, int], Region] = {}
        last = len(paths) - 1
        for a in range(last):
            for b in range(a + 1, last + 1):
                if centres[b] - centres[a] > widest:
                    break
                if (a, b) == (0, last) or (pair and a > 0 and b < last):
                    continue  # the whole region, or a middle part
                part = _between(region, paths[a], paths[b])
                if part is not None and part.height >= tall \
                        and part.width >= T.CUT_PART_MIN_STROKES * stroke \
                        and (part.width >= T.SPLIT_DIGIT_MIN_WIDTH * h or one(part)):
                    parts[(a, b)] = part
        if pair:  # a 1 and a digit, or two digits SPLIT_PAIR_PART_WIDTH wide each
            def wide(p: Region) -> bool:
                return p.width >= T.SPLIT_PAIR_PART_WIDTH * h

            kept = {}
            for k in range(1, last):
                left, right = parts.get((0, k)), parts.get((k, last))
                if left and right and (one(left) or one(right) or (wide(left) and wide(right))):
                    kept[(0, k)], kept[(k, last)] = left, right
            parts = kept
        return Cuts(len(paths), parts, crossed) if parts else None


@dataclass(frozen=True)
class Cuts:
    """Candidate cuts of one region (``Segmentation.split_options``): cut 0 is its left
    edge, cut ``count - 1`` its right edge; ``parts[(a, b)]`` is its ink between cuts a
    and b (a < b), trimmed to that ink; ``crossed[k]`` the ink cut k runs through, in
    the region's stroke widths (0 at the edges)."""

    count: int
    parts: dict[tuple[int, int], Region]
    crossed: list[float]


def best_cut(cuts: Cuts, scores: dict[tuple[int, int], float],
             most: int = T.MAX_TOUCHING) -> tuple[list[tuple[int, int]], float]:
    """The parts that make up the whole region, 2..``most`` of them, whose weakest part
    scores highest: a bottleneck path from cut 0 to the last cut. A part scores
    ``scores[(a, b)]`` (the model's digit probability) less CUT_INK_COST for each stroke
    width of ink that the more costly of its two cuts runs through (a cut along a stroke
    leaves a digit whose piece the model may still read confidently, as a 6 for a 0
    shorn of its right side; touching digits meet at about one stroke width); among
    paths of that weakest score, the next weakest decides ("0 | 9 | 1" over "0 | 91"
    when the 0 is the weakest of both: a leximin path). Returns
    the parts left to right and that weakest score; ([], 0.0) when no path exists."""
    n = cuts.count
    scores = {ab: s - T.CUT_INK_COST * max(cuts.crossed[ab[0]], cuts.crossed[ab[1]])
              for ab, s in scores.items()}
    by_start: dict[int, list[tuple[int, float]]] = {}
    for (a, b), sc in scores.items():
        by_start.setdefault(a, []).append((b, sc))
    # best[k][a]: the greatest sorted scores of k parts from cut a to the last, and those
    # parts (leximin: its first score is the weakest part's, the bottleneck; a score
    # added to two such tuples of k keeps their order, so each best extends the best)
    best: list[dict[int, tuple[tuple[float, ...], list[tuple[int, int]]]]] = [
        {n - 1: ((), [])}]
    for _k in range(most):
        nxt: dict[int, tuple[tuple[float, ...], list[tuple[int, int]]]] = {}
        for a, ends in by_start.items():
            for b, sc in ends:
                if b in best[-1]:
                    rest, path = best[-1][b]
                    cand = (tuple(sorted((sc, *rest))), [(a, b), *path])
                    if a not in nxt or cand[0] > nxt[a][0]:
                        nxt[a] = cand
        best.append(nxt)
    found = [best[k][0] for k in range(2, len(best)) if 0 in best[k]]
    if not found:
        return [], 0.0
    sorted_scores, path = max(found, key=lambda sp: sp[0])
    return path, float(sorted_scores[0])


def loop_count(region: Region, area: float) -> int:
    """How many holes of ``area`` working pixels or more a region's ink encloses (a 0, 6
    or 9 one, an 8 two; a scrawl that crosses itself more)."""
    return len(_holes(region.mask, area)[1])


def _loops(mask: np.ndarray, area: float) -> np.ndarray:
    """The background a region's ink encloses in holes of ``area`` pixels or more (a 0's,
    6's, 8's loops; not the small gaps where touching digits meet twice): bool [h, w]
    for ``mask`` (bool [h, w], ink)."""
    labels, big = _holes(mask, area)
    return np.isin(labels[1:-1, 1:-1], big) & ~mask


def _holes(mask: np.ndarray, area: float) -> tuple[np.ndarray, list[int]]:
    """The background of ``mask`` (bool [h, w], ink) padded by one pixel, labelled in
    4-connected parts (int32 [h + 2, w + 2]; the ink is label 0), and the labels of the
    parts it encloses of ``area`` pixels or more."""
    background = np.pad(~mask, 1, constant_values=True).astype(np.uint8)
    n, labels, stats, _c = cv2.connectedComponentsWithStats(background, connectivity=4)
    outside = labels[0, 0]
    return labels, [i for i in range(1, n)
                    if i != outside and stats[i, cv2.CC_STAT_AREA] >= area]


# Rows whose path steps are found at once: a digit's region in one go, a page-high scrawl
# (1,000 x 6,400 px, about the widest that is cut) in parts, so that its temporaries stay
# small beside its cost table (51 MB; peak 68 MB: found row by row, 58 MB and twice the
# time).
_CUT_BACK_ROWS = 64


def _cut_paths(cost: np.ndarray, bands: list[tuple[int, int]]) -> list[np.ndarray]:
    """For each band of columns [lo, hi), the top-to-bottom path through it crossing the
    least ink, moving at most one column per row (a drop-fall cut): the path's column in
    each row, int32 [h]. ``cost``: float32 [h, w], the price of each pixel. All bands are
    searched at once (one pass over the rows), each apart from the others."""
    h = cost.shape[0]
    if not bands:
        return []
    width = max(hi - lo for lo, hi in bands)
    # acc[r, :, 1:-1]: the bands side by side, each padded with impassable columns to the
    # widest, between impassable walls, [h, n, width + 2]; each row in turn becomes the
    # cheapest path to each of its pixels
    acc = np.full((h, len(bands), width + 2), np.inf)
    for k, (lo, hi) in enumerate(bands):
        acc[:, k, 1:1 + hi - lo] = cost[:, lo:hi]
    best = np.empty((len(bands), width))
    for r in range(1, h):  # (in place, four calls a row: the row walk is most of the cost)
        above = acc[r - 1]
        np.minimum(above[:, :-2], above[:, 2:], out=best)
        best += T.CUT_STEP_COST
        np.minimum(best, above[:, 1:-1], out=best)
        acc[r, :, 1:-1] += best
    # where each pixel's path came from (-1 left, 0 above, 1 right), _CUT_BACK_ROWS rows at
    # once; ties: left, then straight down
    back = np.empty((h - 1, len(bands), width), np.int8)
    for r in range(0, h - 1, _CUT_BACK_ROWS):
        above = acc[r:min(r + _CUT_BACK_ROWS, h - 1)]
        left = above[:, :, :-2] + T.CUT_STEP_COST
        mid = above[:, :, 1:-1]
        right = above[:, :, 2:] + T.CUT_STEP_COST
        from_left = (left <= mid) & (left <= right)
        from_right = ~from_left & (right < mid)
        back[r:r + len(above)] = from_right.view(np.int8) - from_left.view(np.int8)
    cols = acc[-1, :, 1:-1].argmin(axis=1)
    paths = np.zeros((len(bands), h), np.int32)
    ks = np.arange(len(bands))
    for r in range(h - 1, 0, -1):
        paths[:, r] = cols
        cols = cols + back[r - 1, ks, cols]
    paths[:, 0] = cols
    return [p + lo for p, (lo, _hi) in zip(paths, bands, strict=True)]


def _max_pool(image: np.ndarray, f: int) -> np.ndarray:
    """A 2-D array reduced f times in each direction, each pixel the largest of its f x f
    block (a block at the edge: of its pixels inside). uint8 [ceil(h/f), ceil(w/f)]."""
    grown = cv2.dilate(image, np.ones((f, f), np.uint8), anchor=(0, 0))
    return np.ascontiguousarray(grown[::f, ::f])


def _between(region: Region, left: np.ndarray, right: np.ndarray) -> Region | None:
    """The region's ink between two cut paths (each the cut's column in every row: ink
    at columns left <= c < right), trimmed to that ink; None when there is none."""
    x, y, _w, _h = region.box
    # only the columns the paths enclose (a frame-sized region's 76 parts, each made
    # over all of it, took 2 s)
    lo, hi = int(left.min()), int(right.max())
    cols = np.arange(lo, hi)[None, :]
    inside = (cols >= left[:, None]) & (cols < right[:, None]) & region.mask[:, lo:hi]
    ys = np.flatnonzero(inside.any(axis=1))
    if len(ys) == 0:
        return None
    xs = np.flatnonzero(inside.any(axis=0))
    y0, y1, x0, x1 = ys[0], ys[-1] + 1, xs[0], xs[-1] + 1
    return Region((x + lo + int(x0), y + int(y0), int(x1 - x0), int(y1 - y0)),
                  inside[y0:y1, x0:x1].copy())  # (a view would hold the region's whole box)


def segment(frame: np.ndarray, one_level: bool = False) -> Segmentation:
    """Every candidate digit region of a frame (any dtype/channels: see
    ``digits.image``) in reading order, with model-ready crops float32
    [N,1,28,28] and boxes in frame pixels. ``one_level``: the ink is taken against one
    background level (``_one_level``) whatever ``ink_map`` would decide."""
    pixels = to_8bit(frame)
    gray, scale = working_gray(pixels)
    ink, _light, surface, other = (*_one_level(gray), None, False) if one_level else ink_map(gray)
    binary, level = binarize(ink, floor=surface is not None)
    faint = faint_ink(ink, level)
    kept = remove_boxes(remove_lines(binary, faint), faint)
    hue = (functools.cache(lambda: surface_steps(surface, gray.shape, pixels))
           if pixels.ndim == 3 else None)
    regions, stroke = candidates(kept, surface_steps(surface, gray.shape), faint, binary, hue)
    order, _lines = reading_order([r.box for r in regions])
    regions = [regions[i] for i in order]
    seg = Segmentation(np.zeros((len(regions), 1, 28, 28), np.float32), [], regions, ink,
                       level, scale, stroke, other)
    for n, r in enumerate(regions):
        seg.crops[n, 0] = seg.crop(r)
    seg.boxes = [seg.frame_box(r) for r in regions]
    return seg
