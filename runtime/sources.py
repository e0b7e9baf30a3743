"""Where frames come from: image files, folders, globs, videos and cameras.

Every source yields `Frame`s in order; a file that cannot be read yields one Frame with
an `error` instead of raising, so the rest of a batch is still processed. A camera that
will not open is a DigitsError (exit 2): there is nothing else to do.
"""

from __future__ import annotations

import glob
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from digits.errors import DigitsError
from digits.imagefile import MAX_PIXELS, header_size
from digits.paths import IMAGE_EXT, VIDEO_EXT

cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)  # our errors say it once


@dataclass
class Frame:
    source: str
    index: int | None  # frame number in a video/camera; None for an image
    image: np.ndarray | None = None
    error: str | None = None
    fps: float = 0.0  # the video's frame rate, for --save
    live: bool = False  # a camera: smooth labels, show FPS


def read_image(path: Path) -> np.ndarray | str:
    """The decoded BGR image, or a one-line reason it cannot be used."""
    try:
        data = path.read_bytes()
    except OSError as e:
        return f"cannot read ({e.strerror or e})"
    if not data:
        return "empty file"
    size = header_size(data)
    if size and size[0] * size[1] > MAX_PIXELS:
        return (f"image is {size[0]}x{size[1]} ({size[0] * size[1] / 1e6:.0f} MP), above the "
                f"{MAX_PIXELS / 1e6:.0f} MP limit; downscale it first")
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        return "not a decodable image (corrupt, truncated or not an image)"
    if min(image.shape[:2]) < 8:
        return f"image is {image.shape[1]}x{image.shape[0]}: too small to hold a digit"
    return image


def expand(sources: list[str]) -> Iterator[tuple[str, Path | None, str | None]]:
    """(name, path, error) for every file a SOURCE names: a file, a folder or a glob."""
    for src in sources:
        path = Path(src)
        if path.is_dir():
            files = sorted(p for p in path.iterdir()
                           if p.is_file() and p.suffix.lower() in IMAGE_EXT | VIDEO_EXT)
            if not files:
                yield src, None, "folder has no image or video files"
            for p in files:
                yield str(p), p, None
        elif path.exists():
            yield src, path, None
        elif glob.has_magic(src):
            matches = sorted(glob.glob(src, recursive=True))
            if not matches:
                yield src, None, "no files match this pattern"
            for m in matches:
                yield m, Path(m), None
        else:
            yield src, None, "no such file or folder"


def video_frames(path: Path, name: str, max_frames: int | None, stride: int) -> Iterator[Frame]:
    """Every `stride`-th frame (frame numbers are the video's), up to `max_frames`."""
    cap = cv2.VideoCapture(str(path))
    try:
        if not cap.isOpened():
            yield Frame(name, None, error="cannot open video (corrupt or unsupported format)")
            return
        fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
        index, done = 0, 0
        while max_frames is None or done < max_frames:
            if index % stride:
                if not cap.grab():
                    break
                index += 1
                continue
            ok, image = cap.read()
            if not ok:
                break
            yield Frame(name, index, image, fps=fps)
            index += 1
            done += 1
        if index == 0:
            yield Frame(name, None, error="video has no decodable frames")
    finally:
        cap.release()


def files(sources: list[str], max_frames: int | None, stride: int) -> Iterator[Frame]:
    """Frames of every image and video named by SOURCEs, in order."""
    for name, path, error in expand(sources):
        if error or path is None:
            yield Frame(name, None, error=error)
        elif path.suffix.lower() in VIDEO_EXT:
            yield from video_frames(path, name, max_frames, stride)
        else:
            image = read_image(path)
            if isinstance(image, str):
                yield Frame(name, None, error=image)
            else:
                yield Frame(name, None, image)


class Camera:
    """A webcam read on its own thread; the newest frame wins, stale ones are dropped,
    so recognition never lags behind what the camera sees."""

    def __init__(self, index: int | str) -> None:
        self.index = index  # a device number; a file path stands in for one in tests
        self.cap = cv2.VideoCapture(index)
        ok = self.cap.isOpened()
        first = self.cap.read()[1] if ok else None
        if first is None:
            self.cap.release()
            raise DigitsError(f"camera {index} does not open (no such device, busy, or no "
                              "permission); see `digits checks`")
        self.fps = self.cap.get(cv2.CAP_PROP_FPS) or 30.0
        self._frame, self._seq = first, 0
        self._cond = threading.Condition()
        self._stop = False
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop:
            ok, image = self.cap.read()
            with self._cond:
                if not ok:
                    self._stop = True
                else:
                    self._frame, self._seq = image, self._seq + 1
                self._cond.notify()

    def frames(self, max_frames: int | None, stride: int) -> Iterator[Frame]:
        name, last, done = f"camera:{self.index}", -1, 0
        try:
            while max_frames is None or done < max_frames:
                with self._cond:
                    while self._seq == last and not self._stop:
                        self._cond.wait(timeout=1.0)
                    if self._seq == last:
                        return
                    image, last = self._frame, self._seq
                if last % stride:
                    continue
                yield Frame(name, last, image, fps=self.fps, live=True)
                done += 1
        finally:
            self.close()

    def close(self) -> None:
        self._stop = True
        self._thread.join(timeout=2.0)
        self.cap.release()
