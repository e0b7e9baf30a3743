"""Everyday inputs of each kind in issue 8, generated with OpenCV: web canvases with
alpha, fat brushes, tight crops, thin upright 1s, touching digits, form boxes, whole
pages, ruled paper with a margin, a card on a desk, squared paper, squarish zeros, flagged
1s and crossed 7s, and frames with no digits at all (letters, scribbles, empty grids and
forms).

Each ``make_*`` takes a numpy Generator and returns (image, text): the image as a
decoder would hand it over (uint8; BGR, BGRA or gray) and the digits it shows in reading
order ("" for no-digit frames). Digits come from two hands: OpenCV's Hershey fonts
(any size, pen, colour, position) and MNIST test images.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

Kind = Callable[[np.random.Generator], tuple[np.ndarray, str]]
FONTS = (cv2.FONT_HERSHEY_SIMPLEX,)
INKS = ((30, 30, 30), (120, 40, 20), (140, 60, 10), (40, 30, 150))


def _mnist() -> tuple[np.ndarray, np.ndarray]:
    from digits.mnist import default_root, load_arrays

    return load_arrays(default_root(), train=False)


def glyph(text: str, height: int, thickness: int, font: int = FONTS[0]) -> np.ndarray:
    """A Hershey text's ink as float32 alpha in [0,1], cropped to the ink; ``height`` is
    the digits' height in pixels."""
    scale = height / 22.0  # Hershey digits are ~22 px tall at scale 1
    (w, h), base = cv2.getTextSize(text, font, scale, thickness)
    pad = thickness + 4
    canvas = np.zeros((h + base + 2 * pad, w + 2 * pad), np.uint8)
    if text == "0":  # Hershey's zero is slashed; people write an oval
        centre = (pad + w // 2, pad + h // 2)
        cv2.ellipse(canvas, centre, (max(2, w // 2 - thickness // 2),
                                     max(2, h // 2 - thickness // 2)), 0, 0, 360, 255,
                    thickness, cv2.LINE_AA)
    else:
        cv2.putText(canvas, text, (pad, pad + h), font, scale, 255, thickness, cv2.LINE_AA)
    ys, xs = np.nonzero(canvas)
    return canvas[ys.min():ys.max() + 1, xs.min():xs.max() + 1].astype(np.float32) / 255


def mnist_glyph(image: np.ndarray, height: int) -> np.ndarray:
    """An MNIST digit's ink as alpha, cropped and scaled to ``height`` pixels."""
    a = image.astype(np.float32) / 255
    ys, xs = np.nonzero(a > 0.1)
    a = a[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    w = max(2, round(a.shape[1] * height / a.shape[0]))
    return np.clip(cv2.resize(a, (w, height), interpolation=cv2.INTER_CUBIC), 0, 1)


def paste(canvas: np.ndarray, alpha: np.ndarray, x: int, y: int, ink) -> None:
    """Blend ink into a float32 BGR canvas where alpha says, top-left at (x, y)."""
    h, w = alpha.shape
    region = canvas[y:y + h, x:x + w]
    a = alpha[:region.shape[0], :region.shape[1], None]
    region[:] = region * (1 - a) + np.array(ink, np.float32) * a


def paper(h: int, w: int, rng: np.random.Generator, level: float = 235) -> np.ndarray:
    """Float32 BGR paper under a gentle light gradient with sensor noise."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    gx, gy = rng.uniform(-0.15, 0.15, 2)
    light = 1 + gx * (xx / w - 0.5) + gy * (yy / h - 0.5)
    out = level * light[:, :, None] * np.ones(3, np.float32)
    return out + rng.normal(0, 2, out.shape).astype(np.float32)


def finish(canvas: np.ndarray) -> np.ndarray:
    return np.clip(canvas, 0, 255).astype(np.uint8)


def digits_text(rng: np.random.Generator, n: int) -> str:
    return "".join(str(int(d)) for d in rng.integers(0, 10, n))


def _row(canvas: np.ndarray, text: str, x: int, y: int, height: int, thickness: int,
         ink, rng: np.random.Generator, gap: float = 0.35) -> int:
    """Hershey digits side by side from (x, y); returns the x after the last one."""
    font = FONTS[int(rng.integers(len(FONTS)))]
    for ch in text:
        a = glyph(ch, height, thickness, font)
        paste(canvas, a, x, y + height - a.shape[0], ink)
        x += a.shape[1] + int(gap * height)
    return x


# ---- the kinds --------------------------------------------------------------------------

def make_canvas_alpha(rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """A web canvas saved as PNG: strokes only in alpha, black or white, on transparent."""
    text = digits_text(rng, int(rng.integers(1, 5)))
    height = int(rng.integers(80, 180))
    thick = max(2, height // int(rng.integers(8, 16)))
    h, w = height + 120, len(text) * int(height * 0.95) + 120
    alpha = np.zeros((h, w, 3), np.float32)
    _row(alpha, text, 60, 60, height, thick, (255, 255, 255), rng)
    colour = 0 if rng.random() < 0.5 else 255
    bgra = np.zeros((h, w, 4), np.uint8)
    bgra[:, :, :3] = colour
    bgra[:, :, 3] = finish(alpha[:, :, 0])
    return bgra, text


def make_fat_brush(rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """One digit on a 280 px canvas with a round brush of 16-30 px, either polarity."""
    text = digits_text(rng, 1)
    size = 280
    a = glyph(text, int(rng.integers(150, 200)), int(rng.integers(16, 31)))
    a = a[:size - 20, :size - 20]
    dark = rng.random() < 0.5
    canvas = np.full((size, size, 3), 255.0 if dark else 0.0, np.float32)
    x = int(rng.integers(5, size - a.shape[1] - 5))
    y = int(rng.integers(5, size - a.shape[0] - 5))
    paste(canvas, a, x, y, (0, 0, 0) if dark else (255, 255, 255))
    return cv2.cvtColor(finish(canvas), cv2.COLOR_BGR2GRAY), text


def make_tight_crop(rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """One digit cut out tight: the ink touches the image's edges; any size."""
    images, labels = _mnist()
    i = int(rng.integers(len(images)))
    height = int(rng.integers(40, 320))
    a = mnist_glyph(images[i], height)
    canvas = paper(*a.shape, rng)
    paste(canvas, a, 0, 0, INKS[int(rng.integers(len(INKS)))])
    return finish(canvas), str(int(labels[i]))


def make_large_crop(rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """2-4 MNIST digits 420-640 px tall cut out tight (a number cropped from a phone's
    photo): their strokes are wider than the background's kernel, the ink comes within a
    few pixels of every edge."""
    return _number_crop(rng, (420, 641), (0, 6))


def make_small_crop(rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """2-4 MNIST digits 18-60 px tall cut out with no margin (a number cropped from a
    form's scan): the first and the last digit touch the image's sides along their
    height."""
    return _number_crop(rng, (18, 61), (0, 1))


def _number_crop(rng: np.random.Generator, heights: tuple[int, int],
                 margins: tuple[int, int]) -> tuple[np.ndarray, str]:
    """2-4 MNIST digits side by side, cut out: a height and a margin drawn from the
    ranges [lo, hi)."""
    images, labels = _mnist()
    idx = rng.integers(len(images), size=int(rng.integers(2, 5)))
    height = int(rng.integers(*heights))
    glyphs = [mnist_glyph(images[i], height) for i in idx]
    gaps = [max(1, int(rng.uniform(0.05, 0.2) * height)) for _ in glyphs[1:]]
    margin = int(rng.integers(*margins))
    canvas = paper(height + 2 * margin, sum(a.shape[1] for a in glyphs) + sum(gaps)
                   + 2 * margin, rng)
    ink = INKS[int(rng.integers(len(INKS)))]
    x = margin
    for a, gap in zip(glyphs, [*gaps, 0], strict=True):
        paste(canvas, a, x, margin, ink)
        x += a.shape[1] + gap
    return finish(canvas), "".join(str(int(labels[i])) for i in idx)


def make_thin_ones(rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """Upright 1s written with a fine pen (a stroke 15-25x taller than wide) among other
    digits."""
    height = int(rng.integers(120, 200))
    pen = max(2, height // int(rng.integers(15, 26)))
    text = "".join(rng.choice(list("1123456789"), int(rng.integers(3, 6))))
    if "1" not in text:
        text = text[:-1] + "1"
    h, w = height + 120, len(text) * int(height * 1.3) + 100
    canvas = paper(h, w, rng)
    x = 50
    ink = INKS[int(rng.integers(len(INKS)))]
    for ch in text:
        if ch == "1":
            cv2.line(canvas, (x + pen, 60), (x + pen, 60 + height), ink, pen, cv2.LINE_AA)
            x += 2 * pen + int(0.5 * height)
        else:
            x = _row(canvas, ch, x, 60, height, pen, ink, rng, gap=0.5)
    return finish(canvas)[:, :x + 50], text


def make_touching(rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """2-5 digits written fast: neighbours touch."""
    text = digits_text(rng, int(rng.integers(2, 6)))
    height = int(rng.integers(90, 140))
    thick = max(3, height // int(rng.integers(10, 16)))
    h, w = height + 100, len(text) * height + 100
    canvas = paper(h, w, rng)
    ink = INKS[int(rng.integers(len(INKS)))]
    x = 50
    font = FONTS[int(rng.integers(len(FONTS)))]
    for ch in text:
        a = glyph(ch, height, thick, font)
        paste(canvas, a, x, 50 + height - a.shape[0], ink)
        x += a.shape[1] - thick // 2  # the next one starts on this one's last stroke
    return finish(canvas)[:, :x + 60], text


def make_touching_one(rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """A digit and a 1 whose stroke touches it, either side: the pair is hardly wider
    than one digit (0.6-0.9 of its height)."""
    digit = str(int(rng.integers(2, 10)))
    height = int(rng.integers(70, 140))
    thick = max(3, height // int(rng.integers(9, 14)))
    canvas = paper(height + 100, 2 * height + 100, rng)
    ink = INKS[int(rng.integers(len(INKS)))]
    a = glyph(digit, height, thick, FONTS[0])
    one_first = bool(rng.random() < 0.5)
    x = 50 + (thick if one_first else 0)
    top = 50 + height - a.shape[0]
    paste(canvas, a, x, top, ink)
    ox = x - thick // 2 if one_first else x + a.shape[1] + thick // 2  # strokes touch
    lean = int(rng.integers(-height // 12, height // 12 + 1))
    one = np.zeros(canvas.shape[:2], np.uint8)
    cv2.line(one, (ox + lean, top), (ox, top + a.shape[0] - 1), 255, thick, cv2.LINE_AA)
    alpha = one.astype(np.float32) / 255
    canvas[:] = canvas * (1 - alpha[:, :, None]) + np.array(ink, np.float32) * alpha[:, :, None]
    text = "1" + digit if one_first else digit + "1"
    return finish(canvas)[:, :x + a.shape[1] + 60], text


def make_thin_one_crop(rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """A fine-pen 1 cut out tight: 4-8 px wide, 20-60 px tall (the ink touches every
    edge; the image is far narrower than 8 px)."""
    height = int(rng.integers(20, 61))
    width = int(rng.integers(4, 9))
    canvas = paper(height, width, rng)
    alpha = np.zeros((height, width), np.float32)
    pen = max(2, width // 2)
    alpha[:, (width - pen) // 2:(width - pen) // 2 + pen] = 1.0
    paste(canvas, alpha, 0, 0, INKS[int(rng.integers(len(INKS)))])
    return finish(canvas), "1"


def make_form_boxes(rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """A form with one printed box per digit."""
    text = digits_text(rng, int(rng.integers(1, 7)))
    box_w, box_h = int(rng.integers(70, 120)), int(rng.integers(100, 160))
    gap = int(rng.integers(0, 25))
    h, w = box_h + 80, len(text) * (box_w + gap) + 80
    canvas = paper(h, w, rng, level=240)
    line = int(rng.integers(1, 4))
    ink = INKS[int(rng.integers(len(INKS)))]
    for k, ch in enumerate(text):
        x0 = 40 + k * (box_w + gap)
        cv2.rectangle(canvas, (x0, 40), (x0 + box_w, 40 + box_h), (50, 50, 50), line)
        height = int(box_h * rng.uniform(0.55, 0.75))
        a = glyph(ch, height, max(3, height // int(rng.integers(10, 16))))
        ax = x0 + (box_w - a.shape[1]) // 2 + int(rng.integers(-5, 6))
        paste(canvas, a, max(x0 + line + 3, ax), 40 + (box_h - a.shape[0]) // 2, ink)
    return finish(canvas), text


def make_form_touching_sides(rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """A form's gray boxes filled in with a coloured pen, each digit against its box's
    left or right side: the side is the box's, not a 1 (1s are written too)."""
    text = "1" + digits_text(rng, int(rng.integers(3, 6)))
    text = "".join(rng.permutation(list(text)))
    box_w, box_h = int(rng.integers(70, 110)), int(rng.integers(90, 140))
    gap = int(rng.integers(6, 25))
    h, w = box_h + 80, len(text) * (box_w + gap) + 80
    canvas = paper(h, w, rng, level=240)
    line = int(rng.integers(2, 5))  # (5 px sides with bold digits: 12 of 20 read)
    ink = INKS[1 + int(rng.integers(len(INKS) - 1))]  # a coloured pen
    for k, ch in enumerate(text):
        x0 = 40 + k * (box_w + gap)
        cv2.rectangle(canvas, (x0, 40), (x0 + box_w, 40 + box_h), (60, 60, 60), line)
        height = int(box_h * rng.uniform(0.55, 0.75))
        a = glyph(ch, height, max(3, height // int(rng.integers(8, 12))))
        while a.shape[1] > 0.8 * box_w:  # it fits its box, touching one side only
            height = int(0.9 * height)
            a = glyph(ch, height, max(3, height // 10))
        left = ch != "1" and rng.random() < 0.5
        ax = x0 + line // 2 if left else x0 + box_w - line // 2 - a.shape[1]
        if ch == "1":
            ax = x0 + (box_w - a.shape[1]) // 2
        paste(canvas, a, ax, 40 + (box_h - a.shape[0]) // 2, ink)
    return finish(canvas), text


def make_markers(rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """A number drawn with a different coloured marker per digit, 1s among them."""
    text = "1" + digits_text(rng, int(rng.integers(2, 5)))
    text = "".join(rng.permutation(list(text)))
    height = int(rng.integers(60, 110))
    canvas = paper(height + 100, len(text) * height + 100, rng, level=245)
    markers = [(40, 40, 200), (40, 150, 40), (180, 60, 30), (0, 130, 230), (150, 40, 130)]
    x = 50
    for k, ch in enumerate(text):
        a = glyph(ch, height, max(4, height // 8))
        paste(canvas, a, x, 50 + height - a.shape[0], markers[k % len(markers)])
        x += a.shape[1] + int(0.4 * height)
    return finish(canvas), text


def make_page(rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """A whole page photographed by a phone: 4032x3024, digits ~2-3 % of the short side."""
    text = digits_text(rng, int(rng.integers(3, 7)))
    h, w = 3024, 4032
    yy, xx = np.mgrid[0:h:8, 0:w:8].astype(np.float32)
    light = cv2.resize(1 - 0.2 * (xx / w) - 0.15 * (yy / h), (w, h))
    canvas = (225 * light)[:, :, None] * np.ones(3, np.float32)
    height = int(rng.integers(60, 100))
    x, y = int(rng.integers(300, 2500)), int(rng.integers(300, 2500))
    _row(canvas, text, x, y, height, max(3, height // 12), INKS[0], rng)
    return finish(canvas), text


def make_ruled_margin(rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """Ruled notebook paper with a vertical margin line; digits cross the rules."""
    text = digits_text(rng, int(rng.integers(2, 6)))
    h, w = int(rng.integers(500, 900)), int(rng.integers(700, 1200))
    canvas = paper(h, w, rng, level=238)
    step = int(rng.integers(25, 45))
    blue = (rng.uniform(190, 230), rng.uniform(150, 190), rng.uniform(110, 150))
    for y in range(step, h, step):
        cv2.line(canvas, (0, y), (w, y), blue, int(rng.integers(1, 3)), cv2.LINE_AA)
    margin = int(rng.integers(60, 140))
    cv2.line(canvas, (margin, 0), (margin, h), (90, 90, 220), 2, cv2.LINE_AA)
    height = int(step * rng.uniform(1.2, 2.2))
    y = step * int(rng.integers(2, max(3, h // step - 4))) - height // 3
    _row(canvas, text, margin + int(rng.integers(30, 150)), y, height,
         max(3, height // 12), INKS[int(rng.integers(len(INKS)))], rng)
    return finish(canvas), text


def make_card_on_desk(rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """A webcam frame: a white card covering 25-70 % of a desk of any colour."""
    text = digits_text(rng, int(rng.integers(1, 6)))
    h, w = 480, 640
    desk = rng.uniform(20, 200, 3)
    canvas = np.ones((h, w, 3), np.float32) * desk + rng.normal(0, 4, (h, w, 3))
    share = rng.uniform(0.25, 0.7)
    cw = int(w * np.sqrt(share) * rng.uniform(0.9, 1.1))
    ch = min(h - 10, int(share * w * h / cw))
    x0, y0 = int(rng.integers(0, w - cw + 1)), int(rng.integers(0, h - ch + 1))
    canvas[y0:y0 + ch, x0:x0 + cw] = paper(ch, cw, rng, level=rng.uniform(215, 245))
    height = int(min(ch * 0.5, (cw - 40) / (len(text) * 0.95)))
    _row(canvas, text, x0 + 20, y0 + (ch - height) // 2, height, max(3, height // 12),
         INKS[int(rng.integers(len(INKS)))], rng, gap=0.3)
    return finish(canvas), text


def make_coin_on_page(rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """A number written on a page with a coin or a bottle cap lying beside it: a dark
    disc 26-38 % of the frame's short side, wider than the background's kernel (a fat
    stroke may be as wide, but it is not solid)."""
    text = digits_text(rng, int(rng.integers(2, 5)))
    h, w = 480, 640
    canvas = paper(h, w, rng)
    r = int(h * rng.uniform(0.13, 0.19))
    cx = int(rng.integers(w - 3 * r, w - r - 10))
    cv2.circle(canvas, (cx, int(rng.integers(r + 10, h - r - 10))), r,
               tuple(float(v) for v in rng.uniform(30, 90, 3)), -1, cv2.LINE_AA)
    height = int(rng.integers(50, 90))
    _row(canvas, text, 30, int(rng.integers(40, h - height - 40)), height,
         max(3, height // 12), INKS[int(rng.integers(len(INKS)))], rng, gap=0.3)
    return finish(cv2.GaussianBlur(canvas, (0, 0), 1.0)), text


def make_squared(rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """Squared (grid) paper whose lines are nearly as dark as the ink."""
    text = digits_text(rng, int(rng.integers(2, 6)))
    h, w = int(rng.integers(360, 500)), int(rng.integers(560, 760))
    canvas = paper(h, w, rng, level=245)
    step = int(rng.integers(25, 45))
    grid = tuple(float(v) for v in rng.uniform(90, 140, 3))
    for y in range(int(rng.integers(3, step)), h, step):
        cv2.line(canvas, (0, y), (w, y), grid, 2)
    for x in range(int(rng.integers(3, step)), w, step):
        cv2.line(canvas, (x, 0), (x, h), grid, 2)
    height = int(min(h * 0.4, (w - 80) / (len(text) * 1.0)))
    _row(canvas, text, 40, (h - height) // 2, height, max(5, height // 14), (110, 40, 20), rng)
    return finish(canvas), text


def make_squarish_zeros(rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """Zeros written as rounded rectangles, beside other digits."""
    text = "".join(rng.choice(list("0123456789"), int(rng.integers(2, 5))))
    if "0" not in text:
        text = text[:-1] + "0"
    height = int(rng.integers(90, 140))
    pen = max(3, height // int(rng.integers(10, 16)))
    h, w = height + 100, len(text) * height + 100
    canvas = paper(h, w, rng)
    ink = INKS[int(rng.integers(len(INKS)))]
    x = 50
    for ch in text:
        if ch == "0":
            zw, r = int(height * rng.uniform(0.5, 0.65)), int(height * rng.uniform(0.12, 0.25))
            mask = np.zeros((height, zw), np.uint8)
            pts = cv2.ellipse2Poly((0, 0), (r, r), 0, 0, 90, 10)
            corners = [(zw - r - pen, height - r - pen, 0), (r + pen, height - r - pen, 90),
                       (r + pen, r + pen, 180), (zw - r - pen, r + pen, 270)]
            outline = np.concatenate([cv2.ellipse2Poly((cx, cy), (r, r), a, 0, 90, 10)
                                      for cx, cy, a in corners])
            del pts
            cv2.polylines(mask, [outline], True, 255, pen, cv2.LINE_AA)
            paste(canvas, mask.astype(np.float32) / 255, x, 50, ink)
            x += zw + int(0.3 * height)
        else:
            x = _row(canvas, ch, x, 50, height, pen, ink, rng, gap=0.3)
    return finish(canvas)[:, :x + 40], text


def make_broken_stroke(rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """Hershey digits on paper, one of them (a 1, 4 or 7) cut in two stacked pieces by a
    band of glare across its middle (a whiteboard's reflection, a screen's moire)."""
    text = digits_text(rng, int(rng.integers(3, 6)))
    k = int(rng.integers(len(text)))  # a straight stroke is broken: a 1, 4 or 7
    text = text[:k] + str(rng.choice([1, 4, 7])) + text[k + 1:]
    height = int(rng.integers(60, 140))
    pen = max(3, height // 12)
    canvas = paper(height + 120, len(text) * height + 100, rng)
    x = 50
    for n, ch in enumerate(text):
        start = x
        x = _row(canvas, ch, x, 60, height, pen, INKS[0], rng)
        if n == k:  # the band goes across the middle of the digit's own ink
            cols = slice(start, x - int(0.3 * height))
            rows = np.flatnonzero(canvas[:, cols, 0].min(axis=1) < 150)
            top, tall = rows[0], rows[-1] - rows[0]
            y = top + int(rng.uniform(0.42, 0.5) * tall)
            band = max(pen + 2, int(0.1 * tall))
            canvas[y:y + band, cols] = canvas[y:y + band, 5:6]
    return finish(canvas), text


SEGMENTS = {0: "abcdef", 1: "bc", 2: "abged", 3: "abgcd", 4: "fgbc", 5: "afgcd",
            6: "afgedc", 7: "abc", 8: "abcdefg", 9: "abcdfg"}


def make_seven_segment(rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """A meter's 7-segment display: dark segments on a greenish panel, the upper and
    lower halves of each digit apart at the middle unless its middle bar joins them: a
    0 is two pieces, a 1 two strokes, a 7 a bar and a stroke; a 2, 3 or 5 is whole.
    Mostly broken digits: their halves outnumber the whole digits of the line."""
    broken = "".join(str(rng.choice([0, 1, 7])) for _ in range(int(rng.integers(2, 5))))
    k = int(rng.integers(len(broken) + 1))  # one whole digit among the broken ones
    text = broken[:k] + str(rng.choice([2, 3, 5])) + broken[k:]
    height = int(rng.integers(60, 120))
    w, pen = int(0.55 * height), max(4, height // 10)
    gap = pen // 2 + 2  # round line caps reach pen / 2 further: a 2-3 px gap
    canvas = np.zeros((height + 100, len(text) * (w + height // 2) + 100, 3), np.float32)
    canvas[:] = (150, 185, 170)
    layer = np.zeros(canvas.shape[:2], np.uint8)
    for n, ch in enumerate(text):
        x0, y0 = 50 + n * (w + height // 2), 50
        x1, ym, y1 = x0 + w, y0 + height // 2, y0 + height
        ends = {"a": ((x0, y0), (x1, y0)), "b": ((x1, y0), (x1, ym - gap)),
                "c": ((x1, ym + gap), (x1, y1)), "d": ((x0, y1), (x1, y1)),
                "e": ((x0, ym + gap), (x0, y1)), "f": ((x0, y0), (x0, ym - gap)),
                "g": ((x0, ym), (x1, ym))}  # the middle bar joins the halves
        for seg in SEGMENTS[int(ch)]:
            cv2.line(layer, *ends[seg], 255, pen)
    paste(canvas, cv2.GaussianBlur(layer, (3, 3), 0).astype(np.float32) / 255, 0, 0,
          (40, 45, 40))
    canvas += rng.normal(0, 3, canvas.shape).astype(np.float32)
    return finish(canvas), text


def lcd_digit(digit: int, height: int, pen: float, slant: float,
              blur: float) -> np.ndarray:
    """One digit of an LCD: each segment a hexagon with pointed ends, apart from its
    neighbours at the corners, 0.5 of the height wide, dark on a greenish panel."""
    width = 0.5 * height
    ends = {"a": ((0, 0), (1, 0)), "b": ((1, 0), (1, 0.5)), "c": ((1, 0.5), (1, 1)),
            "d": ((0, 1), (1, 1)), "e": ((0, 0.5), (0, 1)), "f": ((0, 0), (0, 0.5)),
            "g": ((0, 0.5), (1, 0.5))}
    image = np.full((2 * height, 2 * height, 3), (150, 180, 160), np.float32)
    t = pen * height

    def point(u: float, v: float) -> np.ndarray:
        return np.array((0.7 * height + u * width + (1 - v) * height * slant,
                         0.5 * height + v * height))

    for name in SEGMENTS[digit]:
        (u0, v0), (u1, v1) = ends[name]
        a, b = point(u0, v0), point(u1, v1)
        d = (b - a) / np.linalg.norm(b - a)
        n = np.array((-d[1], d[0])) * t / 2
        a, b = a + 0.6 * t * d, b - 0.6 * t * d
        hexagon = np.array([a - d * t / 2, a + n, b + n, b + d * t / 2, b - n, a - n])
        cv2.fillPoly(image, [np.round(hexagon * 4).astype(np.int32)], (30, 40, 35),
                     cv2.LINE_AA, shift=2)
    if blur:
        image = cv2.GaussianBlur(image, (0, 0), blur)
    return image.astype(np.uint8)


def make_comma_number(rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """A handwritten number with a thousands comma: a short slanted stroke at the
    baseline between two of its digits, 0.2-0.3 of their height."""
    text = digits_text(rng, int(rng.integers(4, 7)))
    k = int(rng.integers(1, len(text)))  # the comma goes before text[k]
    height = int(rng.integers(60, 130))
    pen = max(3, height // 12)
    canvas = paper(height + 120, len(text) * height + 160, rng)
    ink = INKS[int(rng.integers(len(INKS)))]
    x = 50
    for n, ch in enumerate(text):
        if n == k:
            tall = int(rng.uniform(0.2, 0.3) * height)
            layer = np.zeros(canvas.shape[:2], np.uint8)
            top = 60 + height - tall // 2
            cv2.line(layer, (x + tall // 3, top), (x, top + tall), 255, pen, cv2.LINE_AA)
            paste(canvas, layer.astype(np.float32) / 255, 0, 0, ink)
            x += tall // 3 + int(0.3 * height)
        x = _row(canvas, ch, x, 60, height, pen, ink, rng)
    return finish(canvas), text


def make_raised(rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """A price with raised cents or a number with an exponent: 1-3 digits, then two
    digits 0.3-0.45 of their height, level with their top (a tall 1 first half the time)."""
    big = ("1" if rng.random() < 0.5 else "") + digits_text(rng, int(rng.integers(1, 3)))
    small = digits_text(rng, 2)
    height = int(rng.integers(90, 160))
    tall = int(rng.uniform(0.3, 0.45) * height)
    pen = max(3, height // 12)
    canvas = paper(height + 120, (len(big) + 1) * height + 160, rng)
    ink = INKS[int(rng.integers(len(INKS)))]
    x = _row(canvas, big, 60, 60, height, pen, ink, rng)
    _row(canvas, small, x, 60, tall, max(2, pen // 2), ink, rng)
    return finish(canvas), big + small


WORDS = ("TOTAL", "CROISSANT", "LATTE", "TIP", "TAX", "SOLO", "BAGEL", "COOKIES",
         "CORNER CAFE", "THANK YOU", "SLICE", "LOLLIES", "ISLE", "BOILS")


def _continental_stroke(label: int, height: int, pen: int, rng: np.random.Generator
                        ) -> np.ndarray:
    """A 1 with its flag (and a base at times) or a 7 with its bar, as a hand writes them:
    float32 alpha cropped to the ink."""
    w = height * 0.6
    pad = pen + 4
    canvas = np.zeros((height + 2 * pad, int(w + height * 0.4) + 2 * pad), np.uint8)
    lean = rng.uniform(-0.12, 0.12) * height
    if label == 1:
        top = (pad + w * 0.55 + lean, pad)
        flag = rng.uniform(0.25, 0.45) * height
        strokes = [[(top[0] - flag * 0.8, pad + flag * rng.uniform(0.5, 0.9)), top,
                    (pad + w * 0.55 - lean, pad + height)]]
        if rng.random() < 0.5:
            strokes.append([(pad + w * 0.25, pad + height), (pad + w * 0.85, pad + height)])
    else:
        mid = pad + height * rng.uniform(0.45, 0.55)
        stem_x = pad + w * 0.45 + lean * 0.2
        strokes = [[(pad, pad + rng.uniform(0, 0.08) * height), (pad + w, pad),
                    (pad + w * 0.3 - lean, pad + height)],
                   [(stem_x - w * 0.3, mid), (stem_x + w * 0.35, mid)]]
    for points in strokes:
        pts = np.round(np.array(points) + rng.normal(0, height * 0.015, (len(points), 2)))
        cv2.polylines(canvas, [pts.astype(np.int32)], False, 255, pen, cv2.LINE_AA)
    ys, xs = np.nonzero(canvas)
    return canvas[ys.min():ys.max() + 1, xs.min():xs.max() + 1].astype(np.float32) / 255


def make_continental(rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """A number written in the continental hand: flagged 1s and crossed 7s among MNIST
    test digits."""
    images, labels = _mnist()
    n = int(rng.integers(3, 6))
    text = "".join(str(d) for d in rng.choice([1, 7, 1, 7, 0, 2, 4, 9], n))
    height = int(rng.integers(40, 90))
    pen = max(2, height // int(rng.integers(10, 16)))
    canvas = paper(height + 80, n * height + 80, rng)
    ink = INKS[int(rng.integers(len(INKS)))]
    x = 40
    for ch in text:
        if ch in "17":
            a = _continental_stroke(int(ch), height, pen, rng)
        else:
            pick = rng.choice(np.flatnonzero(labels == int(ch)))
            a = mnist_glyph(images[pick], height)
        paste(canvas, a, x, 40 + height - a.shape[0], ink)
        x += a.shape[1] + int(height * rng.uniform(0.25, 0.45))
    return finish(canvas[:, :x + 40]), text


def _printed_lines(canvas: np.ndarray, rng: np.random.Generator, y: int, lines: int) -> int:
    """Lines of small printed capitals (letters like O, I, S, L that look like digits)
    from y; returns the y below them."""
    font = (cv2.FONT_HERSHEY_SIMPLEX, cv2.FONT_HERSHEY_DUPLEX)[int(rng.integers(2))]
    size = int(rng.integers(14, 24))
    layer = np.zeros(canvas.shape[:2], np.uint8)
    for _ in range(lines):
        word = " ".join(rng.choice(WORDS, int(rng.integers(1, 3))))
        cv2.putText(layer, word, (30, y + size), font, size / 22, 255, max(2, size // 8),
                    cv2.LINE_AA)
        y += int(size * 2.2)
    paste(canvas, layer.astype(np.float32) / 255, 0, 0, (40, 40, 40))
    return y


def make_receipt(rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """A printed receipt (lines of small capitals) with a handwritten total (MNIST digits)
    below: only the total is digits."""
    images, labels = _mnist()
    idx = rng.choice(len(labels), int(rng.integers(3, 5)), replace=False)
    height = int(rng.integers(60, 90))
    canvas = paper(700, 520, rng)
    y = _printed_lines(canvas, rng, 20, int(rng.integers(4, 8)))
    x = 200
    for i in idx:
        a = mnist_glyph(images[i], height)
        paste(canvas, a, x, y + 40, INKS[1])
        x += a.shape[1] + int(0.25 * height)
    return finish(canvas), "".join(str(int(labels[i])) for i in idx)


# ---- no digits --------------------------------------------------------------------------

def make_letters(rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """A word in capitals or small letters on paper."""
    word = "".join(rng.choice(list("ACEFHKMNRTUVWXYacehkmnrtuvwxy"), int(rng.integers(2, 6))))
    height = int(rng.integers(60, 130))
    h, w = height + 120, len(word) * height + 100
    canvas = paper(h, w, rng)
    _row(canvas, word, 50, 60, height, max(3, height // 12), INKS[0], rng, gap=0.2)
    return finish(canvas), ""


def make_scribble(rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """A scribble: a long random pen path, and a tick mark."""
    h, w = 480, 640
    canvas = paper(h, w, rng)
    pts = np.cumsum(rng.normal(0, 25, (40, 2)), axis=0) + np.array([w / 2, h / 2])
    pts = np.clip(pts, 20, [w - 20, h - 20]).astype(np.int32)
    cv2.polylines(canvas, [pts], False, INKS[0], int(rng.integers(3, 8)), cv2.LINE_AA)
    return finish(canvas), ""


def make_printed_text(rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """A page of small printed capitals, no digit: a receipt's or a form's labels."""
    canvas = paper(480, 520, rng)
    _printed_lines(canvas, rng, 20, int(rng.integers(4, 10)))
    return finish(canvas), ""


def make_empty_grid(rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """Squared paper with nothing written on it."""
    h, w = 480, 640
    canvas = paper(h, w, rng, level=245)
    step = int(rng.integers(25, 45))
    for y in range(int(rng.integers(3, step)), h, step):
        cv2.line(canvas, (0, y), (w, y), (120, 110, 100), 2)
    for x in range(int(rng.integers(3, step)), w, step):
        cv2.line(canvas, (x, 0), (x, h), (120, 110, 100), 2)
    return finish(canvas), ""


def make_empty_form(rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """A form's empty boxes."""
    n = int(rng.integers(1, 7))
    box_w, box_h = int(rng.integers(70, 120)), int(rng.integers(100, 160))
    gap = int(rng.integers(0, 25))
    canvas = paper(box_h + 80, n * (box_w + gap) + 80, rng, level=240)
    for k in range(n):
        x0 = 40 + k * (box_w + gap)
        cv2.rectangle(canvas, (x0, 40), (x0 + box_w, 40 + box_h), (50, 50, 50), 2)
    return finish(canvas), ""


DIGIT_KINDS: dict[str, Kind] = {
    "canvas_alpha": make_canvas_alpha, "fat_brush": make_fat_brush,
    "tight_crop": make_tight_crop, "large_crop": make_large_crop,
    "small_crop": make_small_crop,
    "thin_ones": make_thin_ones, "touching": make_touching,
    "form_boxes": make_form_boxes, "form_touching_sides": make_form_touching_sides,
    "markers": make_markers, "ruled_margin": make_ruled_margin,
    "card_on_desk": make_card_on_desk, "coin_on_page": make_coin_on_page,
    "squared": make_squared,
    "squarish_zeros": make_squarish_zeros, "broken_stroke": make_broken_stroke,
    "receipt": make_receipt, "comma_number": make_comma_number, "raised": make_raised,
    "continental": make_continental,
    "touching_one": make_touching_one, "thin_one_crop": make_thin_one_crop,
}
NO_DIGIT_KINDS: dict[str, Kind] = {
    "letters": make_letters, "scribble": make_scribble, "empty_grid": make_empty_grid,
    "empty_form": make_empty_form, "printed_text": make_printed_text,
}
