"""`digits checks`: what this box can run, in one screen, before anything goes wrong."""

from __future__ import annotations

import importlib.metadata as md
import platform
import sys
from pathlib import Path

import cv2
import numpy as np
import onnxruntime as ort

from digits.errors import DigitsError
from digits.paths import default_model_path
from digits.runtime.model import CPU, CUDA, Model
from digits.runtime.recognize import display_available


def _version(dist: str) -> str:
    try:
        return md.version(dist)
    except md.PackageNotFoundError:
        return "not installed"


def _working_providers(model: Path | None) -> list[str]:
    """Providers that a real session on the model actually runs on."""
    if model is None:
        return []
    working = []
    for provider in (CUDA, CPU):
        if provider not in ort.get_available_providers():
            continue
        try:
            session = ort.InferenceSession(str(model), providers=[provider])
        except Exception:
            continue
        if session.get_providers()[0] != provider:
            continue
        try:
            session.run(None, {session.get_inputs()[0].name: np.zeros((1, 1, 28, 28),
                                                                     np.float32)})
        except Exception:  # the model fails when run: the "default model" row says why
            continue
        working.append(provider)
    return working


def _window() -> str:
    if not display_available():
        return "no (no display; run with --no-show or --save DIR)"
    try:
        cv2.namedWindow("digits-check", cv2.WINDOW_NORMAL)
        cv2.destroyWindow("digits-check")
        return "yes"
    except cv2.error as e:
        return f"no ({str(e).strip().splitlines()[-1][:80]})"


def _camera(index: int = 0) -> str:
    cap = cv2.VideoCapture(index)
    try:
        if not cap.isOpened():
            return "no (does not open)"
        ok, image = cap.read()
        return f"yes ({image.shape[1]}x{image.shape[0]})" if ok else "opens, but gives no frame"
    finally:
        cap.release()


def checks() -> list[tuple[str, str]]:
    """(what, finding) rows."""
    package = "onnxruntime-gpu" if _version("onnxruntime-gpu") != "not installed" else (
        "onnxruntime")
    rows = [("python", f"{platform.python_version()} ({sys.executable})"),
            ("numpy", np.__version__),
            ("onnxruntime", f"{ort.__version__} ({package})"),
            ("opencv", cv2.__version__),
            ("torch", _version("torch") + " (not needed by `digits recognize`)"),
            ("providers available", ", ".join(ort.get_available_providers()))]
    try:
        path: Path | None = default_model_path()
        model = Model(path, device="cpu")
        rows.append(("default model", f"{path} (ok: arch {model.arch}, provider check below)"))
    except DigitsError as e:
        path = None
        rows.append(("default model", f"problem: {e}"))
    working = _working_providers(path)
    rows.append(("providers working", ", ".join(working) if working else
                 "unknown (no usable model to test with)"))
    rows.append(("window (cv2.imshow)", _window()))
    rows.append(("camera 0", _camera(0)))
    return rows
