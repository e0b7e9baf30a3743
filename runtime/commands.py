"""Click commands of the runtime stage: `digits recognize` and `digits checks`.

Only numpy, OpenCV, onnxruntime and click are imported on this path: never torch.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from digits.errors import DigitsError
from digits.options import device_option, model_option

if TYPE_CHECKING:
    from digits.runtime.reader import Roi


def _rois(_ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]) -> tuple:
    from digits.runtime.reader import Roi

    try:
        return tuple(Roi.parse(v) for v in values)
    except ValueError as e:
        raise click.BadParameter(str(e)) from None



@click.command()
@click.argument("sources", nargs=-1, metavar="[SOURCE]...")
@click.option("--camera", "camera", default=None, metavar="N|DEVICE|URL",
              help="Read a webcam (0 is the first), a video device (/dev/video2) or a "
                   "stream (rtsp://..., http(s)://... MJPEG) instead of files.")
@model_option(None, "ONNX model [default: ./artifacts/digits.onnx, else the installed one].")
@device_option("auto: CUDA when it really initialises, else CPU. cuda: CUDA or an error.")
@click.option("--json", "as_json", is_flag=True,
              help="One JSON object per image/frame on stdout (JSON Lines).")
@click.option("--save", type=click.Path(file_okay=False, path_type=Path), default=None,
              metavar="DIR", help="Write annotated images, and an annotated .mp4 per video.")
@click.option("--show/--no-show", default=None,
              help="Show a window [default: when a display exists]. q or Esc quits.")
@click.option("--min-confidence", type=click.FloatRange(0, 1), default=0.3, show_default=True,
              help="Drop digits read with less confidence than this.")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path),
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
def recognize(sources: tuple[str, ...], camera: str | None, model: Path | None,
              device: str, as_json: bool, save: Path | None, show: bool | None,
              min_confidence: float, csv_path: Path | None, rois: tuple[Roi, ...],
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
      digits recognize clip.mp4 --json --stride 5 > digits.jsonl
      digits recognize meter.jpg --roi 40,60,200,80 --roi 0.5,0.1,0.4,0.3
      curl -s http://host/snapshot.jpg | digits recognize - --json

    Exit status: 0 all inputs read, 1 some inputs failed (the rest were still
    processed), 2 usage error or unusable model/camera.
    """
    from digits.files import check_writable
    from digits.runtime import sources as src
    from digits.runtime.reader import Reader
    from digits.runtime.recognize import display_available, recognize_frames

    if not sources and camera is None:
        raise click.UsageError("give at least one SOURCE or --camera N")
    if sources and camera is not None:
        raise click.UsageError("give SOURCEs or --camera N, not both")
    if csv_path is not None:
        check_writable(csv_path.parent, "--csv")
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
        frames = src.Camera(src.camera_device(camera)).frames(max_frames, stride)
    else:
        frames = src.files(list(sources), max_frames, stride)
    try:
        return recognize_frames(reader, frames, as_json=as_json, save=save, show=show,
                                csv_path=csv_path)
    except OSError as e:
        raise DigitsError(f"cannot write output: {e}", exit_code=1) from None


@click.command()
def checks() -> None:
    """Versions, execution providers, camera/GUI support, default model."""
    from digits.runtime import checks as diagnose

    for what, finding in diagnose.checks():
        click.echo(f"{what:22s} {finding}")
