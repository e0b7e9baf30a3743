"""Frames with known digits, to measure `digits recognize` where it is used.

``generate()`` makes the original camera-like frames: 640x480 BGR paper (or, sometimes,
a dark board) under uneven light, with 1-6 digits of varied size written in a pen
colour, each rotated up to ±12°, then mild perspective, blur, sensor noise and JPEG.

``generate_condition(NAME, ...)`` makes one kind of input a reader meets (CONDITIONS):

    camera     the frames above
    clean      clean white paper, a dark pen, a still camera
    desk       a sheet, card or sticky note covering 25-70 % of the frame on a desk of
               any colour, with its shadow
    page       a whole page at 4032x3024, digits 2-4 % of the short side tall
    ruled      ruled paper with a vertical margin line; digits sit on and cross the rules
    squared    squared paper whose grid is nearly as dark as the ink
    form       one printed box per digit
    canvas     a web canvas PNG: brush 2-30 px, black or white strokes on a transparent
               or opaque background -> a BGRA image, no camera
    crop       tight crops of any size (16-600 px tall): the ink touches the edges
    touching   2-5 digits whose strokes touch
    thin-ones  upright 1s written with a fine pen, 15-25x taller than wide
    flagged    flagged 1s and crossed 7s
    zeros      squarish zeros
    no-digits  nothing to read: words, scribbles, empty grids, empty forms
    mixed      letters and digits on the same lines (only the digits are ground truth)

Digits come from three hands, taken in turn per frame (HANDS):

    mnist    MNIST *test* images (never seen in training)
    hershey  OpenCV's Hershey script fonts, random thickness and slant
    strokes  a stroke-path model of each digit, random pen width, slant and jitter

``generate()`` takes its own ``sources`` (default SOURCES: mnist, hershey), and one more:

    blocks   a drawn-stroke hand MNIST does not contain: seven-segment-like skeletons
             (square 0s, a 6 with a top bar, straight-tailed 9s...) drawn as
             polylines with random pen width, vertex jitter, slant and aspect; the "new hand" that
             `bench/finetune.py` teaches the model (not in SOURCES: opt in by name)

Ground truth: labels in reading order (lines top to bottom, left to right) and a box
per digit (x, y, w, h of its ink in the image).

With ``generate(numbers=True)`` a line holds several numbers apart by wide gaps, some
with a decimal point (a dot at the baseline between two digits); ``Scene.text`` is what
the record's ``text`` must be (set by that option only). Without it, each line is one
number and the frames are the same as before the option existed (no extra random draws).

Deterministic by seed. numpy and OpenCV only: the runtime's tests and benchmarks use it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

SOURCES = ("mnist", "hershey")  # the default mix of `generate` and bench/scenes.py
W, H = 640, 480
PENS = [(120, 40, 20), (30, 30, 30), (40, 30, 150), (40, 90, 30), (90, 90, 90), (140, 60, 10)]
FONTS = [cv2.FONT_HERSHEY_SCRIPT_SIMPLEX, cv2.FONT_HERSHEY_SCRIPT_COMPLEX]


@dataclass
class Scene:
    image: np.ndarray  # uint8 [H,W,3] BGR ([H,W,4] BGRA for the canvas condition)
    labels: list[int]  # in reading order
    boxes: list[tuple[int, int, int, int]] = field(default_factory=list)  # x, y, w, h
    source: str = "mnist"  # the hand: mnist, hershey, strokes or (generate only) blocks
    text: str = ""  # numbers=True: the expected record text (numbers by " ", lines by "\n")
    condition: str = "camera"


def _tight(alpha: np.ndarray) -> np.ndarray:
    ys, xs = np.nonzero(alpha > 0.1)
    return alpha[ys.min():ys.max() + 1, xs.min():xs.max() + 1]


def _hershey(label: int, rng: np.random.Generator) -> np.ndarray:
    """A script-font digit, slanted, as an alpha mask in [0,1]."""
    canvas = np.zeros((160, 160), np.uint8)
    thick = int(rng.integers(3, 9))
    cv2.putText(canvas, str(label), (30, 125), FONTS[int(rng.integers(len(FONTS)))], 4.0,
                255, thick, cv2.LINE_AA)
    slant = rng.uniform(-0.25, 0.25)
    m = np.float32([[1, slant, -slant * 80], [0, 1, 0]])
    canvas = cv2.warpAffine(canvas, m, (160, 160))
    return _tight(canvas.astype(np.float32) / 255)


# The blocks hand: each digit is one of its variants, a list of strokes, each a polyline
# over named points of a unit box (x right, y down; T/M/B = top, middle, bottom rows,
# L/R/C = left, right, centre), seven-segment style, plus the ways people write such digits:
# square and slashed 0s, a 1 with flag and base (F, U*), a flat-topped 3
# (middle at Z), a closed 4, crossed and stubbed 7s (C*), an hourglass 8. This writer's 6
# always has its top bar and their 9 a straight tail: the shipped model reads those as 5s
# (3 % right) and as 7s or 4s (23 % right), which no MNIST digit looks like. The hand as a
# whole starts near 82 % (bench/finetune.py); shapes that ARE another MNIST class (a
# flagged 1 without base is a 7, a Z-shaped 2 a 7 with a base) are left out.
_POINTS = {"TL": (0, 0), "TR": (1, 0), "ML": (0, 0.5), "MR": (1, 0.5), "BL": (0, 1),
           "BR": (1, 1), "BC": (0.5, 1), "F": (0.45, 0.3), "CL": (0.55, 0.5),
           "CR": (1.2, 0.5), "UL": (0.6, 1), "UR": (1.4, 1), "Z": (0.35, 0.5)}
_BLOCKS = {
    0: [[["TL", "TR", "BR", "BL", "TL"]], [["TL", "TR", "BR", "BL", "TL"], ["BL", "TR"]]],
    1: [[["TR", "BR"]], [["F", "TR", "BR"], ["UL", "UR"]]],
    2: [[["TL", "TR", "MR", "ML", "BL", "BR"]]],
    3: [[["TL", "TR", "BR", "BL"], ["ML", "MR"]], [["TL", "TR", "Z", "MR", "BR", "BL"]]],
    4: [[["TL", "ML", "MR"], ["TR", "BR"]], [["TR", "ML", "MR"], ["TR", "BR"]]],
    5: [[["TR", "TL", "ML", "MR", "BR", "BL"]]],
    6: [[["TR", "TL", "BL", "BR", "MR", "ML"]]],
    7: [[["TL", "TR", "BR"]], [["TL", "TR", "BR"], ["CL", "CR"]], [["ML", "TL", "TR", "BR"]]],
    8: [[["TL", "TR", "BR", "BL", "TL"], ["ML", "MR"]], [["TL", "TR", "BL", "BR", "TL"]]],
    9: [[["MR", "ML", "TL", "TR", "BC"]], [["MR", "ML", "TL", "TR", "BL"]]],
}


def _blocks(label: int, rng: np.random.Generator) -> np.ndarray:
    """A blocks-hand digit (see the module docstring) as an alpha mask in [0,1]."""
    height = 110.0
    width = height * rng.uniform(0.45, 0.7)
    slant = rng.uniform(-0.2, 0.2)
    jitter = 0.05 * height
    pts = {}
    for name, (u, v) in _POINTS.items():
        y = 25 + v * height + rng.normal(0, jitter)
        x = 50 + u * width + slant * (height - (y - 25)) + rng.normal(0, jitter)
        pts[name] = (x, y)
    canvas = np.zeros((160, 220), np.uint8)
    thick = max(2, round(height * rng.uniform(0.06, 0.14)))
    variants = _BLOCKS[label]
    for stroke in variants[int(rng.integers(len(variants)))]:
        line = np.array([pts[c] for c in stroke]) * 16  # 4 fractional bits
        cv2.polylines(canvas, [line.round().astype(np.int32)], False, 255, thick,
                      cv2.LINE_AA, shift=4)
    return _tight(canvas.astype(np.float32) / 255)


def _mnist(image: np.ndarray) -> np.ndarray:
    return _tight(image.astype(np.float32) / 255)


def _place(alpha: np.ndarray, height: int, angle: float) -> np.ndarray:
    """Scale a mask to a digit height and rotate it on a padded canvas."""
    h, w = alpha.shape
    nw = max(2, round(w * height / h))
    a = cv2.resize(alpha, (nw, height), interpolation=cv2.INTER_CUBIC)
    pad = height // 3
    a = cv2.copyMakeBorder(a, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=0)
    c = (a.shape[1] / 2, a.shape[0] / 2)
    a = cv2.warpAffine(a, cv2.getRotationMatrix2D(c, angle, 1.0), (a.shape[1], a.shape[0]))
    return np.clip(_tight(a), 0, 1)


def _background(rng: np.random.Generator, dark: bool) -> np.ndarray:
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    if dark:
        base = np.array([rng.uniform(30, 60), rng.uniform(40, 70), rng.uniform(30, 50)])
    else:
        base = np.array([rng.uniform(190, 245)] * 3) + rng.uniform(-12, 12, 3)
    gx, gy = rng.uniform(-0.5, 0.5, 2)
    cx, cy = rng.uniform(0, W), rng.uniform(0, H)
    light = 1 + gx * (xx / W - 0.5) + gy * (yy / H - 0.5)
    light -= rng.uniform(0.0, 0.35) * (((xx - cx) / W) ** 2 + ((yy - cy) / H) ** 2)
    light = np.clip(light, 0.45, 1.3)
    return base[None, None, :] * light[:, :, None]


def _layout(rng: np.random.Generator, n: int,
            room: float = 1.0) -> list[tuple[int, int, int, int, int]]:
    """(x, y, height, gap, digits) of each line; one or two lines that fit. `room` widens
    each digit's share of the line (space for gaps between numbers)."""
    rows = 1 if n <= 3 or rng.random() < 0.5 else 2
    per = [n] if rows == 1 else [n - n // 2, n // 2]
    lines = []
    y = int(rng.integers(20, 60))
    for k in per:
        hmax = min(140, int(0.8 * H / rows), int((W - 40) / (k * 1.15 * room)))
        height = int(rng.integers(40, max(41, hmax + 1)))
        gap = int(height * rng.uniform(0.08, 0.3))
        x = 20 + int(rng.integers(0, max(1, W - 40 - k * int(height * 1.1 * room))))
        lines.append((x, y, height, gap))
        y += int(height * 1.45) + int(rng.integers(0, 30))
    return [(*line, k) for line, k in zip(lines, per, strict=True)]


# numbers=True: a gap between numbers is this many digit heights (a digit's width and
# more; the reader splits at 0.75), a decimal point's gap this many, and a dot's
# diameter this share of the digit height
NUMBER_GAP = (1.1, 1.8)
POINT_GAP = (0.45, 0.6)
POINT_SIZE = (0.1, 0.16)


def render(rng: np.random.Generator, source: str, images: np.ndarray,
           labels: np.ndarray, numbers: bool = False) -> Scene:
    """One frame with its ground truth (labels and boxes in reading order, the text)."""
    n = int(rng.integers(1, 7))
    dark = rng.random() < 0.15
    canvas = _background(rng, dark)
    if not dark and rng.random() < 0.3:  # ruled paper
        step = int(rng.integers(28, 45))
        colour = (rng.uniform(180, 230), rng.uniform(150, 200), rng.uniform(120, 170))
        for y in range(int(rng.integers(5, step)), H, step):
            cv2.line(canvas, (0, y), (W, y), colour, int(rng.integers(1, 3)))
    pen = np.array((230, 235, 235) if dark else PENS[int(rng.integers(len(PENS)))], np.float32)
    truth, boxes = [], []
    slots = []
    for x, y, height, gap, k in _layout(rng, n, room=1.6 if numbers else 1.0):
        slots += [(x, y, height, gap, j == 0) for j in range(k)]
    cursor, text, prev = 0, "", None  # prev: the last placed digit's right edge and bottom
    for x, y, height, gap, first in slots:
        cursor = x if first else cursor
        joint = ""  # what goes before this digit in the text: "", " " or "."
        if numbers and not first:
            joint = str(rng.choice(["", " ", "."], p=[0.55, 0.3, 0.15]))
            if joint == "." and "." in text.split("\n")[-1].split(" ")[-1]:
                joint = ""  # one decimal point per number
            if joint:
                lo, hi = NUMBER_GAP if joint == " " else POINT_GAP
                cursor += int(height * rng.uniform(lo, hi)) - gap
        if source == "mnist":
            i = int(rng.integers(len(images)))
            label, alpha = int(labels[i]), _mnist(images[i])
        else:
            label = int(rng.integers(10))
            alpha = (_blocks if source == "blocks" else _hershey)(label, rng)
        a = _place(alpha, height, rng.uniform(-12, 12))
        ah, aw = a.shape
        x = cursor
        if y + ah > H or x + aw > W - 5:
            continue
        cursor = x + aw + gap + int(rng.integers(0, gap + 1))
        region = canvas[y:y + ah, x:x + aw]
        strength = a[:, :, None] * rng.uniform(0.8, 1.0)
        canvas[y:y + ah, x:x + aw] = region * (1 - strength) + pen * strength
        if joint == "." and prev is not None:  # a dot on the baseline, midway
            r = max(2, round(height * rng.uniform(*POINT_SIZE) / 2))
            centre = ((prev[0] + x) // 2, max(prev[1], y + ah) - r)
            cv2.circle(canvas, centre, r, pen.tolist(), -1, cv2.LINE_AA)
        text += ("\n" if first and truth else "") + joint + str(label)
        truth.append(label)
        boxes.append((x, y, aw, ah))
        prev = (x + aw, y + ah)
    # mild perspective: corners moved by up to 3 % of the frame
    src = np.float32([[0, 0], [W, 0], [W, H], [0, H]])
    dst = (src + rng.uniform(-0.03, 0.03, (4, 2)) * [W, H]).astype(np.float32)
    m = cv2.getPerspectiveTransform(src, dst)
    img = cv2.warpPerspective(np.clip(canvas, 0, 255).astype(np.uint8), m, (W, H),
                              borderMode=cv2.BORDER_REPLICATE)
    warped = []
    for x, y, w, h in boxes:
        pts = cv2.perspectiveTransform(np.float32([[[x, y], [x + w, y], [x + w, y + h],
                                                    [x, y + h]]]), m)[0]
        x0, y0 = pts.min(axis=0)
        x1, y1 = pts.max(axis=0)
        warped.append((int(x0), int(y0), int(x1 - x0), int(y1 - y0)))
    sigma = rng.uniform(0, 1.2)
    if sigma > 0.3:
        img = cv2.GaussianBlur(img, (0, 0), sigma)
    img = np.clip(img + rng.normal(0, rng.uniform(2, 8), img.shape), 0, 255).astype(np.uint8)
    _ok, jpg = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(50, 91))])
    img = cv2.imdecode(jpg, cv2.IMREAD_COLOR)
    return Scene(img, truth, warped, source, text)


def generate(count: int, seed: int = 0, sources: tuple[str, ...] = SOURCES,
             mnist: tuple[np.ndarray, np.ndarray] | None = None,
             numbers: bool = False) -> list[Scene]:
    """`count` scenes, sources taken in turn; `mnist` defaults to the MNIST test set;
    `numbers`: several numbers per line, some with a decimal point (see the module)."""
    if mnist is None:
        from digits.mnist import default_root, load_arrays
        mnist = load_arrays(default_root(), train=False)
    images, labels = mnist
    rng = np.random.default_rng(seed)
    return [render(rng, sources[i % len(sources)], images, labels, numbers)
            for i in range(count)]



# ---------------------------------------------------------------------------------------
# Conditions: each kind of input a reader meets, selectable by name (CONDITIONS).


class Hands:
    """Where a digit's shape comes from, by label: MNIST test images, OpenCV's Hershey
    script fonts, or the stroke-path model below (three unrelated hands)."""

    def __init__(self, images: np.ndarray, labels: np.ndarray) -> None:
        self.images = images
        self.by_label = [np.flatnonzero(labels == k) for k in range(10)]

    def alpha(self, hand: str, label: int, rng: np.random.Generator, height: int,
              style: str = "", pen: float | None = None) -> np.ndarray:
        """A tight float32 alpha mask in [0,1] of ``label``, ``height`` px tall (before any
        rotation), ``pen`` px strokes for the stroke hand (else the hand's own weight)."""
        if hand == "mnist":
            pick = self.by_label[label]
            return _place(_mnist(self.images[int(pick[rng.integers(len(pick))])]), height,
                          rng.uniform(-10, 10))
        if hand == "hershey":
            return _place(_hershey(label, rng), height, rng.uniform(-8, 8))
        return stroke_digit(label, rng, height, pen or height * rng.uniform(0.07, 0.14), style)


HANDS = ("mnist", "hershey", "strokes")

# The stroke-path model: each digit as polylines in a box 1 tall (x right, y down), with
# the digit's usual width. Jitter, slant and pen width are drawn per digit.
_ARC = np.linspace(0, 2 * np.pi, 33)


def _ellipse(cx: float, cy: float, rx: float, ry: float, a0: float = 0, a1: float = 2 * np.pi,
             n: int = 24) -> np.ndarray:
    t = np.linspace(a0, a1, n)
    return np.stack([cx + rx * np.cos(t), cy + ry * np.sin(t)], 1)


def _superellipse(rx: float, ry: float, power: float = 4.0) -> np.ndarray:
    c, s = np.cos(_ARC), np.sin(_ARC)
    return np.stack([0.5 + rx * np.sign(c) * np.abs(c) ** (2 / power),
                     0.5 + ry * np.sign(s) * np.abs(s) ** (2 / power)], 1)


def _paths(label: int, style: str, rng: np.random.Generator) -> tuple[list[np.ndarray], float]:
    """Polylines of one digit in a unit-height box, and the box's width."""
    P = np.array
    if label == 0:
        if style == "square":
            return [_superellipse(rng.uniform(0.42, 0.5), 0.5)], 1.0
        return [_ellipse(0.3, 0.5, 0.28, 0.5, -np.pi / 2, 1.55 * np.pi, 30)], 0.6
    if label == 1:
        if style == "flag":
            foot = [P([[0.1, 1.0], [0.7, 1.0]])] if rng.random() < 0.5 else []
            return [P([[0.0, 0.28], [0.42, 0.0], [0.42, 1.0]]), *foot], 0.7
        return [P([[0.0, 0.0], [0.0, 1.0]])], 0.0
    if label == 2:
        return [np.concatenate([_ellipse(0.3, 0.28, 0.3, 0.26, np.pi * 1.05, np.pi * 2.2, 12),
                                P([[0.05, 1.0], [0.65, 1.0]])])], 0.65
    if label == 3:
        return [np.concatenate([_ellipse(0.3, 0.25, 0.28, 0.24, -0.85 * np.pi, 0.5 * np.pi, 12),
                                _ellipse(0.3, 0.74, 0.32, 0.26, -0.5 * np.pi, 0.85 * np.pi,
                                         14)])], 0.62
    if label == 4:
        if style == "open" or rng.random() < 0.3:
            return [P([[0.08, 0.0], [0.0, 0.62], [0.7, 0.62]]), P([[0.52, 0.25], [0.52, 1.0]])], 0.7
        return [P([[0.52, 1.0], [0.52, 0.0], [0.0, 0.66], [0.7, 0.66]])], 0.7
    if label == 5:
        belly = _ellipse(0.3, 0.7, 0.3, 0.3, -0.75 * np.pi, 0.8 * np.pi, 14)
        return [P([[0.62, 0.0], [0.12, 0.0], [0.06, 0.45]]),
                np.concatenate([P([[0.06, 0.45]]), belly])], 0.62
    if label == 6:
        return [np.concatenate([P([[0.55, 0.0], [0.18, 0.35]]),
                                _ellipse(0.3, 0.72, 0.28, 0.28, np.pi * 1.05, np.pi * 3.05, 20)])
                ], 0.6
    if label == 7:
        bar = [P([[0.12, 0.52], [0.55, 0.52]])] if style == "cross" else []
        return [P([[0.0, 0.0], [0.62, 0.0], [0.22, 1.0]]), *bar], 0.62
    if label == 8:
        return [_ellipse(0.3, 0.24, 0.22, 0.24, 0, 2 * np.pi, 20),
                _ellipse(0.3, 0.73, 0.29, 0.27, 0, 2 * np.pi, 22)], 0.6
    return [np.concatenate([_ellipse(0.3, 0.27, 0.28, 0.27, 0.0, 2 * np.pi, 22),
                            P([[0.58, 0.27], [0.5, 1.0]])])], 0.6


def stroke_digit(label: int, rng: np.random.Generator, height: int, pen: float,
                 style: str = "") -> np.ndarray:
    """A digit drawn by the stroke-path model: tight float32 alpha in [0,1], ``height`` px
    tall, strokes ``pen`` px wide, control points jittered by ~3 % of the height, slanted
    up to ±0.2 (``style``: "square" zero, "flag" one, "cross" seven, "upright")."""
    paths, width = _paths(label, style, rng)
    slant = 0.0 if style == "upright" else rng.uniform(-0.2, 0.2)
    squeeze = rng.uniform(0.85, 1.15)
    jitter = 0.0 if style == "upright" else 0.03
    pad = int(pen + 4)
    w = int(width * height * squeeze + abs(slant) * height) + 2 * pad + 2
    canvas = np.zeros((height + 2 * pad + 2, w), np.uint8)
    for path in paths:
        pts = path + rng.normal(0, jitter, path.shape)
        x = pts[:, 0] * height * squeeze + slant * (1 - pts[:, 1]) * height
        x += pad - min(0.0, slant * height)
        y = pts[:, 1] * height + pad
        cv2.polylines(canvas, [np.round(np.stack([x, y], 1) * 16).astype(np.int32)], False,
                      255, max(1, round(pen)), cv2.LINE_AA, shift=4)
    return _tight(canvas.astype(np.float32) / 255)


def _letter_alpha(rng: np.random.Generator, height: int) -> np.ndarray:
    """A Hershey letter no one reads as a digit, ``height`` px tall, as tight alpha."""
    canvas = np.zeros((200, 200), np.uint8)
    ch = LETTERS[int(rng.integers(len(LETTERS)))]
    font = LETTER_FONTS[int(rng.integers(len(LETTER_FONTS)))]
    cv2.putText(canvas, ch, (40, 150), font, 3.5, 255, int(rng.integers(3, 9)), cv2.LINE_AA)
    return _place(_tight(canvas.astype(np.float32) / 255), height, rng.uniform(-8, 8))


# The letters of train/negatives.py: digit-like ones (O I l S Z B g q ...) are left out.
LETTERS = "ACEFHKMNPRUVWXYacdefhkmnpruvwxy"
LETTER_FONTS = [cv2.FONT_HERSHEY_SIMPLEX, cv2.FONT_HERSHEY_DUPLEX, cv2.FONT_HERSHEY_COMPLEX,
                cv2.FONT_HERSHEY_TRIPLEX, *FONTS]


def _scribble_alpha(rng: np.random.Generator, height: int) -> np.ndarray:
    canvas = np.zeros((height + 20, int(height * 1.6) + 20), np.uint8)
    n = int(rng.integers(8, 14))
    pts = np.stack([rng.uniform(10, canvas.shape[1] - 10, n),
                    rng.uniform(10, canvas.shape[0] - 10, n)], 1)
    cv2.polylines(canvas, [pts.astype(np.int32)], False, 255, max(2, height // 14), cv2.LINE_AA)
    return _tight(canvas.astype(np.float32) / 255)


def _paper(h: int, w: int, rng: np.random.Generator, tone: tuple[float, float] = (190, 245),
           shade: float = 0.35, tint: float = 10.0) -> np.ndarray:
    """Light paper under uneven light, float32 BGR [h,w,3] (the light field is drawn at
    1/8 size and scaled up, so a 12 MP page costs little)."""
    sh, sw = max(2, h // 8), max(2, w // 8)
    yy, xx = np.mgrid[0:sh, 0:sw].astype(np.float32)
    gx, gy = rng.uniform(-0.4, 0.4, 2)
    cx, cy = rng.uniform(0, sw), rng.uniform(0, sh)
    light = 1 + gx * (xx / sw - 0.5) + gy * (yy / sh - 0.5)
    light -= rng.uniform(0, shade) * (((xx - cx) / sw) ** 2 + ((yy - cy) / sh) ** 2)
    base = np.float32([rng.uniform(*tone)] * 3) + rng.uniform(-tint, tint, 3).astype(np.float32)
    small = np.clip(light, 0.5, 1.25)[:, :, None] * base[None, None, :]
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)


def _ink(canvas: np.ndarray, alpha: np.ndarray, x: int, y: int, colour: np.ndarray,
         strength: float = 1.0) -> tuple[int, int, int, int] | None:
    """Lay ``alpha`` at (x, y) in ``colour``; the box it covers, or None if it does not fit."""
    ah, aw = alpha.shape
    if x < 0 or y < 0 or y + ah > canvas.shape[0] or x + aw > canvas.shape[1]:
        return None
    region = canvas[y:y + ah, x:x + aw]
    a = alpha[:, :, None] * strength
    canvas[y:y + ah, x:x + aw] = region * (1 - a) + colour * a
    return (x, y, aw, ah)


def _pen(rng: np.random.Generator) -> np.ndarray:
    return np.float32(PENS[int(rng.integers(len(PENS)))])


def _write(canvas: np.ndarray, rng: np.random.Generator, hands: Hands, hand: str,
           labels: list[int], x: int, y: int, height: int, colour: np.ndarray,
           gap: tuple[float, float] = (0.1, 0.35), styles: dict[int, str] | None = None,
           pen: float | None = None, strength: float = 1.0
           ) -> tuple[list[int], list[tuple[int, int, int, int]], int]:
    """Write a number left to right from (x, y) (top of the digits). A negative gap makes
    digits touch. Returns the labels written, their boxes and the x after the last."""
    truth, boxes = [], []
    for label in labels:
        style = (styles or {}).get(label, "")
        alpha = hands.alpha(hand, label, rng, height, style, pen)
        wobble = int(rng.integers(-height // 12, height // 12 + 1))
        top = y + wobble + (height - alpha.shape[0]) // 2
        box = _ink(canvas, alpha, x, max(0, top), colour, strength)
        if box is None:
            break
        truth.append(label)
        boxes.append(box)
        x += alpha.shape[1] + int(height * rng.uniform(*gap))
    return truth, boxes, x


def _photo(img: np.ndarray, boxes: list, rng: np.random.Generator, warp: float = 0.03,
           blur: float = 1.0, noise_sd: tuple[float, float] = (2, 7),
           quality: tuple[int, int] = (55, 92)
           ) -> tuple[np.ndarray, list[tuple[int, int, int, int]]]:
    """What a camera adds: perspective (corners moved by up to ``warp`` of the frame),
    blur, sensor noise, JPEG. Boxes follow the perspective."""
    h, w = img.shape[:2]
    img = cv2.convertScaleAbs(img)  # float -> uint8, saturating (values are >= 0)
    if warp > 0:
        src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
        dst = (src + rng.uniform(-warp, warp, (4, 2)) * [w, h]).astype(np.float32)
        m = cv2.getPerspectiveTransform(src, dst)
        img = cv2.warpPerspective(img, m, (w, h), borderMode=cv2.BORDER_REPLICATE)
        boxes = _warp_boxes(boxes, m)
    sigma = rng.uniform(0, blur) * max(1.0, min(h, w) / 480)
    if sigma > 0.3:
        img = cv2.GaussianBlur(img, (0, 0), sigma)
    noise = np.empty(img.shape, np.float32)
    cv2.setRNGSeed(int(rng.integers(2**31)))  # OpenCV's generator: 10x numpy's speed at 12 MP
    cv2.randn(noise, 0.0, float(rng.uniform(*noise_sd)))
    img = cv2.add(img, noise, dtype=cv2.CV_8U)
    _ok, jpg = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(*quality))])
    return cv2.imdecode(jpg, cv2.IMREAD_COLOR), boxes


def _warp_boxes(boxes: list, m: np.ndarray) -> list[tuple[int, int, int, int]]:
    out = []
    for x, y, w, h in boxes:
        pts = cv2.perspectiveTransform(np.float32([[[x, y], [x + w, y], [x + w, y + h],
                                                    [x, y + h]]]), m)[0]
        (x0, y0), (x1, y1) = pts.min(axis=0), pts.max(axis=0)
        out.append((int(x0), int(y0), round(float(x1 - x0)), round(float(y1 - y0))))
    return out


def _number(rng: np.random.Generator, lo: int = 1, hi: int = 6) -> list[int]:
    return [int(v) for v in rng.integers(0, 10, int(rng.integers(lo, hi + 1)))]


def _lines(canvas: np.ndarray, rng: np.random.Generator, hands: Hands, hand: str,
           height: tuple[int, int], colour: np.ndarray, count: int = 0,
           top: int = 20, left: int = 20, step: float = 1.5, **kw: Any
           ) -> tuple[list[int], list[tuple[int, int, int, int]]]:
    """One or two numbers on lines below each other (``count`` digits in all, 1-6 if 0)."""
    h, w = canvas.shape[:2]
    n = count or int(rng.integers(1, 7))
    per = [n] if n <= 3 or rng.random() < 0.5 else [n - n // 2, n // 2]
    truth, boxes, y = [], [], top
    for k in per:
        size = int(rng.integers(height[0], height[1] + 1))
        size = min(size, int((w - left - 10) / (k * 0.95)), int((h - top - 10) / (len(per) * step)))
        x = left + int(rng.integers(0, max(1, w - left - 10 - int(k * size * 0.95))))
        t, b, _ = _write(canvas, rng, hands, hand, _number(rng, k, k), x, y, max(12, size),
                         colour, **kw)
        truth += t
        boxes += b
        y += int(size * step) + int(rng.integers(0, max(1, size // 3)))
    return truth, boxes


def _frame_camera(rng: np.random.Generator, hands: Hands, hand: str, images: np.ndarray,
                  labels: np.ndarray) -> Scene:
    return render(rng, "hershey" if hand == "hershey" else "mnist", images, labels)


def _frame_clean(rng: np.random.Generator, hands: Hands, hand: str, *_: Any) -> Scene:
    canvas = _paper(H, W, rng, tone=(225, 250), shade=0.1)
    truth, boxes = _lines(canvas, rng, hands, hand, (40, 140), np.float32((25, 25, 25)))
    img, boxes = _photo(canvas, boxes, rng, warp=0.0, blur=0.6, noise_sd=(1, 3), quality=(80, 95))
    return Scene(img, truth, boxes, hand, condition="clean")


def _frame_desk(rng: np.random.Generator, hands: Hands, hand: str, *_: Any) -> Scene:
    """A sheet, card or sticky note covering 25-70 % of the frame on a desk of any colour."""
    desk = np.float32(rng.uniform(15, 235, 3))
    yy = np.arange(H, dtype=np.float32)[:, None, None]
    canvas = desk * (1 + 0.08 * np.sin(yy / rng.uniform(4, 30) + rng.uniform(0, 6)))
    canvas = np.broadcast_to(canvas, (H, W, 3)).copy()
    canvas *= _paper(H, W, rng, tone=(1, 1), shade=0.3, tint=0)  # the room's light
    area = rng.uniform(0.25, 0.7) * H * W
    aspect = rng.uniform(0.7, 1.5)
    pw = int(min(W * 0.95, np.sqrt(area * aspect)))
    ph = int(min(H * 0.95, area / pw))
    tones = [(225, 250), (200, 235)]
    paper = _paper(ph, pw, rng, tone=tones[int(rng.integers(2))], shade=0.15)
    if rng.random() < 0.3:  # a yellow sticky note or a coloured card
        paper *= np.float32([rng.uniform(0.45, 0.8), rng.uniform(0.85, 1.0), 1.0])
    truth, boxes = _lines(paper, rng, hands, hand, (30, max(31, int(ph * 0.35))), _pen(rng),
                          top=int(ph * 0.12), left=int(pw * 0.08))
    angle = rng.uniform(-15, 15)
    cx, cy = rng.uniform(pw / 2, W - pw / 2), rng.uniform(ph / 2, H - ph / 2)
    m = cv2.getRotationMatrix2D((pw / 2, ph / 2), angle, rng.uniform(0.9, 1.0))
    m[:, 2] += (cx - pw / 2, cy - ph / 2)
    m3 = np.vstack([m, [0, 0, 1]])
    mask = cv2.warpAffine(np.ones((ph, pw), np.float32), m, (W, H))
    shadow = cv2.GaussianBlur(cv2.warpAffine(mask, np.float32([[1, 0, 6], [0, 1, 8]]), (W, H)),
                              (0, 0), 6)
    canvas *= (1 - 0.35 * shadow)[:, :, None]
    sheet = cv2.warpAffine(paper, m, (W, H), flags=cv2.INTER_LINEAR)
    canvas = canvas * (1 - mask[:, :, None]) + sheet * mask[:, :, None]
    img, boxes = _photo(canvas, _warp_boxes(boxes, m3), rng, warp=0.02)
    return Scene(img, truth, boxes, hand, condition="desk")


PAGE_W, PAGE_H = 4032, 3024


def _frame_page(rng: np.random.Generator, hands: Hands, hand: str, *_: Any) -> Scene:
    """A whole page photographed at 12 MP: numbers 2-4 % of the short side tall."""
    canvas = _paper(PAGE_H, PAGE_W, rng, tone=(200, 245), shade=0.3)
    pen = _pen(rng)
    truth, boxes = [], []
    y = int(rng.integers(150, 500))
    for _line in range(int(rng.integers(2, 6))):
        size = int(PAGE_H * rng.uniform(0.02, 0.04))
        x = int(rng.integers(150, PAGE_W // 2))
        t, b, _ = _write(canvas, rng, hands, hand, _number(rng), x, y, size, pen)
        truth += t
        boxes += b
        y += int(size * rng.uniform(2.5, 6))
        if y > PAGE_H - 200:
            break
    img, boxes = _photo(canvas, boxes, rng, warp=0.02, blur=1.0)
    return Scene(img, truth, boxes, hand, condition="page")


def _frame_ruled(rng: np.random.Generator, hands: Hands, hand: str, *_: Any) -> Scene:
    """Ruled paper with a vertical margin line; digits sit on the rules and cross them."""
    canvas = _paper(H, W, rng)
    step = int(rng.integers(30, 48))
    rule = np.float32((rng.uniform(170, 220), rng.uniform(140, 190), rng.uniform(100, 160)))
    first = int(rng.integers(10, step))
    for y in range(first, H, step):
        cv2.line(canvas, (0, y), (W, y), rule.tolist(), int(rng.integers(1, 3)), cv2.LINE_AA)
    margin = int(rng.integers(50, 110))
    cv2.line(canvas, (margin, 0), (margin, H), (80, 80, 210), int(rng.integers(1, 4)), cv2.LINE_AA)
    pen = _pen(rng)
    truth, boxes = [], []
    rows = sorted(rng.choice(np.arange(1, (H - first) // step - 1), int(rng.integers(1, 3)),
                             replace=False))
    for k in rows:
        size = int(step * rng.uniform(0.9, 2.0))
        base = first + (k + 1) * step
        x = margin + int(rng.integers(15, 120))
        trial = canvas.copy()  # (a line that would overlap the one above is not drawn)
        t, b, _ = _write(trial, rng, hands, hand, _number(rng, 1, 5), x, base - size, size, pen)
        if truth and b and b[0][1] < boxes[-1][1] + boxes[-1][3]:
            break  # keep lines apart, so reading order is by line
        canvas = trial
        truth += t
        boxes += b
    img, boxes = _photo(canvas, boxes, rng)
    return Scene(img, truth, boxes, hand, condition="ruled")


def _frame_squared(rng: np.random.Generator, hands: Hands, hand: str, *_: Any) -> Scene:
    """Squared paper whose grid is nearly as dark as the ink."""
    canvas = _paper(H, W, rng, tone=(215, 245), shade=0.2)
    pen = np.float32((rng.uniform(20, 60),) * 3) + rng.uniform(-10, 10, 3).astype(np.float32)
    grid = pen + np.float32(rng.uniform(30, 80))
    step = int(rng.integers(18, 36))
    for v in range(int(rng.integers(0, step)), max(H, W), step):
        cv2.line(canvas, (v, 0), (v, H), grid.tolist(), int(rng.integers(1, 3)), cv2.LINE_AA)
        cv2.line(canvas, (0, v), (W, v), grid.tolist(), int(rng.integers(1, 3)), cv2.LINE_AA)
    truth, boxes = _lines(canvas, rng, hands, hand, (max(40, step * 2), 130), pen)
    img, boxes = _photo(canvas, boxes, rng)
    return Scene(img, truth, boxes, hand, condition="squared")


def _frame_form(rng: np.random.Generator, hands: Hands, hand: str, *_: Any) -> Scene:
    """A form: one printed box per digit, the digit written inside it."""
    canvas = _paper(H, W, rng, tone=(215, 250), shade=0.2)
    pen = _pen(rng)
    line = np.float32((rng.uniform(20, 120),) * 3)
    truth, boxes = [], []
    y = int(rng.integers(30, 120))
    for _row in range(int(rng.integers(1, 3))):
        n = int(rng.integers(2, 8))
        cell = int(rng.integers(48, min(110, (W - 60) // n) + 1))
        gap = 0 if rng.random() < 0.5 else int(rng.integers(4, 16))
        x = int(rng.integers(20, max(21, W - 20 - n * (cell + gap))))
        thick = int(rng.integers(1, 4))
        for k, label in enumerate(_number(rng, n, n)):
            cx = x + k * (cell + gap)
            cv2.rectangle(canvas, (cx, y), (cx + cell, int(y + cell * 1.2)), line.tolist(), thick)
            size = int(cell * rng.uniform(0.65, 0.95))
            alpha = hands.alpha(hand, label, rng, size)
            ah, aw = alpha.shape
            wobble = int(rng.integers(-cell // 10, cell // 10 + 1))
            ox = cx + max(thick + 2, min((cell - aw) // 2 + wobble, cell - aw - thick - 2))
            oy = y + max(thick + 2, (int(cell * 1.2) - ah) // 2 + int(rng.integers(-4, 5)))
            box = _ink(canvas, alpha, ox, oy, pen)
            if box is not None:
                truth.append(label)
                boxes.append(box)
        y += int(cell * 1.2) + int(rng.integers(40, 120))
        if y + 130 > H:
            break
    img, boxes = _photo(canvas, boxes, rng)
    return Scene(img, truth, boxes, hand, condition="form")


def _frame_canvas(rng: np.random.Generator, hands: Hands, hand: str, *_: Any) -> Scene:
    """A web canvas saved as PNG: brush 2-30 px, black or white strokes on a transparent
    (or opaque, opposite-coloured) background. BGRA [h,w,4], no camera."""
    h, w = [(280, 280), (400, 400), (480, 640), (300, 800), (600, 600)][int(rng.integers(5))]
    brush = float(np.exp(rng.uniform(np.log(2), np.log(30))))
    n = int(rng.integers(1, 5))
    height = int(np.clip(brush * rng.uniform(5, 12), 24, min(h * 0.85, (w - 20) / (0.8 * n))))
    brush = min(brush, height / 4)
    alpha = np.zeros((h, w, 1), np.float32)
    x = int(rng.integers(5, max(6, w - n * int(height * 0.8))))
    y = int(rng.integers(5, max(6, h - height - 5)))
    truth, boxes, _ = _write(alpha, rng, hands, hand, _number(rng, n, n), x, y, height,
                             np.float32([1.0]), pen=brush)
    a = np.clip(alpha[:, :, 0], 0, 1)
    white = rng.random() < 0.5
    ink = 255.0 if white else float(rng.uniform(0, 60))
    img = np.zeros((h, w, 4), np.uint8)
    if rng.random() < 0.6:  # transparent background: colour where the strokes are
        img[:, :, :3] = np.uint8(ink)
        img[:, :, 3] = np.round(a * 255).astype(np.uint8)
    else:  # opaque canvas of the opposite colour
        bg = 0.0 if white else 255.0
        img[:, :, :3] = np.round(bg + (ink - bg) * a)[:, :, None].astype(np.uint8)
        img[:, :, 3] = 255
    return Scene(img, truth, boxes, hand, condition="canvas")


def _frame_crop(rng: np.random.Generator, hands: Hands, hand: str, *_: Any) -> Scene:
    """A tight crop of any size: the ink touches the edges (one digit, or 2-4)."""
    n = 1 if rng.random() < 0.7 else int(rng.integers(2, 5))
    height = int(np.exp(rng.uniform(np.log(16), np.log(600))))
    wide = 1.2  # the paper's width per digit, in digit heights
    while True:
        canvas = _paper(height * 2 + 40, int(height * n * wide) + 40, rng, tone=(200, 250),
                        shade=0.1)
        truth, boxes, _ = _write(canvas, rng, hands, hand, _number(rng, n, n), 20, 20, height,
                                 _pen(rng), gap=(0.05, 0.2))
        if boxes:
            break
        wide *= 1.5  # the first digit was wider than the paper: nothing was written
    x0 = min(b[0] for b in boxes)
    y0 = min(b[1] for b in boxes)
    x1 = max(b[0] + b[2] for b in boxes)
    y1 = max(b[1] + b[3] for b in boxes)
    img = canvas[y0:y1, x0:x1]
    boxes = [(x - x0, y - y0, w, h) for x, y, w, h in boxes]
    img, boxes = _photo(img, boxes, rng, warp=0.0, blur=0.5, noise_sd=(0, 4), quality=(70, 95))
    return Scene(img, truth, boxes, hand, condition="crop")


def _frame_touching(rng: np.random.Generator, hands: Hands, hand: str, *_: Any) -> Scene:
    """2-5 digits written so close that their strokes touch."""
    canvas = _paper(H, W, rng, tone=(215, 250), shade=0.2)
    n = int(rng.integers(2, 6))
    size = int(rng.integers(50, min(160, int((W - 60) / (0.7 * n)))))
    x = int(rng.integers(20, max(21, W - 20 - int(n * size * 0.7))))
    y = int(rng.integers(20, H - size - 20))
    truth, boxes, _ = _write(canvas, rng, hands, hand, _number(rng, n, n), x, y, size,
                             _pen(rng), gap=(-0.12, -0.02))
    img, boxes = _photo(canvas, boxes, rng)
    return Scene(img, truth, boxes, hand, condition="touching")


def _special(rng: np.random.Generator, hands: Hands, hand: str, condition: str,
             special: int, style: str, pen: float | None = None,
             height: tuple[int, int] = (45, 130)) -> Scene:
    """Numbers in which ``special`` (drawn by the stroke model in ``style``) is frequent."""
    canvas = _paper(H, W, rng, tone=(210, 250), shade=0.2)
    colour = _pen(rng)
    truth, boxes, y = [], [], int(rng.integers(20, 80))
    for _line in range(int(rng.integers(1, 3))):
        labels = [special if rng.random() < 0.45 else int(rng.integers(10))
                  for _ in range(int(rng.integers(1, 6)))]
        labels[int(rng.integers(len(labels)))] = special
        size = int(rng.integers(*height))
        x = int(rng.integers(20, max(21, W - 40 - int(len(labels) * size * 0.8))))
        for label in labels:
            this = "strokes" if label == special or pen else hand
            alpha = hands.alpha(this, label, rng, size, style if label == special else "", pen)
            box = _ink(canvas, alpha, x, y + (size - alpha.shape[0]) // 2, colour)
            if box is None:
                break
            truth.append(label)
            boxes.append(box)
            x += alpha.shape[1] + int(size * rng.uniform(0.15, 0.4))
        y += int(size * 1.5) + 20
        if y + height[1] > H:
            break
    # a fine pen's 1s stay upright: the camera is held square to the page
    img, boxes = _photo(canvas, boxes, rng, warp=0.004 if pen else 0.03,
                        blur=0.8 if pen else 1.0)
    return Scene(img, truth, boxes, hand, condition=condition)


def _frame_thin_ones(rng: np.random.Generator, hands: Hands, hand: str, *_: Any) -> Scene:
    """Upright 1s written with a fine pen: 15-25x taller than wide."""
    pen = float(rng.uniform(1.2, 3.0))
    wide = stroke_digit(1, rng, 50, pen, "upright").shape[1]  # the ink's width, antialiased
    tall = int(wide * rng.uniform(15, 25))
    return _special(rng, hands, "strokes", "thin-ones", 1, "upright", pen, (tall, tall + 1))


def _frame_flagged(rng: np.random.Generator, hands: Hands, hand: str, *_: Any) -> Scene:
    """Flagged 1s and crossed 7s (the continental hand)."""
    special, style = (1, "flag") if rng.random() < 0.5 else (7, "cross")
    return _special(rng, hands, hand, "flagged", special, style)


def _frame_zeros(rng: np.random.Generator, hands: Hands, hand: str, *_: Any) -> Scene:
    """Squarish zeros, about as wide as tall."""
    return _special(rng, hands, hand, "zeros", 0, "square")


def _frame_no_digits(rng: np.random.Generator, hands: Hands, hand: str, *_: Any) -> Scene:
    """Nothing to read: words of letters, scribbles, an empty grid or an empty form."""
    canvas = _paper(H, W, rng, tone=(200, 250))
    pen = _pen(rng)
    kind = int(rng.integers(4))
    if kind == 0:  # words
        y = int(rng.integers(20, 100))
        for _word in range(int(rng.integers(1, 4))):
            size = int(rng.integers(35, 100))
            x = int(rng.integers(20, W // 2))
            for _ch in range(int(rng.integers(2, 6))):
                a = _letter_alpha(rng, size)
                if _ink(canvas, a, x, y, pen) is None:
                    break
                x += a.shape[1] + int(size * rng.uniform(0.05, 0.3))
            y += int(size * 1.6)
            if y + 100 > H:
                break
    elif kind == 1:  # scribbles and crossings-out
        for _s in range(int(rng.integers(1, 4))):
            a = _scribble_alpha(rng, int(rng.integers(40, 150)))
            _ink(canvas, a, int(rng.integers(10, W - a.shape[1] - 10)),
                 int(rng.integers(10, max(11, H - a.shape[0] - 10))), pen)
    elif kind == 2:  # an empty grid, nearly as dark as ink
        step = int(rng.integers(18, 40))
        grid = (pen + np.float32(rng.uniform(20, 80))).tolist()
        for v in range(int(rng.integers(0, step)), max(H, W), step):
            cv2.line(canvas, (v, 0), (v, H), grid, int(rng.integers(1, 3)), cv2.LINE_AA)
            cv2.line(canvas, (0, v), (W, v), grid, int(rng.integers(1, 3)), cv2.LINE_AA)
    else:  # an empty form: rows of boxes
        line = (float(rng.uniform(20, 120)),) * 3
        y = int(rng.integers(30, 150))
        for _row in range(int(rng.integers(1, 4))):
            n, cell = int(rng.integers(3, 9)), int(rng.integers(40, 70))
            x = int(rng.integers(20, max(21, W - 20 - n * cell)))
            for k in range(n):
                cv2.rectangle(canvas, (x + k * cell, y), (x + (k + 1) * cell, int(y + cell * 1.2)),
                              line, int(rng.integers(1, 4)))
            y += int(cell * 1.2) + int(rng.integers(30, 90))
            if y + 100 > H:
                break
    img, _ = _photo(canvas, [], rng)
    return Scene(img, [], [], hand, condition="no-digits")


def _frame_mixed(rng: np.random.Generator, hands: Hands, hand: str, *_: Any) -> Scene:
    """Letters and digits in one frame: a word, then a number, on each line."""
    canvas = _paper(H, W, rng, tone=(200, 250))
    pen = _pen(rng)
    truth, boxes, y = [], [], int(rng.integers(20, 80))
    for _line in range(int(rng.integers(1, 3))):
        size = int(rng.integers(40, 90))
        x = int(rng.integers(15, 80))
        for _ch in range(int(rng.integers(1, 4))):
            a = _letter_alpha(rng, size)
            if _ink(canvas, a, x, y + (size - a.shape[0]), pen) is None:
                break
            x += a.shape[1] + int(size * rng.uniform(0.1, 0.3))
        x += int(size * rng.uniform(0.4, 1.0))
        t, b, _ = _write(canvas, rng, hands, hand, _number(rng, 1, 4), x, y, size, pen)
        truth += t
        boxes += b
        y += int(size * 1.7) + 10
        if y + 100 > H:
            break
    img, boxes = _photo(canvas, boxes, rng)
    return Scene(img, truth, boxes, hand, condition="mixed")


CONDITIONS: dict[str, Any] = {
    "camera": _frame_camera, "clean": _frame_clean, "desk": _frame_desk, "page": _frame_page,
    "ruled": _frame_ruled, "squared": _frame_squared, "form": _frame_form,
    "canvas": _frame_canvas, "crop": _frame_crop, "touching": _frame_touching,
    "thin-ones": _frame_thin_ones, "flagged": _frame_flagged, "zeros": _frame_zeros,
    "no-digits": _frame_no_digits, "mixed": _frame_mixed,
}
NO_DIGIT_CONDITIONS = ("no-digits",)


def generate_condition(condition: str, count: int, seed: int,
                       mnist: tuple[np.ndarray, np.ndarray] | None = None,
                       hands: tuple[str, ...] = HANDS) -> list[Scene]:
    """``count`` frames of one condition (CONDITIONS), hands of writing taken in turn.
    Deterministic by (condition, seed). Raises KeyError for an unknown condition."""
    frame = CONDITIONS[condition]
    images, labels = _mnist_test() if mnist is None else mnist
    book = Hands(images, labels)
    rng = np.random.default_rng([seed, sorted(CONDITIONS).index(condition)])
    return [frame(rng, book, hands[i % len(hands)], images, labels) for i in range(count)]


def _mnist_test() -> tuple[np.ndarray, np.ndarray]:
    from digits.mnist import default_root, load_arrays

    return load_arrays(default_root(), train=False)


def main() -> None:
    """Write sample frames, named by what they show: MNIST camera frames (the demo's), or
    with --condition NAME frames of that condition (PNG for canvas, else JPEG)."""
    import argparse
    from pathlib import Path

    parser = argparse.ArgumentParser(prog="python -m digits.scenes", description=main.__doc__)
    parser.add_argument("out", type=Path, help="folder for the frames")
    parser.add_argument("--count", type=int, default=8)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--condition", choices=list(CONDITIONS),
                        help="one condition of the scene benchmark (default: the demo's "
                             "camera frames of MNIST digits)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.condition is None:
        scenes, prefix = generate(args.count, args.seed, sources=("mnist",)), "sample"
    else:
        scenes, prefix = generate_condition(args.condition, args.count, args.seed), args.condition
    for i, scene in enumerate(scenes):
        png = scene.image.shape[2] == 4  # keep the alpha channel
        path = args.out / f"{prefix}{i + 1:02d}_{''.join(map(str, scene.labels))}" \
            f"{'.png' if png else '.jpg'}"
        cv2.imwrite(str(path), scene.image, [] if png else [cv2.IMWRITE_JPEG_QUALITY, 90])
        print(path)


if __name__ == "__main__":
    main()
