"""Parity gates: exported models must compute what PyTorch computes, on the full MNIST
test set, at every batch size; int8 must stay within its accuracy and size bounds.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from digits.export.formats import FORMATS, Predict

BATCH_SIZES = (1, 2, 7, 64, 10000)
# Gate limits, one place; a test tightens them to simulate a failing gate.
LIMITS = {
    **{f.key: f.tolerance for f in FORMATS if f.tolerance},  # max |Δlogit| vs PyTorch eager
    "agreement": 1.0,  # top-1 agreement of fp32 exports with PyTorch, and across batch sizes
    # Across batch sizes the CPU kernels differ (oneDNN picks per shape): eager PyTorch
    # itself moves ~1e-5 between batch 1 and 10000, so a format is held to 1e-4 against
    # its own batch-10000 output, and to its format tolerance against PyTorch.
    "batch": 1e-4,
    "int8_accuracy_drop_pp": 0.3,
    "int8_agreement": 0.995,
    "int8_size_ratio": 0.35,
}


@dataclass
class Gate:
    name: str
    value: float
    limit: float
    op: str  # "<=" or ">="
    passed: bool


def gate(name: str, value: float, op: str, limit: float) -> Gate:
    ok = value <= limit if op == "<=" else value >= limit
    return Gate(name, float(value), float(limit), op, bool(ok))


def logits(predict: Predict, images: np.ndarray, batch: int) -> np.ndarray:
    """Run ``predict`` over ``images`` in batches of ``batch`` (the last may be short)."""
    return np.concatenate([predict(images[i:i + batch]) for i in range(0, len(images), batch)])


def fp32_gates(key: str, predict: Predict, images: np.ndarray, reference: np.ndarray,
               labels: np.ndarray) -> tuple[list[Gate], dict[str, Any]]:
    """Max |Δlogit| and top-1 agreement vs PyTorch (``reference``: eager on the whole set
    in one batch), then each smaller batch size vs the format's own whole-set output."""
    full = logits(predict, images, len(images))
    per_batch = {}
    for b in BATCH_SIZES[:-1]:
        out = logits(predict, images, b)
        per_batch[str(b)] = {"max_abs_diff": float(np.abs(out - full).max()),
                             "agreement": float((out.argmax(1) == full.argmax(1)).mean())}
    figures = {"max_abs_diff": float(np.abs(full - reference).max()),
               "agreement": float((full.argmax(1) == reference.argmax(1)).mean()),
               "accuracy": float((full.argmax(1) == labels).mean()), "batches": per_batch}
    sizes = ",".join(map(str, BATCH_SIZES[:-1]))
    gates = [
        gate(f"{key} max|Δlogit| vs PyTorch", figures["max_abs_diff"], "<=", LIMITS[key]),
        gate(f"{key} top-1 agreement vs PyTorch", figures["agreement"], ">=", LIMITS["agreement"]),
        gate(f"{key} batch {sizes} vs {len(images)}: max|Δlogit|",
             max(v["max_abs_diff"] for v in per_batch.values()), "<=", LIMITS["batch"]),
        gate(f"{key} batch {sizes} vs {len(images)}: top-1 agreement",
             min(v["agreement"] for v in per_batch.values()), ">=", LIMITS["agreement"]),
    ]
    return gates, figures


def int8_gates(int8: np.ndarray, fp32: np.ndarray, labels: np.ndarray, int8_bytes: int,
               fp32_bytes: int) -> tuple[list[Gate], dict[str, Any]]:
    """INT8 vs the fp32 ONNX model: accuracy drop, top-1 agreement, file size ratio."""
    acc8, acc32 = (float((x.argmax(1) == labels).mean()) for x in (int8, fp32))
    figures = {"accuracy": acc8, "fp32_accuracy": acc32,
               "accuracy_drop_pp": round(100 * (acc32 - acc8), 4),
               "agreement": float((int8.argmax(1) == fp32.argmax(1)).mean()),
               "max_abs_diff": float(np.abs(int8 - fp32).max()),
               "size_ratio": int8_bytes / fp32_bytes}
    gates = [
        gate("int8 accuracy drop (pp)", figures["accuracy_drop_pp"], "<=",
             LIMITS["int8_accuracy_drop_pp"]),
        gate("int8 top-1 agreement vs fp32", figures["agreement"], ">=", LIMITS["int8_agreement"]),
        gate("int8 size / fp32 size", figures["size_ratio"], "<=", LIMITS["int8_size_ratio"]),
    ]
    return gates, figures


def table(gates: list[Gate]) -> str:
    """The gates as a fixed-width text table."""
    width = max(len(g.name) for g in gates)
    rows = [f"{'gate':<{width}}  {'value':>10}     {'limit':>8}  result"]
    for g in gates:
        rows.append(f"{g.name:<{width}}  {_num(g.value):>10}  {g.op} {_num(g.limit):>8}  "
                    f"{'pass' if g.passed else 'FAIL'}")
    return "\n".join(rows)


def _num(v: float) -> str:
    return f"{v:.2e}" if 0 < abs(v) < 1e-2 else f"{v:.4f}"


def as_json(gates: list[Gate]) -> list[dict[str, Any]]:
    return [asdict(g) for g in gates]
