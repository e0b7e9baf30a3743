"""Accuracy, per-class accuracy, the "not a digit" rate and the confusion matrix of any
digits artifact on MNIST test, or on a folder of your own labelled digits (``--images DIR``,
ImageFolder layout).

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
from digits.files import write_exclusive
from digits.imagefolder import class_folders
from digits.imagefolder import read as read_folder
from digits.labels import DIGITS, LABELS, NOT_A_DIGIT
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


def checked_logits(path: Path, predict: Predict, images: np.ndarray, batch: int,
                   what: str, outputs: int | None = None) -> np.ndarray:
    """``predict`` over ``images`` (float32 [N,1,28,28]) -> logits float32 [N,C]: C ==
    ``outputs``, or with None either 10 or 11 (the "not a digit" column). Raises
    DigitsError when the file fails on them or gives another shape."""
    try:
        out = logits(predict, images, batch)
    except Exception as e:  # the file loads but does not take [N,1,28,28] images
        first = (str(e).strip().splitlines() or [type(e).__name__])[0]
        raise DigitsError(f"{path} fails on {what} (float32 [N,1,28,28]): "
                          f"{first[:160]}") from None
    if out.ndim != 2 or out.shape[0] != len(images) or out.shape[1] not in (
            (outputs,) if outputs else (len(DIGITS), len(LABELS))):
        raise DigitsError(f"{path} gives outputs of shape {list(out.shape)} for "
                          f"{len(images)} images; a digits model gives logits [N,10] "
                          "or [N,11] (with the not-a-digit class)")
    return out


def scores(path: Path, dataset: str, out: np.ndarray, truth: np.ndarray,
           rows: int) -> dict[str, Any]:
    """The figures of logits ``out`` float32 [N,C] against ``truth`` int [N] (indices into
    the C columns: the digits, then "not a digit" when C is 11).

    ``accuracy``: top-1 over all outputs (a digit answered "not a digit" is wrong).
    Over the images whose truth is a digit (None when there is none): ``digit_accuracy``,
    top-1 over the ten digit columns alone, and ``reject_rate``, the share answered "not a
    digit" (0 for 10-class models). ``per_class``: accuracy per true class (None for a
    class without images). ``confusion``: [rows][C] counts, rows the true class (the first
    ``rows`` classes), columns the answer. ``classes``/``columns``: their folder names."""
    columns = class_folders(LABELS[:out.shape[1]])
    pred = out.argmax(1)
    confusion = np.zeros((rows, len(columns)), dtype=np.int64)
    np.add.at(confusion, (truth, pred), 1)
    totals = confusion.sum(1)
    digit = truth < len(DIGITS)
    return {
        "model": str(path),
        "dataset": dataset,
        "images": len(truth),
        "accuracy": float((pred == truth).mean()),
        "digit_accuracy": (float((out[digit, :len(DIGITS)].argmax(1) == truth[digit]).mean())
                           if digit.any() else None),
        "reject_rate": float((pred[digit] >= len(DIGITS)).mean()) if digit.any() else None,
        "classes": columns[:rows],
        "columns": columns,
        "per_class": {c: (float(confusion[i, i] / totals[i]) if totals[i] else None)
                      for i, c in enumerate(columns[:rows])},
        "confusion": confusion.tolist(),
    }


def evaluate(path: Path, root: Path, batch: int = 1000) -> dict[str, Any]:
    """Run ``path`` on the 10,000 MNIST test images: ``scores`` with ten rows (the true
    digit) and 10 or 11 columns."""
    images, labels = load_inputs(root, train=False)
    out = checked_logits(path, predictor(path), images, batch, "MNIST images")
    return scores(path, "MNIST test images", out, labels, len(DIGITS))


def evaluate_images(path: Path, folder: Path, batch: int = 1000,
                    log: Callable[[str], None] = print) -> dict[str, Any]:
    """Run ``path`` on every image of ``folder`` (DIR/0/ ... DIR/9/, and DIR/not-a-digit/
    for a model with the eleventh, reject output): ``scores`` with a row per class of the
    model, plus ``file_list_sha256`` and ``wrong`` (the paths read wrong, relative to
    ``folder``). Skipped files are warned about on ``log``. Raises DigitsError for an
    unusable folder (``digits.imagefolder.read``)."""
    predict = predictor(path)
    outputs = checked_logits(path, predict, np.zeros((1, 1, 28, 28), np.float32), 1,
                             "an image").shape[1]  # 10, or 11 with the reject class
    data = read_folder(folder, LABELS[:outputs])
    for line in data.warnings():
        log(f"warning: {line}")
    out = checked_logits(path, predict, data.images, batch, "the images", outputs)
    result = scores(path, f"images of {folder}", out, data.targets, outputs)
    result["file_list_sha256"] = data.fingerprint()
    result["wrong"] = [p for p, a, b in zip(data.paths, out.argmax(1), data.targets,
                                            strict=True) if a != b]
    return result


def format_report(result: dict[str, Any]) -> str:
    """Accuracy, the "not a digit" answers, per-class accuracy and the confusion matrix
    (rows true, columns predicted; "not" = not a digit)."""
    def short(c: str) -> str:
        return "not" if c == NOT_A_DIGIT else c

    width = 6
    rejects = ("" if result["reject_rate"] is None else
               f"; digits answered not-a-digit: {result['reject_rate']:.2%}; best digit "
               f"right: {result['digit_accuracy']:.2%}")
    lines = [f"{result['model']}: accuracy {result['accuracy']:.2%} on {result['images']:,} "
             f"{result['dataset']}{rejects}", "", "per class: " + "  ".join(
                 f"{short(k)}:{'-' if v is None else f'{v:.1%}'}"
                 for k, v in result["per_class"].items()), "",
             "confusion (rows = true, columns = predicted; not = not a digit)",
             " " * width + "".join(f"{short(c):>{width}}" for c in result["columns"])]
    for c, row in zip(result["classes"], result["confusion"], strict=True):
        lines.append(f"{short(c):>{width}}" + "".join(f"{v:>{width}}" for v in row))
    if result.get("wrong"):
        shown = result["wrong"][:10]
        lines += ["", f"read wrong ({len(result['wrong'])}): " + ", ".join(shown)
                  + (" ..." if len(result["wrong"]) > len(shown) else "")]
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
    ax.set_yticks(range(rows), ["not" if c == NOT_A_DIGIT else c for c in result["classes"]])
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(f"{Path(result['model']).name}: {result['accuracy']:.2%}")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    write_exclusive(Path(path), buf.getvalue())
    return Path(path)
