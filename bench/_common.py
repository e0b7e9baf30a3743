"""What the benchmarks share: the model to measure and writing a JSON record."""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


def model_path(arg: str | None) -> Path:
    """--model, else artifacts/digits.onnx, else the development model."""
    if arg:
        return Path(arg)
    for p in (REPO / "artifacts" / "digits.onnx", Path("/tmp/digits-dev/digits.onnx")):
        if p.is_file():
            return p
    raise SystemExit("no model: pass --model PATH")


def write_json(path: str, record: dict[str, Any]) -> None:
    record = {**record, "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                                    "python": platform.python_version()}}
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(json.dumps(record, indent=2) + "\n")
    os.replace(tmp, out)
    print(f"wrote {out}")
