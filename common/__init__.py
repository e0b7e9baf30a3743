"""digits: train a handwritten-digit classifier, export it behind parity gates, read digits
off a webcam or files with onnxruntime.

``from digits import Reader`` is the Python API (runtime/reader.py). It is loaded on first
use, so ``import digits`` stays light and never imports torch or onnxruntime.
"""

import os
from typing import Any

__version__ = "0.1.0"

# Decompression-bomb guard. OpenCV reads this variable once, when cv2 is first imported,
# and then refuses every image (PNG, JPEG, BMP, GIF, WebP, TIFF, PNM...) that declares
# more pixels, after reading its header and before allocating it. Every digits module
# is imported after this package, so it is set before any of ours imports cv2. 50 MP is
# 8x a 12 MP phone photo; a 48-byte GIF declaring 30000x30000 took 7 GB without it.
MAX_IMAGE_PIXELS = 50_000_000
os.environ.setdefault("OPENCV_IO_MAX_IMAGE_PIXELS", str(MAX_IMAGE_PIXELS))

_LAZY = {"Reader": "digits.runtime.reader", "Result": "digits.runtime.reader",
         "Roi": "digits.runtime.reader"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'digits' has no attribute {name!r}")
