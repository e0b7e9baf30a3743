"""Accuracy, per-class accuracy and confusion matrix of any digits artifact on MNIST test,
or on a folder of your own labelled digits (``--images DIR``, ImageFolder layout).

The format table turns a file into ``predict(images) -> logits``; everything after that
is numpy, so a checkpoint, a TorchScript file and an ONNX file are judged by the same
code on the same images. An ONNX file is judged without torch: the folder is read by
``digits.imagefolder`` (numpy, OpenCV, ``digits.crops``) and run by onnxruntime.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from digits.errors import DigitsError
from digits.export.formats import Predict, format_of
from digits.export.parity import logits
from digits.files import atomic_write
from digits.imagefolder import class_folders
from digits.imagefolder import read as read_folder
from digits.mnist import load_inputs


def predictor(path: Path) -> Predict:
    """``predict(images [N,1,28,28] float32) -> logits [N,10]`` for any artifact file."""
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


def scores(path: Path, dataset: str, pred: np.ndarray, truth: np.ndarray,
           classes: list[str]) -> dict[str, Any]:
    """Accuracy, per-class accuracy (None for a class without images) and the confusion
    matrix (rows true, columns predicted) of predictions ``pred`` int [N] vs ``truth``."""
    k = len(classes)
    confusion = np.zeros((k, k), dtype=np.int64)
    np.add.at(confusion, (truth, pred), 1)
    totals = confusion.sum(1)
    return {
        "model": str(path),
        "dataset": dataset,
        "images": len(truth),
        "accuracy": float((pred == truth).mean()),
        "classes": classes,
        "per_class": {c: (float(confusion[i, i] / totals[i]) if totals[i] else None)
                      for i, c in enumerate(classes)},
        "confusion": confusion.tolist(),
    }


def checked_logits(path: Path, predict: Predict, images: np.ndarray, batch: int,
                   what: str, outputs: int | None = 10) -> np.ndarray:
    """``predict`` over ``images`` (float32 [N,1,28,28]) -> logits float32 [N,K], with K ==
    ``outputs`` (None: any K >= 10). Raises DigitsError when the file fails on them or
    gives another shape."""
    try:
        out = logits(predict, images, batch)
    except Exception as e:  # the file loads but does not take [N,1,28,28] images
        first = (str(e).strip().splitlines() or [type(e).__name__])[0]
        raise DigitsError(f"{path} fails on {what} (float32 [N,1,28,28]): "
                          f"{first[:160]}") from None
    if out.ndim != 2 or out.shape[0] != len(images) or (
            out.shape[1] != outputs if outputs else out.shape[1] < 10):
        raise DigitsError(f"{path} gives outputs of shape {list(out.shape)} for "
                          f"{len(images)} images; a digits model gives logits [N,10]")
    return out


def evaluate(path: Path, root: Path, batch: int = 1000) -> dict[str, Any]:
    """Run ``path`` on the 10,000 MNIST test images; return accuracy, per-class, confusion."""
    images, labels = load_inputs(root, train=False)
    pred = checked_logits(path, predictor(path), images, batch, "MNIST images").argmax(1)
    return scores(path, "MNIST test images", pred, labels, [str(k) for k in range(10)])


def evaluate_images(path: Path, folder: Path, batch: int = 1000,
                    log: Callable[[str], None] = print) -> dict[str, Any]:
    """Run ``path`` on every image of ``folder`` (DIR/0/ ... DIR/9/, and DIR/not-a-digit/
    for a model with an eleventh, reject output); skipped files are warned about on
    ``log``. Raises DigitsError for an unusable folder (``digits.imagefolder.read``)."""
    predict = predictor(path)
    outputs = checked_logits(path, predict, np.zeros((1, 1, 28, 28), np.float32), 1,
                             "an image", None).shape[1]  # 10, or 11 with a reject class
    data = read_folder(folder, list(range(outputs)))
    for line in data.warnings():
        log(f"warning: {line}")
    pred = checked_logits(path, predict, data.images, batch, "the images", outputs).argmax(1)
    result = scores(path, f"images of {folder}", pred, data.targets, class_folders(
        list(range(outputs))))
    result["file_list_sha256"] = data.fingerprint()
    result["wrong"] = [p for p, a, b in zip(data.paths, pred, data.targets, strict=True)
                       if a != b]
    return result


def format_report(result: dict[str, Any]) -> str:
    """Accuracy, per-class accuracy and the confusion matrix (rows true, columns predicted)."""
    classes = result["classes"]
    width = max(6, *(len(c) + 1 for c in classes))
    lines = [f"{result['model']}: accuracy {result['accuracy']:.2%} on {result['images']:,} "
             f"{result['dataset']}", "", "per class: " + "  ".join(
                 f"{k}:{'-' if v is None else f'{v:.1%}'}"
                 for k, v in result["per_class"].items()), "",
             "confusion (rows = true, columns = predicted)",
             " " * width + "".join(f"{c:>{width}}" for c in classes)]
    for c, row in zip(classes, result["confusion"], strict=True):
        lines.append(f"{c:>{width}}" + "".join(f"{v:>{width}}" for v in row))
    if result.get("wrong"):
        shown = result["wrong"][:10]
        lines += ["", f"read wrong ({len(result['wrong'])}): " + ", ".join(shown)
                  + (" ..." if len(result["wrong"]) > len(shown) else "")]
    return "\n".join(lines)


def plot_confusion(result: dict[str, Any], path: Path) -> Path:
    """The confusion matrix as a PNG (matplotlib, part of the [train] extra)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise DigitsError("--plot needs matplotlib: pip install 'digits[train]'") from None
    confusion = np.array(result["confusion"])
    k = len(confusion)
    fig, ax = plt.subplots(figsize=(5.5, 5), dpi=100)
    ax.imshow(np.log1p(confusion), cmap="Blues")
    for i in range(k):
        for j in range(k):
            if confusion[i, j]:
                ax.text(j, i, confusion[i, j], ha="center", va="center", fontsize=7,
                        color="white" if i == j else "black")
    ax.set_xticks(range(k), result["classes"])
    ax.set_yticks(range(k), result["classes"])
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(f"{Path(result['model']).name}: {result['accuracy']:.2%}")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    atomic_write(Path(path), buf.getvalue())
    return Path(path)
