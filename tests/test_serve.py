"""`digits serve` as a client sees it: the server in a subprocess (torch blocked) on a free
loopback port, real generated images posted over HTTP, every error answered with its
status and a JSON message while the server keeps serving, and the page in a real
headless Chromium."""

from __future__ import annotations

import itertools
import json
import logging
import math
import os
import re
import resource
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import zlib
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

from conftest import REPO, assert_one_line_error
from digits.mnist import default_root, load_arrays
from digits.scenes import generate

if not os.environ.get("CI"):  # CI installs the extra (make test): there it must run
    pytest.importorskip("fastapi", reason="needs the serve extra: pip install '.[serve]'")

# importing torch (or the training/export stages) raises in the server's interpreter
NO_TORCH = ("import sys; sys.modules['torch'] = None; sys.modules['digits.train'] = None; "
            "sys.modules['digits.export'] = None; from digits.cli import main; main()")
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


class Server:
    """`digits serve --port 0` in a subprocess (the port it picked is read from the URL it
    prints); stopped on exit."""

    def __init__(self, log: Path, *args: str, memory_cap: int | None = None) -> None:
        self.log = log
        cap = (None if memory_cap is None else
               lambda: resource.setrlimit(resource.RLIMIT_AS, (memory_cap, memory_cap)))
        with log.open("w") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", NO_TORCH, "serve", "--port", "0",
                 "--model", str(REPO / "artifacts" / "digits.onnx"), *args],
                stdout=out, stderr=subprocess.STDOUT, cwd=REPO, preexec_fn=cap)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {log.read_text()}")
            found = re.search(r"serving http://127\.0\.0\.1:(\d+)/", log.read_text())
            if found:
                self.port = int(found.group(1))
                self.url = f"http://127.0.0.1:{self.port}"
                urllib.request.urlopen(f"{self.url}/v1/health", timeout=10).read()
                return
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"server did not start within 60 s: {log.read_text()}")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Server]:
    srv = Server(tmp_path_factory.mktemp("serve") / "server.log", "--workers", "2")
    yield srv
    srv.stop()


def request(url: str, body: bytes | None = None, content_type: str | None = None,
            method: str | None = None) -> tuple[int, dict | str]:
    """(status, parsed JSON or text) of one HTTP request; error statuses included."""
    req = urllib.request.Request(url, data=body, method=method or ("POST" if body is not None
                                                                   else "GET"))
    if content_type:
        req.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            status, ctype, data = r.status, r.headers.get("content-type", ""), r.read()
    except urllib.error.HTTPError as e:
        status, ctype, data = e.code, e.headers.get("content-type", ""), e.read()
    return status, json.loads(data) if ctype.startswith("application/json") else data.decode()


def multipart(field: str, filename: str, data: bytes) -> tuple[bytes, str]:
    """A multipart/form-data body with one file part, as `curl -F field=@file` sends."""
    boundary = "digits-test-boundary-7d1f"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; "
            f"filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            ).encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def raw_request(port: int, declared: int | None, body: bytes = b"") -> tuple[int, dict]:
    """POST /v1/read over a bare socket: a declared Content-Length and no body, or `body`
    sent in chunked transfer encoding (no length declared). (status, JSON answer)."""
    head = "POST /v1/read HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\n"
    if declared is not None:
        data = f"{head}Content-Length: {declared}\r\n\r\n".encode()
    else:
        data = (f"{head}Transfer-Encoding: chunked\r\n\r\n{len(body):x}\r\n".encode() + body
                + b"\r\n0\r\n\r\n")
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(data)
        answer = s.makefile("rb")
        status = int(answer.readline().split()[1])
        headers = dict(line.decode().lower().split(":", 1) for line in iter(answer.readline,
                                                                           b"\r\n"))
        return status, json.loads(answer.read(int(headers["content-length"])))


def form_field(name: str, value: bytes) -> tuple[bytes, str]:
    """A multipart/form-data body with one plain field and no file."""
    boundary = "digits-test-boundary-7d1f"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n"
            ).encode() + value + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def post_file(server: Server, path: Path | str, name: str | None = None) -> tuple[int, dict]:
    body, ctype = multipart("file", name or str(path), Path(path).read_bytes())
    return request(f"{server.url}/v1/read", body, ctype)


def without_top3(rec: dict) -> dict:
    return {**rec, "digits": [{k: v for k, v in d.items() if k != "top3"}
                              for d in rec["digits"]]}


@pytest.fixture(scope="module")
def images(tmp_path_factory) -> list[Path]:
    """Camera-like JPEGs and PNGs (scene generator, a seed tuned on nowhere) and a 28x28
    MNIST test PNG."""
    d = tmp_path_factory.mktemp("images")
    paths = []
    for i, s in enumerate(generate(5, seed=2024)):
        p = d / (f"scene{i}.jpg" if i % 2 == 0 else f"scene{i}.png")
        cv2.imwrite(str(p), s.image)
        paths.append(p)
    mnist, _ = load_arrays(default_root(), train=False)
    cv2.imwrite(str(d / "mnist.png"), mnist[7])
    return [*paths, d / "mnist.png"]


def bomb_png() -> bytes:
    """A valid 2 KB PNG that declares 20000x20000 pixels (400 MP)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    header = struct.pack(">IIBBBBB", 20000, 20000, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\0" * 20001 * 50)) + chunk(b"IEND", b""))


def webp_bomb(side: int = 16384) -> bytes:
    """A 54-byte lossless WebP whose header declares side x side pixels (268 MP at the
    largest side WebP allows): a header OpenCV's own size check has to refuse."""
    payload = bytes([0x2F]) + struct.pack("<I", (side - 1) | ((side - 1) << 14)) + bytes(32)
    chunk = b"VP8L" + struct.pack("<I", len(payload)) + payload
    return b"RIFF" + struct.pack("<I", 4 + len(chunk)) + b"WEBP" + chunk


def test_posted_images_read_as_recognize_json(server: Server, images: list[Path]) -> None:
    cli = subprocess.run([sys.executable, "-m", "digits", "recognize", "--json",
                          "--model", str(REPO / "artifacts" / "digits.onnx"),
                          *map(str, images)], capture_output=True, text=True, timeout=120)
    assert cli.returncode == 0, cli.stderr
    expected = [json.loads(line) for line in cli.stdout.splitlines()]
    assert len(expected) == len(images) and sum(len(r["digits"]) for r in expected) >= 10
    for path, want in zip(images, expected, strict=True):
        status, got = post_file(server, path)
        assert status == 200, got
        assert without_top3(got) == want
        for d in got["digits"]:
            probs = [t["probability"] for t in d["top3"]]
            assert d["top3"][0]["label"] == d["label"] and probs == sorted(probs, reverse=True)
            # confidence has 3 decimals, top3 4: they differ by up to 5.5e-4
            # (0.94249 is 0.942 and 0.9425)
            assert abs(probs[0] - d["confidence"]) <= 5.5e-4 and sum(probs) <= 1.0 + 1e-3
            assert len({t["label"] for t in d["top3"]}) == 3
    # the raw body reads the same; ?source= names it, else it is "upload"
    raw = images[0].read_bytes()
    status, got = request(f"{server.url}/v1/read?source={images[0]}", raw, "image/jpeg")
    assert status == 200 and without_top3(got) == expected[0]
    status, got = request(f"{server.url}/v1/read", raw, "application/octet-stream")
    assert status == 200 and got["source"] == "upload" and got["text"] == expected[0]["text"]


def test_every_error_is_json_and_the_server_keeps_serving(server: Server,
                                                          images: list[Path]) -> None:
    jpeg = images[0].read_bytes()
    cases = {
        "empty body": (400, b"", "image/png"),
        "multipart without a file": (400, *form_field("note", b"a form with no file")),
        "text file": (415, b"just some text, not an image\n", "text/plain"),
        "truncated JPEG": (415, jpeg[:300], "image/jpeg"),
        "decompression bomb": (422, bomb_png(), "image/png"),
        "WebP decompression bomb": (422, webp_bomb(), "image/webp"),
    }
    _, good = post_file(server, images[1])
    for what, (code, body, ctype) in cases.items():
        status, answer = request(f"{server.url}/v1/read", body, ctype)
        assert status == code, (what, answer)
        assert isinstance(answer, dict) and list(answer) == ["error"], (what, answer)
        assert answer["error"] and "Traceback" not in answer["error"], what
        status, again = post_file(server, images[1])  # the next good request still works
        assert status == 200 and again == good, what
    # too large: refused on the declared length, before any of the body is read ...
    status, answer = raw_request(server.port, 11 * 1024 * 1024)
    assert status == 413 and "above the 10485760 byte limit" in answer["error"]
    # ... or, without a declared length, as soon as the streamed body passes the limit
    status, answer = raw_request(server.port, None, b"\xff" * (10 * 1024 * 1024 + 1))
    assert status == 413 and "above the 10485760 byte limit" in answer["error"]
    assert post_file(server, images[1]) == (200, good)
    assert "20000x20000" in request(f"{server.url}/v1/read", bomb_png(), "image/png")[1]["error"]
    status, answer = request(f"{server.url}/nowhere")
    assert status == 404 and list(answer) == ["error"]
    status, answer = request(f"{server.url}/v1/read", method="GET")
    assert status == 405 and list(answer) == ["error"]
    assert server.proc.poll() is None
    assert "Traceback" not in server.log.read_text()


def test_the_cli_refuses_a_webp_bomb_too(tmp_path: Path, images: list[Path]) -> None:
    """The pixel limit is the CLI's: the WebP bomb is one failed input there (exit 1)."""
    (tmp_path / "bomb.webp").write_bytes(webp_bomb())
    proc = subprocess.run([sys.executable, "-m", "digits", "recognize", "--json",
                           str(tmp_path / "bomb.webp"), str(images[0])],
                          capture_output=True, text=True, timeout=120)
    assert "50 MP" in assert_one_line_error(proc, 1)
    assert len(proc.stdout.splitlines()) == 1  # the good image after it was still read


def test_a_stalled_upload_times_out(tmp_path: Path, images: list[Path]) -> None:
    """A client that stops sending mid-body gets 503 after --timeout; others are served."""
    srv = Server(tmp_path / "server.log", "--timeout", "1", "--workers", "1")
    try:
        with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as s:
            s.sendall(b"POST /v1/read HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\n"
                      b"Content-Length: 100000\r\n\r\n" + b"\x89PNG" * 10)
            t0 = time.monotonic()
            status, got = post_file(srv, images[0])  # served while the other one stalls
            assert status == 200 and got["digits"]
            answer = b""
            while b"}" not in answer:
                data = s.recv(4096)
                if not data:
                    break
                answer += data
            waited = time.monotonic() - t0
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 503"), answer
        assert "timed out" in json.loads(body)["error"] and 0.5 < waited < 10
    finally:
        srv.stop()


def test_an_upload_cut_off_by_the_shutdown_is_a_503_without_traceback(tmp_path: Path,
                                                                       images: list[Path]
                                                                       ) -> None:
    """SIGTERM while an upload is still arriving: once the 5 s graceful shutdown is over
    uvicorn cancels the request, which answered 500 and left a traceback on stderr."""
    srv = Server(tmp_path / "server.log", "--timeout", "60")
    data = images[0].read_bytes()
    try:
        with socket.create_connection(("127.0.0.1", srv.port), timeout=30) as s:
            s.sendall(b"POST /v1/read HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\n"
                      + f"Content-Length: {len(data)}\r\n\r\n".encode() + data[:100])
            time.sleep(0.5)  # the request is in the app, waiting for the rest of its body
            srv.proc.terminate()
            answer = b""
            while b"}" not in answer and (chunk := s.recv(4096)):
                answer += chunk
        assert srv.proc.wait(timeout=30) == 128 + signal.SIGTERM
    finally:
        srv.stop()
    assert answer.startswith(b"HTTP/1.1 503"), answer
    assert "shutting down" in json.loads(answer.partition(b"\r\n\r\n")[2])["error"]
    assert "Traceback" not in srv.log.read_text()


def test_ctrl_c_twice_with_an_upload_in_flight_leaves_no_traceback(tmp_path: Path,
                                                                    images: list[Path]
                                                                    ) -> None:
    """The second Ctrl-C forces uvicorn's shutdown, which cancels the app's lifespan:
    starlette sent its traceback for uvicorn to print."""
    srv = Server(tmp_path / "server.log", "--timeout", "60")
    try:
        with socket.create_connection(("127.0.0.1", srv.port), timeout=30) as s:
            s.sendall(b"POST /v1/read HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\n"
                      b"Content-Length: 100000\r\n\r\n" + images[0].read_bytes()[:100])
            time.sleep(0.5)  # the request is in the app, waiting for the rest of its body
            srv.proc.send_signal(signal.SIGINT)
            time.sleep(0.5)
            srv.proc.send_signal(signal.SIGINT)
            assert srv.proc.wait(timeout=30) == 128 + signal.SIGINT
    finally:
        srv.stop()
    log = srv.log.read_text()
    assert "Traceback" not in log and "\x1b[" not in log, log
    assert all(line.startswith("digits: ") for line in log.splitlines()), log


def test_a_busy_server_answers_503_then_serves(tmp_path: Path, images: list[Path]) -> None:
    """One worker, no waiting room: while a 12 MP photo is being read, another request is
    refused at once with 503 and Retry-After; afterwards both kinds are served."""
    srv = Server(tmp_path / "server.log", "--workers", "1", "--max-waiting", "0")
    try:
        _, big = cv2.imencode(".jpg", np.full((3000, 4000, 3), 230, np.uint8))
        slow: list[tuple[int, dict]] = []
        t = threading.Thread(target=lambda: slow.append(
            request(f"{srv.url}/v1/read", big.tobytes(), "image/jpeg")))
        t.start()
        deadline = time.monotonic() + 30
        while request(f"{srv.url}/v1/health")[1]["in_flight"] == 0:
            assert time.monotonic() < deadline and t.is_alive()
            time.sleep(0.005)
        req = urllib.request.Request(f"{srv.url}/v1/read", images[0].read_bytes())
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(req, timeout=30)
        assert refused.value.code == 503 and refused.value.headers["Retry-After"] == "1"
        assert "busy" in json.loads(refused.value.read())["error"]
        t.join(60)
        assert slow[0][0] == 200 and slow[0][1]["digits"] == []
        assert request(f"{srv.url}/v1/health")[1]["in_flight"] == 0
        assert post_file(srv, images[0])[0] == 200
    finally:
        srv.stop()


def test_health_openapi_and_page(server: Server) -> None:
    status, health = request(f"{server.url}/v1/health")
    assert status == 200 and health["status"] == "ok"
    assert health["model"]["path"].endswith("digits.onnx") and health["model"]["arch"] == "cnn"
    assert health["model"]["provider"] == "CPUExecutionProvider"
    assert {"digits", "onnxruntime", "opencv-python", "numpy", "fastapi", "uvicorn"} <= set(
        health["versions"])
    assert health["limits"]["max_upload_bytes"] == 10 * 1024 * 1024
    status, spec = request(f"{server.url}/openapi.json")
    read = spec["paths"]["/v1/read"]["post"]
    assert status == 200 and "/v1/health" in spec["paths"]
    assert {"200", "400", "413", "415", "422", "503"} <= set(read["responses"])
    assert {"multipart/form-data", "image/*"} <= set(read["requestBody"]["content"])
    status, page = request(f"{server.url}/")
    assert status == 200 and "<canvas id=\"pad\"" in page and "getUserMedia" in page
    assert "://" not in page  # no CDN, no network fetch: everything is in the page


def test_serve_help_and_missing_extra() -> None:
    listed = subprocess.run([sys.executable, "-m", "digits", "--help"], capture_output=True,
                            text=True, timeout=60)
    assert re.search(r"^\s+serve\s", listed.stdout, re.M)
    helped = subprocess.run([sys.executable, "-m", "digits", "serve", "--help"],
                            capture_output=True, text=True, timeout=60)
    for option in ("--host", "--port", "--model", "--device", "--workers", "--max-waiting",
                   "--max-upload-mb", "--timeout"):
        assert option in helped.stdout
    blocked = subprocess.run(
        [sys.executable, "-c", "import sys; sys.modules['fastapi'] = None; "
         "from digits.cli import main; main()", "serve", "--port", "0"],
        capture_output=True, text=True, timeout=60)
    assert "pip install 'digits[serve]'" in assert_one_line_error(blocked, 2)


def test_a_port_in_use_is_a_one_line_error(server: Server) -> None:
    taken = subprocess.run([sys.executable, "-m", "digits", "serve", "--port",
                            str(server.port)], capture_output=True, text=True, timeout=60)
    assert f"cannot listen on 127.0.0.1:{server.port}" in assert_one_line_error(taken, 2)
    assert request(f"{server.url}/v1/health")[0] == 200


def test_loopback_is_told_apart() -> None:
    from digits.runtime.serve import is_loopback

    assert all(map(is_loopback, ["127.0.0.1", "127.8.0.1", "::1", "localhost"]))
    assert not any(map(is_loopback, ["0.0.0.0", "::", "192.168.1.20", "example.org"]))


# --- the page in a real browser ----------------------------------------------------------


def y4m(image, frames: int = 5) -> bytes:
    """A short uncompressed video (YUV4MPEG2, 4:2:0) of one BGR image: Chromium's fake
    camera plays it (--use-file-for-fake-video-capture)."""
    h, w = image.shape[:2]
    planes = cv2.cvtColor(image, cv2.COLOR_BGR2YUV_I420).tobytes()
    return f"YUV4MPEG2 W{w} H{h} F10:1 Ip A1:1 C420jpeg\n".encode() + (b"FRAME\n" + planes) * frames


@pytest.fixture(scope="module")
def browser(tmp_path_factory, images: list[Path]):
    """Headless Debian Chromium driven by Playwright (never `playwright install`), its
    camera a fake device that films images[2]. CI installs Chromium (.ci/run), so there a
    missing browser fails instead of skipping."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.is_file():
        message = f"{CHROMIUM} missing: apt-get install -y chromium"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    camera = tmp_path_factory.mktemp("camera") / "camera.y4m"
    camera.write_bytes(y4m(cv2.imread(str(images[2]))))
    fake_camera = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                   f"--use-file-for-fake-video-capture={camera}"]
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS + fake_camera)
        yield b
        b.close()


def draw(page, strokes: list[list[tuple[float, float]]]) -> None:
    """Mouse strokes on the pad, in its 560x280 canvas pixels (pointer events)."""
    box = page.locator("#pad").bounding_box()
    sx, sy = box["width"] / 560, box["height"] / 280
    for points in strokes:
        page.mouse.move(box["x"] + points[0][0] * sx, box["y"] + points[0][1] * sy)
        page.mouse.down()
        for x, y in points[1:]:
            page.mouse.move(box["x"] + x * sx, box["y"] + y * sy, steps=10)
        page.mouse.up()


def reading(page, previous: str = "") -> tuple[str, int]:
    """(text shown, latency in ms the page reports) once a new reading is on screen."""
    page.wait_for_function(
        "prev => /read in|no digit/.test(document.getElementById('status').textContent) && "
        "document.getElementById('status').textContent !== prev", arg=previous, timeout=20000)
    status = page.locator("#status").text_content()
    return page.locator("#text").text_content(), int(re.search(r"(\d+) ms", status).group(1))


@pytest.mark.slow
def test_page_in_chromium_draw_and_upload(server: Server, browser, images: list[Path],
                                          tmp_path: Path) -> None:
    page = browser.new_page(viewport={"width": 390, "height": 844})  # a phone-sized screen
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("requestfailed", lambda r: errors.append(r.url))
    page.goto(server.url)
    # a 7: the bar, then the stem, in one pointer stroke
    draw(page, [[(230, 60), (330, 58), (265, 235)]])
    text, ms = reading(page)
    assert text == "7"
    bars = page.locator("#bars .digit .bar")
    assert bars.count() == 3 and bars.first.text_content().startswith("7")
    page.screenshot(path=str(tmp_path / "page-drawn.png"), full_page=True)
    assert (tmp_path / "page-drawn.png").stat().st_size > 10_000
    assert ms < 1000, f"pen-up to reading took {ms} ms"  # ~40 ms idle; contention allowance
    # a second digit beside it: a 1, then undo takes it back
    before = page.locator("#status").text_content()
    draw(page, [[(420, 50), (415, 240)]])
    text, _ = reading(page, before)
    assert text == "71"
    before = page.locator("#status").text_content()
    page.click("#undo")
    assert reading(page, before)[0] == "7"
    # closed loops with the page's brush: an 8 in one stroke, top loop then bottom loop
    page.click("#clear")
    eight = [(280 - 40 * math.sin(a), 90 - 45 * math.cos(a)) for a in np.linspace(0, 6.2, 30)]
    eight += [(280 + 50 * math.sin(a), 185 - 50 * math.cos(a)) for a in np.linspace(0, 6.2, 30)]
    before = page.locator("#status").text_content()
    draw(page, [eight])
    assert reading(page, before)[0] == "8"
    # a photo: the scene's text as `digits recognize` reads it
    _, want = post_file(server, images[2])
    page.click("#tab-photo")
    before = page.locator("#status").text_content()
    page.set_input_files("#upload", str(images[2]))
    text, _ = reading(page, before)
    assert text == want["text"] and len(text) >= 1
    page.screenshot(path=str(tmp_path / "page-photo.png"), full_page=True)
    # a file that is not an image: the server's message, shown as an error
    (tmp_path / "notes.jpg").write_text("not a photo")
    page.set_input_files("#upload", str(tmp_path / "notes.jpg"))
    page.wait_for_selector("#status.error")
    assert "not a decodable image" in page.locator("#status").text_content()
    assert errors == []
    page.close()


@pytest.mark.slow
def test_page_in_chromium_touch_and_camera(server: Server, browser, images: list[Path],
                                           tmp_path: Path) -> None:
    """A finger draws a 4 (touch -> pointer events); the camera's snapshot and live frames are
    read like the photo they film."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True,
                                  is_mobile=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server.url)
    cdp = context.new_cdp_session(page)
    box = page.locator("#pad").bounding_box()
    sx, sy = box["width"] / 560, box["height"] / 280

    def touch(kind: str, x: float | None = None, y: float | None = None) -> None:
        points = [] if x is None else [{"x": box["x"] + x * sx, "y": box["y"] + y * sy}]
        cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

    # a 4 in two strokes: the open angle, then the stem; a finger reports many points
    for corners in ([(300, 45), (240, 150), (345, 150)], [(305, 90), (305, 240)]):
        points = [tuple(a + (b - a) * t) for a, b in itertools.pairwise(np.array(corners))
                  for t in np.linspace(0, 1, 8)]
        before = page.locator("#status").text_content()
        touch("touchStart", *points[0])
        for x, y in points[1:]:
            touch("touchMove", x, y)
        touch("touchEnd")
        text, _ = reading(page, before)
    assert text == "4"
    # the camera films images[2]: a snapshot reads as the photo does (JPEG'd again)
    _, want = post_file(server, images[2])
    page.click("#tab-camera")
    page.click("#cam-start")
    page.wait_for_function("!document.getElementById('cam-snap').disabled")
    before = page.locator("#status").text_content()
    page.click("#cam-snap")
    text, _ = reading(page, before)
    assert text == want["text"]
    page.screenshot(path=str(tmp_path / "page-camera.png"), full_page=True)
    # live: new readings keep coming, a few a second
    page.check("#cam-live")
    seen = set()
    for _ in range(3):
        before = page.locator("#status").text_content()
        seen.add(reading(page, before)[0])
    page.uncheck("#cam-live")
    assert seen == {want["text"]}
    page.click("#cam-start")  # stop
    assert errors == []
    context.close()


def test_hostile_multipart_is_a_400_and_leaves_no_traceback(server: Server,
                                                            images: list[Path]) -> None:
    """A boundary above python-multipart's limit, a body of many thousands of tiny parts
    (refused past MAX_MULTIPART_PARTS, parsed off the event loop), and a client gone
    mid-body: 400 JSON or nothing, the health check answers meanwhile, no traceback."""
    from digits.runtime.serve import MAX_MULTIPART_PARTS

    long_boundary = "b" * 300
    body = f"--{long_boundary}\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nx\r\n"
    status, answer = request(f"{server.url}/v1/read", body.encode(),
                             f"multipart/form-data; boundary={long_boundary}")
    assert status == 400 and list(answer) == ["error"], answer
    part = b"--p\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n"
    flood = part * 50_000 + b"--p--\r\n"  # 2.6 MB
    health: list[float] = []

    def poll() -> None:
        t0 = time.monotonic()
        request(f"{server.url}/v1/health")
        health.append(time.monotonic() - t0)

    t = threading.Thread(target=lambda: [request(f"{server.url}/v1/read", flood,
                                                 "multipart/form-data; boundary=p")
                                         for _ in range(3)])
    t.start()
    while t.is_alive():
        poll()
    t.join()
    status, answer = request(f"{server.url}/v1/read", flood, "multipart/form-data; boundary=p")
    assert status == 400 and f"more than {MAX_MULTIPART_PARTS} parts" in answer["error"]
    assert max(health) < 1.0, health
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        s.sendall(b"POST /v1/read HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\n"
                  b"Content-Length: 100000\r\n\r\n" + b"\x89PNG" * 10)
    assert post_file(server, images[0])[0] == 200
    time.sleep(0.5)
    assert "Traceback" not in server.log.read_text(), server.log.read_text()


def test_out_of_memory_is_a_422_and_the_server_goes_on(tmp_path: Path,
                                                       images: list[Path]) -> None:
    """A 49 MP 16-bit RGBA PNG (under the pixel limit) in a server capped at 1 GB of
    address space: 422 JSON (it was a 500 and a traceback), then the next image is read."""
    from test_bad_inputs import _png16_rgba

    big = _png16_rgba(7000, 7000)
    srv = Server(tmp_path / "server.log", "--workers", "1", memory_cap=1 << 30)
    try:
        status, answer = request(f"{srv.url}/v1/read", big, "image/png")
        assert status == 422 and "not enough memory" in answer["error"], answer
        assert post_file(srv, images[0])[0] == 200
    finally:
        srv.stop()
    assert "Traceback" not in srv.log.read_text()


def test_a_uvicorn_traceback_is_one_line() -> None:
    """uvicorn logs an error outside /v1/read as "Exception in ASGI application\\n" with
    the exception attached: one line, its message then the exception's."""
    from digits.runtime.serve import OneLine

    try:
        raise ValueError("bad\nstate")
    except ValueError as e:
        record = logging.LogRecord("uvicorn.error", logging.ERROR, __file__, 1,
                                   "Exception in ASGI application\n", None,
                                   (type(e), e, e.__traceback__))
    assert OneLine().filter(record)
    assert record.getMessage() == "Exception in ASGI application: ValueError: bad\\nstate"
    assert record.exc_info is None  # no traceback after it
