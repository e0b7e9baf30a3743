"""``digits bench``: every format of the table x device -> status, size, MNIST test
accuracy, batch-1 latency (p50/p95, all threads; p50 on one thread for comparing with
other models), throughput at batch 256. A format that fails marks its row and the
others still run.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from digits.export.formats import BY_KEY, FORMATS, Predict
from digits.export.parity import logits

THROUGHPUT_BATCH = 256


def devices() -> list[str]:
    """cpu always; cuda when torch or onnxruntime sees it (a format that cannot use it
    marks its row as failed)."""
    import onnxruntime as ort
    import torch

    cuda = torch.cuda.is_available() or "CUDAExecutionProvider" in ort.get_available_providers()
    return ["cpu", "cuda"] if cuda else ["cpu"]


def latency(predict: Predict, images: np.ndarray, reps: int) -> list[float]:
    """Seconds per batch-1 call, over ``reps`` calls after a warm-up, cycling images."""
    for i in range(min(20, reps)):
        predict(images[i:i + 1])
    times = []
    for i in range(reps):
        x = images[i % len(images)][None]
        t = time.perf_counter()
        predict(x)
        times.append(time.perf_counter() - t)
    return times


def throughput(predict: Predict, images: np.ndarray, batch: int, seconds: float) -> float:
    """Images per second over repeated batches for at least ``seconds`` (median batch)."""
    x = images[:batch]
    predict(x)
    times, start = [], time.perf_counter()
    while time.perf_counter() - start < seconds or len(times) < 3:
        t = time.perf_counter()
        predict(x)
        times.append(time.perf_counter() - t)
    return len(x) / float(np.median(times))


def accuracy(predict: Predict, images: np.ndarray, labels: np.ndarray, batch: int) -> float:
    return float((logits(predict, images, batch).argmax(-1) == labels).mean())


def measure(name: str, load: Any, source: Path, device: str, images: np.ndarray,
            labels: np.ndarray, reps: int, seconds: float, fixed_batch: int | None = None
            ) -> dict[str, Any]:
    """One row; any exception becomes the row's status instead of stopping the bench."""
    row: dict[str, Any] = {"format": name, "device": device, "file": str(source)}
    try:
        row["bytes"] = source.stat().st_size
        predict = load(source, device, None)
        batch = fixed_batch or THROUGHPUT_BATCH
        row["accuracy"] = accuracy(predict, images, labels, fixed_batch or 1000)
        t = np.array(latency(predict, images, reps)) * 1e3
        row["p50_ms"], row["p95_ms"] = float(np.median(t)), float(np.percentile(t, 95))
        row["throughput"] = throughput(predict, images, batch, seconds)
        row["throughput_batch"] = batch
        one = load(source, device, 1)
        row["p50_1thread_ms"] = float(np.median(latency(one, images, reps))) * 1e3
        load(source, device, None)  # restore torch's thread count for the next rows
        row["status"] = "ok"
    except Exception as e:
        first = (str(e).strip().splitlines() or [type(e).__name__])[0]
        row["status"] = f"failed: {first[:120]}"
    return row


def foreign_batch(path: Path) -> int | None:
    """1 when the model's batch axis is fixed at 1 (mnist-8's Reshape hard-codes it)."""
    import onnxruntime as ort

    dim = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]
                               ).get_inputs()[0].shape[0]
    return dim if isinstance(dim, int) else None


def table_rows(checkpoint: Path, compare: list[Path], images: np.ndarray,
        labels: np.ndarray, reps: int, seconds: float) -> list[dict[str, Any]]:
    rows = []
    for device in devices():
        for fmt in FORMATS:
            source = checkpoint if fmt.filename is None else checkpoint.parent / fmt.filename
            rows.append(measure(fmt.title, fmt.load, source, device, images, labels, reps,
                                seconds))
        for path in compare:
            try:
                batch = foreign_batch(path)
            except Exception:
                batch = None  # measure() reports the load failure in the row
            rows.append(measure(f"compare: {path.name}", BY_KEY["onnx"].load, path, device,
                                images, labels, reps, seconds, fixed_batch=batch))
    _ratios(rows)
    return rows


def _ratios(rows: list[dict[str, Any]]) -> None:
    """Speed-ups vs PyTorch eager on the same device, in the same run."""
    base = {r["device"]: r for r in rows
            if r["format"] == FORMATS[0].title and r["status"] == "ok"}
    for r in rows:
        b = base.get(r["device"])
        if b and r["status"] == "ok":
            r["p50_speedup_vs_eager"] = b["p50_ms"] / r["p50_ms"]
            r["throughput_vs_eager"] = r["throughput"] / b["throughput"]


def table(rows: list[dict[str, Any]]) -> str:
    w = max(16, *(len(r["format"]) for r in rows))
    head = (f"{'format':<{w}} {'device':<6} {'status':<8} {'size':>10} {'acc %':>6} "
            f"{'p50 ms':>7} {'p95 ms':>7} {'p50 1thr':>8} {'img/s':>9} {'x eager':>11}")
    lines = [head, "-" * len(head)]
    for r in rows:
        if r["status"] != "ok":
            lines.append(f"{r['format']:<{w}} {r['device']:<6} {r['status']}")
            continue
        tp = f"{r['throughput']:.0f}" + ("*" if r["throughput_batch"] != THROUGHPUT_BATCH else "")
        x = (f"{r['p50_speedup_vs_eager']:.1f}/{r['throughput_vs_eager']:.1f}"
             if "p50_speedup_vs_eager" in r else "")
        lines.append(f"{r['format']:<{w}} {r['device']:<6} {'ok':<8} "
                     f"{r['bytes'] / 1024:>6.1f} KiB "
                     f"{100 * r['accuracy']:>6.2f} {r['p50_ms']:>7.3f} {r['p95_ms']:>7.3f} "
                     f"{r['p50_1thread_ms']:>8.3f} {tp:>9} {x:>11}")
    lines.append(f"latency: batch 1, median/95th percentile; 'p50 1thr': intra-op threads = 1 "
                 f"(the column to compare models by); img/s: batch {THROUGHPUT_BATCH} "
                 f"(* = fixed-batch model, batch 1 repeated); x eager: p50 speed-up / "
                 f"throughput ratio vs PyTorch eager.")
    return "\n".join(lines)

