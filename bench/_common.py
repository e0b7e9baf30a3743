"""What the benchmarks share: the model to measure and writing a JSON record."""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path
from typing import Any

from digits.files import atomic_write

REPO = Path(__file__).resolve().parents[1]


def model_path(arg: str | None) -> Path:
    """--model, else the shipped artifacts/digits.onnx."""
    return Path(arg) if arg else REPO / "artifacts" / "digits.onnx"


def write_json(path: str, record: dict[str, Any]) -> None:
    record = {**record, "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                                    "python": platform.python_version()}}
    out = Path(path)
    atomic_write(out, (json.dumps(record, indent=2) + "\n").encode())
    print(f"wrote {out}")
