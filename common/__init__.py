"""digits: train a handwritten-digit classifier, export it behind parity gates, read digits
off a webcam or files with onnxruntime.

``from digits import Reader`` is the Python API (runtime/reader.py). It is loaded on first
use, so ``import digits`` stays light and never imports torch or onnxruntime.
"""

from typing import Any

__version__ = "0.1.0"

_LAZY = {"Reader": "digits.runtime.reader", "Result": "digits.runtime.reader",
         "Roi": "digits.runtime.reader"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'digits' has no attribute {name!r}")
