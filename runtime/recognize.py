"""The recognition loop of `digits recognize`, built on the Reader API (runtime/reader.py):
frames in, results out as text lines, JSON Lines, CSV, annotated files and an optional
window, with per-stage timings for the closing "Speed:" line."""

from __future__ import annotations

import csv
import io
import json
import os
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from digits.cli import signals_held
from digits.errors import one_line
from digits.files import write_exclusive
from digits.image import brightest
from digits.runtime import tuning
from digits.runtime.harvest import CropSaver
from digits.runtime.outputs import Saver
from digits.runtime.reader import Digit, Reader, Result
from digits.runtime.segment import Box
from digits.runtime.sources import Frame

CSV_COLUMNS = ("source", "frame", "line", "number", "index", "label", "confidence",
               "x", "y", "w", "h")


def csv_rows(result: Result) -> list[list[Any]]:
    """--csv: one row per digit of a result (CSV_COLUMNS). line and number index the
    record's `lines` and `numbers`, index its `digits`; x, y, w, h in pixels."""
    return [[result.source, "" if result.frame is None else result.frame, d.line, d.number,
             i, d.label, round(d.confidence, 3), *d.box] for i, d in enumerate(result.digits)]


def write_csv(path: Path, rows: list[list[Any]]) -> None:
    """All rows under a header, written atomically as a new file (never replacing one:
    the name was checked with check_csv before the run)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(rows)
    write_exclusive(path, buffer.getvalue().encode())


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


def annotate(image: np.ndarray, digits: Sequence[Digit], banner: str | None = None,
             regions: Sequence[Box] = ()) -> np.ndarray:
    """A copy with boxes, labels and confidences (and a banner: FPS, provider; and the
    regions of interest in blue)."""
    out = image.copy()
    scale = max(0.5, min(out.shape[:2]) / 800)
    for x, y, w, h in regions:
        cv2.rectangle(out, (x, y), (x + w, y + h), (255, 120, 0), max(1, int(scale)))
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


def not_read(result: Result) -> str:
    """The stderr note for a frame whose ink was not all read as digits (text mode)."""
    n = result.rejected
    regions = f"{n} ink region{'s' * (n != 1)}"
    if not result.digits:
        return f"nothing read: {regions}, none read as a digit"
    return f"{regions} not read as a digit"


def display_available() -> bool:
    """A window can open: a display server is set and OpenCV was built with a GUI."""
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY")
                                                 or os.environ.get("WAYLAND_DISPLAY")):
        return False
    info = cv2.getBuildInformation()
    gui = info.split("GUI:")[1].split("\n")[0].strip() if "GUI:" in info else ""
    return gui != "NONE"


def recognize_frames(reader: Reader, frames: Iterable[Frame], *, as_json: bool,
                     save: Path | None, show: bool, csv_path: Path | None = None,
                     save_crops: Path | None = None) -> int:
    """Read every frame through `reader`; 0 when all inputs were read, 1 when some failed.
    ``save_crops``: every region read also goes there (harvest.CropSaver)."""
    harvest = reader.regions = CropSaver(save_crops, reader.model) if save_crops else None
    failed = 0
    times: list[tuple[float, float, float]] = []
    rows: list[list[Any]] = []
    saver = Saver(save) if save else None
    smoother: Smoother | None = None
    window, last = "digits", time.perf_counter()
    fps = 0.0
    try:
        for frame, result in reader.read_frames(frames):
            if result.error is not None or frame.image is None:
                print(f"digits: error: {one_line(frame.source)}: {one_line(result.error)}",
                      file=sys.stderr, flush=True)
                failed += 1
                continue
            times.append(result.times)
            if frame.live:
                smoother = smoother or Smoother()
                result = result.relabel(smoother(list(result.digits)))
                now = time.perf_counter()
                fps = 0.9 * fps + 0.1 / max(now - last, 1e-6) if fps else 1 / max(now - last,
                                                                                    1e-6)
                last = now
            annotated = None
            if saver or show:
                banner = f"{fps:.0f} FPS  {reader.model.provider}" if frame.live else None
                annotated = annotate(frame.image, result.digits, banner,
                                     [r.box for r in result.regions or ()])
            with signals_held():  # a record, its CSV rows, its annotated copy: all or none
                if csv_path is not None:
                    rows += csv_rows(result)
                if as_json:
                    print(json.dumps(result.to_dict()), flush=True)
                else:
                    where = one_line(frame.source if frame.index is None
                                     else f"{frame.source} #{frame.index}")
                    detail = " ".join(f"{d.label}({d.confidence:.2f}{'?' * d.low_confidence})"
                                      for d in result.digits)
                    text = result.text.replace("\n", " | ")
                    print(f"{where}: {text or '-'}   {detail}".rstrip(), flush=True)
                    if result.rejected and not frame.live:
                        print(f"digits: {where}: {not_read(result)}", file=sys.stderr,
                              flush=True)
                    elif not result.digits and not frame.live and (
                            level := brightest(frame.image)) < tuning.DARK_LEVEL:
                        print(f"digits: {where}: nothing read: the image is nearly black "
                              f"(its brightest level {level:.0f} of 255); brighten it",
                              file=sys.stderr, flush=True)
                if saver and annotated is not None:
                    try:
                        saver.save(frame, annotated)
                    except OSError as e:  # this file only: the batch goes on
                        print(f"digits: error: {one_line(frame.source)}: cannot save its "
                              f"annotated copy in {save}: {e.strerror or e}", file=sys.stderr,
                              flush=True)
                        failed += 1
            if show and annotated is not None:
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
        # a second signal waits (Ctrl-C twice): it cut the video's and the CSV's writing
        # short, leaving their temporary files
        with signals_held():
            if csv_path is not None:  # what was read, also when interrupted; first, being
                write_csv(csv_path, rows)  # quick: a third signal cuts what follows
            saved = saver.close() if saver else []
            if show:
                cv2.destroyAllWindows()
            # the files are in place before a line is said: stderr may be gone
            for path in saved:
                print(f"digits: saved {path}", file=sys.stderr)
            if csv_path is not None:
                print(f"digits: wrote {csv_path} ({len(rows)} digits)", file=sys.stderr)
            if harvest:
                print(f"digits: {harvest.summary()}", file=sys.stderr)
    if times:
        t = np.array(times).mean(axis=0) * 1000
        n = len(times)
        print(f"Speed: {t[0]:.1f}ms preprocess, {t[1]:.1f}ms inference, {t[2]:.1f}ms "
              f"postprocess per frame ({n} frame{'s' * (n != 1)}, {reader.model.provider})",
              file=sys.stderr)
    if saver and not as_json:
        print(f"digits: annotated files in {save}", file=sys.stderr)
    return 1 if failed else 0
