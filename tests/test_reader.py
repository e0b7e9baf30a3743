"""The Python API (`from digits import Reader`) and the record it shares with `digits
recognize --json`: real files, real sessions, the CLI as a subprocess; lines, numbers and
decimal points on drawn and generated frames; regions of interest; CSV; stdin; a live
MJPEG stream over HTTP that dies mid-run."""

from __future__ import annotations

import csv
import http.server
import json
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import cv2
import numpy as np
import pytest

from conftest import assert_one_line_error, run_cli
from digits.errors import ImageTooLarge, UnreadableInput
from digits.mnist import default_root, load_arrays
from digits.runtime.reader import Digit, Reader, Roi, structure
from digits.scenes import generate


@pytest.fixture(scope="module")
def reader(onnx_model) -> Reader:
    return Reader(onnx_model, device="cpu")


@pytest.fixture(scope="module")
def glyphs(reader) -> dict[int, np.ndarray]:
    """One MNIST test image per label that the model reads right on its own, as ink in
    [0,1] (the first such of each label: real handwriting, not chosen to be easy)."""
    images, labels = load_arrays(default_root(), train=False)
    out: dict[int, np.ndarray] = {}
    for image, label in zip(images, labels, strict=True):
        if int(label) in out:
            continue
        if reader.read(255 - image).text == str(label):
            out[int(label)] = image.astype(np.float32) / 255
        if len(out) == 10:
            return out
    raise AssertionError("MNIST test set lacks a readable digit of some label")


def page(glyphs, items, size=(480, 640)) -> np.ndarray:
    """Dark ink on light paper, BGR. items: (text, x, y, height) rows: x, y the top-left
    of the first digit in pixels, height the digits' ink height. A digit is followed by a
    gap of 0.25 height; " " widens it to 1.45 height; "." widens it to 0.7 height with a
    dot on the baseline midway."""
    canvas = np.full((*size, 3), 235.0)
    pen = np.array([120.0, 40.0, 20.0])
    for text, x, y, height in items:
        for ch in text:
            if ch == " ":
                x += int(1.2 * height)
            elif ch == ".":
                r = max(2, height // 12)
                cv2.circle(canvas, (x + int(0.1 * height), y + height - r), r, pen.tolist(), -1,
                           cv2.LINE_AA)
                x += int(0.45 * height)
            else:
                g = glyphs[int(ch)]
                ys, xs = np.nonzero(g > 0.1)
                g = g[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
                w = max(2, round(g.shape[1] * height / g.shape[0]))
                g = np.clip(cv2.resize(g, (w, height), interpolation=cv2.INTER_CUBIC), 0, 1)
                canvas[y:y + height, x:x + w] = (canvas[y:y + height, x:x + w] * (1 - g[:, :, None])
                                                 + pen * g[:, :, None])
                x += w + int(0.25 * height)
    return np.clip(canvas, 0, 255).astype(np.uint8)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> dict[str, Path]:
    """Camera-like JPEGs (numbers and decimal points among them) and a short video."""
    d = tmp_path_factory.mktemp("reader")
    folder = d / "frames"
    folder.mkdir()
    scenes = generate(3, seed=31) + generate(3, seed=32, numbers=True)
    for i, s in enumerate(scenes):
        cv2.imwrite(str(folder / f"frame{i}.jpg"), s.image)
    video = d / "clip.mp4"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"mp4v"), 10, (640, 480))
    for s in scenes[:4]:
        writer.write(s.image)
    writer.release()
    return {"folder": folder, "video": video}


def cli_records(*args: str) -> tuple[subprocess.CompletedProcess, list[dict]]:
    proc = run_cli("recognize", *args, "--json", "--no-show")
    return proc, [json.loads(line) for line in proc.stdout.splitlines()]


def test_reader_and_cli_give_identical_records(reader, inputs, onnx_model) -> None:
    sources = [str(inputs["folder"]), str(inputs["video"])]
    proc, cli = cli_records(*sources, "--model", str(onnx_model), "--device", "cpu")
    assert proc.returncode == 0, proc.stderr
    api = [r.to_dict() for r in reader.read_many(sources)]
    assert len(cli) == 6 + 4 and api == cli
    assert [r["frame"] for r in cli[6:]] == [0, 1, 2, 3]
    assert any(" " in r["text"] or "." in r["text"] for r in cli)  # structure is exercised
    first = sorted(inputs["folder"].iterdir())[0]
    assert reader.read(first).to_dict() == cli[0]  # a path
    assert reader.read(first.read_bytes(), source=str(first)).to_dict() == cli[0]  # bytes
    image = cv2.imread(str(first))
    assert reader.read(image, source=str(first)).to_dict() == cli[0]  # an array


def test_array_kinds_and_errors(reader, tmp_path) -> None:
    bgr = generate(1, seed=33)[0].image
    want = reader.read(bgr).to_dict()
    assert reader.read(cv2.cvtColor(bgr, cv2.COLOR_BGR2BGRA)).to_dict() == want
    gray = reader.read(cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY))
    assert gray.text == reader.read(bgr).text
    with pytest.raises(UnreadableInput, match="not a decodable image"):
        reader.read(b"this is text, not an image")
    huge = cv2.imencode(".png", np.zeros((8, 8), np.uint8))[1].tobytes()
    huge = huge[:16] + (20000).to_bytes(4, "big") + (20000).to_bytes(4, "big") + huge[24:]
    with pytest.raises(ImageTooLarge, match="20000x20000"):
        reader.read(huge)
    with pytest.raises(UnreadableInput, match="cannot read"):
        reader.read(tmp_path / "missing.png")
    assert reader.read(bgr.astype(np.float32) / 255).text == want["text"]
    for bits in (10, 12, 16):  # a sensor's samples in a 16-bit array, low-aligned
        deep = np.rint(bgr.astype(np.float64) * (2 ** bits - 1) / 255).astype(np.uint16)
        assert reader.read(deep).text == want["text"], bits
        png = tmp_path / f"deep{bits}.png"
        cv2.imwrite(str(png), deep)
        assert reader.read(png).text == want["text"], bits
    assert reader.read(deep.astype(">u2")).text == want["text"]  # big-endian
    assert reader.read(cv2.imencode(".png", bgr)[1].ravel()).text == want["text"]
    with pytest.raises(UnreadableInput, match="uint8, uint16 or float"):
        reader.read(bgr.astype(np.int32))
    with pytest.raises(UnreadableInput, match="too small"):
        reader.read(np.zeros((4, 40), np.uint8))  # a digit needs rows, not columns
    with pytest.raises(TypeError):
        reader.read(42)  # type: ignore[arg-type]


@pytest.mark.slow
def test_eight_threads_share_one_reader(reader) -> None:
    frames = [s.image for s in generate(400, seed=34)]
    alone = [reader.read(f).to_dict() for f in frames]
    with ThreadPoolExecutor(8) as pool:
        shared = [r.to_dict() for r in pool.map(reader.read, frames)]
    assert shared == alone
    assert sum(len(r["digits"]) for r in alone) > 800


def test_import_and_read_never_import_torch(inputs, onnx_model) -> None:
    image = sorted(inputs["folder"].iterdir())[0]
    code = ("import sys, json\n"
            "import digits\n"
            "assert 'onnxruntime' not in sys.modules and 'cv2' not in sys.modules\n"
            "from digits import Reader\n"
            f"r = Reader({str(onnx_model)!r}, device='cpu').read({str(image)!r})\n"
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'torchvision')"
            " or m.startswith(('digits.train', 'digits.export')))\n"
            "print(json.dumps({'text': r.text, 'bad': bad}))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["bad"] == [] and out["text"]


def d(x: int, y: int, w: int = 30, h: int = 50, label: int = 1) -> Digit:
    return Digit(label, 0.9, (x, y, w, h))


def test_structure_gaps_lines_from_boxes() -> None:
    """Gaps are measured in digit heights: 0.3 h joins, 1.2 h splits; lines by rows."""
    row = [d(10, 10), d(55, 12), d(145, 10, label=2), d(190, 11, label=3)]  # gaps 15, 60, 15
    below = [d(20, 100, label=4), d(65, 102, label=5)]
    digits, lines, numbers = structure(below + row, None)
    assert [n.text for n in numbers] == ["11", "23", "45"]
    assert [ln.text for ln in lines] == ["11 23", "45"]
    assert [(x.line, x.number) for x in digits] == [(0, 0), (0, 0), (0, 1), (0, 1), (1, 2),
                                                    (1, 2)]
    assert numbers[1].box == (145, 10, 75, 51) and numbers[1].digits == (2, 3)
    assert lines[0].box == (10, 10, 210, 52) and lines[0].numbers == (0, 1)


def test_wide_gaps_lines_and_decimal_point(reader, glyphs) -> None:
    frame = page(glyphs, [("12 3.5", 40, 40, 60), ("907", 60, 220, 70)])
    result = reader.read(frame)
    assert result.text == "12 3.5\n907"
    assert [n.text for n in result.numbers] == ["12", "3.5", "907"]
    assert [n.line for n in result.numbers] == [0, 0, 1]
    rec = result.to_dict()
    assert rec["schema_version"] == 2 and rec["rejected"] == 0
    assert [ln["text"] for ln in rec["lines"]] == ["12 3.5", "907"]
    assert [x["number"] for x in rec["digits"]] == [0, 0, 1, 1, 2, 2, 2]
    x, y, _w, _h = rec["numbers"][1]["box"]  # "3.5": around its digits, right of "12"
    assert x > rec["numbers"][0]["box"][0] + rec["numbers"][0]["box"][2] and 36 <= y <= 44
    # the same digits closer together are one number; apart, three
    assert reader.read(page(glyphs, [("4 6 8", 40, 40, 60)])).text == "4 6 8"
    assert reader.read(page(glyphs, [("468", 40, 40, 60)])).text == "468"


@pytest.mark.slow
def test_numbers_on_generated_frames(reader) -> None:
    """Generated frames with several numbers per line and decimal points: a seed never
    used to choose NUMBER_GAP or the separator figures."""
    scenes = generate(40, seed=35, numbers=True)
    exact = sum(reader.read(s.image).text == s.text for s in scenes)
    assert any("." in s.text for s in scenes) and any(" " in s.text for s in scenes)
    assert exact >= 0.8 * len(scenes), exact


def test_csv_alongside_json(inputs, onnx_model, tmp_path) -> None:
    out = tmp_path / "sub" / "digits.csv"
    proc, recs = cli_records(str(inputs["folder"]), str(inputs["video"]), "--csv", str(out),
                             "--model", str(onnx_model))
    assert proc.returncode == 0, proc.stderr
    with out.open(newline="") as f:
        rows = list(csv.DictReader(f))
    want = [{"source": r["source"], "frame": "" if r["frame"] is None else str(r["frame"]),
             "line": str(x["line"]), "number": str(x["number"]), "index": str(i),
             "label": str(x["label"]), "confidence": str(x["confidence"]),
             **dict(zip("xywh", map(str, x["box"]), strict=True))}
            for r in recs for i, x in enumerate(r["digits"])]
    assert rows == want and len(rows) > 10
    assert [p.name for p in out.parent.iterdir()] == ["digits.csv"]  # no temporary left
    (tmp_path / "file").write_text("a file, not a folder\n")
    bad = run_cli("recognize", str(inputs["folder"]), "--csv", str(tmp_path / "file" / "x.csv"),
                  "--model", str(onnx_model))
    assert "--csv" in assert_one_line_error(bad, 2)


def test_stdin_source(inputs, onnx_model) -> None:
    path = sorted(inputs["folder"].iterdir())[1]
    cmd = [sys.executable, "-m", "digits", "recognize", "-", "--json", "--model", str(onnx_model)]
    proc = subprocess.run(cmd, input=path.read_bytes(), capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    rec = json.loads(proc.stdout)
    _p, (want,) = cli_records(str(path), "--model", str(onnx_model))
    assert rec["source"] == "stdin" and rec["digits"] == want["digits"] and rec["text"]
    proc = subprocess.run(cmd, input=b"not an image", capture_output=True, timeout=120)
    proc_text = subprocess.CompletedProcess(proc.args, proc.returncode, proc.stdout.decode(),
                                            proc.stderr.decode())
    assert "stdin" in assert_one_line_error(proc_text, 1)


def meter(glyphs) -> np.ndarray:
    """A 640x480 meter face: "27" and "508" behind two dark bezels."""
    frame = page(glyphs, [("27", 60, 160, 70), ("508", 350, 165, 60)])
    for x, y, w, h in ((30, 120, 230, 160), (320, 120, 290, 160)):  # the dials' bezels
        cv2.rectangle(frame, (x, y), (x + w, y + h), (40, 40, 40), 6)
    return frame


def test_roi_with_a_bezel_edge_inside(reader, glyphs) -> None:
    # (the bezel's edge along the region's border once made the 5's flat top bar count as
    # a printed line, so it read 3)
    frame = meter(glyphs)
    assert reader.read(np.ascontiguousarray(frame[134:278, 333:602])).text == "508"


def test_roi_two_dials(reader, glyphs, onnx_model, tmp_path) -> None:
    """A meter with two dials: each --roi gives its dial's number, in frame pixels."""
    path = tmp_path / "meter.png"
    cv2.imwrite(str(path), meter(glyphs))
    rois = ["40,130,210,140", "0.52,0.28,0.42,0.28"]  # pixels; fractions of 640x480
    proc, (rec,) = cli_records(str(path), "--roi", rois[0], "--roi", rois[1],
                               "--model", str(onnx_model))
    assert proc.returncode == 0, proc.stderr
    assert [r["text"] for r in rec["regions"]] == ["27", "508"]
    assert rec["regions"][1]["box"] == [333, 134, 269, 135]
    assert rec["text"] == "27\n508" and [n["region"] for n in rec["numbers"]] == [0, 1]
    for x in rec["digits"]:
        rx, ry, rw, rh = rec["regions"][x["region"]]["box"]
        bx, by, bw, bh = x["box"]
        assert rx <= bx and bx + bw <= rx + rw and ry <= by and by + bh <= ry + rh
    assert Reader(onnx_model, "cpu", rois=rois).read(path).to_dict() == rec
    assert Roi.parse("0.5,0,0.5,1").pixels(640, 480) == (320, 0, 320, 480)
    usage = run_cli("recognize", str(path), "--roi", "1,2,3", "--model", str(onnx_model))
    assert "x,y,w,h" in assert_one_line_error(usage, 2)
    outside = run_cli("recognize", str(path), "--roi", "700,10,50,50", "--model", str(onnx_model))
    assert "not inside the 640x480 frame" in assert_one_line_error(outside, 1)


class MJPEG(http.server.BaseHTTPRequestHandler):
    """Serves the server's `jpegs` as one multipart/x-mixed-replace stream, then dies:
    the server stops and its port closes, as when a phone's camera app is killed."""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "multipart/x-mixed-replace; boundary=frame")
        self.end_headers()
        for jpeg in self.server.jpegs:  # type: ignore[attr-defined]
            self.wfile.write(b"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n"
                             % len(jpeg) + jpeg + b"\r\n")
            time.sleep(0.04)
        threading.Thread(target=lambda: (self.server.shutdown(), self.server.server_close())
                         ).start()

    def log_message(self, *args) -> None:
        pass


@pytest.mark.slow
def test_mjpeg_stream_then_server_dies(reader, onnx_model, tmp_path) -> None:
    scenes = [s for s in generate(12, seed=36) if reader.read(s.image).text == s.text][:2]
    video = tmp_path / "phone.mp4"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"mp4v"), 25, (640, 480))
    for s in scenes:
        for _ in range(15):
            writer.write(s.image)
    writer.release()
    cap, jpegs = cv2.VideoCapture(str(video)), []
    while (frame := cap.read()[1]) is not None:
        jpegs.append(cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 90])[1].tobytes())
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), MJPEG)
    server.jpegs = jpegs  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/video.mjpg"
    t = time.perf_counter()
    proc, recs = cli_records("--camera", url, "--model", str(onnx_model))
    assert time.perf_counter() - t < 60
    error = assert_one_line_error(proc, 1)
    assert url in error and "reconnects failed" in error
    assert "[http" not in proc.stderr and "[tcp" not in proc.stderr  # FFmpeg kept quiet
    texts = [r["text"] for r in recs]
    assert len(recs) >= 10 and all(r["source"] == f"camera:{url}" for r in recs)
    assert texts[0] == scenes[0].text and texts[-1] == scenes[1].text
    assert sum(x in (scenes[0].text, scenes[1].text) for x in texts) >= 0.9 * len(texts)


def test_stream_that_does_not_open(onnx_model) -> None:
    with __import__("socket").socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = run_cli("recognize", "--camera", f"http://127.0.0.1:{port}/video", "--no-show",
                   "--model", str(onnx_model))
    assert "does not open within" in assert_one_line_error(proc, 2)


def test_structure_short_digits_beside_tall_ones() -> None:
    """Two short digits beside taller ones on a line leave no room for a separator's
    window (it would start below where it ends): looked at, nothing found, no error
    (a crash seen on squared-paper scenes)."""
    image = np.full((200, 400, 3), 230, np.uint8)
    boxes = [(10, 20, 40, 100), (60, 20, 40, 100), (120, 90, 10, 20), (150, 90, 10, 20),
             (170, 20, 40, 100)]
    digits = [Digit(1, 0.9, b) for b in boxes]
    out, _lines, numbers = structure(digits, image)
    assert len(out) == 5 and "".join(n.text for n in numbers).isdigit()


def test_a_thin_tight_crop_is_read_whatever_its_width(reader, tmp_path) -> None:
    """A tight crop of a fine-pen 1 is 4-8 px wide: read as an array, as encoded bytes and
    as a file (one size check: height only), and the CLI reads it too."""
    for width in (4, 5, 7):
        crop = np.full((27, width), 235, np.uint8)
        crop[:, (width - 2) // 2:(width - 2) // 2 + 2] = 30
        png = cv2.imencode(".png", crop)[1].tobytes()
        assert reader.read(crop).text == "1"
        assert reader.read(png).text == "1"
        path = tmp_path / f"one{width}.png"
        path.write_bytes(png)
        assert reader.read(path).text == "1"
    with pytest.raises(UnreadableInput, match="too small"):
        reader.read(cv2.imencode(".png", np.full((7, 30), 235, np.uint8))[1].tobytes())


def _lifted_bar(image: np.ndarray, up: float) -> np.ndarray:
    """An MNIST digit (uint8 [28,28], ink = 255) at 6x, its top 30 % lifted ``up`` of its
    height and moved right by 0.1 of its width: a 5's bar written apart from its belly.
    Dark on light, uint8 [260, 260]."""
    big = cv2.resize(image, (168, 168), interpolation=cv2.INTER_LINEAR)
    rows = np.flatnonzero(big.max(1) > 60)
    top, height = int(rows[0]), int(rows[-1] - rows[0])
    split = 60 + top + int(0.3 * height)
    canvas = np.zeros((260, 260), np.uint8)
    canvas[60:228, 40:208] = big
    bar = canvas[:split].copy()
    canvas[:split] = 0
    dy, dx = int(up * height), 17
    canvas[:split - dy, dx:] = np.maximum(canvas[:split - dy, dx:], bar[dy:, :260 - dx])
    return 255 - canvas


def test_a_five_whose_bar_is_lifted_off_is_one_digit(reader, monkeypatch) -> None:
    """The pieces of one digit the segmentation leaves apart are joined when the model
    reads their union as a digit (reader._join_pieces): 60 MNIST test 5s with their top
    lifted 0.15 of their height read 45 as "5" (26 without the join)."""
    from digits.runtime import tuning

    images, labels = load_arrays(default_root(), train=False)
    fives = [_lifted_bar(image, 0.15) for image in images[labels == 5][:60]]
    assert sum(reader.read(f).text == "5" for f in fives) >= 40
    monkeypatch.setattr(tuning, "JOIN_MIN", 2.0)  # the join off: the test can fail
    assert sum(reader.read(f).text == "5" for f in fives) < 35



def test_a_digit_written_wide_is_read_narrowed(reader, monkeypatch) -> None:
    """A region WIDE_DOUBT_ASPECT as wide as tall read in doubt is read again narrowed
    (reader._narrowed): 400 MNIST test digits stretched to 2.5 times their width, 84 px
    tall on paper, read 289 right (277 without)."""
    from digits.runtime import tuning

    images, labels = load_arrays(default_root(), train=False)
    pages = []
    for image in images[:400]:
        page = np.full((200, 320), 235, np.uint8)
        page[50:134, 40:250] = np.minimum(235, cv2.resize(255 - image, (210, 84)))
        pages.append(page)

    def right() -> int:
        return sum(reader.read(p).text == str(label)
                   for p, label in zip(pages, labels[:400], strict=True))

    assert right() >= 285
    monkeypatch.setattr(tuning, "WIDE_DOUBT_ASPECT", 1e9)  # no re-read: the test can fail
    assert right() < 285


def test_an_eight_of_two_overlapping_rings_is_read(reader, monkeypatch) -> None:
    """An 8 drawn as two rings that overlap at the waist encloses a third, lens-shaped
    loop; a region needs LOOPY_LOOPS (4) to be taken for a scrawl (reader._loopy_rejected):
    120 such 8s, 40-200 px tall, pens 3-10 % of that, are read (4 of them lost at 3)."""
    from digits.runtime import tuning

    rng = np.random.default_rng(8)
    pages = []
    for _ in range(120):
        h = int(rng.integers(40, 200))
        pen = max(2, int(h * rng.uniform(0.03, 0.1)))
        page = np.full((h + 80, h + 80), 235, np.uint8)
        top, bottom = h * rng.uniform(0.2, 0.26), h * rng.uniform(0.24, 0.3)
        overlap = h * rng.uniform(-0.02, 0.12)
        cx, cy = 40 + h // 2, 40 + top
        cv2.ellipse(page, (cx, int(cy)), (int(top * rng.uniform(0.8, 1.0)), int(top)),
                    float(rng.uniform(-15, 15)), 0, 360, 30, pen, cv2.LINE_AA)
        cv2.ellipse(page, (cx + int(rng.uniform(-h * 0.05, h * 0.05)),
                           int(cy + top + bottom - overlap)),
                    (int(bottom * rng.uniform(0.8, 1.05)), int(bottom)),
                    float(rng.uniform(-15, 15)), 0, 360, 30, pen, cv2.LINE_AA)
        pages.append(cv2.GaussianBlur(page, (0, 0), 0.8))

    def read() -> int:
        return sum(reader.read(p).text == "8" for p in pages)

    assert read() >= 118
    monkeypatch.setattr(tuning, "LOOPY_LOOPS", 3)  # a lens counted as a scrawl's loop
    assert read() < 118


def test_a_page_dense_with_digits_is_read(reader) -> None:
    """A 4032x3024 page of MNIST test digits, ink 90 px tall at a pitch of 90 px, lines
    108 px apart: at the surfaces' low resolution it is texture (the paper was taken for
    light ink: 15 of 1,092 read, an attack), and each line chains into one run, whose
    one or two rejected regions made it a word (176 read). Each placed digit must be
    found (a read digit's box centre in its cell) and read right."""
    images, labels = load_arrays(default_root(), train=False)
    rng = np.random.default_rng(5)
    ink = np.zeros((3024, 4032), np.float32)
    placed = []
    for y in range(40, 3024 - 180, 108):
        for x in range(40, 4032 - 180, 90):
            k = int(rng.integers(len(images)))
            ys, xs = np.nonzero(images[k] > 30)
            crop = images[k][ys.min():ys.max() + 1, xs.min():xs.max() + 1]
            w = max(1, round(crop.shape[1] * 90 / crop.shape[0]))
            digit = cv2.resize(crop, (w, 90), interpolation=cv2.INTER_CUBIC) > 115  # bold
            ink[y:y + 90, x:x + w] = np.maximum(ink[y:y + 90, x:x + w], digit)
            placed.append((x, y, int(labels[k])))
    page = (235 - 205 * cv2.GaussianBlur(ink, (0, 0), 0.8)).astype(np.uint8)
    got = reader.read(page).digits
    right = 0
    for x, y, label in placed:
        inside = [d for d in got if x <= d.box[0] + d.box[2] / 2 < x + 90
                  and y <= d.box[1] + d.box[3] / 2 < y + 90]
        right += len(inside) == 1 and inside[0].label == label
    assert right >= 0.9 * len(placed), (right, len(placed))


def test_a_mark_among_many_digits_makes_no_word(reader) -> None:
    """A run of one line's regions is a word when letters are WORD_LETTER_SHARE of it or
    more: "SOLO" read as 5, 0, "not a digit", 0 is; twelve digits with one rejected mark
    among them are not (each line of a page dense with digits was taken for a word)."""
    from digits.runtime.reader import _in_words
    from digits.runtime.segment import Region as SegRegion

    def run(n: int, mark: int) -> tuple[list[SegRegion], np.ndarray]:
        regions = [SegRegion((60 * i, 0, 50, 80), np.ones((80, 50), bool)) for i in range(n)]
        probs = np.zeros((n, 11), np.float32)
        probs[:, 7] = 0.99
        probs[mark] = 0
        probs[mark, 10] = 0.99  # "not a digit"
        return regions, probs

    assert _in_words(reader.model, *run(4, 2), cut=set(), near=set(), sure=set()) == {0, 1, 2, 3}
    assert _in_words(reader.model, *run(12, 6), cut=set(), near=set(), sure=set()) == set()


def test_a_region_cut_surely_is_no_doubtful_digit_of_a_word(reader) -> None:
    """A run holding a region read as "not a digit" and one read as a doubtful digit is a
    word ("LA" of "LATTE"), unless the doubtful one was cut surely into digits
    (SPLIT_SURE): "34" read whole at 0.33 beside a rejected "41" left nothing read."""
    from digits.runtime.reader import _in_words
    from digits.runtime.segment import Region as SegRegion

    regions = [SegRegion((60 * i, 0, 50, 80), np.ones((80, 50), bool)) for i in range(2)]
    probs = np.zeros((2, 11), np.float32)
    probs[0, 10] = 0.99  # "not a digit"
    probs[1, 4], probs[1, 3], probs[1, 10] = 0.33, 0.3, 0.3  # a 4 in doubt
    assert _in_words(reader.model, regions, probs, cut={1}, near=set(), sure=set()) == {0, 1}
    assert _in_words(reader.model, regions, probs, cut={1}, near=set(), sure={1}) == set()
