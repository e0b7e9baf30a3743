"""`digits recognize` as a user runs it: a subprocess, real files written with OpenCV,
real sessions; every bad input is one line on stderr and the exit code of DESIGN.md."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from digits.mnist import default_root, load_arrays
from digits.scenes import generate

# importing torch (or the training/export stages) raises in this interpreter
NO_TORCH = ("import sys; sys.modules['torch'] = None; sys.modules['digits.train'] = None; "
            "sys.modules['digits.export'] = None; from digits.cli import main; main()")


def digits(*args: str, model: Path | None = None, no_torch: bool = False,
           cwd: Path | None = None) -> subprocess.CompletedProcess:
    head = [sys.executable, "-c", NO_TORCH] if no_torch else [sys.executable, "-m", "digits"]
    extra = ["--model", str(model)] if model else []
    return subprocess.run([*head, "recognize", *args, *extra], capture_output=True, text=True,
                          timeout=120, cwd=cwd)


def errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("digits: error")]


@pytest.fixture(scope="module")
def scenes():
    return generate(8, seed=11)


@pytest.fixture(scope="module")
def files(tmp_path_factory, scenes) -> dict[str, Path]:
    """A 28x28 MNIST PNG, camera-like JPEGs, a video, and a gallery of broken files."""
    d = tmp_path_factory.mktemp("inputs")
    images, labels = load_arrays(default_root(), train=False)
    out = {"mnist": d / "mnist.png", "label": int(labels[0])}
    cv2.imwrite(str(out["mnist"]), images[0])
    good = d / "good"
    good.mkdir()
    for i, s in enumerate(scenes[:2]):
        cv2.imwrite(str(good / f"scene{i}.jpg"), s.image)
    out["good"] = good
    video = d / "clip.mp4"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"mp4v"), 10, (640, 480))
    for s in scenes:
        writer.write(s.image)
    writer.release()
    out["video"] = video
    bad = d / "bad"
    bad.mkdir()
    (bad / "empty.png").write_bytes(b"")
    (bad / "text.png").write_text("this is text, not a PNG\n")
    jpg = cv2.imencode(".jpg", scenes[0].image)[1].tobytes()
    (bad / "truncated.jpg").write_bytes(jpg[: len(jpg) // 3])
    cv2.imwrite(str(bad / "tiny.png"), np.zeros((1, 1, 3), np.uint8))
    (bad / "zero.png").write_bytes(_png_header(0, 0))
    (bad / "huge.png").write_bytes(_png_header(12000, 12000))
    (bad / "broken.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x13" * 4000)
    cv2.imwrite(str(bad / "ok.png"), images[0])
    out["bad"] = bad
    return out


def _png_header(w: int, h: int) -> bytes:
    """A PNG that declares w x h: enough to be refused without decoding anything."""
    import struct
    import zlib

    ihdr = struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(ihdr)) + chunk
            + struct.pack(">I", zlib.crc32(chunk)))


def test_mnist_png_is_its_digit(files, onnx_model) -> None:
    r = digits(str(files["mnist"]), "--json", model=onnx_model)
    assert r.returncode == 0, r.stderr
    rec = json.loads(r.stdout)
    assert rec["frame"] is None and rec["text"] == str(files["label"])
    assert rec["digits"][0]["label"] == files["label"]


def test_no_torch_images_video_json(files, onnx_model, tmp_path) -> None:
    r = digits(str(files["good"]), str(files["mnist"]), str(files["video"]), "--json",
               "--max-frames", "2", "--save", str(tmp_path), model=onnx_model, no_torch=True)
    assert r.returncode == 0, r.stderr
    recs = [json.loads(line) for line in r.stdout.splitlines()]
    assert len(recs) == 2 + 1 + 2
    assert set(recs[0]) == {"source", "frame", "digits", "text", "schema_version", "lines",
                            "numbers", "rejected"}
    for d in recs[0]["digits"]:
        assert set(d) == {"label", "confidence", "box", "line", "number", "low_confidence"}
        assert len(d["box"]) == 4
    assert "Speed:" in r.stderr
    r = digits(str(files["mnist"]), model=onnx_model, no_torch=True)  # text output
    assert r.returncode == 0 and r.stdout.strip().endswith(f"{files['label']}(" + r.stdout
                                                           .split("(")[-1].strip())


def test_video_frames_and_saved_video(files, onnx_model, scenes, tmp_path) -> None:
    r = digits(str(files["video"]), "--json", "--stride", "3", "--save", str(tmp_path),
               model=onnx_model)
    assert r.returncode == 0, r.stderr
    recs = [json.loads(line) for line in r.stdout.splitlines()]
    assert [rec["frame"] for rec in recs] == list(range(0, len(scenes), 3))
    assert all(rec["source"] == str(files["video"]) for rec in recs)
    cap = cv2.VideoCapture(str(tmp_path / "clip.mp4"))
    n = 0
    while cap.read()[0]:
        n += 1
    assert n == len(recs)


def test_save_annotated_images(files, onnx_model, tmp_path) -> None:
    r = digits(str(files["good"]), "--save", str(tmp_path), model=onnx_model)
    assert r.returncode == 0, r.stderr
    saved = sorted(p.name for p in tmp_path.iterdir())
    assert saved == ["scene0.jpg", "scene1.jpg"]
    assert cv2.imread(str(tmp_path / "scene0.jpg")).shape == (480, 640, 3)


def test_mixed_folder_exit_1_rest_processed(files, onnx_model) -> None:
    r = digits(str(files["bad"]), "--json", model=onnx_model)
    assert r.returncode == 1
    recs = [json.loads(line) for line in r.stdout.splitlines()]
    assert [Path(rec["source"]).name for rec in recs] == ["ok.png"]
    errs = errors(r.stderr)
    names = {"empty.png", "text.png", "truncated.jpg", "tiny.png", "zero.png", "huge.png",
             "broken.mp4"}
    assert {next(n for n in names if n in e) for e in errs} == names, r.stderr
    assert "Traceback" not in r.stderr
    assert any("huge.png" in e and "12000x12000" in e for e in errs)


@pytest.mark.parametrize("name", ["empty.png", "text.png", "truncated.jpg", "tiny.png",
                                  "zero.png", "huge.png", "broken.mp4"])
def test_each_bad_file(files, onnx_model, name) -> None:
    r = digits(str(files["bad"] / name), str(files["mnist"]), "--json", model=onnx_model)
    assert r.returncode == 1 and len(errors(r.stderr)) == 1 and name in r.stderr
    assert len(r.stdout.splitlines()) == 1 and "Traceback" not in r.stderr


def test_missing_path_and_no_source(files, onnx_model, tmp_path) -> None:
    r = digits(str(tmp_path / "nope.png"), str(files["mnist"]), model=onnx_model)
    assert r.returncode == 1 and "no such file" in r.stderr and len(r.stdout.splitlines()) == 1
    r = digits(model=onnx_model)
    assert r.returncode == 2 and "SOURCE" in r.stderr


def test_camera_that_does_not_exist(onnx_model) -> None:
    r = digits("--camera", "57", "--no-show", model=onnx_model)
    assert r.returncode == 2 and len(errors(r.stderr)) == 1 and "camera 57" in r.stderr


def _tiny_model(path: Path, shape: list) -> Path:
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper

    x = helper.make_tensor_value_info("image", TensorProto.FLOAT, shape)
    y = helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", 10])
    graph = helper.make_graph([helper.make_node("Identity", ["image"], ["logits"])], "g", [x], [y])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    helper.set_model_props(model, {"digits": json.dumps({"format": "digits-onnx",
                                                         "labels": list(range(10))})})
    onnx.save(model, str(path))
    return path


@pytest.mark.parametrize("kind", ["corrupt", "text", "wrong-shape", "missing"])
def test_bad_model_exit_2(files, onnx_model, tmp_path, kind) -> None:
    path = tmp_path / "model.onnx"
    if kind == "corrupt":
        path.write_bytes(onnx_model.read_bytes()[:3000])
    elif kind == "text":
        path.write_text("hello\n")
    elif kind == "wrong-shape":
        _tiny_model(path, ["N", 10])
    r = digits(str(files["mnist"]), model=path)
    assert r.returncode == 2 and len(errors(r.stderr)) == 1, r.stderr
    assert "Traceback" not in r.stderr and r.stdout == ""
    if kind == "wrong-shape":
        assert "[N,1,28,28]" in r.stderr


def test_device_cuda_without_cuda(files, onnx_model) -> None:
    import onnxruntime as ort

    if "CUDAExecutionProvider" in ort.get_available_providers():
        pytest.skip("this onnxruntime has CUDA")
    r = digits(str(files["mnist"]), "--device", "cuda", model=onnx_model)
    assert r.returncode == 2 and "onnxruntime-gpu in place of onnxruntime" in r.stderr


def test_checks_runs(onnx_model) -> None:
    r = subprocess.run([sys.executable, "-m", "digits", "checks"], capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    for key in ("onnxruntime", "opencv", "providers available", "camera 0", "default model"):
        assert key in r.stdout


def test_camera_thread_and_live_loop(files, onnx_model, tmp_path, capsys) -> None:
    """The capture thread and the live path (smoothing, FPS overlay, saved video), with
    a video file standing in for the webcam."""
    from digits.runtime.reader import Reader
    from digits.runtime.recognize import recognize_frames
    from digits.runtime.sources import Camera

    frames = list(Camera(str(files["video"])).frames(max_frames=3, stride=1))
    assert len(frames) == 3 and all(f.live for f in frames)
    indices = [f.index for f in frames]
    assert indices == sorted(set(indices))
    camera = Camera(str(files["video"]))
    rc = recognize_frames(Reader(onnx_model, "cpu"), camera.frames(max_frames=4, stride=1),
                          as_json=True, save=tmp_path, show=False)
    assert rc == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    # a file feeds the thread faster than frames are read: stale ones are dropped
    assert 1 <= len(lines) <= 4 and lines[0]["source"].startswith("camera:")
    numbers = [rec["frame"] for rec in lines]
    assert numbers == sorted(set(numbers))
    saved = list(tmp_path.glob("*.mp4"))
    cap, n = cv2.VideoCapture(str(saved[0])), 0
    while cap.read()[0]:
        n += 1
    assert len(saved) == 1 and n == len(lines)


def test_show_headless_is_said_once(files, onnx_model) -> None:
    import os

    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    r = subprocess.run([sys.executable, "-m", "digits", "recognize", str(files["mnist"]),
                        str(files["mnist"]), "--show", "--model", str(onnx_model)],
                       capture_output=True, text=True, timeout=120, env=env)
    assert r.returncode == 0, r.stderr
    assert r.stderr.count("no display found") == 1 and len(r.stdout.splitlines()) == 2
