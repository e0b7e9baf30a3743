"""Click commands of the runtime stage: `digits recognize` and `digits checks`.

Only numpy, OpenCV, onnxruntime and click are imported on this path: never torch.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from digits.errors import DigitsError
from digits.options import device_option, model_option


@click.command()
@click.argument("sources", nargs=-1, metavar="[SOURCE]...")
@click.option("--camera", "camera", type=int, default=None, metavar="N",
              help="Read webcam N (0 is the first) instead of files.")
@model_option(None, "ONNX model [default: ./artifacts/digits.onnx, else the installed one].")
@device_option("auto: CUDA when it really initialises, else CPU. cuda: CUDA or an error.")
@click.option("--json", "as_json", is_flag=True,
              help="One JSON object per image/frame on stdout (JSON Lines).")
@click.option("--save", type=click.Path(file_okay=False, path_type=Path), default=None,
              metavar="DIR", help="Write annotated images, and an annotated .mp4 per video.")
@click.option("--save-crops", type=click.Path(file_okay=False, path_type=Path), default=None,
              metavar="DIR", help="Write every region read, as the 28x28 image the model saw, "
              "to DIR/<label>/ (DIR/unsure/ below 0.8 confidence), to fix labels by moving "
              "files and then `digits train --images DIR`.")
@click.option("--show/--no-show", default=None,
              help="Show a window [default: when a display exists]. q or Esc quits.")
@click.option("--min-confidence", type=click.FloatRange(0, 1), default=0.3, show_default=True,
              help="Drop digits read with less confidence than this.")
@click.option("--max-frames", type=click.IntRange(min=1), default=None,
              help="Stop a video or camera after this many processed frames.")
@click.option("--stride", type=click.IntRange(min=1), default=1, show_default=True,
              help="Process every N-th frame of a video or camera.")
def recognize(sources: tuple[str, ...], camera: int | None, model: Path | None,
              device: str, as_json: bool, save: Path | None, save_crops: Path | None,
              show: bool | None,
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
      digits recognize photos/ --save-crops mine/   (then: digits train --images mine/)

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
                                min_confidence=min_confidence, save=save, show=show,
                                save_crops=save_crops)
    except OSError as e:
        raise DigitsError(f"cannot write output: {e}", exit_code=1) from None


@click.command()
def checks() -> None:
    """Versions, execution providers, camera/GUI support, default model."""
    from digits.runtime import checks as diagnose

    for what, finding in diagnose.checks():
        click.echo(f"{what:22s} {finding}")
