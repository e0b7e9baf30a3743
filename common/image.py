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
# A PNG's signature, and the chunk type of its EXIF data (PNG 1.5).
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_EXIF = b"eXIf"
# Rows blended at a time by flatten_alpha: its float32 temporaries (~40 bytes a pixel)
# stay ~20 MB for a 7000-pixel-wide image instead of ~2 GB for the whole 49 MP of it.
BLEND_ROWS = 64
# The sample depths a 16-bit image may carry, low-aligned (PNG's sBIT chunk, which would
# say so, is not passed on by OpenCV): scaled from the smallest that holds its brightest
# values (``brightest``). A real 16-bit image of a page has them above 2**14.
SAMPLE_DEPTHS = (8, 10, 12, 14, 16)
# ``brightest`` looks at most this many pixels, and leaves out the brightest HOT_SHARE of
# them: one pixel at 65535 in 12-bit data made the rest 0-16, a black frame, nothing read
# (an attack: 0 of 10 frames read); a 12 MP RGB image is looked at in 22 ms.
DEPTH_SAMPLES = 1_000_000
HOT_SHARE = 0.001
# Rows of a float image converted at a time (float32 temporaries of one band only).
CONVERT_ROWS = 256


def decode(data: bytes) -> np.ndarray | None:
    """Encoded image bytes -> uint8 BGR [H,W,3], normalised by ``to_bgr8``;
    None when OpenCV cannot decode them. JPEGs (no alpha, often EXIF-rotated) decode once
    with orientation applied; other formats are first read with their alpha channel, and
    read again with orientation applied when they have none. OpenCV obeys a PNG's EXIF
    orientation only when it drops alpha: a PNG with alpha is turned here
    (``png_orientation``, ``orient``)."""
    buf = np.frombuffer(data, np.uint8)
    if data[:2] == b"\xff\xd8":
        image = cv2.imdecode(buf, _KEEP_DEPTH)
    else:
        image = cv2.imdecode(buf, cv2.IMREAD_UNCHANGED)
        if image is not None and not (image.ndim == 3 and image.shape[2] == 4):
            image = cv2.imdecode(buf, _KEEP_DEPTH)
        elif image is not None and data[:8] == PNG_SIGNATURE:
            image = orient(image, png_orientation(data))
    return None if image is None else to_bgr8(image)


def png_orientation(data: bytes) -> int:
    """The EXIF orientation (1-8; 1 when absent or unreadable) in a PNG's eXIf chunk: its
    TIFF header's byte order, then tag 0x0112 in the first IFD (EXIF 2.32, section 4.6.4;
    PNG 1.5's eXIf chunk)."""
    at = 8  # the chunks after the signature: length, type, data, CRC
    while at + 8 <= len(data):
        length, kind = int.from_bytes(data[at:at + 4], "big"), data[at + 4:at + 8]
        if kind == PNG_EXIF:
            exif = data[at + 8:at + 8 + length]
            order = {b"II": "little", b"MM": "big"}.get(exif[:2])
            if order is None or len(exif) < 8:
                return 1
            ifd = int.from_bytes(exif[4:8], order)
            count = int.from_bytes(exif[ifd:ifd + 2], order)
            for entry in range(ifd + 2, min(ifd + 2 + 12 * count, len(exif) - 11), 12):
                if int.from_bytes(exif[entry:entry + 2], order) == 0x0112:
                    value = int.from_bytes(exif[entry + 8:entry + 10], order)
                    return value if 1 <= value <= 8 else 1
            return 1
        if kind in (b"IDAT", b"IEND"):  # eXIf comes before the image data
            return 1
        at += 12 + length
    return 1


def orient(image: np.ndarray, orientation: int) -> np.ndarray:
    """An image [H,W,...] stored with EXIF ``orientation`` (1-8) turned and flipped to
    be viewed upright: 2 mirrored, 3 turned 180 degrees, 4 upside down, 5 transposed,
    6 turned 90 degrees clockwise to view, 7 transversed, 8 turned 90 counter-clockwise."""
    turned = {1: image, 2: image[:, ::-1], 3: image[::-1, ::-1], 4: image[::-1],
              5: image.swapaxes(0, 1), 6: image[::-1].swapaxes(0, 1),
              7: image[::-1, ::-1].swapaxes(0, 1),
              8: image[:, ::-1].swapaxes(0, 1)}[orientation]
    return turned if orientation == 1 else np.ascontiguousarray(turned)


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

    uint16 is scaled from the sample depth its brightest values need (``sample_depth``):
    a 12-bit camera's 0-4095 stored in a 16-bit PNG becomes 0-255, not 0-16, which read
    as a black frame. Float is taken in [0,1], or in [0, its brightest] when that is above
    1 (NaN and -inf as 0, +inf as the brightest). "Brightest" is ``brightest``'s: a few
    hot pixels do not count. [H,W,1] becomes [H,W]; BGRA is flattened by
    ``flatten_alpha``. A uint8 gray or BGR image is returned as it is. No whole-image float
    copy is made (float is converted CONVERT_ROWS rows at a time): a 49 MP 16-bit RGBA PNG
    peaked at 2.35 GB with one, a 48 MP float32 RGBA TIFF at 3.1 GB. Raises MemoryError
    when even the uint8 copy cannot be had."""
    if image.dtype == np.uint16:
        if image.ndim == 3 and image.shape[2] == 4:  # alpha's depth is its own
            image = np.dstack([_scale16(image[:, :, :3]), _scale16(image[:, :, 3])])
        else:
            image = _scale16(image)
    elif image.dtype != np.uint8:
        image = _float_to_8bit(image)
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    if image.ndim == 3 and image.shape[2] == 4:
        image = flatten_alpha(image)
    return image


def _float_to_8bit(image: np.ndarray) -> np.ndarray:
    """Float samples -> uint8 (``to_8bit``), CONVERT_ROWS rows at a time."""
    peak = brightest(image)
    top = peak if peak > 1 else 1.0
    out = np.empty(image.shape, np.uint8)
    for y in range(0, image.shape[0], CONVERT_ROWS):
        band = np.nan_to_num(image[y:y + CONVERT_ROWS].astype(np.float32), copy=False,
                             nan=0, posinf=top, neginf=0)
        out[y:y + CONVERT_ROWS] = np.clip(band * (255 / top) + 0.5, 0, 255)
    return out


def _scale16(samples: np.ndarray) -> np.ndarray:
    """uint16 samples -> uint8, rounded and saturated with no float copy, 255 standing for
    the top of their ``sample_depth`` (hot pixels above it saturate)."""
    top = 2 ** sample_depth(int(brightest(samples))) - 1
    return cv2.convertScaleAbs(samples, alpha=255 / top)


def brightest(samples: np.ndarray) -> float:
    """The level that all but HOT_SHARE of an image's samples (finite ones) lie at or
    below, from at most DEPTH_SAMPLES pixels on an even grid: a hot pixel or a few salt
    pixels at full scale do not decide how the rest is scaled. 0 for no samples."""
    h, w = samples.shape[:2]
    step = max(1, int(np.sqrt(h * w / DEPTH_SAMPLES)))
    grid = samples[::step, ::step].ravel()
    if grid.dtype.kind == "f":
        grid = grid[np.isfinite(grid)]
    if grid.size == 0:
        return 0.0
    k = min(grid.size - 1, int(grid.size * (1 - HOT_SHARE)))
    return float(np.partition(grid, k)[k])


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
