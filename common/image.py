"""Input normalisation: every image, video frame and camera frame becomes 8-bit BGR here.

One place for what decoders hand over: 16-bit images (scaled from the sample depth they
use: 10- and 12-bit sensor data in 16-bit files too) and float images (scaled to 8 bits),
gray and palette images (palette PNGs decode to BGR already), and images with an alpha
channel, which are flattened onto the colour opposite their strokes, so black strokes
on a transparent canvas and white strokes on one both read as ink on a plain surface.
EXIF orientation is applied at decode (``decode``).
"""

from __future__ import annotations

import cv2
import numpy as np

# Flags that keep 16 bits and colour AND apply EXIF orientation; IMREAD_UNCHANGED (the only
# flag that keeps alpha) ignores EXIF orientation, so it is used only where alpha can be.
_KEEP_DEPTH = cv2.IMREAD_ANYDEPTH | cv2.IMREAD_ANYCOLOR
# Rows blended at a time by flatten_alpha: its float32 temporaries (~40 bytes a pixel)
# stay ~20 MB for a 7000-pixel-wide image instead of ~2 GB for the whole 49 MP of it.
BLEND_ROWS = 64
# The sample depths a 16-bit image may carry, low-aligned (PNG's sBIT chunk, which would
# say so, is not passed on by OpenCV): scaled from the smallest that holds its brightest
# value. A real 16-bit image of a page has a brightest value above 2**14.
SAMPLE_DEPTHS = (8, 10, 12, 14, 16)


def decode(data: bytes) -> np.ndarray | None:
    """Encoded image bytes -> uint8 BGR [H,W,3], normalised by ``to_bgr8``;
    None when OpenCV cannot decode them. JPEGs (no alpha, often EXIF-rotated) decode once
    with orientation applied; other formats are first read with their alpha channel, and
    read again with orientation applied when they have none."""
    buf = np.frombuffer(data, np.uint8)
    if data[:2] == b"\xff\xd8":
        image = cv2.imdecode(buf, _KEEP_DEPTH)
    else:
        image = cv2.imdecode(buf, cv2.IMREAD_UNCHANGED)
        if image is not None and not (image.ndim == 3 and image.shape[2] == 4):
            image = cv2.imdecode(buf, _KEEP_DEPTH)
    return None if image is None else to_bgr8(image)


def to_bgr8(image: np.ndarray) -> np.ndarray:
    """Any decoded image or frame -> uint8 BGR [H,W,3] (a uint8 BGR image is returned as
    it is): what sources hand on, and what annotations are drawn on."""
    image = to_8bit(image)
    return image if image.ndim == 3 else cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)


def to_gray(image: np.ndarray) -> np.ndarray:
    """Any decoded image or frame -> uint8 gray [H,W]: what segmentation reads."""
    image = to_8bit(image)
    return image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)


def to_8bit(image: np.ndarray) -> np.ndarray:
    """Any decoded image -> uint8, gray [H,W] or BGR [H,W,3].

    uint16 is scaled from the sample depth its brightest value needs (``sample_depth``):
    a 12-bit camera's 0-4095 stored in a 16-bit PNG becomes 0-255, not 0-16, which read
    as a black frame. Float is taken in [0,1], or in [0, its maximum] when that is above 1
    (NaN as 0). [H,W,1] becomes [H,W]; BGRA is flattened by ``flatten_alpha``. A uint8
    gray or BGR image is returned as it is. No whole-image float64 copy is made: a 49 MP
    16-bit RGBA PNG peaked at 2.35 GB with one. Raises MemoryError when even the uint8
    copy cannot be had."""
    if image.dtype == np.uint16:
        if image.ndim == 3 and image.shape[2] == 4:  # alpha's depth is its own
            image = np.dstack([_scale16(image[:, :, :3]), _scale16(image[:, :, 3])])
        else:
            image = _scale16(image)
    elif image.dtype != np.uint8:
        image = np.nan_to_num(image.astype(np.float32), copy=False, nan=0, posinf=1, neginf=0)
        peak = float(image.max(initial=0))
        scale = 255 / peak if peak > 1 else 255
        image = (np.clip(image * scale, 0, 255) + 0.5).astype(np.uint8)
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    if image.ndim == 3 and image.shape[2] == 4:
        image = flatten_alpha(image)
    return image


def _scale16(samples: np.ndarray) -> np.ndarray:
    """uint16 samples -> uint8, rounded and saturated with no float copy, 255 standing for
    the top of their ``sample_depth``."""
    top = 2 ** sample_depth(int(samples.max(initial=0))) - 1
    return cv2.convertScaleAbs(samples, alpha=255 / top)


def sample_depth(peak: int) -> int:
    """The bits per sample of 16-bit data whose brightest value is ``peak``: the smallest
    of ``SAMPLE_DEPTHS`` that holds it (sensors and scanners store 8, 10, 12 or 14 bits in
    a 16-bit container, low-aligned)."""
    return next((bits for bits in SAMPLE_DEPTHS if peak < 2 ** bits), 16)


def flatten_alpha(bgra: np.ndarray) -> np.ndarray:
    """uint8 BGRA [H,W,4] -> BGR [H,W,3] on a plain background opposite the strokes.

    The strokes are the opaque pixels; when they are dark (mean gray < 128) the
    background becomes white, else black. A fully opaque image only loses its alpha."""
    alpha = bgra[:, :, 3]
    bgr = bgra[:, :, :3]
    if alpha.min() == 255:
        return np.ascontiguousarray(bgr)
    opaque = alpha > 127
    gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
    dark = float(gray[opaque].mean()) < 128 if opaque.any() else True
    background = 255.0 if dark else 0.0
    out = np.empty(bgr.shape, np.uint8)
    for y in range(0, bgr.shape[0], BLEND_ROWS):  # float32 temporaries of one band only
        a = alpha[y:y + BLEND_ROWS].astype(np.float32)[:, :, None] / 255
        out[y:y + BLEND_ROWS] = bgr[y:y + BLEND_ROWS] * a + background * (1 - a) + 0.5
    return out
