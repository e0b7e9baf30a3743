"""The checkpoint contract of DESIGN.md: one dict that ``torch.load(weights_only=True)``
accepts, holding everything export and evaluate need, and a resumable state.
"""

from __future__ import annotations

import datetime as dt
import inspect
import io
import platform
from pathlib import Path
from typing import Any

import torch
from torch import nn

from digits import labels
from digits.errors import DigitsError
from digits.files import atomic_write
from digits.train import models

FORMAT = "digits-checkpoint"
FORMAT_VERSION = 1
LABELS = labels.LABELS  # the digits 0-9, then "not-a-digit" (logit column 10)
INPUT_SPEC = {
    "name": "image", "shape": [None, 1, 28, 28], "dtype": "float32", "range": [0.0, 1.0],
    "polarity": "ink=1, background=0 (MNIST)", "normalization": "inside the model",
}


def arch_config(arch: str) -> dict[str, Any]:
    """The constructor defaults of a registered architecture, as plain values."""
    params = inspect.signature(models.ARCHITECTURES[arch]).parameters
    return {k: list(p.default) if isinstance(p.default, tuple) else p.default
            for k, p in params.items()}


def versions() -> dict[str, str]:
    import numpy
    import torchvision

    return {"python": platform.python_version(), "torch": str(torch.__version__),
            "torchvision": str(torchvision.__version__), "numpy": str(numpy.__version__)}


def make(model: nn.Module, arch: str, config: dict[str, Any], train_config: dict[str, Any],
         metrics: dict[str, Any], resume: dict[str, Any] | None = None,
         dataset: dict[str, Any] | None = None) -> dict[str, Any]:
    """Assemble a checkpoint dict from plain values and tensors only. ``dataset``: what it
    was trained on (MNIST images, and the --images folder's record: counts per class,
    file-list sha256, split and mix; train/images.py)."""
    return {
        "format": FORMAT, "format_version": FORMAT_VERSION,
        "arch": arch, "arch_config": config,
        "state_dict": {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()},
        "input_spec": INPUT_SPEC, "labels": LABELS[:config.get("classes", len(LABELS))],
        "train_config": train_config, "metrics": metrics, "dataset": dataset,
        "versions": versions(),
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "resume": resume,
    }


def atomic_save(obj: Any, path: Path) -> None:
    """torch.save, written atomically: an interrupted save leaves the old file whole."""
    buf = io.BytesIO()
    torch.save(obj, buf)
    try:
        atomic_write(path, buf.getvalue())
    except OSError as e:
        raise DigitsError(f"cannot write {path}: {e.strerror or e}") from None


def load(path: Path) -> dict[str, Any]:
    """Load and check a checkpoint; anything else is a DigitsError that says what it is."""
    path = Path(path)
    if not path.is_file():
        raise DigitsError(f"checkpoint {path} does not exist")
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:
        if _pickled_code(path):
            raise DigitsError(f"{path} carries pickled code ({', '.join(_pickled_code(path))}); "
                              "refused (weights_only load)") from None
        raise DigitsError(f"{path} is not a digits checkpoint (torch.load cannot read it: "
                          f"{type(e).__name__})") from None
    if not isinstance(ckpt, dict) or ckpt.get("format") != FORMAT:
        raise DigitsError(f"{path} is not a digits checkpoint (no '{FORMAT}' header)")
    if ckpt.get("format_version") != FORMAT_VERSION:
        raise DigitsError(f"{path} has checkpoint format version {ckpt.get('format_version')!r}; "
                          f"this digits reads version {FORMAT_VERSION}")
    if ckpt.get("arch") not in models.ARCHITECTURES:
        raise DigitsError(f"{path} names unknown architecture {ckpt.get('arch')!r} "
                          f"(known: {', '.join(models.ARCHITECTURES)})")
    _check_schema(ckpt, path)
    build_model(ckpt, path)  # arch_config and weights fit the architecture
    return ckpt


def _pickled_code(path: Path) -> list[str]:
    """The classes and functions a torch.save archive would have pickle call, which a
    weights-only load refuses; [] for any other file."""
    try:
        return torch.serialization.get_unsafe_globals_in_checkpoint(str(path))
    except Exception:  # not a torch.save archive at all
        return []


# Every key of the contract (DESIGN.md) and the type its value must have.
SCHEMA: dict[str, type | tuple[type, ...]] = {
    "arch_config": dict, "state_dict": dict, "input_spec": dict, "labels": list,
    "train_config": dict, "metrics": dict, "versions": dict, "created": str,
    "resume": (dict, type(None)),
}
RESUME_KEYS = ("epoch", "step", "perm", "history", "optimizer", "scheduler", "generator",
               "torch_rng")


def _check_schema(ckpt: dict[str, Any], path: Path) -> None:
    """Raise DigitsError naming the first key that is missing or of the wrong type."""
    for key, kind in SCHEMA.items():
        if key not in ckpt:
            raise DigitsError(f"{path} is not a complete digits checkpoint: no {key!r}")
        if not isinstance(ckpt[key], kind):
            raise DigitsError(f"{path}: {key!r} is a {type(ckpt[key]).__name__}, not what "
                              "the checkpoint format holds there")
    if not all(isinstance(k, str) and isinstance(v, torch.Tensor)
               for k, v in ckpt["state_dict"].items()):
        raise DigitsError(f"{path}: 'state_dict' must map names to tensors")
    if not labels.is_valid(ckpt["labels"]):
        raise DigitsError(f"{path}: 'labels' must be the integers 0-9, optionally followed "
                          f"by {labels.NOT_A_DIGIT!r}; found {str(ckpt['labels'])[:80]}")
    resume = ckpt["resume"]
    if resume is not None and any(k not in resume for k in RESUME_KEYS):
        missing = [k for k in RESUME_KEYS if k not in resume]
        raise DigitsError(f"{path}: its training state lacks {', '.join(missing)}")


def build_model(ckpt: dict[str, Any], path: Path | str = "checkpoint") -> nn.Module:
    """The checkpoint's model with its weights, in eval mode; DigitsError when
    ``arch_config`` or the weights do not fit the architecture. Its output columns are its
    ``labels`` (10 for checkpoints written before the reject class)."""
    try:
        model = models.build(ckpt["arch"],
                             {"classes": len(ckpt["labels"]), **ckpt["arch_config"]})
    except (TypeError, ValueError) as e:
        raise DigitsError(f"{path}: 'arch_config' does not fit {ckpt['arch']} "
                          f"({' '.join(str(e).split())[:160]})") from None
    try:
        model.load_state_dict(ckpt["state_dict"])
    except RuntimeError as e:
        raise DigitsError(f"{path}: weights do not fit {ckpt['arch']}: "
                          f"{' '.join(str(e).split())[:160]}") from None
    return model.eval()
