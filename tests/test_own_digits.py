"""Your own digits: harvest crops with `recognize --save-crops`, fix labels by moving files,
`train --images --init`, `evaluate --images`, export with the held-out accuracy recorded.

Real frames written with OpenCV (digits.scenes, including its "blocks" hand that MNIST
does not contain), real onnxruntime sessions, the CLI as a subprocess."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from conftest import REPO, assert_one_line_error, run_cli
from digits import imagefolder
from digits.mnist import default_root, load_arrays
from digits.runtime.model import Model
from digits.runtime.segment import segment
from digits.scenes import generate

CKPT = REPO / "artifacts" / "digits.pt"
NAME = re.compile(r"^(?P<stem>.+?)(_f(?P<frame>\d+))?_x(?P<x>\d+)_y(?P<y>\d+)"
                  r"_c(?P<conf>[01]\.\d{3})(-\d+)?\.png$")
# an interpreter in which importing torch (or the training stage) fails
NO_TORCH = ("import sys; sys.modules['torch'] = None; sys.modules['digits.train'] = None; "
            "from digits.cli import main; main()")


def crops_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.png"))


def mnist_folder(root: Path, per_class: int, offset: int = 0) -> Path:
    """MNIST test digits as a user's images: larger than 28x28, half of them dark ink on
    white (a scan), half MNIST's own polarity."""
    images, labels = load_arrays(default_root(), train=False)
    for c in range(10):
        (root / str(c)).mkdir(parents=True, exist_ok=True)
        for k, i in enumerate(np.flatnonzero(labels == c)[offset:offset + per_class]):
            img = cv2.resize(images[i], (84, 84), interpolation=cv2.INTER_CUBIC)
            cv2.imwrite(str(root / str(c) / f"{i}.png"), 255 - img if k % 2 else img)
    return root


@pytest.fixture(scope="module")
def frames(tmp_path_factory) -> tuple[Path, list]:
    folder = tmp_path_factory.mktemp("frames")
    scenes = generate(3, seed=5, sources=("mnist",))
    for i, s in enumerate(scenes):
        cv2.imwrite(str(folder / f"page {i}.png"), s.image)  # a space: names made safe
    return folder, scenes


def test_save_crops_are_what_the_model_saw(frames, onnx_model, tmp_path) -> None:
    folder, scenes = frames
    out = tmp_path / "crops"
    r = run_cli("recognize", folder, "--save-crops", out, "--no-show", "--model", onnx_model,
                "--min-confidence", "0.99")
    assert r.returncode == 0, r.stderr
    model = Model(onnx_model, "cpu")
    expected = {}
    for i, s in enumerate(scenes):
        seg = segment(s.image)
        probs = model.probabilities(seg.crops)
        for crop, box, p in zip(seg.crops, seg.boxes, probs, strict=True):
            expected[(f"page-{i}", box[0], box[1])] = (crop[0], p)
    saved = crops_in(out)
    assert len(saved) == len(expected) >= 6  # every region, not only the confident ones
    for path in saved:
        m = NAME.match(path.name)
        assert m and m["frame"] is None, path.name
        crop, p = expected[(m["stem"], int(m["x"]), int(m["y"]))]
        image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
        assert image.shape == (28, 28) and image.dtype == np.uint8
        assert np.abs(image / 255.0 - crop).max() <= 0.5 / 255 + 1e-6  # the model's input
        assert float(m["conf"]) == pytest.approx(p.max(), abs=5e-4)
        want = str(int(p.argmax())) if p.max() >= 0.8 else "unsure"
        assert path.parent.name == want
    assert f"saved {len(saved)} crops" in r.stderr
    # a second run adds files and replaces none
    before = {p: p.read_bytes() for p in saved}
    again = run_cli("recognize", folder, "--save-crops", out, "--no-show", "--model",
                    onnx_model)
    assert again.returncode == 0, again.stderr
    assert len(crops_in(out)) == 2 * len(saved)
    assert all(p.read_bytes() == b for p, b in before.items())
    # and the folder is a dataset: the fit leaves a saved crop as it is
    data = imagefolder.read(out, list(range(10)))
    assert "unsure/" in " ".join(data.notes) or not (out / "unsure").exists()
    assert np.abs(data.images[0, 0] - cv2.imread(str(out / data.paths[0]), 0) / 255.0).max() < 1e-6


def test_save_crops_from_video_name_their_frames(frames, onnx_model, tmp_path) -> None:
    _, scenes = frames
    video = tmp_path / "clip.mp4"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"mp4v"), 10, (640, 480))
    for s in scenes:
        writer.write(s.image)
    writer.release()
    r = run_cli("recognize", video, "--save-crops", tmp_path / "c", "--no-show", "--model",
                onnx_model)
    assert r.returncode == 0, r.stderr
    names = [NAME.match(p.name) for p in crops_in(tmp_path / "c")]
    assert all(m and m["stem"] == "clip" for m in names)
    assert {int(m["frame"]) for m in names} == set(range(len(scenes)))


def test_save_crops_unwritable_is_one_line(frames, onnx_model, tmp_path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    r = run_cli("recognize", frames[0], "--save-crops", blocker / "sub", "--no-show",
                "--model", onnx_model)
    assert "--save-crops" in assert_one_line_error(r)


@pytest.mark.parametrize("how", ["folder", "recursive-glob", "inside"])
def test_save_crops_where_the_inputs_are_is_refused(frames, onnx_model, tmp_path, how) -> None:
    """A run that wrote its crops where its inputs are read from read them back (15 frames
    for 3 images; 24 crops, then 48 the next run): refused before anything is read."""
    folder = tmp_path / "photos"
    (folder / "7").mkdir(parents=True)
    for page, name in zip(sorted(frames[0].iterdir()), ["a.png", "b.png", "7/c.png"],
                          strict=True):
        (folder / name).write_bytes(page.read_bytes())
    before = sorted(folder.rglob("*"))
    source, crops = {"folder": (folder, folder),
                     "recursive-glob": (f"{folder}/**/*.png", folder),
                     "inside": (folder / "7", folder)}[how]
    r = run_cli("recognize", source, "--save-crops", crops, "--no-show", "--model", onnx_model)
    assert "is where the input" in assert_one_line_error(r)
    assert sorted(folder.rglob("*")) == before


def _huge_png(w: int, h: int) -> bytes:
    """A small file that declares a w x h grayscale PNG (a decompression bomb's shape)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\0" * 4096)) + chunk(b"IEND", b""))


@pytest.fixture
def messy(tmp_path) -> Path:
    """A folder with every kind of bad input beside good images."""
    root = mnist_folder(tmp_path / "mine", per_class=3)
    (root / "0" / "notes.txt").write_text("not an image")
    (root / "1" / "corrupt.png").write_bytes(b"\x89PNG\r\n\x1a\nbroken")
    (root / "1" / "empty.jpg").write_bytes(b"")
    (root / "2" / "huge.png").write_bytes(_huge_png(20000, 20000))
    cv2.imwrite(str(root / "3" / "blank.png"), np.full((50, 50), 255, np.uint8))
    first = sorted((root / "4").iterdir())[0]
    (root / "4" / "copy.png").write_bytes(first.read_bytes())
    (root / "5").mkdir(exist_ok=True)
    for p in (root / "5").iterdir():
        p.unlink()  # an empty class
    for p in sorted((root / "6").iterdir())[1:]:
        p.unlink()  # a class with one image
    (root / "unsure").mkdir()
    cv2.imwrite(str(root / "unsure" / "x.png"), np.zeros((28, 28), np.uint8))
    return root


def test_folder_skips_and_names_bad_files(messy) -> None:
    data = imagefolder.read(messy, list(range(10)))
    counts = data.counts()
    assert counts["5"] == 0 and counts["6"] == 1 and counts["0"] == 3 and counts["4"] == 3
    assert counts["1"] == 3 and counts["2"] == 3 and counts["3"] == 3
    skipped = dict(data.skipped)
    assert set(skipped) == {"0/notes.txt", "1/corrupt.png", "1/empty.jpg", "2/huge.png",
                            "3/blank.png", "4/copy.png"}
    assert "decode limit" in skipped["2/huge.png"] and "no ink" in skipped["3/blank.png"]
    text = "\n".join(data.warnings())
    assert "class 5/ has no usable image" in text and "unsure/ (1 images)" in text
    assert "skipped 1 file (empty file): 1/empty.jpg" in text
    # the fingerprint follows the content and the labels
    assert imagefolder.read(messy, list(range(10))).fingerprint() == data.fingerprint()
    moved = sorted((messy / "0").glob("*.png"))[0]
    os.replace(moved, messy / "8" / moved.name)
    assert imagefolder.read(messy, list(range(10))).fingerprint() != data.fingerprint()


def test_reject_class_folder(tmp_path) -> None:
    """not-a-digit/ is a class of a model with an eleventh output, ignored (and said) for a
    ten-class model."""
    root = mnist_folder(tmp_path / "mine", per_class=1)
    (root / "not-a-digit").mkdir()
    cv2.imwrite(str(root / "not-a-digit" / "smudge.png"),
                cv2.circle(np.full((60, 60), 255, np.uint8), (30, 30), 12, 0, -1))
    ten = imagefolder.read(root, list(range(10)))
    assert len(ten.paths) == 10 and "ignored not-a-digit/ (1 images)" in " ".join(ten.notes)
    eleven = imagefolder.read(root, [*range(10), "not-a-digit"])
    assert eleven.classes[-1] == "not-a-digit" and eleven.counts()["not-a-digit"] == 1


def test_evaluate_images_onnx_without_torch(messy, onnx_model, tmp_path) -> None:
    plot = tmp_path / "confusion.png"
    proc = subprocess.run([sys.executable, "-c", NO_TORCH, "evaluate", "--model",
                           str(onnx_model), "--images", str(messy), "--json", "--plot",
                           str(plot)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert cv2.imread(str(plot)).shape[2] == 3
    result = json.loads(proc.stdout)
    data = imagefolder.read(messy, list(range(10)))
    pred = Model(onnx_model, "cpu").probabilities(data.images).argmax(1)
    assert result["images"] == len(data.paths) == 25
    assert result["accuracy"] == pytest.approx(float((pred == data.targets).mean()))
    assert result["accuracy"] >= 0.9  # MNIST digits, resized and half inverted
    assert result["per_class"]["5"] is None and sum(map(sum, result["confusion"])) == 25
    assert "skipped 1 file (not an image): 0/notes.txt" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_evaluate_images_reject_class_onnx_without_torch(onnx_model, tmp_path) -> None:
    """The shipped 11-output model judged on a folder with not-a-digit/: that folder is a
    class (a confusion row), and the reject rate is over the digit images."""
    root = with_negatives(mnist_folder(tmp_path / "mine", per_class=2), 6)
    proc = subprocess.run([sys.executable, "-c", NO_TORCH, "evaluate", "--model",
                           str(onnx_model), "--images", str(root), "--json"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    model = Model(onnx_model, "cpu")
    assert model.reject_index == 10
    data = imagefolder.read(root, [*range(10), "not-a-digit"])
    pred = model.probabilities(data.images).argmax(1)
    assert result["images"] == 26 and result["classes"][-1] == "not-a-digit"
    assert np.array(result["confusion"]).shape == (11, 11)
    assert result["accuracy"] == pytest.approx(float((pred == data.targets).mean()))
    digit = data.targets < 10
    assert result["reject_rate"] == pytest.approx(float((pred[digit] == 10).mean()))
    assert result["per_class"]["not-a-digit"] == pytest.approx(float((pred[~digit] == 10)
                                                                     .mean()))


@pytest.mark.parametrize("layout, needle", [
    ({"seven": 1}, "seven is not a class of this model"),
    ({}, "no usable image in any class folder"),
])
def test_evaluate_images_unusable_folder(layout, needle, onnx_model, tmp_path) -> None:
    root = tmp_path / "mine"
    root.mkdir()
    for name, n in layout.items():
        (root / name).mkdir()
        for k in range(n):
            cv2.imwrite(str(root / name / f"{k}.png"), np.zeros((28, 28), np.uint8))
    line = assert_one_line_error(run_cli("evaluate", "--model", onnx_model, "--images", root))
    assert needle in line


def test_same_image_in_two_classes_is_an_error(tmp_path, onnx_model) -> None:
    root = mnist_folder(tmp_path / "mine", per_class=1)
    one = next((root / "3").iterdir())
    (root / "8" / "also.png").write_bytes(one.read_bytes())
    line = assert_one_line_error(run_cli("evaluate", "--model", onnx_model, "--images", root))
    assert "same image in two classes" in line


def test_resume_a_finished_checkpoint_says_init(tmp_path) -> None:
    line = assert_one_line_error(run_cli("train", "--resume", CKPT, "--out", tmp_path))
    assert f"use --init {CKPT}" in line
    line = assert_one_line_error(run_cli("train", "--images", tmp_path / "none", "--init",
                                         CKPT, "--out", tmp_path))
    assert "no such folder" in line
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow  # torch and MNIST load before the folder is read: ~7 s
def test_train_images_unknown_class_writes_nothing(tmp_path) -> None:
    root = mnist_folder(tmp_path / "mine", per_class=2)
    (root / "eleven").mkdir()
    out = tmp_path / "out"
    line = assert_one_line_error(run_cli("train", "--images", root, "--init", CKPT,
                                         "--out", out))
    assert "eleven is not a class" in line
    assert not out.exists() or list(out.iterdir()) == []


def test_train_options_match_the_module_defaults() -> None:
    """The CLI states --mnist-ratio and --holdout before torch is imported; they must be
    the defaults train/images.py documents."""
    from digits.train import commands, images

    defaults = {p.name: p.default for p in commands.train.params}
    assert defaults["mnist_ratio"] == images.MNIST_RATIO
    assert defaults["holdout"] == images.HOLDOUT


QUICK_FT = {"epochs": 1, "mnist_ratio": 1.0, "limit": 8192}


def with_negatives(root: Path, count: int, seed: int = 12345) -> Path:
    """``count`` generated "not a digit" images (letters, scribbles, ...; a seed training
    never draws) as 28x28 PNGs in ``root/not-a-digit/``."""
    from digits.train import negatives

    (root / "not-a-digit").mkdir()
    for i, x in enumerate(negatives.generate(count, seed)):
        cv2.imwrite(str(root / "not-a-digit" / f"n{i}.png"),
                    np.round(x[0] * 255).astype(np.uint8))
    return root


@pytest.mark.slow
def test_finetune_records_dataset_and_held_out(mnist_root, tmp_path) -> None:
    """--init the shipped 11-class model with a folder that has not-a-digit/: the model
    keeps its classes and its negatives, the folder's reject class is trained and held
    out, and the metrics report MNIST (with its reject rate) and the held-out images."""
    import torch

    from digits.labels import LABELS
    from digits.train import loop

    root = with_negatives(mnist_folder(tmp_path / "mine", per_class=5), 5)
    cfg = loop.TrainConfig(arch=None, init=str(CKPT), images=str(root), **QUICK_FT)
    ckpt = loop.train(cfg, mnist_root, tmp_path / "out", log=lambda m: None, progress=False)
    saved = torch.load(tmp_path / "out" / "digits.pt", weights_only=True)
    assert saved["labels"] == LABELS and saved["arch_config"]["classes"] == 11
    assert saved["train_config"]["negatives"] == loop.NEGATIVE_RATIO
    record = saved["dataset"]["images"]
    assert record["counts"] == {**{str(c): 5 for c in range(10)}, "not-a-digit": 5}
    assert record["file_list_sha256"] == imagefolder.read(root, LABELS).fingerprint()
    assert record["held_out"] == 11 and record["trained_on"] == 44  # 1 of 5 per class
    metrics = saved["metrics"]
    assert metrics["images_held_out"] == 11 and metrics["images_accuracy"] >= 0.9
    assert metrics["test_accuracy"] >= 0.99  # started from the shipped weights
    assert metrics["test_reject_rate"] <= 0.01 and metrics["negatives_rejected"] >= 0.9
    assert saved["train_config"]["init"] == str(CKPT) and ckpt["arch"] == "cnn"
    # evaluate --images on the checkpoint: the same folder, the same numbers as by hand
    from digits.export.evaluate import evaluate_images

    result = evaluate_images(tmp_path / "out" / "digits.pt", root, log=lambda m: None)
    data = imagefolder.read(root, LABELS)
    model = checkpoint_model(tmp_path / "out" / "digits.pt")
    with torch.no_grad():
        pred = model(torch.from_numpy(data.images)).argmax(1).numpy()
    assert result["accuracy"] == pytest.approx(float((pred == data.targets).mean()))
    assert result["classes"] == [*map(str, range(10)), "not-a-digit"]
    assert np.array(result["confusion"]).shape == (11, 11)
    digit = data.targets < 10
    assert result["reject_rate"] == pytest.approx(float((pred[digit] == 10).mean()))
    assert result["file_list_sha256"] == record["file_list_sha256"]


@pytest.mark.slow
def test_finetune_a_ten_class_model_stays_ten_class(mnist_root, tmp_path) -> None:
    """--init a model without the reject class: no negatives, not-a-digit/ ignored (and
    said), 10 outputs out; asking for negatives is a one-line error."""
    import torch

    from digits.errors import DigitsError
    from digits.train import checkpoint, loop

    shipped = checkpoint.load(CKPT)
    ten = {**shipped, "labels": list(range(10)),
           "arch_config": {**shipped["arch_config"], "classes": 10},
           "state_dict": {k: v[:10] if v.shape[:1] == (11,) else v
                          for k, v in shipped["state_dict"].items()}}
    checkpoint.atomic_save(ten, tmp_path / "ten.pt")
    checkpoint.load(tmp_path / "ten.pt")  # a valid 10-class checkpoint
    root = with_negatives(mnist_folder(tmp_path / "mine", per_class=5), 5)
    with pytest.raises(DigitsError, match="10-class model without the not-a-digit class"):
        loop.train(loop.TrainConfig(arch=None, init=str(tmp_path / "ten.pt"), negatives=0.2),
                   mnist_root, tmp_path / "refused", log=lambda m: None)
    lines: list[str] = []
    cfg = loop.TrainConfig(arch=None, init=str(tmp_path / "ten.pt"), images=str(root),
                           **QUICK_FT)
    loop.train(cfg, mnist_root, tmp_path / "out", log=lines.append, progress=False)
    saved = torch.load(tmp_path / "out" / "digits.pt", weights_only=True)
    assert saved["labels"] == list(range(10)) and saved["arch_config"]["classes"] == 10
    assert saved["train_config"]["negatives"] == 0
    assert "not-a-digit" not in saved["dataset"]["images"]["counts"]
    assert any("ignored not-a-digit/ (5 images)" in line for line in lines)
    assert saved["metrics"]["test_reject_rate"] == 0 and saved["metrics"]["test_accuracy"] >= 0.99


def checkpoint_model(path: Path):
    from digits.train import checkpoint

    return checkpoint.build_model(checkpoint.load(path))


@pytest.mark.slow
def test_images_run_interrupted_then_resumed_exactly(mnist_root, tmp_path, monkeypatch) -> None:
    import torch

    from digits.errors import DigitsError
    from digits.train import loop

    root = mnist_folder(tmp_path / "mine", per_class=4)
    cfg = loop.TrainConfig(arch=None, init=str(CKPT), images=str(root), **{**QUICK_FT,
                                                                           "epochs": 2})
    loop.train(cfg, mnist_root, tmp_path / "whole", log=lambda m: None, progress=False)
    real, calls = loop.augment, {"n": 0}

    def interrupt_at_step_5(x, gen):
        calls["n"] += 1
        if calls["n"] == 6:
            raise KeyboardInterrupt
        return real(x, gen)

    monkeypatch.setattr(loop, "augment", interrupt_at_step_5)
    with pytest.raises(DigitsError, match="resumable checkpoint"):
        loop.train(cfg, mnist_root, tmp_path / "cut", log=lambda m: None, progress=False)
    monkeypatch.setattr(loop, "augment", real)
    last = tmp_path / "cut" / "digits.last.pt"
    loop.train(loop.TrainConfig(), mnist_root, tmp_path / "cut", resume=last,
               log=lambda m: None, progress=False)
    a = torch.load(tmp_path / "whole" / "digits.pt", weights_only=True)
    b = torch.load(tmp_path / "cut" / "digits.pt", weights_only=True)
    assert all(torch.equal(a["state_dict"][k], b["state_dict"][k]) for k in a["state_dict"])
    assert a["dataset"] == b["dataset"]
    # a folder that changed under an interrupted run is refused
    monkeypatch.setattr(loop, "augment", interrupt_at_step_5)
    calls["n"] = 0
    with pytest.raises(DigitsError):
        loop.train(cfg, mnist_root, tmp_path / "cut2", log=lambda m: None, progress=False)
    monkeypatch.setattr(loop, "augment", real)
    next((root / "2").iterdir()).unlink()
    with pytest.raises(DigitsError, match="changed since the interrupted run"):
        loop.train(loop.TrainConfig(), mnist_root, tmp_path / "cut2",
                   resume=tmp_path / "cut2" / "digits.last.pt", log=lambda m: None)


def _read_truth(model: Path, folder: Path, scenes, kinds: set[int]) -> float:
    """Share of the true digits of ``kinds`` on the frames that ``recognize`` reads right
    (a returned box holding the true box's centre, with the true label)."""
    r = run_cli("recognize", folder, "--json", "--no-show", "--model", model,
                "--min-confidence", "0")
    assert r.returncode == 0, r.stderr
    got = {Path(rec["source"]).name: rec["digits"] for rec in map(json.loads,
                                                                  r.stdout.splitlines())}
    right = total = 0
    for i, s in enumerate(scenes):
        for label, (x, y, w, h) in zip(s.labels, s.boxes, strict=True):
            if label not in kinds:
                continue
            total += 1
            cx, cy = x + w / 2, y + h / 2
            right += any(d["label"] == label and d["box"][0] <= cx <= d["box"][0] + d["box"][2]
                         and d["box"][1] <= cy <= d["box"][1] + d["box"][3]
                         for d in got[f"f{i:03d}.png"])
    return right / total


@pytest.mark.slow
def test_end_to_end_harvest_fix_finetune_export_read(onnx_model, tmp_path) -> None:
    """recognize -> save crops -> move misfiled crops (non-digits to not-a-digit/) -> train
    --images --init -> export (gates pass) -> recognize reads the moved examples' kind
    better than before, and the model still has and uses its reject class."""
    pool, held = tmp_path / "pool", tmp_path / "held"
    pool_scenes = generate(40, seed=21, sources=("blocks",))
    held_scenes = generate(25, seed=22, sources=("blocks",))
    for folder, scenes in ((pool, pool_scenes), (held, held_scenes)):
        folder.mkdir()
        for i, s in enumerate(scenes):
            cv2.imwrite(str(folder / f"f{i:03d}.png"), s.image)
    crops = tmp_path / "crops"
    r = run_cli("recognize", pool, "--save-crops", crops, "--no-show", "--model", onnx_model)
    assert r.returncode == 0, r.stderr
    # the person: each crop goes to the folder of what it really shows
    moved: dict[int, int] = {}
    for path in crops_in(crops):
        m = NAME.match(path.name)
        scene = pool_scenes[int(m["stem"][1:])]
        x, y = int(m["x"]), int(m["y"])
        truth = [label for label, (bx, by, bw, bh) in zip(scene.labels, scene.boxes, strict=True)
                 if bx - 4 <= x <= bx + bw / 2 and by - 4 <= y <= by + bh / 2]
        if not truth and path.parent.name != "not-a-digit":
            (crops / "not-a-digit").mkdir(exist_ok=True)  # no digit there: filed as such
            os.replace(path, crops / "not-a-digit" / path.name)
        elif len(truth) > 1:
            path.unlink()  # two digits in one box: the person deletes it
        elif truth and path.parent.name != str(truth[0]):
            (crops / str(truth[0])).mkdir(exist_ok=True)
            os.replace(path, crops / str(truth[0]) / path.name)
            moved[truth[0]] = moved.get(truth[0], 0) + 1
    kinds = {k for k, n in moved.items() if n >= 3}  # the kinds the model got wrong often
    assert kinds, moved
    out = tmp_path / "model"
    r = run_cli("train", "--images", crops, "--init", CKPT, "--out", out, "--epochs", "2",
                "--mnist-ratio", "1")
    assert r.returncode == 0, r.stderr
    assert "held-out images accuracy" in r.stderr
    r = run_cli("export", "--model", out / "digits.pt", "--out", out, "--onnx")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "held-out images accuracy" in r.stdout
    report = json.loads((out / "export_report.json").read_text())
    assert report["passed"] and report["accuracy"]["mnist_test"] >= 0.99
    assert report["accuracy"]["mnist_test_reject_rate"] <= 0.01
    own = report["accuracy"]["images_held_out"]
    assert own["folder"] == str(crops) and own["accuracy"] > 0.5
    tuned = Model(out / "digits.onnx", "cpu")
    assert tuned.reject_index == 10  # the shipped model's reject class, kept
    meta = json.loads(tuned.session.get_modelmeta().custom_metadata_map["digits"])
    assert meta["accuracy"] == report["accuracy"]
    before = _read_truth(onnx_model, held, held_scenes, kinds)
    after = _read_truth(out / "digits.onnx", held, held_scenes, kinds)
    assert after > before + 0.1, (kinds, before, after)
