"""Camera-like frames with known digits, to measure `digits recognize` the way it is used.

Each 640x480 BGR frame is paper (or, sometimes, a dark board) under uneven light, with
1-6 digits of varied size written in a pen colour, each rotated up to ±12°, then mild
perspective, blur, sensor noise and JPEG. Digits come from one source per frame:

    mnist    MNIST *test* images (never seen in training)
    hershey  OpenCV's Hershey script fonts, random thickness and slant: a second,
             unrelated hand, available offline
    blocks   a drawn-stroke hand MNIST does not contain: seven-segment-like skeletons
             (square 0s, a 6 with a top bar, straight-tailed 9s...) drawn as
             polylines with random pen width, vertex jitter, slant and aspect; the "new hand" that
             `bench/finetune.py` teaches the model (not in SOURCES: opt in by name)

With ``numbers=True`` a line holds several numbers apart by wide gaps, some with a
decimal point (a dot at the baseline between two digits); ``Scene.text`` is what the
record's ``text`` must be. Without it, each line is one number and the frames are the
same as before the option existed (no extra random draws).

Deterministic by seed. numpy and OpenCV only: the runtime's tests and benchmarks use it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

SOURCES = ("mnist", "hershey")  # the default mix of `generate` and bench/scenes.py
HANDS = (*SOURCES, "blocks")
W, H = 640, 480
PENS = [(120, 40, 20), (30, 30, 30), (40, 30, 150), (40, 90, 30), (90, 90, 90), (140, 60, 10)]
FONTS = [cv2.FONT_HERSHEY_SCRIPT_SIMPLEX, cv2.FONT_HERSHEY_SCRIPT_COMPLEX]


@dataclass
class Scene:
    image: np.ndarray  # uint8 [480,640,3] BGR
    labels: list[int]  # in reading order
    boxes: list[tuple[int, int, int, int]] = field(default_factory=list)  # x, y, w, h
    source: str = "mnist"
    text: str = ""  # the expected record text: numbers joined by " ", lines by "\n"


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


def main() -> None:
    """Write sample frames of MNIST test digits, named by what they show (the demo's)."""
    import argparse
    from pathlib import Path

    parser = argparse.ArgumentParser(prog="python -m digits.scenes", description=main.__doc__)
    parser.add_argument("out", type=Path, help="folder for the JPEG frames")
    parser.add_argument("--count", type=int, default=8)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for i, scene in enumerate(generate(args.count, args.seed, sources=("mnist",))):
        path = args.out / f"sample{i + 1:02d}_{''.join(map(str, scene.labels))}.jpg"
        cv2.imwrite(str(path), scene.image, [cv2.IMWRITE_JPEG_QUALITY, 90])
        print(path)


if __name__ == "__main__":
    main()
