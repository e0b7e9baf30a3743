"""The Python API: ``from digits import Reader``. Digits, lines and numbers off an image.

    from digits import Reader

    reader = Reader()                          # the default model, CPU or CUDA
    result = reader.read("meter.jpg")          # or a numpy BGR/gray array, or encoded bytes
    print(result.text)                         # "12 3.5\\n78": numbers by spaces, lines by \\n
    for n in result.numbers:
        print(n.text, n.box)                   # "3.5" (x, y, w, h) in pixels of the image

Coordinates: pixels of the image as given, x to the right and y down from its top-left
corner; a box is (x, y, w, h). Reading order: lines top to bottom, left to right within a
line. `Result.to_dict()` is the JSON record `digits recognize --json` prints for the same
input (DESIGN.md, Recognition output). One Reader may be shared by many threads: it holds
one onnxruntime session and nothing that changes per call.

Only numpy, OpenCV and onnxruntime are imported: never torch.
"""

from __future__ import annotations

import bisect
import itertools
import math
import statistics
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from digits.errors import NO_MEMORY, DigitsError, UnreadableInput
from digits.image import to_8bit
from digits.runtime import sources as src
from digits.runtime import tuning
from digits.runtime.model import Model
from digits.runtime.segment import (
    Box,
    Cuts,
    Segmentation,
    best_cut,
    loop_count,
    reading_order,
    segment,
    union,
)
from digits.runtime.segment import Region as SegRegion

# Version of the JSON record (DESIGN.md, Recognition output). 1: source, frame, digits,
# text. 2: digits gain line and number; lines, numbers, rejected; text keeps the structure.
SCHEMA_VERSION = 2
# The array dtypes `Reader.read` takes; uint16 and float are brought to uint8 by to_8bit.
ARRAY_DTYPES = (np.uint8, np.uint16, np.float32, np.float64)

# A gap between two digits of a line wider than this many digit heights starts a new
# number. Inside a number the widest gap over 200 generated frames (digits.scenes, seed 5)
# is 0.60 of the line's median digit height; a space between numbers is a digit's width
# (~0.7 h) or more.
NUMBER_GAP = 0.75
# A decimal point or comma is looked for in gaps of this many digit heights (narrower
# leaves no room for one; a wider one is two numbers, whatever sits between them)...
SEPARATOR_GAP = (0.12, 1.5)
# ...as a solid blob of ink whose sides are this share of the digit height or more (and
# 2 px: noise and broken rules are smaller) and no side is longer than the second figure
# (a pen's dot up to a short comma), in the window from POINT_LOW of the digits' height
# to below their baseline. Dots drawn at 0.10-0.16 h (digits.scenes) sit well inside;
# a handwritten comma is 0.2-0.4 h with the pen (0.35 missed half the commas of
# tests/kinds.py make_comma_number, seeds 0-7, 0.45 none). A blob is solid when its ink
# fills SEPARATOR_FILL of its box (a slanted comma stroke fills ~0.35 of it).
SEPARATOR_SIZE = (0.06, 0.45)
SEPARATOR_FILL = 0.3
POINT_LOW = 0.6
# The segmentation joins a point to a digit within 0.2 h of it (a fragment it takes for
# a detached stroke), widening that digit's box: the window reaches this many digit
# heights into each box. A digit's own strokes there run out of the window's top or
# sides and are not taken for a point. Generated frames (seed 6, 300 frames): frames
# with a point missed 27 of 282 -> 0 with it.
INTO_BOX = 0.3
# Ink is what differs from the paper by this share of digit a's contrast or more (0.3
# lets blur join a point to its digit: 7 of 282 missed), and a point has no other ink
# within CLEARANCE digit heights: a broken stroke's pieces do. Seed 6, 300 frames: false
# points 4 -> 1 of 282 at 0.08 (0.04: 3; 0.12: 1), none missed.
INK_LEVEL = 0.5
CLEARANCE = 0.08
# The window is looked at in every f-th pixel, f bringing the digit height down to about
# this many (the smallest point, 0.06 h, is then still 2 px): a quarter of the cost or
# less for large digits, and the same points found (seeds 5 and 6).
SEPARATOR_SCALE = 40
# A blob taller than this many times its width that reaches below the digits' baseline
# is a comma; any other one a point.
COMMA_ASPECT = 1.5


@dataclass(frozen=True)
class Digit:
    """One digit read off the image.

    label: 0-9. confidence: the model's softmax probability of that label, in [0,1].
    box: (x, y, w, h) in pixels of the image. line, number: indices into the Result's
    `lines` and `numbers`. region: index into the Reader's `rois` (None without ROIs).
    probabilities: the softmax over the model's labels, float32 [10] in `Model.labels`
    order (not in the record)."""

    label: int
    confidence: float
    box: Box
    line: int = 0
    number: int = 0
    region: int | None = None
    probabilities: np.ndarray | None = field(default=None, compare=False, repr=False)

    @property
    def low_confidence(self) -> bool:
        """Read, but below LOW_CONFIDENCE (runtime/tuning.py): reported, and marked so."""
        return self.confidence < tuning.LOW_CONFIDENCE


@dataclass(frozen=True)
class Number:
    """Digits of one line close enough to be one number, with a decimal point or comma
    kept where one was found between two of them. text: "3.5"; box: around its digits
    (x, y, w, h, pixels); line: index into the Result's `lines`; digits: indices into its
    `digits`."""

    text: str
    box: Box
    line: int
    digits: tuple[int, ...]
    region: int | None = None


@dataclass(frozen=True)
class Line:
    """One line of text: its numbers joined by a space, and the box around them."""

    text: str
    box: Box
    numbers: tuple[int, ...]
    region: int | None = None


@dataclass(frozen=True)
class Region:
    """A region of interest as read: its box in pixels of the frame and its text."""

    box: Box
    text: str


@dataclass(frozen=True)
class Result:
    """What one image or video frame holds, in reading order.

    source: the file, "stdin", "camera:N" or what `read(source=...)` was given (None for
    an array read without one). frame: the frame number of a video or camera; None for an
    image. rejected: regions that looked like ink but not like a digit. regions: one per
    ROI when the Reader has ROIs, else None. error: why this input could not be read
    (only from `read_many`, which goes on past it); then there are no digits.
    times: seconds spent on preprocess (segmentation), inference and postprocess (labels,
    lines, numbers); not part of the record."""

    source: str | None
    frame: int | None
    digits: tuple[Digit, ...] = ()
    lines: tuple[Line, ...] = ()
    numbers: tuple[Number, ...] = ()
    rejected: int = 0
    regions: tuple[Region, ...] | None = None
    error: str | None = None
    times: tuple[float, float, float] = field(default=(0.0, 0.0, 0.0), compare=False)

    @property
    def text(self) -> str:
        """Numbers joined by a space, lines by a newline: "12 3.5\\n78"."""
        return "\n".join(line.text for line in self.lines)

    def relabel(self, digits: Sequence[Digit]) -> Result:
        """This result with its digits' labels and confidences replaced by those of
        `digits` (the same digits, same order: a live source's smoothed labels), lines,
        numbers and regions re-spelt to match."""
        labels = iter(str(d.label) for d in digits)
        numbers = tuple(replace(n, text="".join(next(labels) if c.isdigit() else c
                                                for c in n.text)) for n in self.numbers)
        lines = tuple(replace(ln, text=" ".join(numbers[i].text for i in ln.numbers))
                      for ln in self.lines)
        regions = None if self.regions is None else tuple(
            replace(r, text="\n".join(ln.text for ln in lines if ln.region == k))
            for k, r in enumerate(self.regions))
        new = tuple(replace(old, label=d.label, confidence=d.confidence)
                    for old, d in zip(self.digits, digits, strict=True))
        return replace(self, digits=new, lines=lines, numbers=numbers, regions=regions)

    def to_dict(self) -> dict[str, Any]:
        """The JSON record of `digits recognize --json` (DESIGN.md, Recognition output)."""
        def where(thing: Digit | Line | Number) -> dict[str, int]:
            return {} if thing.region is None else {"region": thing.region}

        rec: dict[str, Any] = {
            "source": self.source, "frame": self.frame,
            "digits": [{"label": d.label, "confidence": round(d.confidence, 3),
                        "box": list(d.box), "line": d.line, "number": d.number,
                        "low_confidence": d.low_confidence, **where(d)}
                       for d in self.digits],
            "text": self.text,
            "schema_version": SCHEMA_VERSION,
            "lines": [{"text": ln.text, "box": list(ln.box), **where(ln)} for ln in self.lines],
            "numbers": [{"text": n.text, "box": list(n.box), "line": n.line, **where(n)}
                        for n in self.numbers],
            "rejected": self.rejected,
        }
        if self.regions is not None:
            rec["regions"] = [{"box": list(r.box), "text": r.text} for r in self.regions]
        if self.error is not None:
            rec["error"] = self.error
        return rec


# Sees every region the model decided on, digit or rejected, before the confidence floor:
# crops float32 [N,1,28,28] (the model's input), boxes (x, y, w, h) in pixels of the image,
# probabilities float32 [N,C] (harvest.CropSaver, `recognize --save-crops`).
Regions = Callable[[np.ndarray, list[Box], np.ndarray], object]


def read_digits(model: Model, image: np.ndarray, min_confidence: float,
                times: list[float] | None = None,
                regions: Regions | None = None) -> tuple[list[Digit], int]:
    """The bare pipeline: segmentation proposes regions, the model decides. Digits in
    reading order (line and number not set yet) and the count of rejected regions;
    `times` gets preprocess, inference and postprocess seconds appended.

    A region is a digit when the model's top class is a digit (not
    ``model.reject_index``) read with at least ``min_confidence`` (and, for a model
    without a reject class, the calibrated NO_REJECT_MIN_CONFIDENCE), and is neither a
    letter of a word (``_in_words``) nor a separator between two digits
    (``_separators``); every other region counts as rejected. A region wide enough to
    hold touching digits (a digit and a 1 included) is also cut along candidate paths
    (``Segmentation.split_options``), the parts chosen by ``best_cut``; a cut wins when
    its weakest part is read more confidently than the whole, by SPLIT_MARGIN of the
    whole's doubt (or, in a region SPLIT_WIDE_MIN_ASPECT wide, at SPLIT_WIDE_PART_MIN),
    and at SPLIT_PART_MIN at least (SPLIT_REJECTED_PART_MIN for a region
    read as "not a digit", which is never cut into 1s alone: a letter's stems). An
    image whose polarity is in doubt (``Segmentation.other_polarity``: a small image, or
    a tight crop of a fat digit at any size) is read both ways;
    the reading whose digits explain more of it wins (``_explained``). A 1 placed as a
    printed line is and in another ink than the other digits is rejected
    (``_other_ink_ones``). A wide region read in doubt is read again narrowed
    (``_narrowed``).

    image: uint8 BGR [H,W,3], BGRA [H,W,4] or gray [H,W] (any ``digits.image``
    takes)."""
    t0 = time.perf_counter()
    seg = segment(image)
    t1 = time.perf_counter()
    found = _decide(model, seg)
    floor = min_confidence if model.reject_index is not None else max(
        min_confidence, tuning.NO_REJECT_MIN_CONFIDENCE)
    if seg.other_polarity:  # an image whose polarity the model settles
        other = segment(image, one_level=True)
        other_found = _decide(model, other)
        if _explained(model, other_found, floor) > _explained(model, found, floor):
            seg, found = other, other_found
    found = _narrowed(model, seg, found)
    t2 = time.perf_counter()
    digits, rejected = [], 0
    order, _ = reading_order([r.box for r, _p in found])
    for j in order:
        region, p = found[j]
        score = _digit_score(model, p)
        if score >= floor and score > 0:
            x, y, w, h = seg.frame_box(region)
            digits.append(Digit(model.labels[int(p.argmax())], score,
                                (int(x), int(y), int(w), int(h)), probabilities=p))
        else:
            rejected += 1
    other_ink = _other_ink_ones(image, digits)
    if other_ink:
        digits = [d for i, d in enumerate(digits) if i not in other_ink]
        rejected += len(other_ink)
    if regions is not None and found:
        regions(np.stack([seg.crop(r)[None] for r, _p in found]),
                [seg.frame_box(r) for r, _p in found], np.stack([p for _r, p in found]))
    if times is not None:
        times += [t1 - t0, t2 - t1, time.perf_counter() - t2]
    return digits, rejected


def _narrowed(model: Model, seg: Segmentation, found: list[tuple[SegRegion, np.ndarray]]
              ) -> list[tuple[SegRegion, np.ndarray]]:
    """``found`` with each region WIDE_DOUBT_ASPECT as wide as tall or more, read as a
    digit below WIDE_DOUBT_MAX, read again narrowed to WIDE_READ_ASPECT of its height
    (``Segmentation.crop``): a digit written wide, stretched or photographed at a slant
    is then read at WIDE_DOUBT_MAX or more and the new reading replaces the first; a
    scrawl stays in doubt and is rejected (probabilities zeroed). Regions read as "not
    a digit" are left alone: narrowed, a flat stroke with a hook at its end (a box's
    corner, a "¬") reads as a 7 at 0.9 or more."""
    doubt = [k for k, (r, p) in enumerate(found)
             if r.width >= tuning.WIDE_DOUBT_ASPECT * r.height
             and 0 < _digit_score(model, p) < tuning.WIDE_DOUBT_MAX]
    if not doubt:
        return found
    again = model.probabilities(np.stack(
        [seg.crop(found[k][0], tuning.WIDE_READ_ASPECT)[None] for k in doubt]))
    out = list(found)
    for k, p in zip(doubt, again, strict=True):
        out[k] = (found[k][0], p if _digit_score(model, p) >= tuning.WIDE_DOUBT_MAX
                  else np.zeros_like(p))
    return out


def _loopy_rejected(model: Model, found: list[tuple[SegRegion, np.ndarray]]
                    ) -> list[tuple[SegRegion, np.ndarray]]:
    """``found`` with each region read as a digit below LOOPY_DOUBT_MAX whose ink encloses
    LOOPY_LOOPS holes or more, each LOOPY_AREA of its height squared or more, rejected
    (probabilities zeroed): a digit has two loops at most, three where an 8's two rings
    overlap; a scrawl that crosses itself has more, and the model reads some scrawls as
    4s and 8s."""
    out = []
    for r, p in found:
        if 0 < _digit_score(model, p) < tuning.LOOPY_DOUBT_MAX \
                and loop_count(r, tuning.LOOPY_AREA * r.height ** 2) >= tuning.LOOPY_LOOPS:
            p = np.zeros_like(p)
        out.append((r, p))
    return out


def _other_ink_ones(image: np.ndarray, digits: list[Digit]) -> set[int]:
    """Indices of the 1s among ``digits`` that are printed structure, not a pen's 1: placed
    as a printed line is (``_structure_shaped``) and in another ink than the others
    (tuning.PEN_ANGLE from their mean). Only in a BGR image, with at least two digits
    other than 1s whose inks agree pairwise (tuning.PEN_SPREAD)."""
    others = [i for i, d in enumerate(digits) if d.label != 1]
    if image.ndim != 3 or image.shape[2] != 3 or len(others) < 2:
        return set()
    other_boxes = np.array([digits[i].box for i in others], np.float32)
    suspects = [i for i, d in enumerate(digits)
                if d.label == 1 and _structure_shaped(d.box, other_boxes)]
    if not suspects:
        return set()
    others = others[::-(-len(others) // tuning.PEN_OTHERS)]  # evenly, at most PEN_OTHERS
    colours = _ink_colours(image, [digits[i].box for i in suspects + others])
    found = [c for c in colours[len(suspects):] if c is not None]
    if len(found) < 2:
        return set()
    inks = np.stack(found)
    cos_spread, cos_angle = (math.cos(math.radians(a))
                             for a in (tuning.PEN_SPREAD, tuning.PEN_ANGLE))
    if float((inks @ inks.T).min()) < cos_spread:
        return set()
    pen = inks.mean(axis=0)
    pen /= max(float(np.linalg.norm(pen)), 1e-9)
    return {i for i, c in zip(suspects, colours[:len(suspects)], strict=True)
            if c is not None and float(c @ pen) < cos_angle}


def _structure_shaped(box: Box, others: np.ndarray) -> bool:
    """Whether a 1's box is placed as a printed line left by the segmentation is, among
    the other digits' boxes (float32 [N,4] x, y, w, h): right beside a digit and taller
    than it (at most PEN_BESIDE_GAP of that digit's height away, side by side,
    PEN_BESIDE_TALL times its height: a form box's side against the digit it holds), or
    nearly touching it and as thin as a printed line (at most PEN_TOUCH_GAP away and
    PEN_LINE_WIDTH wide, of its height: what is left of a side the digit touched), or
    PEN_TALL times as tall as every other digit (a margin line, a sheet's edge)."""
    x, y, w, h = box
    ox, oy, ow, oh = others.T
    if h >= tuning.PEN_TALL * float(oh.max()):
        return True
    side_by_side = np.minimum(y + h, oy + oh) - np.maximum(y, oy) >= 0.5 * np.minimum(h, oh)
    gap = np.maximum(ox - (x + w), x - (ox + ow))
    taller = (gap <= tuning.PEN_BESIDE_GAP * oh) & (h >= tuning.PEN_BESIDE_TALL * oh)
    thin = (gap <= tuning.PEN_TOUCH_GAP * oh) & (w <= tuning.PEN_LINE_WIDTH * oh)
    return bool(np.any(side_by_side & (taller | thin)))


def _ink_colours(image: np.ndarray, boxes: list[Box]) -> list[np.ndarray | None]:
    """Each box's ink colour: the unit BGR vector from its surroundings (a third of its
    height around it) to its ink, float32 [3]; None where the two do not differ. Pixels
    are ranked by gray level; a large box is sampled every n-th row or column
    (PEN_SAMPLE_SIDE)."""
    height, width = image.shape[:2]
    colours: list[np.ndarray | None] = []
    for x, y, w, h in boxes:
        m = max(4, h // 3)
        sy, sx = max(1, h // tuning.PEN_SAMPLE_SIDE), max(1, w // tuning.PEN_SAMPLE_SIDE)
        x0, y0 = max(0, x - m), max(0, y - m)
        around = np.ascontiguousarray(image[y0:min(height, y + h + m):sy,
                                            x0:min(width, x + w + m):sx])
        gray = cv2.cvtColor(around, cv2.COLOR_BGR2GRAY)
        rows = slice(-(-(y - y0) // sy), -(-(y + h - y0) // sy))
        cols = slice(-(-(x - x0) // sx), -(-(x + w - x0) // sx))
        if gray[rows, cols].size == 0:
            colours.append(None)
            continue
        ink = np.zeros_like(gray)
        ink[rows, cols] = gray[rows, cols] <= _kth(gray[rows, cols], tuning.PEN_INK_PERCENTILE)
        surface = gray >= _kth(gray, tuning.PEN_SURFACE_PERCENTILE)
        step_bgr = (np.float32(cv2.mean(around, surface.astype(np.uint8))[:3])
                    - np.float32(cv2.mean(around, ink)[:3]))
        norm = float(np.linalg.norm(step_bgr))
        colours.append(step_bgr / norm if norm > 1 else None)
    return colours


def _kth(gray: np.ndarray, percent: float) -> int:
    """The gray level ``percent`` % of the way up a patch's pixels (a partial sort)."""
    flat = gray.ravel()
    k = min(flat.size - 1, int(flat.size * percent / 100))
    return int(np.partition(flat, k)[k])


def _explained(model: Model, found: list[tuple[SegRegion, np.ndarray]],
               floor: float) -> float:
    """How much of an image a reading explains with digits: the sum over its digits of
    confidence x box area (working pixels). Of two readings of a small image (its two
    polarities), the one whose digits cover the image wins over slivers of background
    read as 1s."""
    return sum(score * r.width * r.height for r, p in found
               if (score := _digit_score(model, p)) >= floor and score > 0)


def _decide(model: Model, seg: Segmentation) -> list[tuple[SegRegion, np.ndarray]]:
    """Each candidate region of ``seg`` with the model's probabilities, or the parts of
    a cut that won (``read_digits``); letters of words and separators score 0. A region
    whose cut wins is touching digits, never a letter of a word. Pieces of one digit
    are joined first (``_join_pieces``); a scrawl with loops is rejected last
    (``_loopy_rejected``)."""
    seg, probs = _join_pieces(model, seg, model.probabilities(seg.crops))
    separators = _separators(seg.regions)
    # a cut can only win over a whole read below SPLIT_WHOLE_MAX, or one SPLIT_WIDE_MIN_ASPECT
    # as wide as tall (the wide rule below): only those are cut. Below
    # SPLIT_WIDE_ASPECT a region has room for a digit and a 1 beside it only (a pair), and
    # one read as "not a digit" may be a letter whose stem is no 1 (n, N, H, U): it is cut
    # into two wide digits (two touching 0s), or into a 1 nearly its height and a digit,
    # both read at SPLIT_REJECTED_ONE_MIN.
    # Pairs narrower than SPLIT_PAIR_WIDE_ASPECT are cut only below SPLIT_PAIR_WHOLE_MAX.
    pairs = {i for i, r in enumerate(seg.regions)
             if r.width < tuning.SPLIT_WIDE_ASPECT * r.height}
    narrow = {i for i in pairs
              if seg.regions[i].width < tuning.SPLIT_PAIR_WIDE_ASPECT * seg.regions[i].height}

    def cut(i: int) -> bool:
        most = tuning.SPLIT_PAIR_WHOLE_MAX if i in narrow else tuning.SPLIT_WHOLE_MAX
        r = seg.regions[i]  # too wide for one digit: cut however surely it is read whole
        return i not in separators and (_digit_score(model, probs[i]) < most
                                        or r.width >= tuning.SPLIT_WIDE_MIN_ASPECT * r.height)

    cuts: dict[int, Cuts] = {}
    offered = 0  # parts offered so far: at most MAX_CUT_PARTS a frame
    for i, r in enumerate(seg.regions):
        if offered < tuning.MAX_CUT_PARTS and cut(i) \
                and (c := seg.split_options(r, i in pairs)) is not None:
            cuts[i] = c
            offered += len(c.parts)
    keys = [(i, ab) for i, c in cuts.items() for ab in c.parts]
    part_probs = dict(zip(keys, model.probabilities(
        np.stack([seg.crop(cuts[i].parts[ab])[None] for i, ab in keys])), strict=True)
    ) if keys else {}
    won: dict[int, list[tuple[SegRegion, np.ndarray]]] = {}
    near: set[int] = set()  # read as "not a digit" whole, but cut into digits nearly won
    sure: set[int] = set()  # cut into no 1, the weakest part scored SPLIT_SURE or more
    for i, c in cuts.items():
        whole = _digit_score(model, probs[i])
        h = seg.regions[i].height
        pair = i in pairs
        ones = {ab for ab in c.parts if int(part_probs[i, ab].argmax()) == 1}  # read as 1s
        path, score = best_cut(c, {ab: _part_score(model, part_probs[i, ab]) for ab in c.parts
                                   if ab not in ones
                                   or c.parts[ab].height >= tuning.SPLIT_ONE_HEIGHT * h},
                               2 if pair else tuning.MAX_TOUCHING)
        has_one = any(ab in ones for ab in path)
        if pair and not has_one \
                and not all(c.parts[ab].width >= tuning.SPLIT_PAIR_PART_WIDTH * h for ab in path):
            continue
        if pair and has_one and whole >= tuning.SPLIT_PAIR_WHOLE_MAX:
            continue  # a square pair read well whole is two wide digits, or one digit
        least = tuning.SPLIT_PART_MIN if whole > 0 else tuning.SPLIT_REJECTED_PART_MIN
        if pair and whole == 0 and has_one:  # a 1 beside a digit, or a letter's stem (n, N)
            least = tuning.SPLIT_REJECTED_ONE_MIN
            if any(ab in ones and c.parts[ab].height < tuning.SPLIT_REJECTED_ONE_HEIGHT * h
                   for ab in path):
                continue
        # a letter's stems (n, v, h, m) read as 1s: a region the model rejects whole is
        # not cut into 1s alone
        stems = whole == 0 and all(ab in ones for ab in path)
        # too wide for one digit: a cut read confidently wins even over a whole read so
        wide = seg.regions[i].width >= tuning.SPLIT_WIDE_MIN_ASPECT * h \
            and score >= tuning.SPLIT_WIDE_PART_MIN
        if (score > whole + tuning.SPLIT_MARGIN * (1 - whole) or wide) and score >= least \
                and not stems:
            won[i] = [(c.parts[ab], part_probs[i, ab]) for ab in path]
            if score >= tuning.SPLIT_SURE and not has_one:  # a letter's stem reads as a 1
                sure.add(i)
        elif whole == 0 and score >= tuning.SPLIT_PART_MIN and not stems:
            near.add(i)
    words = _in_words(model, seg.regions, probs, set(won), near, sure)
    found: list[tuple[SegRegion, np.ndarray]] = []
    for i, (region, p) in enumerate(zip(seg.regions, probs, strict=True)):
        if i in words or i in separators:
            found.append((region, np.zeros_like(p)))  # scores 0: rejected
        elif i in won:
            found += won[i]
        else:
            found.append((region, p))
    return _loopy_rejected(model, found)


def _join_pieces(model: Model, seg: Segmentation, probs: np.ndarray
                 ) -> tuple[Segmentation, np.ndarray]:
    """``seg`` with the pieces of one digit that the segmentation left apart made one
    region (a 5's bar lifted off its belly, a stroke broken by faint ink), and ``probs``
    (float32 [N, classes]) to match. Two regions are pieces of one digit when one is
    rejected by the model, the other is read below LOW_CONFIDENCE (or rejected too),
    they share JOIN_COLUMNS of the narrower one's columns, lie at most JOIN_GAP of the
    taller one's height apart, and the model reads their union as a digit at JOIN_MIN
    or more. Pairs are taken best union first, each region once. Needs a reject class:
    ``seg`` as it is without one."""
    if model.reject_index is None or len(seg.regions) < 2:
        return seg, probs
    scores = np.array([_digit_score(model, p) for p in probs])
    rejected = np.flatnonzero(scores == 0)
    if len(rejected) == 0:
        return seg, probs
    boxes = np.array([r.box for r in seg.regions], np.int64)
    ax, ay, aw, ah = (v[:, None] for v in boxes[rejected].T)
    bx, by, bw, bh = (v[None, :] for v in boxes.T)
    columns = np.minimum(ax + aw, bx + bw) - np.maximum(ax, bx)
    gap = np.maximum(ay, by) - np.minimum(ay + ah, by + bh)
    near = (columns >= tuning.JOIN_COLUMNS * np.minimum(aw, bw)) \
        & (gap <= tuning.JOIN_GAP * np.maximum(ah, bh)) \
        & (scores[None, :] < tuning.LOW_CONFIDENCE) & (rejected[:, None] != np.arange(len(boxes)))
    pairs = sorted({(min(int(rejected[k]), int(j)), max(int(rejected[k]), int(j)))
                    for k, j in zip(*np.nonzero(near), strict=True)})
    if not pairs:
        return seg, probs
    unions = [union(seg.regions[i], seg.regions[j]) for i, j in pairs]
    union_crops = np.stack([seg.crop(u)[None] for u in unions])
    joined = model.probabilities(union_crops)
    union_scores = [_digit_score(model, p) for p in joined]
    regions, crops_, boxes_, probs_ = (list(seg.regions), list(seg.crops), list(seg.boxes),
                                       list(probs))
    used: set[int] = set()
    dropped: set[int] = set()  # the second piece of each joined pair
    for k in sorted(range(len(pairs)), key=lambda k: -union_scores[k]):
        i, j = pairs[k]
        if union_scores[k] < tuning.JOIN_MIN:
            break
        if i in used or j in used:
            continue
        used |= {i, j}
        dropped.add(j)
        regions[i], boxes_[i], probs_[i] = unions[k], seg.frame_box(unions[k]), joined[k]
        crops_[i] = union_crops[k]
    if not dropped:
        return seg, probs
    keep = [n for n in range(len(regions)) if n not in dropped]
    return (replace(seg, regions=[regions[n] for n in keep], boxes=[boxes_[n] for n in keep],
                    crops=np.stack([crops_[n] for n in keep])),
            np.stack([probs_[n] for n in keep]))


def _in_words(model: Model, regions: Sequence[SegRegion], probs: np.ndarray,
              cut: set[int], near: set[int], sure: set[int]) -> set[int]:
    """Indices of the regions that are letters of printed or written words: runs of
    regions on one line, each within WORD_GAP of its neighbour's height and of a height
    within WORD_HEIGHT_RATIO of it, of which WORD_MIN_LETTERS or more are read as "not a
    digit" with WORD_REJECT, or one is and another is read as a digit below
    LOW_CONFIDENCE; every region of such a run is a letter (an O, I, S or a small
    printed letter read as a digit). A region read as "not a digit" counts as one letter
    per height of its width (joined printed letters), unless it is in ``cut`` (its cut
    into digits won: touching digits), and then it is not enough beside a doubtful
    digit either; or in ``near`` (its best cut read every part as a digit, at
    SPLIT_PART_MIN or more, but lost: touching digits too blurred to cut), and then it
    counts as one letter. A region in ``sure`` (its cut won, into no 1, the weakest part
    scored SPLIT_SURE or more by ``best_cut``) is no doubtful digit, whatever its whole was
    read as, and no letter. One such letter between two regions of the run is a word
    too ("SOLO" read as 5, 0, not a digit, 0): a number holds no letter. A run whose
    letters are less than WORD_LETTER_SHARE of it (a letter as wide as N heights counts
    N) is digits with a mark among them, never a word. Needs a reject class: empty
    without one."""
    if model.reject_index is None or len(regions) < tuning.WORD_MIN_LETTERS:
        return set()
    boxes = [r.box for r in regions]
    order, line_of = reading_order(boxes)
    letter = probs[:, model.reject_index] >= tuning.WORD_REJECT
    uncut_letter = letter & ~np.isin(np.arange(len(regions)), list(cut))
    widths = np.array([1 if i in near else max(1, round(b[2] / max(b[3], 1)))
                       for i, b in enumerate(boxes)])
    is_sure = np.isin(np.arange(len(regions)), list(sure))
    letters = np.where(uncut_letter, widths, letter & ~is_sure)
    # a region cut surely is read as its parts, not as its doubtful whole
    doubtful = np.array([i not in sure and 0 < _digit_score(model, p) < tuning.LOW_CONFIDENCE
                         for i, p in enumerate(probs)])

    def word(run: list[int]) -> bool:
        count = sum(letters[j] for j in run)
        if count < tuning.WORD_LETTER_SHARE * sum(max(1, letters[j]) for j in run):
            return False  # a line of digits with a mark or two among them
        return count >= tuning.WORD_MIN_LETTERS or (
            any(uncut_letter[j] for j in run) and any(doubtful[j] for j in run)) or any(
            uncut_letter[j] for j in run[1:-1])

    out: set[int] = set()
    run: list[int] = []
    for n, (i, line) in enumerate(zip(order, line_of, strict=True)):
        if run and line == line_of[n - 1]:
            a, b = boxes[run[-1]], boxes[i]
            tall, short = max(a[3], b[3]), min(a[3], b[3])
            if (b[0] - (a[0] + a[2]) <= tuning.WORD_GAP * tall
                    and tall <= tuning.WORD_HEIGHT_RATIO * short):
                run.append(i)
                continue
        if word(run):
            out.update(run)
        run = [i]
    if word(run):
        out.update(run)
    return out


def _separators(regions: Sequence[SegRegion]) -> set[int]:
    """Indices of the regions that are a comma, point or short stroke between two digits:
    less than SEPARATOR_HEIGHT_SHARE as tall as its nearest neighbours left and right
    (regions whose rows overlap its own; a comma below the baseline is no line of its
    own), each within SEPARATOR_REACH of their height. ``structure`` keeps a point or
    comma there in the number's text."""
    boxes = [r.box for r in regions]
    by_top = sorted(range(len(boxes)), key=lambda k: boxes[k][1])
    tops = [boxes[k][1] for k in by_top]
    tallest = max((b[3] for b in boxes), default=0)
    out = set()
    for i, m in enumerate(boxes):
        left = right = None
        # only boxes whose top lies within a box's height above m's rows can share them
        # (a page of 1,000 digits took seconds when every pair was looked at)
        near = by_top[bisect.bisect_right(tops, m[1] - tallest):
                      bisect.bisect_left(tops, m[1] + m[3])]
        for a in (boxes[k] for k in sorted(near)):
            if a[1] >= m[1] + m[3] or a[1] + a[3] <= m[1] or a is m:
                continue
            if a[0] + a[2] <= m[0] and (left is None or a[0] > left[0]):
                left = a
            elif a[0] >= m[0] + m[2] and (right is None or a[0] < right[0]):
                right = a
        if left is None or right is None:
            continue
        tall = min(left[3], right[3])
        if (m[3] < tuning.SEPARATOR_HEIGHT_SHARE * tall
                and m[0] - (left[0] + left[2]) <= tuning.SEPARATOR_REACH * tall
                and right[0] - (m[0] + m[2]) <= tuning.SEPARATOR_REACH * tall):
            out.add(i)
    return out


def _shifted(regions: Regions, x: int, y: int, crops: np.ndarray, boxes: list[Box],
             probs: np.ndarray) -> object:
    """An ROI's regions, boxes moved into pixels of the whole frame."""
    return regions(crops, [(bx + x, by + y, bw, bh) for bx, by, bw, bh in boxes], probs)


def _part_score(model: Model, p: np.ndarray) -> float:
    """A cut part's score: its digit score (``_digit_score``), 0 when the model gives "not
    a digit" SPLIT_PART_REJECT or more of its probability."""
    if model.reject_index is not None and p[model.reject_index] >= tuning.SPLIT_PART_REJECT:
        return 0.0
    return _digit_score(model, p)


def _digit_score(model: Model, p: np.ndarray) -> float:
    """The probability of the top class when it is a digit; 0 when it is "not a digit"."""
    top = int(p.argmax())
    return 0.0 if top == model.reject_index else float(p[top])


def _union(boxes: Iterable[Box]) -> Box:
    bs = list(boxes)
    x0, y0 = min(b[0] for b in bs), min(b[1] for b in bs)
    x1, y1 = max(b[0] + b[2] for b in bs), max(b[1] + b[3] for b in bs)
    return (x0, y0, x1 - x0, y1 - y0)


def _separator(image: np.ndarray, a: Box, b: Box, height: float) -> str:
    """"." or "," when a point or comma sits between boxes a and b (a left of b) near
    their baseline, else "". image: the whole uint8 image (BGR, BGRA or gray); only the
    window between the two (reaching INTO_BOX into each) and digit a are looked at."""
    reach = int(INTO_BOX * height)
    x0 = max(a[0] + a[2] - reach, a[0] + a[2] // 2)
    x1 = min(b[0] + reach, b[0] + b[2] // 2)
    bottom = max(a[1] + a[3], b[1] + b[3])
    y0, y1 = int(min(a[1], b[1]) + POINT_LOW * height), int(bottom + 0.25 * height)
    f = max(1, int(height // SEPARATOR_SCALE))
    window = image[max(0, y0):y1:f, max(0, x0):x1:f]  # every f-th pixel
    if min(window.shape[:2]) < 3:  # no room (digits that overlap, the image's edge)
        return ""
    window = _gray(window)
    height /= f
    ax, ay, aw, ah = a  # ink and paper levels from every other pixel of digit a
    darkest, lightest, _, _ = cv2.minMaxLoc(_gray(image[ay:ay + ah:2, ax:ax + aw:2]))
    flat = window.ravel()
    bg = float(np.partition(flat, flat.size // 2)[flat.size // 2])  # mostly paper or board
    dark = bg - darkest > lightest - bg  # ink as dark as digit a's, or as light
    level = bg + INK_LEVEL * ((darkest if dark else lightest) - bg)
    binary = cv2.threshold(window, level, 1, cv2.THRESH_BINARY_INV if dark
                           else cv2.THRESH_BINARY)[1]
    if not cv2.countNonZero(binary):
        return ""
    contours, _ = cv2.findContours(binary, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    lo, hi = max(2.0, SEPARATOR_SIZE[0] * height), SEPARATOR_SIZE[1] * height
    c = max(2, round(CLEARANCE * height))
    wh, ww = binary.shape
    for contour in contours:
        x, y, w, h = cv2.boundingRect(contour)
        if x == 0 or y == 0 or x + w == ww or y + h == wh:
            continue  # part of a digit, a rule or a neighbour line
        if not (lo <= min(w, h) and max(w, h) <= hi):
            continue  # noise, a fragment of a rule, or too big for a point
        own = cv2.countNonZero(binary[y:y + h, x:x + w])
        if own < SEPARATOR_FILL * w * h:
            continue  # not solid: a fragment of a stroke or a rule
        if cv2.countNonZero(binary[max(0, y - c):y + h + c, max(0, x - c):x + w + c]) > own:
            continue  # other ink close by: a piece of a broken stroke
        if h > COMMA_ASPECT * w and max(0, y0) + f * (y + h) > bottom:
            return ","
        if w <= 2 * h:
            return "."
    return ""


def structure(digits: Sequence[Digit], image: np.ndarray | None, first_line: int = 0,
              first_number: int = 0, region: int | None = None,
              ) -> tuple[list[Digit], list[Line], list[Number]]:
    """Digits grouped into lines (reading order) and, within a line, into numbers by the
    gaps between them (NUMBER_GAP), a point or comma between two digits of a number kept.

    image: the uint8 image the boxes are in (BGR, BGRA or gray), to look for separators
    (None: not looked for). Lines and numbers are numbered from `first_line` and
    `first_number`; the digits come back in reading order with line, number and region
    set."""
    order, line_of = reading_order([d.box for d in digits])
    out: list[Digit] = []
    lines: list[Line] = []
    numbers: list[Number] = []
    for line in sorted(set(line_of)):
        row = [digits[i] for i, n in zip(order, line_of, strict=True) if n == line]
        height = statistics.median(d.box[3] for d in row)
        groups = [[row[0]]]
        texts = [str(row[0].label)]
        for a, b in itertools.pairwise(row):
            gap = b.box[0] - (a.box[0] + a.box[2])
            sep = ""
            if image is not None and SEPARATOR_GAP[0] * height <= gap <= SEPARATOR_GAP[1] * height:
                sep = _separator(image, a.box, b.box, height)
            if not sep and gap > NUMBER_GAP * height:
                groups.append([b])
                texts.append(str(b.label))
            else:
                groups[-1].append(b)
                texts[-1] += sep + str(b.label)
        line_index, first = first_line + len(lines), len(numbers)
        for group, text in zip(groups, texts, strict=True):
            n = first_number + len(numbers)
            idx = tuple(range(len(out), len(out) + len(group)))
            out += [Digit(d.label, d.confidence, d.box, line_index, n, region, d.probabilities)
                    for d in group]
            numbers.append(Number(text, _union(d.box for d in group), line_index, idx, region))
        lines.append(Line(" ".join(texts), _union(d.box for d in row),
                          tuple(range(first_number + first, first_number + len(numbers))),
                          region))
    return out, lines, numbers


@dataclass(frozen=True)
class Roi:
    """A region of interest: (x, y, w, h) in pixels, or in fractions of the frame's width
    and height when `fractional`."""

    x: float
    y: float
    w: float
    h: float
    fractional: bool = False

    @classmethod
    def parse(cls, text: str) -> Roi:
        """ "x,y,w,h": integers are pixels; with a decimal point, fractions in [0,1] of
        the frame ("0.5,0,0.5,1" is its right half). Raises ValueError."""
        parts = [p.strip() for p in text.split(",")]
        if len(parts) != 4:
            raise ValueError(f"{text!r}: expected x,y,w,h")
        fractional = any("." in p for p in parts)
        values = [float(p) for p in parts]
        if not all(math.isfinite(v) for v in values):
            raise ValueError(f"{text!r}: not finite numbers")
        if any(v < 0 for v in values) or values[2] <= 0 or values[3] <= 0:
            raise ValueError(f"{text!r}: x and y must be >= 0, w and h > 0")
        if fractional and any(v > 1 for v in values):
            raise ValueError(f"{text!r}: fractions of the frame are between 0 and 1")
        if not fractional:
            return cls(*(int(v) for v in values))
        return cls(*values, fractional=True)

    def pixels(self, width: int, height: int) -> Box:
        """This region in pixels of a width x height frame, clipped to it. Raises
        UnreadableInput when nothing of it lies inside the frame."""
        sx, sy = (width, height) if self.fractional else (1, 1)
        x0, y0 = round(self.x * sx), round(self.y * sy)
        x1 = min(width, round((self.x + self.w) * sx))
        y1 = min(height, round((self.y + self.h) * sy))
        if x1 - x0 < 8 or y1 - y0 < 8:
            raise UnreadableInput(f"region {self} is not inside the {width}x{height} frame")
        return (x0, y0, x1 - x0, y1 - y0)

    def __str__(self) -> str:
        return ",".join(f"{v:g}" for v in (self.x, self.y, self.w, self.h))


def as_image(image: np.ndarray | str | Path | bytes) -> np.ndarray:
    """A uint8 image array from what `Reader.read` takes: an array (BGR [H,W,3], BGRA
    [H,W,4] or gray [H,W]) as it is, a path or encoded bytes (or a 1-D uint8 array of
    them, as cv2.imencode gives) decoded to BGR. A uint16 or float array, of either byte
    order, is brought to uint8 BGR or gray by ``digits.image.to_8bit`` (16-bit data from
    the sample depth it uses, float in [0,1]).

    Raises UnreadableInput (ImageTooLarge above the pixel limit) when it cannot be used;
    TypeError for other types."""
    if isinstance(image, np.ndarray) and image.ndim == 1 and image.dtype == np.uint8:
        image = image.tobytes()  # cv2.imencode's buffer: encoded bytes
    if isinstance(image, np.ndarray):
        if not image.dtype.isnative:  # big-endian uint16 from a FITS or raw reader
            image = image.astype(image.dtype.newbyteorder("="))
        if image.dtype not in ARRAY_DTYPES or not (image.ndim == 2 or (
                image.ndim == 3 and image.shape[2] in (1, 3, 4))):
            raise UnreadableInput(f"expected a uint8, uint16 or float [H,W], [H,W,3] or "
                                  f"[H,W,4] array, got {image.dtype} {list(image.shape)}")
        src.check_size(image)
        if image.dtype != np.uint8:
            return to_8bit(image)
        return image[:, :, 0] if image.ndim == 3 and image.shape[2] == 1 else image
    if isinstance(image, bytes | bytearray | memoryview):
        return src.decode_image(bytes(image))
    if isinstance(image, str | Path):
        if not str(image).strip():  # Path("") is the current folder
            raise UnreadableInput("an empty path names no image")
        return src.read_image(Path(image))
    raise TypeError(f"cannot read a {type(image).__name__}: give an array, a path or bytes")


def _gray(image: np.ndarray) -> np.ndarray:
    if image.ndim == 2:
        return image
    code = cv2.COLOR_BGRA2GRAY if image.shape[2] == 4 else cv2.COLOR_BGR2GRAY
    return cv2.cvtColor(image, code)


class Reader:
    """Reads digits, lines and numbers off images, videos and cameras.

    model: an ONNX file from `digits export` (default: ./artifacts/digits.onnx, else the
    one installed with the package). device: "auto", "cpu" or "cuda" (see `Model`).
    min_confidence: digits read with a lower softmax probability are dropped. rois:
    regions of interest (`Roi` or "x,y,w,h" strings): only those parts of each frame are
    read, each reported separately; boxes stay in pixels of the whole frame.

    Raises DigitsError when the model is missing or invalid, the device cannot be had,
    or a region is malformed.
    Safe to share between threads."""

    def __init__(self, model: str | Path | None = None, device: str = "auto",
                 min_confidence: float = 0.3, rois: Sequence[Roi | str] = ()) -> None:
        self.model = Model(model, device=device)
        self.min_confidence = min_confidence
        try:
            self.rois = tuple(r if isinstance(r, Roi) else Roi.parse(r) for r in rois)
        except ValueError as e:
            raise DigitsError(f"rois: {e}") from None
        # called as regions(source, frame, crops, boxes, probabilities) per image read
        self.regions: Callable[..., object] | None = None

    def read(self, image: np.ndarray | str | Path | bytes, source: str | None = None,
             frame: int | None = None) -> Result:
        """Everything one image holds.

        image: uint8 BGR [H,W,3], gray [H,W] or BGRA [H,W,4] array (uint16 and float
        too, see ``as_image``); a path; encoded bytes
        (PNG, JPEG...). source, frame: carried into the Result (a path is its own source).
        Raises UnreadableInput when it cannot be decoded or used, ImageTooLarge when it
        declares more pixels than the limit."""
        if source is None and isinstance(image, str | Path):
            source = str(image)
        pixels = as_image(image)
        times: list[float] = []
        if not self.rois:
            hook = partial(self.regions, source, frame) if self.regions else None
            found, rejected = read_digits(self.model, pixels, self.min_confidence, times, hook)
            t = time.perf_counter()
            digits, lines, numbers = structure(found, pixels)
            times[2] += time.perf_counter() - t
            return Result(source, frame, tuple(digits), tuple(lines), tuple(numbers),
                          rejected, times=(times[0], times[1], times[2]))
        return self._read_regions(pixels, source, frame)

    def _read_regions(self, pixels: np.ndarray, source: str | None,
                      frame: int | None) -> Result:
        height, width = pixels.shape[:2]
        boxes = [roi.pixels(width, height) for roi in self.rois]
        digits: list[Digit] = []
        lines: list[Line] = []
        numbers: list[Number] = []
        regions: list[Region] = []
        rejected = 0
        times: list[float] = []
        for k, (x, y, w, h) in enumerate(boxes):
            part = pixels[y:y + h, x:x + w]
            hook = None if self.regions is None else partial(
                _shifted, partial(self.regions, source, frame), x, y)
            found, r = read_digits(self.model, part, self.min_confidence, times, hook)
            t = time.perf_counter()
            rejected += r
            found = [replace(d, box=(d.box[0] + x, d.box[1] + y, d.box[2], d.box[3]))
                     for d in found]
            ds, ls, ns = structure(found, pixels, len(lines),
                                   len(numbers), region=k)
            offset = len(digits)
            digits += ds
            numbers += [replace(n, digits=tuple(i + offset for i in n.digits)) for n in ns]
            lines += ls
            regions.append(Region((x, y, w, h), "\n".join(ln.text for ln in ls)))
            times[-1] += time.perf_counter() - t
        t3 = np.array(times).reshape(-1, 3).sum(axis=0)
        return Result(source, frame, tuple(digits), tuple(lines), tuple(numbers), rejected,
                      tuple(regions), times=(float(t3[0]), float(t3[1]), float(t3[2])))

    def read_frames(self, frames: Iterable[src.Frame]) -> Iterator[tuple[src.Frame, Result]]:
        """Each frame with its Result; a frame that could not be read gets a Result with
        its `error` and no digits, and the rest go on."""
        for f in frames:
            if f.error is not None or f.image is None:
                yield f, Result(f.source, f.index, error=f.error or "no image")
                continue
            try:
                yield f, self.read(f.image, f.source, f.index)
            except UnreadableInput as e:  # e.g. an ROI outside this frame
                yield f, Result(f.source, f.index, error=str(e))
            except MemoryError:  # this frame only: the rest go on
                yield f, Result(f.source, f.index, error=NO_MEMORY)

    def read_many(self, sources: str | Iterable[str | Path], max_frames: int | None = None,
                  stride: int = 1) -> Iterator[Result]:
        """Results for every image and video frame named by sources, in order, as
        `digits recognize` reads them: files, folders (their images and videos, sorted),
        glob patterns, videos (every `stride`-th frame, at most `max_frames` of each) and
        "-" (one encoded image on stdin). An input that cannot be read yields a Result
        with its `error` set; the rest are still read."""
        names = [sources] if isinstance(sources, str) else [str(s) for s in sources]
        for _frame, result in self.read_frames(src.files(names, max_frames, stride)):
            yield result
