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
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from digits import MAX_IMAGE_PIXELS
from digits.cli import signals_held
from digits.errors import (
    NO_MEMORY,
    DigitsError,
    ImageTooLarge,
    NotEnoughMemory,
    UnreadableInput,
)
from digits.image import decode, to_bgr8
from digits.imagefile import header_size
from digits.paths import IMAGE_EXT, VIDEO_EXT
from digits.runtime.globs import iglob

# Larger images are refused before decoding: our header check below for PNG, JPEG and
# BMP, OpenCV's own limit (set when the digits package is imported) for every format.
MAX_PIXELS = MAX_IMAGE_PIXELS
# An image file is read whole before decoding: a 50 MP photo is at most ~150 MB even
# uncompressed (BMP, PPM); anything bigger is not a photo of digits.
MAX_IMAGE_BYTES = 160 * 1024 * 1024
STDIN = "-"  # a SOURCE that means: one encoded image on standard input
cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)  # our errors say it once
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")  # FFmpeg's own stream chatter: quiet


@contextlib.contextmanager
def quiet_stderr() -> Iterator[None]:
    """Silence what C libraries print straight to file descriptor 2 while decoding
    (libpng warnings, OpenCV's AVI parser, FFmpeg): our own one-line error says it.

    Ctrl-C and SIGTERM wait for the block's end (``signals_held``): a KeyboardInterrupt
    raised between the redirect and its undoing (in contextlib's exit, say) would leave
    file descriptor 2 on /dev/null, and the "interrupted" line after it unseen."""
    with signals_held():
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
    try:  # fstat before fdopen: a folder swapped in after the check is a reason, too
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return not_regular(path) or "not a regular file; skipped"
        if st.st_size > limit:
            return (f"file is {st.st_size / 2**20:.0f} MiB, above the {limit / 2**20:.0f} MiB "
                    "limit for an image")
        with os.fdopen(fd, "rb", closefd=False) as f:
            data = f.read(limit + 1)
    except OSError as e:
        return f"cannot read ({e.strerror or e})"
    finally:
        os.close(fd)
    return data if len(data) <= limit else "file grew past the size limit while being read"


def decode_image(data: bytes) -> np.ndarray:
    """An encoded image (PNG, JPEG, BMP, WebP, TIFF...) as uint8 BGR [H,W,3], normalised
    by ``digits.image`` (alpha flattened onto the colour opposite the strokes,
    16 bits scaled, palette and gray as BGR, EXIF orientation applied).

    Raises ImageTooLarge when it declares more than MAX_PIXELS pixels (refused before
    decoding: from the PNG/JPEG/BMP header here, by OpenCV's size check for other
    formats); UnreadableInput when it is empty, not decodable, or less than MIN_HEIGHT
    px tall; NotEnoughMemory when OpenCV runs out of memory (a MemoryError from numpy is
    left to the caller)."""
    if not data:
        raise UnreadableInput("empty file")
    size = header_size(data)
    if size and size[0] * size[1] > MAX_PIXELS:
        raise ImageTooLarge(_too_large(*size))
    try:
        with quiet_stderr():
            image = decode(data)  # alpha flattened, 16 bits scaled, EXIF orientation applied
    except cv2.error as e:  # out of memory, or OpenCV's size check refused the header
        if "memory" in str(e).lower() or "allocat" in str(e).lower():
            raise NotEnoughMemory(NO_MEMORY) from None
        raise ImageTooLarge(f"image declares more than {MAX_PIXELS / 1e6:.0f} MP (or a "
                            "malformed size); refused before decoding") from None
    if image is None:
        raise UnreadableInput("not a decodable image (corrupt, truncated or not an image)")
    return check_size(image)


# A digit needs rows to be read: below this many pixels of height nothing is (the
# segmentation's smallest region is 6 px, SPECK_MIN_PX). Width has no floor: a tight crop
# of a thin 1 is 5x27 px (scenes "crop"), and a 1 px wide one is still one.
MIN_HEIGHT = 8


def check_size(image: np.ndarray) -> np.ndarray:
    """``image`` itself when it is tall enough to hold a digit (MIN_HEIGHT rows) and not
    empty; raises UnreadableInput otherwise. The one size check of every input
    (decoded files, arrays given to ``Reader.read``)."""
    h, w = image.shape[:2]
    if h < MIN_HEIGHT or w < 1:
        raise UnreadableInput(f"image is {w}x{h}: too small to hold a digit (it needs "
                              f"{MIN_HEIGHT} px of height)")
    return image


def read_image(path: Path) -> np.ndarray:
    """The decoded BGR image of a regular file of at most MAX_IMAGE_BYTES; raises
    UnreadableInput (ImageTooLarge above the pixel limit) with a one-line reason."""
    data = _read_bounded(path, MAX_IMAGE_BYTES)
    if isinstance(data, str):
        raise UnreadableInput(data)
    return decode_image(data)


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
        elif src == STDIN:
            yield src, None, None
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


def utf8(text: str) -> bool:
    """Whether ``text`` encodes as UTF-8 (a file name from undecodable bytes does not),
    as OpenCV's video reader and writer need of a path."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def video_frames(path: Path, name: str, max_frames: int | None, stride: int) -> Iterator[Frame]:
    """Every `stride`-th frame (frame numbers are the video's), up to `max_frames`."""
    problem = not_regular(path)
    if problem:
        yield Frame(name, None, error=problem)
        return
    with contextlib.ExitStack() as stack:
        openable = str(path)
        if not utf8(openable):  # OpenCV takes UTF-8 names only: open it through a link,
            # in a folder made only then (a killed run leaves it behind)
            tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="digits-video-"))
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
            yield Frame(name, index, to_bgr8(image), fps=fps)
            index += 1
            done += 1
        if index == 0:
            yield Frame(name, None, error="video has no decodable frames")
    finally:
        cap.release()


def files(sources: list[str], max_frames: int | None, stride: int,
          skip: Callable[[Path], bool] | None = None) -> Iterator[Frame]:
    """Frames of every image and video named by SOURCEs, in order; "-" is one encoded
    image read from standard input (its source name is "stdin"). Files for which
    ``skip`` is true (the run's own outputs) are passed over."""
    for name, path, error in expand(sources):
        if path is not None and skip is not None and skip(path):
            continue
        if name == STDIN and path is None:
            yield _image_frame("stdin", _read_stdin)
        elif error or path is None:
            yield Frame(name, None, error=error)
        elif path.suffix.lower() in VIDEO_EXT:
            yield from video_frames(path, name, max_frames, stride)
        else:
            yield _image_frame(name, lambda p=path: read_image(p))


def _read_stdin() -> np.ndarray:
    data = sys.stdin.buffer.read(MAX_IMAGE_BYTES + 1)
    if len(data) > MAX_IMAGE_BYTES:
        raise UnreadableInput(f"more than {MAX_IMAGE_BYTES / 2**20:.0f} MiB on stdin: not an "
                              "image")
    return decode_image(data)


def _image_frame(name: str, load: Callable[[], np.ndarray]) -> Frame:
    try:
        return Frame(name, None, load())
    except UnreadableInput as e:
        return Frame(name, None, error=str(e))
    except MemoryError:  # this input only: the batch goes on
        return Frame(name, None, error=NO_MEMORY)


# A stream that has not sent a frame this long after opening (or mid-stream) is not
# there: long enough for an RTSP/HTTP handshake over a slow link, short enough to say so.
STREAM_TIMEOUT_S = 5.0
# A camera or stream that stops sending is reopened this many times, this far apart,
# before the run ends with an error: rides out a camera's USB reset or a server restart.
RECONNECTS = 3
RECONNECT_WAIT_S = 1.0


def _is_stream(device: int | str) -> bool:
    return isinstance(device, str) and "://" in device


class Camera:
    """A webcam, a video device or a network stream, read on its own thread; the newest
    frame wins, stale ones are dropped, so recognition never lags behind what the camera
    sees. A camera or stream that stops sending is reopened RECONNECTS times, then its
    `frames()` ends with one Frame that carries the error (the run exits 1). A plain
    file standing in for a camera (in tests) just ends."""

    def __init__(self, device: int | str) -> None:
        self.device = device
        self.name = f"camera:{device}"
        self.cap = self._open()
        first = self.cap.read()[1] if self.cap.isOpened() else None
        if first is None:
            self.cap.release()
            if _is_stream(device):
                raise DigitsError(f"stream {device} does not open within {STREAM_TIMEOUT_S:.0f} s"
                                  " (wrong address, server down, or not an RTSP/MJPEG stream)")
            raise DigitsError(f"camera {device} does not open (no such device, busy, or no "
                              "permission); see `digits checks`")
        self.fps = self.cap.get(cv2.CAP_PROP_FPS) or 30.0
        self.reconnects = RECONNECTS if (isinstance(device, int) or _is_stream(device)
                                         or str(device).startswith("/dev/")) else 0
        self.error: str | None = None
        self._frame, self._seq = first, 0
        self._cond = threading.Condition()
        self._stop = threading.Event()  # asked to stop
        self._ended = False  # no more frames will come
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _open(self) -> cv2.VideoCapture:
        if _is_stream(self.device):
            ms = int(STREAM_TIMEOUT_S * 1000)
            return cv2.VideoCapture(self.device, cv2.CAP_FFMPEG,
                                    [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, ms,
                                     cv2.CAP_PROP_READ_TIMEOUT_MSEC, ms])
        return cv2.VideoCapture(self.device)

    def _run(self) -> None:
        failures = 0  # failed reads in a row; each one reopens the device or stream
        while not self._stop.is_set():
            ok, image = self.cap.read()
            if not ok and failures < self.reconnects:
                failures += 1
                if not self._stop.wait(RECONNECT_WAIT_S):
                    self.cap.release()
                    self.cap = self._open()
                continue
            with self._cond:
                if not ok:
                    if self.reconnects:
                        self.error = (f"{'stream' if _is_stream(self.device) else 'camera'} "
                                      f"stopped sending frames; {self.reconnects} reconnects "
                                      "failed")
                    self._ended = True
                    self._cond.notify()
                    return
                failures = 0
                self._frame, self._seq = image, self._seq + 1
                self._cond.notify()

    def frames(self, max_frames: int | None, stride: int) -> Iterator[Frame]:
        """Live frames (numbered as the camera sent them) until it ends or `max_frames`."""
        last, done = -1, 0
        try:
            while max_frames is None or done < max_frames:
                with self._cond:
                    while self._seq == last and not self._ended:
                        self._cond.wait(timeout=1.0)
                    if self._seq == last:
                        if self.error:
                            yield Frame(self.name, None, error=self.error)
                        return
                    image, last = self._frame, self._seq
                if last % stride:
                    continue
                yield Frame(self.name, last, to_bgr8(image), fps=self.fps, live=True)
                done += 1
        finally:
            self.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=STREAM_TIMEOUT_S + 1)
        self.cap.release()
