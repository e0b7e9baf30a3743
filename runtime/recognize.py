"""The recognition loop: frames in, digits out as text lines, JSON Lines, annotated files
and an optional window, with per-stage timings for the closing "Speed:" line."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from digits.runtime.harvest import CropSaver
from digits.runtime.model import Model
from digits.runtime.outputs import Saver
from digits.runtime.segment import Box, segment
from digits.runtime.sources import Frame


@dataclass
class Digit:
    label: int
    confidence: float
    box: Box


# Sees every region of a frame before the confidence filter: crops float32 [N,1,28,28],
# boxes, probabilities [N,C] (harvest.CropSaver).
Regions = Callable[[np.ndarray, list[Box], np.ndarray], object]


def read(model: Model, image: np.ndarray, min_confidence: float,
         times: list[float] | None = None, regions: Regions | None = None) -> list[Digit]:
    """All digits of one frame in reading order; `times` gets pre/infer/post seconds."""
    t0 = time.perf_counter()
    seg = segment(image)
    t1 = time.perf_counter()
    probs = model.probabilities(seg.crops)
    t2 = time.perf_counter()
    if regions is not None:
        regions(seg.crops, seg.boxes, probs)
    digits = [Digit(model.labels[int(p.argmax())], float(p.max()), box)
              for p, box in zip(probs, seg.boxes, strict=True)]
    digits = [d for d in digits if d.confidence >= min_confidence]
    if times is not None:
        times += [t1 - t0, t2 - t1, time.perf_counter() - t2]
    return digits


def record(frame: Frame, digits: list[Digit]) -> dict[str, Any]:
    """The JSON record of DESIGN.md for one image or frame."""
    return {"source": frame.source, "frame": frame.index,
            "digits": [{"label": d.label, "confidence": round(d.confidence, 3),
                        "box": [int(v) for v in d.box]} for d in digits],
            "text": "".join(str(d.label) for d in digits)}


class Smoother:
    """Live sources: a digit keeps its label unless a new one wins over a few frames.
    Digits are matched to last frame's by box overlap; confidences decay, so a label
    must be seen repeatedly to replace the one on screen."""

    def __init__(self, decay: float = 0.6) -> None:
        self.decay = decay
        self.tracks: list[tuple[Box, np.ndarray]] = []

    def __call__(self, digits: list[Digit]) -> list[Digit]:
        new_tracks, out = [], []
        for d in digits:
            votes = np.zeros(10)
            best = max(self.tracks, key=lambda t: _iou(t[0], d.box), default=None)
            if best is not None and _iou(best[0], d.box) > 0.3:
                votes = best[1] * self.decay
            votes[d.label] += d.confidence
            label = int(votes.argmax())
            out.append(Digit(label, d.confidence if label == d.label else float(
                votes[label] / votes.sum()), d.box))
            new_tracks.append((d.box, votes))
        self.tracks = new_tracks
        return out


def _iou(a: Box, b: Box) -> float:
    ix = max(0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = ix * iy
    return inter / float(a[2] * a[3] + b[2] * b[3] - inter or 1)


def annotate(image: np.ndarray, digits: list[Digit], banner: str | None = None) -> np.ndarray:
    """A copy with boxes, labels and confidences (and a banner: FPS, provider)."""
    out = image.copy()
    scale = max(0.5, min(out.shape[:2]) / 800)
    for d in digits:
        x, y, w, h = d.box
        colour = (0, 200, 0) if d.confidence >= 0.8 else (0, 165, 255)
        cv2.rectangle(out, (x, y), (x + w, y + h), colour, max(1, int(2 * scale)))
        cv2.putText(out, f"{d.label} {d.confidence:.2f}", (x, max(12, y - 4)),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.6 * scale, colour, max(1, int(2 * scale)))
    if banner:
        cv2.putText(out, banner, (8, int(22 * scale)), cv2.FONT_HERSHEY_SIMPLEX, 0.6 * scale,
                    (0, 0, 255), max(1, int(2 * scale)))
    return out


def display_available() -> bool:
    """A window can open: a display server is set and OpenCV was built with a GUI."""
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY")
                                                 or os.environ.get("WAYLAND_DISPLAY")):
        return False
    info = cv2.getBuildInformation()
    gui = info.split("GUI:")[1].split("\n")[0].strip() if "GUI:" in info else ""
    return gui != "NONE"


def recognize_frames(model: Model, frames: Iterable[Frame], *, as_json: bool, min_confidence: float,
        save: Path | None, show: bool, save_crops: Path | None = None) -> int:
    """Process every frame; 0 when all inputs were read, 1 when some failed."""
    failed = 0
    times: list[float] = []
    saver = Saver(save) if save else None
    harvest = CropSaver(save_crops, model) if save_crops else None
    smoother: Smoother | None = None
    window, last = "digits", time.perf_counter()
    fps = 0.0
    try:
        for frame in frames:
            if frame.error or frame.image is None:
                print(f"digits: error: {frame.source}: {frame.error}", file=sys.stderr,
                      flush=True)
                failed += 1
                continue
            digits = read(model, frame.image, min_confidence, times,
                          regions=partial(harvest, frame) if harvest else None)
            if frame.live:
                smoother = smoother or Smoother()
                digits = smoother(digits)
                now = time.perf_counter()
                fps = 0.9 * fps + 0.1 / max(now - last, 1e-6) if fps else 1 / max(now - last,
                                                                                    1e-6)
                last = now
            rec = record(frame, digits)
            if as_json:
                print(json.dumps(rec), flush=True)
            else:
                where = frame.source if frame.index is None else f"{frame.source} #{frame.index}"
                detail = " ".join(f"{d.label}({d.confidence:.2f})" for d in digits)
                print(f"{where}: {rec['text'] or '-'}   {detail}".rstrip(), flush=True)
            if saver or show:
                banner = f"{fps:.0f} FPS  {model.provider}" if frame.live else None
                annotated = annotate(frame.image, digits, banner)
                if saver:
                    try:
                        saver.save(frame, annotated)
                    except OSError as e:  # this file only: the batch goes on
                        print(f"digits: error: {frame.source}: cannot save its annotated copy "
                              f"in {save}: {e.strerror or e}", file=sys.stderr, flush=True)
                        failed += 1
                if show:
                    try:
                        cv2.imshow(window, annotated)
                        key = cv2.waitKey(1 if frame.index is not None else 0) & 0xFF
                    except cv2.error:
                        print("digits: cannot open a window; running without one",
                              file=sys.stderr)
                        show = False
                        continue
                    if key in (ord("q"), 27):
                        break
    finally:
        if saver:
            for path in saver.close():
                print(f"digits: saved {path}", file=sys.stderr)
        if show:
            cv2.destroyAllWindows()
        if harvest:
            print(f"digits: {harvest.summary()}", file=sys.stderr)
    if times:
        t = np.array(times).reshape(-1, 3).mean(axis=0) * 1000
        n = len(times) // 3
        print(f"Speed: {t[0]:.1f}ms preprocess, {t[1]:.1f}ms inference, {t[2]:.1f}ms "
              f"postprocess per frame ({n} frame{'s' * (n != 1)}, {model.provider})",
              file=sys.stderr)
    if saver and not as_json:
        print(f"digits: annotated files in {save}", file=sys.stderr)
    return 1 if failed else 0
