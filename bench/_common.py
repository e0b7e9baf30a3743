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


RESULTS = REPO / "bench" / "results"


def write_json(folder: str | Path, name: str, record: dict[str, Any]) -> None:
    """The record, with the machine it was measured on, as FOLDER/NAME.json."""
    record = {**record, "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                                    "python": platform.python_version()}}
    out = Path(folder) / f"{name}.json"
    atomic_write(out, (json.dumps(record, indent=2) + "\n").encode())
    print(f"wrote {out}")
