"""The bad-input suite of `digits recognize` (issue 9): every case runs the CLI as a
subprocess and checks the promise of DESIGN.md — the exit code, one `digits: error:` line
per failed input and no other noise on stderr, no traceback, nothing lost, replaced or
half-written (the folders are hashed before and after), and no hang (each case has a
30 s timeout).

Inputs are built here: decompression bombs are tiny files that declare huge images.
"""

from __future__ import annotations

import json
import os
import signal
import struct
import subprocess
import sys
import textwrap
import time
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest

from conftest import frame_count, snapshot, write_video
from digits.files import folder_lock
from digits.mnist import default_root, load_arrays

TIMEOUT = 30  # seconds: nothing in this suite may hang
INFO = ("digits: model ", "digits: saved ", "digits: wrote ", "digits: annotated files in ",
        "Speed: ", "digits: interrupted")


def recognize(*args: object, cwd: Path | None = None, env: dict[str, str] | None = None,
              **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "digits", "recognize", "--no-show",
                           *map(str, args)], capture_output=True, text=True, timeout=TIMEOUT,
                          cwd=cwd, env={**os.environ, **(env or {})}, **kw)


def check(proc: subprocess.CompletedProcess[str], code: int, failed: list[str] | int,
          ) -> list[str]:
    """Exit code, no traceback, the `digits: error:` lines (one per failed input, naming
    it, or ``failed`` lines), and nothing else on stderr than our own info lines."""
    assert proc.returncode == code, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    errors = [ln for ln in lines if ln.startswith("digits: error: ")]
    noise = [ln for ln in lines if not ln.startswith(("digits: error: ", *INFO))]
    assert not noise, proc.stderr
    if isinstance(failed, int):
        assert len(errors) == failed, proc.stderr
    else:
        assert len(errors) == len(failed), proc.stderr
        for name in failed:
            assert any(name in e for e in errors), (name, proc.stderr)
    return errors


def refused(proc: subprocess.CompletedProcess[str]) -> str:
    """Exit 2 before anything was read: exactly one stderr line and no stdout."""
    check(proc, 2, 1)
    assert len(proc.stderr.splitlines()) == 1 and proc.stdout == "", proc.stderr
    return proc.stderr


@pytest.fixture(scope="module")
def digit_png(tmp_path_factory) -> Path:
    images, _ = load_arrays(default_root(), train=False)
    path = tmp_path_factory.mktemp("digit") / "seven.png"
    cv2.imwrite(str(path), 255 - cv2.resize(images[0], (112, 112)))
    return path


@pytest.fixture
def photos(tmp_path, digit_png) -> Path:
    """photos/{a,b}.png (a copy of one MNIST digit, big and dark on white)."""
    d = tmp_path / "photos"
    d.mkdir()
    for name in ("a.png", "b.png"):
        (d / name).write_bytes(digit_png.read_bytes())
    return d


# --- kind 1: --save never destroys an original ------------------------------------

@pytest.mark.parametrize("how", ["folder", "file", "glob", "recursive-glob", "dot", "empty",
                                 "via-link"])
def test_save_where_the_inputs_are_is_refused(photos, how) -> None:
    before = snapshot(photos.parent)
    if how == "via-link":
        (photos.parent / "link").symlink_to(photos)
        before = snapshot(photos.parent)
    args = {"folder": [photos, "--save", photos],
            "file": [photos / "a.png", "--save", photos],
            "glob": [f"{photos}/*.png", "--save", photos],
            "recursive-glob": [f"{photos.parent}/**/*.png", "--save", photos / "sub"],
            "dot": ["a.png", "b.png", "--save", "."],
            "empty": ["a.png", "--save", ""],
            "via-link": [photos, "--save", photos.parent / "link"]}[how]
    refused(recognize(*args, cwd=photos))
    assert snapshot(photos.parent) == before


@pytest.mark.parametrize("option", ["--save", "--save-crops"])
def test_output_folder_that_is_a_dangling_link_is_named(tmp_path, photos, option) -> None:
    link = tmp_path / "out"
    link.symlink_to(tmp_path / "gone" / "away")
    line = refused(recognize(photos / "a.png", option, link))
    assert "is a link to" in line and "does not exist" in line, line
    assert link.is_symlink() and not (tmp_path / "gone").exists()


def test_a_link_into_the_save_folder_is_never_read_back(tmp_path, photos) -> None:
    """A recursive glob follows a link to the --save folder: the run read the annotated
    copies it had just written (and the next run those of the run before)."""
    out = tmp_path / "out"
    (photos / "lnk").symlink_to(out, target_is_directory=True)
    for run in (1, 2):
        proc = recognize(f"{photos}/**/*.png", "--save", out, "--json")
        check(proc, 0, [])
        sources = [json.loads(ln)["source"] for ln in proc.stdout.splitlines()]
        assert sorted(Path(s).name for s in sources) == ["a.png", "b.png"], (run, sources)
    assert len(list(out.iterdir())) == 4  # two runs of two annotated copies


@pytest.mark.parametrize("how", ["save-in-crops", "crop-class-is-a-file", "save-is-a-fifo",
                                 "csv-named-as-an-image"])
def test_outputs_that_would_go_wrong_are_refused_first(tmp_path, photos, how) -> None:
    crops = tmp_path / "crops"
    crops.mkdir()
    if how == "crop-class-is-a-file":
        (crops / "7").write_text("the user's notes")
    if how == "save-is-a-fifo":
        os.mkfifo(tmp_path / "fifo")
    before = snapshot(tmp_path)
    args, said = {
        "save-in-crops": (["--save", crops / "7", "--save-crops", crops], "inside --save-crops"),
        "crop-class-is-a-file": (["--save-crops", crops], "is not a folder"),
        "save-is-a-fifo": (["--save", tmp_path / "fifo"], "is not a folder"),
        "csv-named-as-an-image": (["--csv", tmp_path / "result.png"], "named as an image"),
    }[how]
    line = refused(recognize(photos, *args))
    assert said in line, line
    assert snapshot(tmp_path) == before


def test_save_never_replaces_a_file(tmp_path, photos) -> None:
    """Same names from two folders, and a file already in --save: all kept, new names."""
    other = tmp_path / "other"
    other.mkdir()
    (other / "a.png").write_bytes(cv2.imencode(".png", np.full((60, 60, 3), 255, np.uint8))[1])
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.png").write_bytes(b"the user's own file")
    inputs = snapshot(photos, other)
    proc = recognize(photos / "a.png", other / "a.png", photos / "a.png", "--save", out)
    check(proc, 0, [])
    assert snapshot(photos, other) == inputs
    assert (out / "a.png").read_bytes() == b"the user's own file"
    assert sorted(p.name for p in out.iterdir()) == ["a-2.png", "a-3.png", "a-4.png", "a.png"]
    for name in ("a-2.png", "a-3.png", "a-4.png"):
        assert cv2.imread(str(out / name)).shape[:2] in {(112, 112), (60, 60)}


def test_videos_with_one_stem_in_concurrent_runs(tmp_path) -> None:
    """Two runs at once, each with two videos named clip.avi: four complete results."""
    for d in ("x", "y"):
        (tmp_path / d).mkdir()
        write_video(tmp_path / d / "clip.avi", frames=6)
    out = tmp_path / "out"
    out.mkdir()
    cmd = [sys.executable, "-m", "digits", "recognize", "--no-show", tmp_path / "x" /
           "clip.avi", tmp_path / "y" / "clip.avi", "--save", out, "--json"]
    runs = [subprocess.Popen(list(map(str, cmd)), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True) for _ in range(2)]
    for run in runs:
        _, err = run.communicate(timeout=TIMEOUT)
        assert run.returncode == 0, err
    assert sorted(p.name for p in out.iterdir()) == ["clip-2.mp4", "clip-3.mp4", "clip-4.mp4",
                                                     "clip.mp4"]
    assert [frame_count(p) for p in out.iterdir()] == [6] * 4


# --- kind 3: decompression bombs --------------------------------------------------

def _png_bomb(w: int = 16000, h: int = 16000) -> bytes:
    """A real one: the IDAT holds 256 MB of zero rows in ~250 KB."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))
    idat = zlib.compress(b"\x00" * (w + 1) * h, 9)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", idat) + chunk(b"IEND", b""))


def _gif_bomb(w: int = 30000, h: int = 30000) -> bytes:
    """29 bytes: a screen and one frame of w x h (took 7 GB with no limit)."""
    return (b"GIF89a" + struct.pack("<HHBBB", w, h, 0, 0, 0) + b"\x2c"
            + struct.pack("<HHHHB", 0, 0, w, h, 0) + b"\x02\x02\x4c\x01\x00\x3b")


def _webp_bomb(w: int = 16383, h: int = 16383) -> bytes:
    payload = b"\x2f" + struct.pack("<I", (w - 1) | ((h - 1) << 14)) + bytes(16)
    chunk = b"VP8L" + struct.pack("<I", len(payload)) + payload
    return b"RIFF" + struct.pack("<I", 4 + len(chunk)) + b"WEBP" + chunk


def _tiff_bomb(w: int = 20000, h: int = 20000) -> bytes:
    tags = [(256, 4, w), (257, 4, h), (258, 3, 8), (259, 3, 1), (262, 3, 1), (273, 4, 8),
            (277, 3, 1), (278, 4, h), (279, 4, w * h)]
    ifd = struct.pack("<H", len(tags)) + b"".join(
        struct.pack("<HHII", t, 4, 1, v) if kind == 4 else struct.pack("<HHIHH", t, 3, 1, v, 0)
        for t, kind, v in tags) + struct.pack("<I", 0)
    return b"II*\x00" + struct.pack("<I", 8 + 64) + bytes(64) + ifd


def _bmp_bomb(w: int = 20000, h: int = 20000) -> bytes:
    return (b"BM" + struct.pack("<IHHI", 118, 0, 0, 54)
            + struct.pack("<IiiHHIIiiII", 40, w, h, 1, 24, 0, 0, 0, 0, 0, 0) + bytes(64))


def _jpeg_bomb(w: int = 20000, h: int = 20000) -> bytes:
    return (b"\xff\xd8\xff\xc0" + struct.pack(">HBHHB", 11, 8, h, w, 1) + b"\x01\x11\x00"
            + b"\xff\xd9")


def _video_bomb(path: Path) -> bytes:
    """An MJPEG AVI whose headers and frames declare 12000 x 12000 pixels."""
    data = bytearray(write_video(path, frames=3).read_bytes())
    at = 0
    while (at := data.find(b"\xff\xc0\x00\x11\x08", at) + 1) > 0:
        data[at + 4:at + 8] = struct.pack(">HH", 12000, 12000)
    i = data.find(b"avih")
    data[i + 40:i + 48] = struct.pack("<II", 12000, 12000)
    i = data.find(b"strf")
    data[i + 12:i + 20] = struct.pack("<ii", 12000, 12000)
    return bytes(data)


BOMBS = {
    "png": lambda p: _png_bomb(), "jpg": lambda p: _jpeg_bomb(), "bmp": lambda p: _bmp_bomb(),
    "gif": lambda p: _gif_bomb(), "webp": lambda p: _webp_bomb(), "tiff": lambda p: _tiff_bomb(),
    "pgm": lambda p: b"P5\n30000 30000\n255\n" + bytes(64),
    "ppm": lambda p: b"P6\n30000 30000\n255\n" + bytes(64),
    "avi": _video_bomb,
}
MEMORY_CAP = 1 << 30  # address space of the child: a bomb that gets through fails, not the box
MEMORY_MARGIN_MB = 100


def peak_rss_mb(*args: object) -> tuple[subprocess.CompletedProcess[str], float]:
    """Run recognize in a fresh wrapper process (so RUSAGE_CHILDREN is this child's)
    under an address-space cap; its peak resident memory in MB."""
    code = ("import resource, subprocess, sys\n"
            f"cap = {MEMORY_CAP}\n"
            "p = subprocess.run(sys.argv[1:], capture_output=True, text=True, preexec_fn="
            "lambda: resource.setrlimit(resource.RLIMIT_AS, (cap, cap)))\n"
            "sys.stdout.write(p.stdout); sys.stderr.write(p.stderr)\n"
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)\n"
            "sys.exit(p.returncode)")
    proc = subprocess.run([sys.executable, "-c", code, sys.executable, "-m", "digits",
                           "recognize", "--no-show", *map(str, args)],
                          capture_output=True, text=True, timeout=TIMEOUT)
    *rest, peak = proc.stderr.splitlines()
    proc.stderr = "\n".join(rest) + "\n"
    return proc, int(peak) / 1024  # ru_maxrss is in kilobytes on Linux


@pytest.fixture(scope="module")
def baseline_mb(digit_png) -> float:
    proc, peak = peak_rss_mb(digit_png)
    assert proc.returncode == 0, proc.stderr
    return peak


@pytest.mark.parametrize("kind", list(BOMBS))
def test_decompression_bomb_refused_in_memory(tmp_path, digit_png, baseline_mb, kind) -> None:
    bomb = tmp_path / f"bomb.{kind}"
    bomb.write_bytes(BOMBS[kind](tmp_path / "src.avi"))
    proc, peak = peak_rss_mb(bomb, digit_png, "--json")
    errors = check(proc, 1, [bomb.name])
    assert "50 MP" in errors[0]
    assert len(proc.stdout.splitlines()) == 1  # the good image after it was still read
    assert peak < baseline_mb + MEMORY_MARGIN_MB, (peak, baseline_mb)


# --- kind 5: odd inputs never hang or kill the batch ------------------------------

def test_odd_files_are_per_file_errors(tmp_path, digit_png) -> None:
    odd = tmp_path / "odd"
    odd.mkdir()
    os.mkfifo(odd / "fifo.png")
    (odd / "zero.png").symlink_to("/dev/zero")
    (odd / "header.pgm").write_bytes(b"P5\n99999999999999999 5\n255\n")
    (odd / "ok.png").write_bytes(digit_png.read_bytes())
    os.mkfifo(odd / "fifo.mp4")
    before = snapshot(odd)
    for sources in ([odd], [f"{odd}/*"], [odd / "fifo.png", odd / "zero.png",
                                          odd / "header.pgm", odd / "fifo.mp4", odd / "ok.png"]):
        proc = recognize(*sources, "--json")
        check(proc, 1, ["fifo.png", "zero.png", "header.pgm", "fifo.mp4"])
        assert [Path(json.loads(ln)["source"]).name for ln in proc.stdout.splitlines()] == [
            "ok.png"]
    assert snapshot(odd) == before


def test_recursive_glob_through_symlink_loops(tmp_path, digit_png) -> None:
    tree = tmp_path / "tree"
    (tree / "a" / "b").mkdir(parents=True)
    (tree / "a" / "b" / "up").symlink_to("../..")
    (tree / "a" / "b" / "up2").symlink_to("..")
    (tree / "a" / "b" / "x.png").write_bytes(digit_png.read_bytes())
    (tree / "y.png").write_bytes(digit_png.read_bytes())
    proc = recognize(f"{tree}/**/*.png", "--json")
    check(proc, 0, [])
    names = [json.loads(ln)["source"] for ln in proc.stdout.splitlines()]
    assert names == [str(tree / "y.png"), str(tree / "a" / "b" / "x.png")]


def test_video_with_a_non_utf8_name_is_read_and_saved(tmp_path) -> None:
    name = os.fsdecode(b"clip-\xff.avi")
    write_video(tmp_path / "clip.avi", frames=4).rename(tmp_path / name)
    out = tmp_path / "out"
    proc = recognize(tmp_path / name, "--json", "--save", out)
    check(proc, 0, [])
    assert [json.loads(ln)["frame"] for ln in proc.stdout.splitlines()] == [0, 1, 2, 3]
    saved = list(out.iterdir())
    assert [p.name for p in saved] == [os.fsdecode(b"clip-\xff.mp4")]
    assert frame_count(saved[0].rename(out / "clip.mp4")) == 4  # OpenCV needs UTF-8 names


def test_a_video_read_that_is_killed_leaves_no_temporary_folder(tmp_path) -> None:
    """Only a non-UTF-8 name needs a temporary folder (for a link OpenCV can open): a
    killed run cannot clean up, so reading any other video must not make one."""
    video = write_video(tmp_path / "clip.avi", frames=2000)
    temp = tmp_path / "temp"
    temp.mkdir()
    proc = subprocess.Popen([sys.executable, "-m", "digits", "recognize", "--no-show",
                             "--json", str(video)], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True,
                            env={**os.environ, "TMPDIR": str(temp)})
    try:
        assert json.loads(proc.stdout.readline())["frame"] == 0
    finally:
        proc.kill()
        proc.communicate(timeout=TIMEOUT)
    assert [p.name for p in temp.iterdir() if p.name.startswith("digits")] == []


# --- kind 8: save failures --------------------------------------------------------

def test_unwritable_save_refused_before_reading(tmp_path, photos) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    before = snapshot(tmp_path)
    refused(recognize(photos, "--save", blocker / "out"))
    assert snapshot(tmp_path) == before


def test_long_names_save_or_fail_per_file(tmp_path, digit_png) -> None:
    """A legal 250-byte name saves (its temporary name is short); a 252-byte .pgm would
    need 256 bytes as .png: that one file fails, the batch goes on."""
    src = tmp_path / "src"
    src.mkdir()
    long_png = src / ("x" * 246 + ".png")
    long_png.write_bytes(digit_png.read_bytes())
    long_pgm = src / ("y" * 248 + ".pgm")
    cv2.imwrite(str(long_pgm), cv2.imread(str(digit_png), cv2.IMREAD_GRAYSCALE))
    out = tmp_path / "out"
    proc = recognize(long_pgm, long_png, "--save", out)
    check(proc, 1, [long_pgm.name])
    assert [p.name for p in out.iterdir()] == [long_png.name]


# --- kinds 13, 15, 16: names, option values, noise and lost output ----------------

def test_non_utf8_image_name_on_a_strict_utf8_terminal(tmp_path, digit_png) -> None:
    name = os.fsdecode(b"photo-\xe9.png")
    (tmp_path / name).write_bytes(digit_png.read_bytes())
    env = {"PYTHONIOENCODING": "utf-8:strict", "LC_ALL": "C.UTF-8"}
    proc = recognize(tmp_path, tmp_path / "missing-\udce9.png", env=env)
    check(proc, 1, ["missing-"])
    assert "photo-\\udce9.png: 7" in proc.stdout


@pytest.mark.parametrize("args", [["--min-confidence", "nan"], ["--min-confidence", "inf"],
                                  ["--camera", "-1"], ["--stride", "0"], [""],
                                  ["--camera", "0", "x.png"]])
def test_bad_option_values(tmp_path, args) -> None:
    refused(recognize(*args, *(["x.png"] if args[0].startswith("--m") else []), cwd=tmp_path))
    assert list(tmp_path.iterdir()) == []


def test_decoder_noise_is_not_printed(tmp_path, digit_png) -> None:
    """libpng warnings (a bad chunk CRC) and OpenCV's AVI parser messages stay off stderr."""
    data = digit_png.read_bytes()
    text = struct.pack(">I", 3) + b"tEXtk\x00v" + b"\x00\x00\x00\x00"  # wrong CRC
    (tmp_path / "crc.png").write_bytes(data[:33] + text + data[33:])
    video = write_video(tmp_path / "v.avi").read_bytes()
    (tmp_path / "cut.avi").write_bytes(video[:3000])
    proc = recognize(tmp_path / "crc.png", tmp_path / "cut.avi")
    check(proc, 1, ["cut.avi"])


def test_closed_or_full_stdout_is_an_error(digit_png) -> None:
    proc = subprocess.run([sys.executable, "-m", "digits", "recognize", str(digit_png)],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                          timeout=TIMEOUT, preexec_fn=lambda: os.close(1))
    refused(subprocess.CompletedProcess(proc.args, proc.returncode, "", proc.stderr))
    with open("/dev/full", "w") as full:
        proc = subprocess.run([sys.executable, "-m", "digits", "recognize", "--no-show",
                               str(digit_png)], stdout=full, stderr=subprocess.PIPE, text=True,
                              timeout=TIMEOUT)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert sum(ln.startswith("digits: error:") for ln in proc.stderr.splitlines()) == 1


# --- kind 12: SIGTERM during a video --save ---------------------------------------

@pytest.mark.parametrize("sigs", [[signal.SIGTERM], [signal.SIGINT],
                                  [signal.SIGTERM, signal.SIGTERM],
                                  [signal.SIGINT, signal.SIGHUP]],
                         ids=["TERM", "INT", "TERM-TERM", "INT-HUP"])
def test_signal_during_video_save(tmp_path, sigs) -> None:
    """Interrupted mid-video, the frames read are in the published video, none other, and
    no temporary file is left; a second signal 0.5 ms later lets that clean-up finish (a
    second SIGTERM killed the process: temporary videos left, 11 of 15 tries)."""
    video = write_video(tmp_path / "long.avi", frames=600, size=(320, 240))
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "digits", "recognize", "--no-show", str(video),
                             "--json", "--save", str(out)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, bufsize=0)
    assert proc.stdout is not None
    # Unbuffered: readline takes one line only; communicate() reads the pipe itself, so
    # lines a buffered readline had taken ahead would be lost from the count.
    # Ten frames through: the writer is open and the run is mid-video (a fixed sleep here
    # assumed a speed; the 600 frames take about a second on a quiet machine).
    first = [proc.stdout.readline() for _ in range(10)]
    assert [json.loads(line)["frame"] for line in first] == list(range(10))
    for sig in sigs:
        proc.send_signal(sig)
        time.sleep(0.0005)
    rest, err_bytes = proc.communicate(timeout=TIMEOUT)
    err = err_bytes.decode()
    done = len(first) + len(rest.splitlines())
    assert proc.returncode in [128 + sig for sig in sigs], err
    assert "Traceback" not in err and "digits: interrupted" in err
    files = list(out.iterdir())
    assert [p.name for p in files] == ["long.mp4"]  # no temporary file left
    assert frame_count(files[0]) == done


def test_three_signals_at_once_leave_no_temporary_video(tmp_path) -> None:
    """INT, TERM and HUP at once (a user's Ctrl-C, a supervisor's SIGTERM, the terminal
    closing): the third cuts the clean-up short wherever it lands, even before the
    videos' publishing has begun (temporary videos left, 1 of 15 tries); what is not
    published is removed at exit."""
    videos = [write_video(tmp_path / f"v{i}.avi", frames=300, size=(320, 240))
              for i in range(3)]
    out = tmp_path / "out"
    for _ in range(3):
        proc = subprocess.Popen([sys.executable, "-m", "digits", "recognize", "--no-show",
                                 *map(str, videos), "--json", "--save", str(out)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0)
        assert proc.stdout is not None
        assert json.loads(proc.stdout.readline())["frame"] == 0
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            proc.send_signal(sig)
        _, err = proc.communicate(timeout=TIMEOUT)
        assert proc.returncode in (129, 130, 143) and b"Traceback" not in err, err
        assert not [p.name for p in out.iterdir() if p.name.startswith(".")]


def test_three_signals_at_once_leave_no_temporary_image(tmp_path) -> None:
    """INT, TERM and HUP at once while a folder's annotated copies and a CSV are written:
    the third landed between a temporary file's creation and the code that removes it in
    15 of 45 runs (a hidden ".NAME.RANDOM.tmp" left); the exit removes it now."""
    photos = tmp_path / "in"
    photos.mkdir()
    for k in range(120):
        image = np.full((120, 160, 3), 220, np.uint8)
        cv2.putText(image, str(k % 100), (20, 90), cv2.FONT_HERSHEY_SIMPLEX, 2.5, (0, 0, 0), 6)
        cv2.imwrite(str(photos / f"i{k:03d}.png"), image)
    for run in range(4):
        out, csv = tmp_path / f"out{run}", tmp_path / f"r{run}.csv"
        proc = subprocess.Popen([sys.executable, "-m", "digits", "recognize", "--no-show",
                                 str(photos), "--json", "--save", str(out), "--csv", str(csv)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0)
        assert proc.stdout is not None
        for _ in range(1 + 2 * run):
            assert json.loads(proc.stdout.readline())["text"] is not None
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            proc.send_signal(sig)
        _, err = proc.communicate(timeout=TIMEOUT)
        assert proc.returncode in (129, 130, 143) and b"Traceback" not in err, err
        hidden = [p.name for folder in (out, tmp_path) for p in folder.iterdir()
                  if p.name.startswith(".")]
        assert not hidden


def test_videos_cut_short_while_published_leave_no_temporary_file(tmp_path,
                                                                  monkeypatch) -> None:
    """A third signal may cut the clean-up while the videos are published: those not yet
    published were left as hidden temporary files (7 of 15 tries of INT, TERM, HUP sent
    back to back). They are removed; the one already published stays."""
    from digits.runtime import outputs
    from digits.runtime.sources import Frame

    saver = outputs.Saver(tmp_path)
    image = np.full((48, 64, 3), 200, np.uint8)
    for source in ("a.avi", "b.avi", "c.avi"):
        for i in range(3):
            saver.save(Frame(source, i, image, fps=10.0), image)
    assert len(list(tmp_path.iterdir())) == 3  # the temporary videos
    publish = outputs.publish_new
    published: list[Path] = []

    def publish_once(tmp: Path, final: Path) -> Path:
        if published:
            raise KeyboardInterrupt  # the third signal, in the second video's publishing
        published.append(publish(tmp, final))
        return published[-1]

    monkeypatch.setattr(outputs, "publish_new", publish_once)
    with pytest.raises(KeyboardInterrupt):
        saver.close()
    assert [p.name for p in tmp_path.iterdir()] == ["a.mp4"] and frame_count(published[0]) == 3


def test_writes_cut_as_their_temporary_files_are_made_leave_none(tmp_path,
                                                                  monkeypatch) -> None:
    """A signal between a temporary file's creation and the ``try`` that removes it
    (INT, TERM and HUP at once: an annotated image's in 15 of 45 runs, a video's in 1 of
    45) left the hidden file: what the process made and never renamed is removed at
    exit, found by its run's mark; another run's temporary file and a backup of an old
    file (``.old``, maybe its only copy) stay."""
    from digits import files
    from digits.runtime import outputs
    from digits.runtime.sources import Frame

    made = files.temp_file

    def cut_after(*args, **kwargs):  # the third signal, as the file was just made
        made(*args, **kwargs)
        raise KeyboardInterrupt

    monkeypatch.setattr(files, "temp_file", cut_after)
    monkeypatch.setattr(outputs, "temp_file", cut_after)
    saver = outputs.Saver(tmp_path)
    image = np.full((48, 64, 3), 200, np.uint8)
    with pytest.raises(KeyboardInterrupt):
        saver.save(Frame("a.avi", 0, image, fps=10.0), image)
    with pytest.raises(KeyboardInterrupt):
        saver.save(Frame("b.png", None, image), image)
    assert sorted(p.name[:3] for p in tmp_path.iterdir()) == [".a.", ".b."]
    other = tmp_path / ".a.x1y2z3.00000000.tmp.mp4"  # another run's, in progress
    other.write_bytes(b"")
    backup = tmp_path / f".c.x1y2z3.{files.RUN_MARK}.old"  # ours, an old file's copy
    backup.write_bytes(b"")
    files.remove_unrenamed()  # what the exit runs
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([other.name, backup.name])


def test_a_forked_child_leaves_its_parents_temporary_files(tmp_path) -> None:
    """A program that forks after a write began: the child's exit (which removes the
    temporary files its process never renamed) must not take its parent's, still being
    written; the child marks its own with a mark of its own."""
    from digits import files

    fd, tmp = files.temp_file(tmp_path, "parent")
    os.close(fd)
    pid = os.fork()
    if pid == 0:  # the child: its exit's clean-up, then out without pytest's own
        code = 0
        try:
            cfd, child_tmp = files.temp_file(tmp_path, "child")
            os.close(cfd)
            files.remove_unrenamed()
            code = 0 if not child_tmp.exists() and tmp.exists() else 1
        finally:
            os._exit(code)
    deadline = time.monotonic() + TIMEOUT
    while (done := os.waitpid(pid, os.WNOHANG))[0] == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    if done[0] == 0:  # a child stuck on a lock another thread held at the fork
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    assert done[0] == pid and os.waitstatus_to_exitcode(done[1]) == 0
    assert [p.name for p in tmp_path.iterdir()] == [tmp.name]


def test_a_signal_while_decoding_waits_for_stderr_to_come_back() -> None:
    """Decoders run with file descriptor 2 on /dev/null; a Ctrl-C landing inside that
    block is raised after it, once stderr is back, so "digits: interrupted" is seen
    (a KeyboardInterrupt in contextlib's exit once left stderr silenced for good)."""
    code = textwrap.dedent("""
        import os, signal, sys
        from digits.cli import _Signals
        from digits.runtime.sources import quiet_stderr
        _Signals.install()
        try:
            with quiet_stderr():
                os.kill(os.getpid(), signal.SIGINT)
                print("block finished", flush=True)
        except KeyboardInterrupt:
            os.write(2, b"stderr is back\\n")
    """)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=TIMEOUT)
    assert (r.stdout, r.stderr) == ("block finished\n", "stderr is back\n")



def _signals_script(body: str) -> subprocess.CompletedProcess:
    code = "import os, signal, time\nfrom digits.cli import _Signals, _exit, committing\n"
    code += "_Signals.install()\n" + textwrap.dedent(body)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=TIMEOUT)


def test_a_signal_while_a_result_is_committed_waits_and_no_longer_interrupts() -> None:
    """Ctrl-C or SIGTERM while an export's files are renamed into place waits for the
    renames; once they are done the work is done: exit 0 with the new files, not 130."""
    r = _signals_script("""
        with committing():
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.05)
            print("renamed", flush=True)
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(0.05)
        print("done", flush=True)
        _exit(0)
    """)
    assert (r.returncode, r.stdout, r.stderr) == (0, "renamed\ndone\n", "")


def test_a_signal_while_a_failing_commit_runs_is_reported_as_the_interruption() -> None:
    """The renames failed: the signal is recorded (``main`` reports the failure as the
    interruption, 130) and Ctrl-C still interrupts."""
    r = _signals_script("""
        try:
            with committing():
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(0.05)
                raise OSError("disk full")
        except OSError:
            print(_Signals.received == signal.SIGINT, flush=True)
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.05)
    """)
    assert (r.returncode, r.stdout) == (-signal.SIGINT, "True\n")  # the second Ctrl-C


def test_two_sigterms_while_a_result_is_committed_both_wait() -> None:
    """A second SIGTERM while the renames run waits too: killed there, it left a
    temporary file, or the new files behind exit status 143."""
    r = _signals_script("""
        with committing():
            os.kill(os.getpid(), signal.SIGTERM)
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.05)
            print("renamed", flush=True)
        _exit(0)
    """)
    assert (r.returncode, r.stdout, r.stderr) == (0, "renamed\n", "")


def test_a_failure_after_a_commit_is_itself_not_the_interruption() -> None:
    """Ctrl-C to a pipeline while the files are renamed also ends the program reading
    stdout: the write that then fails is that error (exit 1), not an interruption (130,
    which says the old files are in place)."""
    r = _signals_script("""
        with committing():
            os.kill(os.getpid(), signal.SIGINT)
        print(_Signals.received, flush=True)
    """)
    assert (r.returncode, r.stdout) == (0, "None\n")


def test_a_second_ctrl_c_lets_the_clean_up_finish_and_a_third_cuts_it_short() -> None:
    """Ctrl-C pressed twice, ms apart: the second one cut the clean-up the first had
    started (a video's or a checkpoint's writing: temporary files left, no resume hint).
    It now waits; a third interrupts the clean-up (one that hangs is not unstoppable)."""
    r = _signals_script("""
        try:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(5)
        except KeyboardInterrupt:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.05)
            print("cleaned up", flush=True)
            try:
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(5)
            except KeyboardInterrupt:
                raise SystemExit(7)  # cut short (stdout, a pipe, is dropped: FORCE)
    """)
    assert (r.returncode, r.stdout) == (7, "cleaned up\n")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_during_an_import_interrupts_after_it(tmp_path, sig) -> None:
    """A KeyboardInterrupt raised inside an import that a C++ extension runs (torch
    importing numpy) was swallowed by torch, the command running on to its end, or
    aborted the process (SIGABRT, a stack dump): the signal now waits for the import's
    end. Here the module signals itself halfway through its own import."""
    (tmp_path / "slow_module.py").write_text(
        f"import os, time\nos.kill(os.getpid(), {int(sig)})\ntime.sleep(0.2)\nWHOLE = True\n")
    r = _signals_script(f"""
        import sys
        sys.path.insert(0, {str(tmp_path)!r})
        try:
            import slow_module
            time.sleep(5)
            print("not interrupted", flush=True)
        except KeyboardInterrupt:
            print("slow_module" in sys.modules, flush=True)
    """)
    assert (r.returncode, r.stdout, r.stderr) == (0, "True\n", "")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_while_the_cli_is_imported_is_an_interruption(sig) -> None:
    """Ctrl-C in the ~50 ms the command's modules take to import, before main() sets its
    handlers, printed a KeyboardInterrupt traceback (5 of 5 tries at 10-50 ms); SIGTERM
    killed the process. ``digits.__main__`` notes them from its first line. Here the
    signal comes as click is imported."""
    code = textwrap.dedent(f"""
        import os, sys
        class SignalOnClick:
            def find_spec(self, name, path=None, target=None):
                if name == "click":
                    os.kill(os.getpid(), {int(sig)})
        sys.meta_path.insert(0, SignalOnClick())
        sys.argv = ["digits", "checks"]
        from digits.__main__ import run
        run()
    """)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=TIMEOUT)
    assert (r.returncode, r.stdout, r.stderr) == (128 + sig, "", "digits: interrupted\n")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_that_also_ends_the_pipe_reader_keeps_its_exit_status(sig) -> None:
    """Ctrl-C to `digits ... 2>&1 | tee log` ends tee too: the "interrupted" line then
    failed to write, and the process ended with 1, not 130."""
    r = _signals_script(f"""
        from digits.cli import _interrupted
        read, write = os.pipe()
        os.close(read)  # tee has ended
        os.dup2(write, 1)
        os.dup2(write, 2)
        try:
            os.kill(os.getpid(), {int(sig)})
            time.sleep(5)
        except KeyboardInterrupt:
            _interrupted()
    """)
    assert r.returncode == 128 + sig


@pytest.mark.parametrize("stderr", ["file", "same pipe"])
def test_a_third_signal_ends_a_run_whose_stdout_reader_stopped_reading(tmp_path,
                                                                       stderr) -> None:
    """`digits recognize video --json | reader` where the reader stopped reading without
    ending: a record's write waits for ever, with signals held (a record is out whole or
    not at all), and Ctrl-C, SIGTERM and SIGHUP all waited with it: only SIGKILL ended
    the run, leaving a hidden temporary video. The third signal cuts the write; the
    clean-up still publishes the video, and what it would say to that pipe, stdout's or
    stderr's (`2>&1`), is dropped (it waited again: five signals were needed)."""
    video = write_video(tmp_path / "long.avi", frames=1500)
    out = tmp_path / "out"
    read, write = os.pipe()
    with (tmp_path / "stderr").open("w+") as err:
        proc = subprocess.Popen([sys.executable, "-m", "digits", "recognize", "--no-show",
                                 str(video), "--json", "--save", str(out)],
                                stdout=write, stderr=err if stderr == "file" else write)
        try:
            _wait_in_kernel(proc, "pipe")  # the pipe is full: a record's write waits
            _fill(write)  # to the last byte: no line of the clean-up's fits either
            for _ in range(3):
                proc.send_signal(signal.SIGINT)
                time.sleep(0.2)
            rc = proc.wait(TIMEOUT)
            os.set_blocking(read, False)
            said = os.read(read, 1 << 20).decode(errors="replace")
        finally:
            proc.kill()  # a run still waiting fails the test, not the suite
            os.close(read)
            os.close(write)
        err.seek(0)
        said += err.read()
    assert rc == 130 and "Traceback" not in said, said
    assert [p.name for p in out.iterdir()] == ["long.mp4"]  # no temporary file left
    assert frame_count(out / "long.mp4") > 0


def _fill(fd: int) -> None:
    """Write to the pipe ``fd`` until it is full, without blocking, through a file
    description of its own (O_NONBLOCK on ``fd``'s would reach the run's writes too)."""
    own = os.open(f"/proc/self/fd/{fd}", os.O_WRONLY | os.O_NONBLOCK)
    try:
        while True:
            os.write(own, b"x")
    except BlockingIOError:
        pass
    finally:
        os.close(own)


def _wait_in_kernel(proc: subprocess.Popen, where: str) -> None:
    """Return once ``proc`` waits in a kernel function whose name holds ``where`` ("pipe":
    a write to a full pipe, "lock": flock), read from /proc (Linux); else after 1 s."""
    wchan = Path(f"/proc/{proc.pid}/wchan")
    deadline = time.monotonic() + TIMEOUT
    while True:
        try:
            if where in wchan.read_text():
                return
        except OSError:
            time.sleep(1)
            return
        assert proc.poll() is None and time.monotonic() < deadline, f"never waits on {where}"
        time.sleep(0.01)


def test_a_third_signal_ends_a_line_that_waits_on_a_full_stderr() -> None:
    """The "interrupted" line written to a stderr pipe that is full and not read waits;
    the third signal ends the wait, the line is lost, and the exit status stays 130 (the
    KeyboardInterrupt escaped: a traceback into that pipe, killed by SIGINT)."""
    code = textwrap.dedent("""
        import fcntl, os, signal, sys, time
        from digits.cli import _Signals, _interrupted
        read, write = os.pipe()
        fcntl.fcntl(write, fcntl.F_SETFL, os.O_NONBLOCK)
        try:
            while True:
                os.write(write, b"x" * 4096)
        except BlockingIOError:
            pass  # full
        fcntl.fcntl(write, fcntl.F_SETFL, 0)
        os.dup2(write, 2)
        _Signals.install()
        print("full", flush=True)
        try:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(5)
        except KeyboardInterrupt:
            _interrupted()
    """)
    with subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                          text=True) as proc:
        try:
            assert proc.stdout is not None and proc.stdout.readline() == "full\n"
            _wait_in_kernel(proc, "pipe")  # the line waits on the full pipe
            for _ in range(2):
                proc.send_signal(signal.SIGINT)
                time.sleep(0.2)
            assert proc.wait(TIMEOUT) == 130
        finally:
            proc.kill()


def test_an_export_waiting_for_another_is_interrupted_at_once(tmp_path) -> None:
    """An export whose --out folder another export holds (its lock) waits for it; Ctrl-C
    then waited too, signals being held for the whole replacement of the files. Only
    the renames hold them now: the wait ends at once, no temporary file left."""
    (tmp_path / "digits.onnx").write_bytes(b"old")
    code = textwrap.dedent("""
        import sys
        from pathlib import Path
        from digits.cli import _Signals, _interrupted, committing
        from digits.files import replace_set
        _Signals.install()
        print("ready", flush=True)
        try:
            replace_set({Path(sys.argv[1]) / "digits.onnx": b"new"}, commit=committing)
        except KeyboardInterrupt:
            _interrupted()
    """)
    with folder_lock(tmp_path), subprocess.Popen(
            [sys.executable, "-c", code, str(tmp_path)], stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True) as proc:
        try:
            assert proc.stdout is not None and proc.stdout.readline() == "ready\n"
            _wait_in_kernel(proc, "lock")  # it waits for the lock
            proc.send_signal(signal.SIGINT)
            assert proc.wait(TIMEOUT) == 130
        finally:
            proc.kill()
    assert [(p.name, p.read_bytes()) for p in tmp_path.iterdir()] == [("digits.onnx", b"old")]


def test_a_csv_is_written_where_stderr_is_gone(tmp_path) -> None:
    """Ctrl-C to `digits recognize ... --save out --csv read.csv 2>&1 | tee log` ends tee
    too: "digits: saved ..." then failed before the CSV was written, and no CSV was left.
    The files are written first; the lines come after, and are lost."""
    video = write_video(tmp_path / "long.avi", frames=600, size=(320, 240))
    proc = subprocess.Popen([sys.executable, "-m", "digits", "recognize", "--no-show",
                             str(video), "--json", "--save", str(tmp_path / "out"), "--csv",
                             str(tmp_path / "read.csv")], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, bufsize=0)
    assert proc.stdout is not None and proc.stderr is not None
    assert [json.loads(proc.stdout.readline())["frame"] for _ in range(10)] == list(range(10))
    proc.stderr.close()  # tee has ended
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == 130
    assert (tmp_path / "read.csv").read_text().startswith("source,")
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["long.mp4"]


def test_a_signal_while_the_interpreter_shuts_down_leaves_the_exit_status() -> None:
    """A signal that lands after the exit status is decided (here: in an atexit
    function) neither kills the process (-2) nor prints a traceback."""
    r = _signals_script("""
        import atexit
        atexit.register(lambda: (os.kill(os.getpid(), signal.SIGINT), time.sleep(0.05)))
        _exit(0)
    """)
    assert (r.returncode, r.stderr) == (0, "")

# --- kind 13: no output file replaces anything (--csv, evaluate --plot) -------------

@pytest.mark.parametrize("target", ["input", "existing", "read-only", "symlink", "dangling",
                                    "fifo", "folder", "save-output", "save-folder", "empty"])
def test_csv_never_replaces_anything(tmp_path, photos, target) -> None:
    """--csv onto an input, an existing or read-only file, a link, a FIFO, a folder, a
    name an annotated copy takes, or "": refused before reading, nothing changed."""
    keep = photos / "keep.csv"
    keep.write_text("the user's own table\n")
    if target == "read-only":
        keep.chmod(0o444)
    (photos / "link.csv").symlink_to(keep)
    (photos / "dangling.csv").symlink_to(photos / "nowhere")
    os.mkfifo(photos / "pipe.csv")
    (photos / "dir.csv").mkdir()
    out = tmp_path / "out"
    csv_path = {"input": photos / "a.png", "existing": keep, "read-only": keep,
                "symlink": photos / "link.csv", "dangling": photos / "dangling.csv",
                "fifo": photos / "pipe.csv", "folder": photos / "dir.csv",
                "save-output": out / "a.png", "save-folder": out, "empty": ""}[target]
    before = snapshot(tmp_path)
    message = refused(recognize(photos / "a.png", "--save", out, "--csv", csv_path))
    assert "--csv" in message
    assert "is empty" in message if target == "empty" else "is empty" not in message
    assert snapshot(tmp_path) == before  # not even the --save folder was made


def test_csv_is_written_as_a_new_file(tmp_path, photos) -> None:
    csv_path = tmp_path / "digits.csv"
    check(recognize(photos, "--csv", csv_path), 0, [])
    assert csv_path.read_text().startswith("source,frame,line,number,")
    refused(recognize(photos, "--csv", csv_path))  # a second run: the file now exists


@pytest.mark.parametrize("target", ["model", "existing", "empty"])
def test_evaluate_plot_never_replaces_anything(tmp_path, onnx_model, target) -> None:
    model = tmp_path / "m.onnx"
    model.write_bytes(onnx_model.read_bytes())
    (tmp_path / "old.png").write_bytes(b"the user's plot")
    plot = {"model": model, "existing": tmp_path / "old.png", "empty": ""}[target]
    before = snapshot(tmp_path)
    proc = subprocess.run([sys.executable, "-m", "digits", "evaluate", "--model", str(model),
                           "--plot", str(plot)], capture_output=True, text=True,
                          timeout=TIMEOUT)
    message = refused(proc)
    assert "--plot" in message and ("is empty" in message) == (target == "empty")
    assert snapshot(tmp_path) == before


# --- kind 14: a large 16-bit RGBA image costs no whole-image float copies -----------

def _png16_rgba(w: int, h: int) -> bytes:
    """A 16-bit RGBA PNG of w x h transparent pixels, ~35 bytes a row (fast zlib level)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    z, row = zlib.compressobj(1), b"\x00" + bytes(w * 8)
    rows = b"".join(z.compress(row) for _ in range(h)) + z.flush()
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 16, 6, 0, 0, 0))
            + chunk(b"IDAT", rows) + chunk(b"IEND", b""))


# A 4000x4000 16-bit RGBA image is 128 MB decoded; its uint8 BGRA and BGR copies add
# 112 MB. The float64 conversion it had peaked ~715 MB above the baseline (measured:
# 865 MB vs 420 MB now, one run each); 400 MB is between the two.
RGBA16_MARGIN_MB = 400


def test_16bit_rgba_image_is_converted_without_float_copies(tmp_path, digit_png,
                                                            baseline_mb) -> None:
    big = tmp_path / "big.png"
    big.write_bytes(_png16_rgba(4000, 4000))
    proc, peak = peak_rss_mb(big, digit_png, "--json")
    check(proc, 0, [])
    assert len(proc.stdout.splitlines()) == 2
    assert peak < baseline_mb + RGBA16_MARGIN_MB, (peak, baseline_mb)


def test_out_of_memory_is_a_per_file_error(tmp_path, digit_png) -> None:
    """Under a cap the 49 MP image cannot be decoded within: that file fails, in one
    line, and the image after it is still read."""
    big = tmp_path / "big.png"
    big.write_bytes(_png16_rgba(7000, 7000))
    proc, _ = peak_rss_mb(big, digit_png, "--json")
    check(proc, 1, ["big.png: not enough memory"])
    assert [json.loads(ln)["source"] for ln in proc.stdout.splitlines()] == [str(digit_png)]


# --- kind 15: odd values and names are one-line errors, never tracebacks ----------

@pytest.mark.parametrize("args", [["--roi", "1e309,0,10,10"], ["--roi", "inf,0,10,10"],
                                  ["--roi", "0,0,1e400,10"], ["--camera", "²"],
                                  ["--camera", "①"], ["--camera", "-²"]])
def test_non_finite_roi_and_unicode_camera(tmp_path, digit_png, args) -> None:
    proc = recognize(*args, *([] if args[0] == "--camera" else [digit_png]))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("digits: error: ")]
    assert len(errors) == 1, proc.stderr


@pytest.mark.parametrize("args", [["--max-upload-mb", "inf"], ["--max-upload-mb", "nan"],
                                  ["--timeout", "nan"], ["--timeout", "inf"],
                                  ["--min-confidence", "nan"]])
def test_serve_refuses_non_finite_values(args) -> None:
    proc = subprocess.run([sys.executable, "-m", "digits", "serve", "--port", "0", *args],
                          capture_output=True, text=True, timeout=TIMEOUT)
    assert "not a finite number" in refused(proc)


def test_a_file_that_becomes_a_folder_is_a_per_file_error(tmp_path, digit_png) -> None:
    """What a folder gives when opened: the reason, for that file, and the batch goes on
    (a file swapped for a folder mid-run reaches the same read)."""
    from digits.runtime.sources import _read_bounded

    assert "a folder" in str(_read_bounded(tmp_path, 1 << 20))
    (tmp_path / "b.png").mkdir()
    proc = recognize(tmp_path / "b.png", digit_png, "--json")
    check(proc, 1, ["b.png"])
    assert len(proc.stdout.splitlines()) == 1


def test_a_name_with_a_newline_gives_one_error_line(tmp_path) -> None:
    bad = tmp_path / "two\nlines.png"
    bad.write_bytes(b"not an image")
    proc = recognize(bad)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("digits: error: ")]
    assert errors == [f"digits: error: {tmp_path}/two\\nlines.png: not a decodable image "
                      "(corrupt, truncated or not an image)"], proc.stderr
    assert len(proc.stderr.splitlines()) == 2  # and the model line


def test_reader_api_errors_are_digits_errors(onnx_model, tmp_path) -> None:
    from digits.errors import DigitsError, UnreadableInput
    from digits.runtime.reader import Reader

    reader = Reader(onnx_model)
    for path in ("", ".", "  ", tmp_path):
        with pytest.raises(UnreadableInput):
            reader.read(path)
    for roi in ("inf,0,1,1", "0,0,1e309,5", "nan,0,1,1"):
        with pytest.raises(DigitsError):
            Reader(onnx_model, rois=[roi])


# --- kind 16: a frame of thousands of ink regions is refused, not read for minutes ---

def test_too_many_ink_regions_is_a_per_file_error(tmp_path, digit_png) -> None:
    """A 17 MP PNG of 10,000 printed 8s once took 119 s and 1 GB: above MAX_INK_REGIONS
    the frame is one failed input, at once; the rest are read."""
    from digits.runtime.tuning import MAX_INK_REGIONS

    rng = np.random.default_rng(0)
    rows, cols = 60, 9  # a table of 540 five-digit numbers: ~2,700 regions, 2430x1190
    table = np.full((rows * 40 + 30, cols * 130 + 20), 255, np.uint8)
    for i in range(rows):
        for j in range(cols):
            cv2.putText(table, "".join(map(str, rng.integers(0, 10, 5))),
                        (10 + j * 130, 36 + i * 40), cv2.FONT_HERSHEY_SIMPLEX, 0.9, 0, 2)
    grid = tmp_path / "table.png"
    cv2.imwrite(str(grid), table)
    assert MAX_INK_REGIONS < 2500
    t0 = time.monotonic()
    proc = recognize(grid, digit_png, "--json")
    errors = check(proc, 1, ["table.png: too many ink regions"])
    assert f"at most {MAX_INK_REGIONS}" in errors[0] and "crop or downscale" in errors[0]
    assert [json.loads(ln)["source"] for ln in proc.stdout.splitlines()] == [str(digit_png)]
    assert time.monotonic() - t0 < 8
