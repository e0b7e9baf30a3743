"""Accuracy, per-class accuracy, the "not a digit" rate and the confusion matrix of any
digits artifact on MNIST test.

The format table turns a file into ``predict(images) -> logits``; everything after that
is numpy, so a checkpoint, a TorchScript file and an ONNX file are judged by the same
code on the same 10,000 images.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np

from digits.errors import DigitsError
from digits.export.formats import Predict, format_of
from digits.export.parity import logits
from digits.files import write_exclusive
from digits.labels import NOT_A_DIGIT
from digits.mnist import load_inputs


def predictor(path: Path) -> Predict:
    """``predict(images [N,1,28,28] float32) -> logits [N,C]`` for any artifact file (C = 10,
    or 11 with the "not a digit" column)."""
    path = Path(path)
    if not path.is_file():
        raise DigitsError(f"model {path} does not exist")
    fmt = format_of(path)
    try:
        return fmt.load(path, "cpu", None)
    except DigitsError:
        raise
    except Exception as e:
        first = (str(e).strip().splitlines() or [type(e).__name__])[0]
        raise DigitsError(f"{path} is not a loadable {fmt.title} file: {first[:160]}") from None


def evaluate(path: Path, root: Path, batch: int = 1000) -> dict[str, Any]:
    """Run ``path`` on the 10,000 MNIST test images. ``accuracy``: top-1 over all outputs
    (a digit answered "not a digit" is wrong); ``digit_accuracy``: top-1 over the ten digit
    columns alone; ``reject_rate``: share answered "not a digit" (0 for 10-class models);
    ``confusion``: rows the true digit, columns the answer (10 or 11 of them)."""
    images, labels = load_inputs(root, train=False)
    predict = predictor(path)
    try:
        out = logits(predict, images, batch)
    except Exception as e:  # the file loads but does not take [N,1,28,28] images
        first = (str(e).strip().splitlines() or [type(e).__name__])[0]
        raise DigitsError(f"{path} fails on MNIST images (float32 [N,1,28,28]): "
                          f"{first[:160]}") from None
    if out.ndim != 2 or out.shape[0] != len(images) or out.shape[1] not in (10, 11):
        raise DigitsError(f"{path} gives outputs of shape {list(out.shape)} for "
                          f"{len(images)} images; a digits model gives logits [N,10] "
                          "or [N,11] (with the not-a-digit class)")
    classes = out.shape[1]
    pred = out.argmax(1)
    confusion = np.zeros((10, classes), dtype=np.int64)
    np.add.at(confusion, (labels, pred), 1)
    per_class = confusion.diagonal() / confusion.sum(1)
    return {
        "model": str(path),
        "images": len(labels),
        "accuracy": float((pred == labels).mean()),
        "digit_accuracy": float((out[:, :10].argmax(1) == labels).mean()),
        "reject_rate": float((pred >= 10).mean()),
        "per_class": {str(k): float(v) for k, v in enumerate(per_class)},
        "columns": [*map(str, range(10)), NOT_A_DIGIT][:classes],
        "confusion": confusion.tolist(),
    }


def format_report(result: dict[str, Any]) -> str:
    """Accuracy, per-class accuracy and the confusion matrix (rows true, columns predicted)."""
    columns = ["not" if c == NOT_A_DIGIT else c for c in result["columns"]]
    lines = [f"{result['model']}: accuracy {result['accuracy']:.2%} on {result['images']:,} "
             f"MNIST test images; answered not-a-digit: {result['reject_rate']:.2%}; "
             f"best digit right: {result['digit_accuracy']:.2%}", "",
             "per class: " + "  ".join(
                 f"{k}:{v:.1%}" for k, v in result["per_class"].items()), "",
             "confusion (rows = true, columns = predicted; not = not a digit)",
             "       " + "".join(f"{c:>6}" for c in columns)]
    for k, row in enumerate(result["confusion"]):
        lines.append(f"  {k:>3}  " + "".join(f"{v:>6}" for v in row))
    return "\n".join(lines)


def plot_confusion(result: dict[str, Any], path: Path) -> Path:
    """The confusion matrix as a PNG (matplotlib, part of the [train] extra), written as
    a new file (never replacing one: checked with check_new_file before the run)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise DigitsError("--plot needs matplotlib: pip install 'digits[train]'") from None
    confusion = np.array(result["confusion"])
    rows, cols = confusion.shape
    fig, ax = plt.subplots(figsize=(5.5, 5), dpi=100)
    ax.imshow(np.log1p(confusion), cmap="Blues")
    for i in range(rows):
        for j in range(cols):
            if confusion[i, j]:
                ax.text(j, i, confusion[i, j], ha="center", va="center", fontsize=7,
                        color="white" if i == j else "black")
    ax.set_xticks(range(cols), ["not" if c == NOT_A_DIGIT else c for c in result["columns"]])
    ax.set_yticks(range(rows))
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(f"{Path(result['model']).name}: {result['accuracy']:.2%}")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    write_exclusive(Path(path), buf.getvalue())
    return Path(path)
