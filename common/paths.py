"""Default paths and the file kinds every stage agrees on."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from digits.errors import DigitsError

ARTIFACTS = Path("artifacts")  # where train and export write, and recognize looks first
CHECKPOINT = ARTIFACTS / "digits.pt"
ONNX_MODEL = ARTIFACTS / "digits.onnx"

# Images OpenCV decodes, by extension (folder scans and globs pick these up).
IMAGE_EXT = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff",
                       ".pgm", ".ppm", ".pbm"})
# Of those, the ones OpenCV also encodes from a colour image: an annotated copy keeps
# its source's extension when it is one of these, else it becomes .png.
COLOUR_IMAGE_EXT = IMAGE_EXT - {".pgm", ".ppm", ".pbm"}
VIDEO_EXT = frozenset({".mp4", ".avi", ".mkv", ".mov", ".webm", ".m4v", ".mpg", ".mpeg", ".wmv"})


def default_model_path() -> Path:
    """./artifacts/digits.onnx when present, else the model installed with the package.

    Raises DigitsError when neither exists."""
    if ONNX_MODEL.is_file():
        return ONNX_MODEL
    packaged = Path(str(resources.files("digits.artifacts") / "digits.onnx"))
    if packaged.is_file():
        return packaged
    raise DigitsError("no model: ./artifacts/digits.onnx does not exist and none is installed "
                      "with the package; pass --model PATH or run `digits export`")
