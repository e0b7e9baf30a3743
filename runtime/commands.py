"""Click commands of the runtime stage: `digits recognize` and `digits checks`.

Only numpy, OpenCV, onnxruntime and click are imported on this path: never torch.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from digits.errors import DigitsError
from digits.options import FiniteFloatRange, device_option, model_option

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


@click.command()
@click.argument("sources", nargs=-1, metavar="[SOURCE]...")
@click.option("--camera", "camera", type=click.IntRange(0, MAX_CAMERA), default=None,
              metavar="N", help="Read webcam N (0 is the first) instead of files.")
@model_option(None, "ONNX model [default: ./artifacts/digits.onnx, else the installed one].")
@device_option("auto: CUDA when it really initialises, else CPU. cuda: CUDA or an error.")
@click.option("--json", "as_json", is_flag=True,
              help="One JSON object per image/frame on stdout (JSON Lines).")
@click.option("--save", type=click.Path(file_okay=False), default=None,
              metavar="DIR", callback=_folder,
              help="Write annotated images, and an annotated .mp4 per video, into this "
                   "folder (never where the inputs are; existing files are kept: a new "
                   "name such as x-2.jpg is used).")
@click.option("--show/--no-show", default=None,
              help="Show a window [default: when a display exists]. q or Esc quits.")
@click.option("--min-confidence", type=FiniteFloatRange(0, 1), default=0.3, show_default=True,
              help="Drop digits read with less confidence than this.")
@click.option("--max-frames", type=click.IntRange(min=1), default=None,
              help="Stop a video or camera after this many processed frames.")
@click.option("--stride", type=click.IntRange(min=1), default=1, show_default=True,
              help="Process every N-th frame of a video or camera.")
def recognize(sources: tuple[str, ...], camera: int | None, model: Path | None,
              device: str, as_json: bool, save: Path | None, show: bool | None,
              min_confidence: float, max_frames: int | None, stride: int) -> int:
    """Read handwritten digits off a camera, images, folders, globs or videos.

    \b
    A SOURCE is an image (png, jpg, bmp, webp, tiff...), a folder, a glob
    pattern ("scans/*.jpg") or a video (mp4, avi, mkv...).

    \b
    Examples:
      digits recognize --camera 0
      digits recognize photo.jpg scans/ --save out/
      digits recognize clip.mp4 --json --stride 5 > digits.jsonl

    Exit status: 0 all inputs read, 1 some inputs failed (the rest were still
    processed), 2 usage error or unusable model/camera.
    """
    from digits.runtime import sources as src
    from digits.runtime.model import Model
    from digits.runtime.recognize import display_available, recognize_frames

    if not sources and camera is None:
        raise click.UsageError("give at least one SOURCE or --camera N")
    if sources and camera is not None:
        raise click.UsageError("give SOURCEs or --camera N, not both")
    if any(not s.strip() for s in sources):
        raise click.UsageError("an empty SOURCE (an unset variable?); name a file, folder, "
                               "glob or video")
    if save is not None:
        from digits.runtime.outputs import check_save

        check_save(save, list(sources))
    net = Model(model, device=device)
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
        frames = src.files(list(sources), max_frames, stride)
    try:
        return recognize_frames(net, frames, as_json=as_json,
                                min_confidence=min_confidence, save=save, show=show)
    except OSError as e:
        raise DigitsError(f"cannot write output: {e}", exit_code=1) from None


@click.command()
def checks() -> None:
    """Versions, execution providers, camera/GUI support, default model."""
    from digits.runtime import checks as diagnose

    for what, finding in diagnose.checks():
        click.echo(f"{what:22s} {finding}")
