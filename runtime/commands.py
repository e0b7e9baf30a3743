"""Click commands of the runtime stage: `digits recognize` and `digits checks`.

Only numpy, OpenCV, onnxruntime and click are imported on this path: never torch.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from digits.errors import DigitsError
from digits.options import FiniteFloatRange, device_option, model_option

if TYPE_CHECKING:
    from digits.runtime.reader import Roi

# OpenCV's V4L2 backend numbers /dev/videoN; a negative index makes some builds crash.
MAX_CAMERA = 63


def _folder(ctx: click.Context, param: click.Parameter, value: str | None) -> Path | None:
    """A folder path, refusing an empty one ("$UNSET"): as a Path it would silently be
    the current folder."""
    if value is None:
        return None
    if not value.strip():
        raise click.BadParameter("is empty (an unset variable?); name a folder", ctx, param)
    return Path(value)


def _camera(ctx: click.Context, param: click.Parameter, value: str | None) -> int | str | None:
    """--camera: a device index (0-MAX_CAMERA), a device path or a stream URL."""
    if value is None:
        return None
    if re.fullmatch(r"-?[0-9]+", value):  # ASCII digits only: str.isdigit takes "²"
        if not 0 <= int(value) <= MAX_CAMERA:
            raise click.BadParameter(f"{value}: a camera index is 0-{MAX_CAMERA}", ctx, param)
        return int(value)
    if not value.strip():
        raise click.BadParameter("is empty (an unset variable?); name a camera", ctx, param)
    return value


def _rois(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> tuple[Roi, ...]:
    from digits.runtime.reader import Roi

    try:
        return tuple(Roi.parse(v) for v in values)
    except ValueError as e:
        raise click.BadParameter(str(e), ctx, param) from None


@click.command()
@click.argument("sources", nargs=-1, metavar="[SOURCE]...")
@click.option("--camera", "camera", default=None, metavar="N|DEVICE|URL", callback=_camera,
              help="Read a webcam (0 is the first), a video device (/dev/video2) or a "
                   "stream (rtsp://..., http(s)://... MJPEG) instead of files.")
@model_option(None, "ONNX model [default: ./artifacts/digits.onnx, else the installed one].")
@device_option("auto: CUDA when it really initialises, else CPU. cuda: CUDA or an error.")
@click.option("--json", "as_json", is_flag=True,
              help="One JSON object per image/frame on stdout (JSON Lines).")
@click.option("--save", type=click.Path(file_okay=False), default=None,
              metavar="DIR", callback=_folder,
              help="Write annotated images, and an annotated .mp4 per video, into this "
                   "folder (never where the inputs are; existing files are kept: a new "
                   "name such as x-2.jpg is used).")
@click.option("--save-crops", type=click.Path(file_okay=False), default=None,
              metavar="DIR", callback=_folder,
              help="Write every region read, as the 28x28 image the model saw, to "
                   "DIR/<label>/ (DIR/unsure/ below 0.8 confidence), to fix labels by moving "
                   "files and then `digits train --images DIR` (never where the inputs are).")
@click.option("--show/--no-show", default=None,
              help="Show a window [default: when a display exists]. q or Esc quits.")
@click.option("--min-confidence", type=FiniteFloatRange(0, 1), default=0.3, show_default=True,
              help="Drop digits read with less confidence than this.")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False),  # str: "" is not "."
              default=None, metavar="FILE",
              help="Also write one CSV row per digit: source, frame, line, number, index, "
                   "label, confidence, x, y, w, h.")
@click.option("--roi", "rois", multiple=True, callback=_rois, metavar="X,Y,W,H",
              help="Read only this region of each frame (repeatable): pixels, or fractions "
                   "of the frame with a decimal point (0.5,0,0.5,1). Each is reported "
                   "separately; boxes stay in frame pixels.")
@click.option("--max-frames", type=click.IntRange(min=1), default=None,
              help="Stop a video or camera after this many processed frames.")
@click.option("--stride", type=click.IntRange(min=1), default=1, show_default=True,
              help="Process every N-th frame of a video or camera.")
def recognize(sources: tuple[str, ...], camera: int | str | None, model: Path | None,
              device: str, as_json: bool, save: Path | None, save_crops: Path | None,
              show: bool | None, min_confidence: float, csv_path: str | None,
              rois: tuple[Roi, ...],
              max_frames: int | None, stride: int) -> int:
    """Read handwritten digits off a camera, images, folders, globs or videos.

    \b
    A SOURCE is an image (png, jpg, bmp, webp, tiff...), a folder, a glob
    pattern ("scans/*.jpg"), a video (mp4, avi, mkv...) or - (one image on stdin).

    \b
    Examples:
      digits recognize --camera 0
      digits recognize --camera http://192.168.1.20:8080/video --json
      digits recognize photo.jpg scans/ --save out/ --csv digits.csv
      digits recognize photos/ --save-crops mine/   (then: digits train --images mine/)
      digits recognize clip.mp4 --json --stride 5 > digits.jsonl
      digits recognize meter.jpg --roi 40,60,200,80 --roi 0.5,0.1,0.4,0.3
      curl -s http://host/snapshot.jpg | digits recognize - --json

    Exit status: 0 all inputs read, 1 some inputs failed (the rest were still
    processed), 2 usage error or unusable model/camera.
    """
    from digits.runtime import sources as src
    from digits.runtime.reader import Reader
    from digits.runtime.recognize import display_available, recognize_frames

    if not sources and camera is None:
        raise click.UsageError("give at least one SOURCE or --camera N")
    if sources and camera is not None:
        raise click.UsageError("give SOURCEs or --camera N, not both")
    if any(not s.strip() for s in sources):
        raise click.UsageError("an empty SOURCE (an unset variable?); name a file, folder, "
                               "glob or video")
    from digits.runtime.harvest import CROP_FOLDERS
    from digits.runtime.outputs import (
        check_csv,
        check_output_folder,
        check_save_and_crops,
        written_by_run,
    )

    if csv_path is not None:  # first: check_output_folder makes the --save folder
        check_csv(csv_path, save, list(sources))
    if save is not None and save_crops is not None:
        check_save_and_crops(save, save_crops)
    if save is not None:
        check_output_folder(save, "--save", list(sources))
    if save_crops is not None:
        check_output_folder(save_crops, "--save-crops", list(sources), subfolders=CROP_FOLDERS)
    reader = Reader(model, device=device, min_confidence=min_confidence, rois=rois)
    net = reader.model
    print(f"digits: model {net.path} ({net.arch}) on {net.provider}",
          file=sys.stderr)
    if show is not False and not display_available():
        if show or camera is not None:  # said once, only where a window was expected
            print("digits: no display found; running without a window", file=sys.stderr)
        show = False
    elif show is None:
        show = True
    if camera is not None:
        frames = src.Camera(camera).frames(max_frames, stride)
    else:
        frames = src.files(list(sources), max_frames, stride, skip=written_by_run(save, save_crops))
    try:
        return recognize_frames(reader, frames, as_json=as_json, save=save, show=show,
                                csv_path=None if csv_path is None else Path(csv_path),
                                save_crops=save_crops)
    except OSError as e:
        raise DigitsError(f"cannot write output: {e}", exit_code=1) from None


@click.command()
def checks() -> None:
    """Versions, execution providers, camera/GUI support, default model."""
    from digits.runtime import checks as diagnose

    for what, finding in diagnose.checks():
        click.echo(f"{what:22s} {finding}")


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to bind. Anything but loopback serves other machines too.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="TCP port; 0 picks a free one (the URL printed on stderr has it).")
@model_option(None, "ONNX model [default: ./artifacts/digits.onnx, else the installed one].")
@device_option("auto: CUDA when it really initialises, else CPU. cuda: CUDA or an error.")
@click.option("--workers", type=click.IntRange(min=1), default=2, show_default=True,
              help="Threads reading images at once (onnxruntime and OpenCV release the GIL).")
@click.option("--max-waiting", type=click.IntRange(min=0), default=64, show_default=True,
              help="Requests that may wait for a busy worker; more are refused with 503.")
@click.option("--max-upload-mb", type=FiniteFloatRange(min=0.001), default=10.0,
              show_default=True, help="Largest request body; larger is refused with 413.")
@click.option("--timeout", type=FiniteFloatRange(min=0.1), default=30.0, show_default=True,
              help="Seconds a request may take from its first byte to its answer (503).")
@click.option("--min-confidence", type=FiniteFloatRange(0, 1), default=0.3, show_default=True,
              help="Drop digits read with less confidence than this.")
def serve(host: str, port: int, model: Path | None, device: str, workers: int,
          max_waiting: int, max_upload_mb: float, timeout: float,
          min_confidence: float) -> None:
    """Serve the reader over HTTP, and a page to draw, upload or film digits.

    \b
    GET  /            the page: draw on a canvas, upload a photo, or use the camera
    POST /v1/read     an image (multipart file or raw body) -> the JSON record of
                      `digits recognize --json`, each digit with its top3
    GET  /v1/health   model, execution provider, versions, limits
    GET  /openapi.json

    \b
    Example:
      digits serve --port 8000
      curl -F file=@photo.jpg http://127.0.0.1:8000/v1/read

    Needs the serve extra: pip install 'digits[serve]'.
    """
    from digits.runtime import serve as server

    sock = server.listen(host, port)  # fail fast: before the model loads
    reader = server.Reader(model, device=device, min_confidence=min_confidence)
    m = reader.model
    print(f"digits: model {m.path} ({m.arch}) on {m.provider}", file=sys.stderr)
    if not server.is_loopback(host):
        print(f"digits: binding {host}, beyond loopback: other machines that reach this one "
              "can use the server (no authentication)", file=sys.stderr)
    shown = f"[{host}]" if ":" in host else host
    print(f"digits: serving http://{shown}:{sock.getsockname()[1]}/ ({workers} workers); "
          "Ctrl-C stops", file=sys.stderr, flush=True)
    server.run(reader, sock, workers, round(max_upload_mb * 1024 * 1024), timeout,
               max_waiting)
