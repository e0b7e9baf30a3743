"""The JSON that travels with the exported models (ONNX metadata_props["digits"], the
TorchScript extra file) and export_report.json beside them.
"""

from __future__ import annotations

import hashlib
import platform
from pathlib import Path
from typing import Any

ONNX_FORMAT, ONNX_FORMAT_VERSION = "digits-onnx", 1
REPORT_FORMAT = "digits-export-report"


def sha256(data: bytes | Path) -> str:
    return hashlib.sha256(data if isinstance(data, bytes) else Path(data).read_bytes()).hexdigest()


def versions() -> dict[str, str]:
    import numpy
    import onnx
    import onnxruntime
    import onnxscript
    import torch

    return {"python": platform.python_version(), "torch": str(torch.__version__),
            "onnx": onnx.__version__, "onnxscript": onnxscript.__version__,
            "onnxruntime": onnxruntime.__version__, "numpy": numpy.__version__}


def metadata(ckpt: dict[str, Any], ckpt_sha256: str, parity: dict[str, Any],
             export: dict[str, Any], precision: str = "fp32") -> dict[str, Any]:
    """The one JSON document of DESIGN.md; the runtime reads labels and input from it."""
    return {
        "format": ONNX_FORMAT, "format_version": ONNX_FORMAT_VERSION,
        "labels": list(ckpt["labels"]), "input": ckpt["input_spec"],
        "output": {"name": "logits", "shape": [None, len(ckpt["labels"])]},
        "precision": precision,
        "arch": ckpt["arch"], "arch_config": ckpt["arch_config"],
        "source_checkpoint_sha256": ckpt_sha256,
        "metrics": ckpt.get("metrics", {}), "accuracy": accuracy(ckpt, parity),
        "versions": versions(), "parity": parity, "export": export,
    }


def accuracy(ckpt: dict[str, Any], parity: dict[str, Any]) -> dict[str, Any]:
    """MNIST test accuracy and the share of it answered "not a digit" (measured by this
    export, PyTorch eager on 10,000 images) beside the accuracy on the held-out part of the
    user's --images folder, as training measured it, when the checkpoint was trained on one
    (fractions in [0, 1])."""
    out: dict[str, Any] = {"mnist_test": parity["pytorch"]["accuracy"],
                           "mnist_test_reject_rate": parity["pytorch"]["reject_rate"]}
    metrics = ckpt.get("metrics", {})
    if "images_accuracy" in metrics:
        folder = (ckpt.get("dataset") or {}).get("images") or {}
        out["images_held_out"] = {
            "accuracy": metrics["images_accuracy"], "images": metrics.get("images_held_out"),
            "folder": folder.get("root"), "counts": folder.get("counts"),
            "file_list_sha256": folder.get("file_list_sha256")}
    return out


def report(doc: dict[str, Any], checkpoint: Path, train_config: dict[str, Any],
           files: dict[str, tuple[Path, bytes]], gates: list[dict[str, Any]]) -> dict[str, Any]:
    """export_report.json: what is written (``files``: key -> (path, content), written
    after the report is made, together with it), from what (with the checkpoint's
    training config, so the commands and seed that made it travel along), and every gate
    figure."""
    return {
        "format": REPORT_FORMAT, "format_version": 1,
        "checkpoint": {"path": str(checkpoint), "sha256": doc["source_checkpoint_sha256"],
                       "train_config": train_config},
        "files": {k: {"path": str(p), "bytes": len(data), "sha256": sha256(data)}
                  for k, (p, data) in files.items()},
        "gates": gates, "passed": all(g["passed"] for g in gates),
        "parity": doc["parity"], "export": doc["export"], "versions": doc["versions"],
        "metrics": doc["metrics"], "accuracy": doc["accuracy"],
    }


def human_size(n: int) -> str:
    return f"{n / 1024:.1f} KiB" if n < 1024 ** 2 else f"{n / 1024 ** 2:.2f} MiB"
