"""Where frames come from: image files, folders, globs, videos and cameras.

Every source yields `Frame`s in order; a file that cannot be read yields one Frame with
an `error` instead of raising, so the rest of a batch is still processed. A camera that
will not open is a DigitsError (exit 2): there is nothing else to do.
"""

from __future__ import annotations

import contextlib
import glob
import os
import stat
import sys
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from digits import MAX_IMAGE_PIXELS
from digits.errors import DigitsError
from digits.imagefile import header_size
from digits.paths import IMAGE_EXT, VIDEO_EXT
from digits.runtime.globs import iglob

# Larger images are refused before decoding: our header check below for PNG, JPEG and
# BMP, OpenCV's own limit (set when the digits package is imported) for every format.
MAX_PIXELS = MAX_IMAGE_PIXELS
# An image file is read whole before decoding: a 50 MP photo is at most ~150 MB even
# uncompressed (BMP, PPM); anything bigger is not a photo of digits.
MAX_IMAGE_BYTES = 160 * 1024 * 1024
cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)  # our errors say it once


@contextlib.contextmanager
def quiet_stderr() -> Iterator[None]:
    """Silence what C libraries print straight to file descriptor 2 while decoding
    (libpng warnings, OpenCV's AVI parser, FFmpeg): our own one-line error says it."""
    if sys.stderr is not None:
        sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:  # no stderr at all: nothing to keep quiet
        yield
        return
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


@dataclass
class Frame:
    source: str
    index: int | None  # frame number in a video/camera; None for an image
    image: np.ndarray | None = None
    error: str | None = None
    fps: float = 0.0  # the video's frame rate, for --save
    live: bool = False  # a camera: smooth labels, show FPS


def not_regular(path: Path) -> str | None:
    """Why ``path`` is not a regular file that can be read without blocking (a FIFO, a
    device such as /dev/zero, a socket, a folder), or None when it is one."""
    try:
        mode = os.stat(path).st_mode
    except OSError as e:
        return f"cannot read ({e.strerror or e})"
    if stat.S_ISREG(mode):
        return None
    kind = ("a folder" if stat.S_ISDIR(mode) else "a FIFO" if stat.S_ISFIFO(mode) else
            "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a socket" if
            stat.S_ISSOCK(mode) else "not a regular file")
    return f"not a regular file ({kind}); skipped"


def _read_bounded(path: Path, limit: int) -> bytes | str:
    """The file's bytes, or why not: opened without blocking (a FIFO swapped in after a
    check cannot hang us), refused unless regular and at most ``limit`` bytes."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as e:
        return f"cannot read ({e.strerror or e})"
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return not_regular(path) or "not a regular file; skipped"
        if st.st_size > limit:
            return (f"file is {st.st_size / 2**20:.0f} MiB, above the {limit / 2**20:.0f} MiB "
                    "limit for an image")
        try:
            data = f.read(limit + 1)
        except OSError as e:
            return f"cannot read ({e.strerror or e})"
    return data if len(data) <= limit else "file grew past the size limit while being read"


def read_image(path: Path) -> np.ndarray | str:
    """The decoded BGR image, or a one-line reason it cannot be used."""
    data = _read_bounded(path, MAX_IMAGE_BYTES)
    if isinstance(data, str):
        return data
    if not data:
        return "empty file"
    size = header_size(data)
    if size and size[0] * size[1] > MAX_PIXELS:
        return _too_large(*size)
    try:
        with quiet_stderr():
            image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    except cv2.error:  # OpenCV's size check (OPENCV_IO_MAX_IMAGE_PIXELS) refused the header
        return (f"image declares more than {MAX_PIXELS / 1e6:.0f} MP (or a malformed size); "
                "refused before decoding")
    if image is None:
        return "not a decodable image (corrupt, truncated or not an image)"
    if min(image.shape[:2]) < 8:
        return f"image is {image.shape[1]}x{image.shape[0]}: too small to hold a digit"
    return image


def _too_large(width: int, height: int) -> str:
    return (f"image is {width}x{height} ({width * height / 1e6:.0f} MP), above the "
            f"{MAX_PIXELS / 1e6:.0f} MP limit; downscale it first")


def expand(sources: list[str]) -> Iterator[tuple[str, Path | None, str | None]]:
    """(name, path, error) for every file a SOURCE names: a file, a folder or a glob."""
    for src in sources:
        path = Path(src)
        if path.is_dir():
            # Anything with a media extension that is not a folder: a FIFO or a device
            # named .png becomes a per-file error, not a silent skip (and not a hang).
            files = sorted(p for p in path.iterdir()
                           if p.suffix.lower() in IMAGE_EXT | VIDEO_EXT and not p.is_dir())
            if not files:
                yield src, None, "folder has no image or video files"
            for p in files:
                yield str(p), p, None
        elif path.exists() or path.is_symlink():
            yield src, path, None
        elif glob.has_magic(src):
            matched = False
            for m in iglob(src):
                matched = True
                yield str(m), m, None
            if not matched:
                yield src, None, "no files match this pattern"
        else:
            yield src, None, "no such file or folder"


def video_frames(path: Path, name: str, max_frames: int | None, stride: int) -> Iterator[Frame]:
    """Every `stride`-th frame (frame numbers are the video's), up to `max_frames`."""
    problem = not_regular(path)
    if problem:
        yield Frame(name, None, error=problem)
        return
    with tempfile.TemporaryDirectory(prefix="digits-video-") as tmp:
        try:
            str(path).encode("utf-8")
            openable = str(path)
        except UnicodeEncodeError:  # OpenCV takes UTF-8 names only: open it through a link
            openable = os.path.join(tmp, "video" + path.suffix)
            os.symlink(os.path.abspath(path), openable)
        with quiet_stderr():
            cap = cv2.VideoCapture(openable)
        yield from _capture_frames(cap, name, max_frames, stride)


def _capture_frames(cap: cv2.VideoCapture, name: str, max_frames: int | None,
                    stride: int) -> Iterator[Frame]:
    try:
        if not cap.isOpened():
            yield Frame(name, None, error="cannot open video (corrupt or unsupported format)")
            return
        width, height = (int(cap.get(p)) for p in (cv2.CAP_PROP_FRAME_WIDTH,
                                                    cv2.CAP_PROP_FRAME_HEIGHT))
        if width * height > MAX_PIXELS:
            yield Frame(name, None, error="video frames: " + _too_large(width, height))
            return
        fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
        index, done = 0, 0
        while max_frames is None or done < max_frames:
            if index % stride:
                with quiet_stderr():
                    grabbed = cap.grab()
                if not grabbed:
                    break
                index += 1
                continue
            with quiet_stderr():
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
