"""The bad-input suite of the other commands (issue 9): data, train, export, evaluate,
bench and checks. Every CLI case asserts the exit code, exactly one stderr line
(`digits: error: ...`), no traceback, and that the folders it could touch hold the same
files with the same bytes afterwards. Option errors are caught before torch is imported,
so those cases take about a second each."""

from __future__ import annotations

import gzip
import json
import subprocess
from pathlib import Path

import pytest

from conftest import REPO, assert_one_line_error, interrupt_training, run_cli, snapshot

TIMEOUT = 30
SHIPPED = REPO / "artifacts"


def one_line(proc: subprocess.CompletedProcess[str], code: int = 2) -> str:
    line = assert_one_line_error(proc, code)
    assert len(proc.stderr.splitlines()) == 1, proc.stderr
    return line


def cli(*args: object, **kw: object) -> subprocess.CompletedProcess[str]:
    return run_cli(*map(str, args), timeout=TIMEOUT, **kw)


# --- kind 15: bad option values, refused before any work -------------------------

@pytest.mark.parametrize("args, needle", [
    (["train", "--lr", "nan"], "finite"),
    (["train", "--lr", "inf"], "--lr"),
    (["train", "--lr", "40"], "--lr"),
    (["train", "--lr", "0"], "--lr"),
    (["train", "--seed", str(2**70)], "--seed"),
    (["train", "--seed", "-1"], "--seed"),
    (["bench", "--seconds", "nan"], "--seconds"),
])
def test_bad_option_values(tmp_path: Path, args: list[str], needle: str) -> None:
    before = snapshot(tmp_path)
    assert needle in one_line(cli(*args, "--out", tmp_path / "out", cwd=tmp_path))
    assert snapshot(tmp_path) == before


# --- kind 11: MNIST folder faults -------------------------------------------------

def test_data_root_that_is_a_file(tmp_path: Path) -> None:
    f = tmp_path / "mnist.tar"
    f.write_bytes(b"not a folder")
    before = snapshot(tmp_path)
    assert "not a folder" in one_line(cli("data", env={"DIGITS_DATA": str(f)}))
    assert "is a file" in one_line(cli("data", "--data", f))  # click's own check
    assert snapshot(tmp_path) == before


def test_damaged_gz(tmp_path: Path) -> None:
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    good = gzip.compress(b"\x00\x00\x08\x01" + bytes(100))
    (raw / "t10k-labels-idx1-ubyte.gz").write_bytes(good[:20] + b"\xff" * 10 + good[30:])
    before = snapshot(tmp_path)
    assert "cannot be decompressed" in one_line(cli("data", "--data", tmp_path))
    assert snapshot(tmp_path) == before


# --- kind 10: the checkpoint schema is checked whole at load ----------------------

def _broken_checkpoints() -> dict[str, object]:
    return {
        "no state_dict": lambda c: c.pop("state_dict"),
        "no labels": lambda c: c.pop("labels"),
        "no arch_config": lambda c: c.pop("arch_config"),
        "arch_config of another arch": lambda c: c.update(arch_config={"hidden": [64, 32]}),
        "labels not integers": lambda c: c.update(labels=[str(i) for i in range(10)]),
        "weights of another size": lambda c: c.update(arch_config={**c["arch_config"],
                                                                    "hidden": 64}),
        "resume state incomplete": lambda c: c.update(resume={"epoch": 1}),
    }


@pytest.mark.parametrize("case", list(_broken_checkpoints()))
def test_checkpoint_schema(tmp_path: Path, case: str) -> None:
    import torch

    from digits.errors import DigitsError
    from digits.train import checkpoint

    ckpt = torch.load(SHIPPED / "digits.pt", weights_only=True)
    _broken_checkpoints()[case](ckpt)
    path = tmp_path / "bad.pt"
    torch.save(ckpt, path)
    with pytest.raises(DigitsError) as e:
        checkpoint.load(path)
    assert e.value.exit_code == 2 and "\n" not in str(e.value)


@pytest.mark.slow
def test_broken_checkpoint_stops_export_and_resume_at_once(tmp_path: Path) -> None:
    import torch

    ckpt = torch.load(SHIPPED / "digits.pt", weights_only=True)
    ckpt.pop("state_dict")
    bad = tmp_path / "bad.pt"
    torch.save(ckpt, bad)
    out = tmp_path / "out"
    out.mkdir()
    (out / "digits.onnx").write_bytes(b"earlier")
    before = snapshot(tmp_path)
    assert "state_dict" in one_line(cli("export", "--model", bad, "--out", out))
    foreign = torch.load(SHIPPED / "digits.pt", weights_only=True)
    foreign["resume"] = dict.fromkeys(("epoch", "step", "perm", "history", "optimizer",
                                       "scheduler", "generator", "torch_rng"))
    foreign["train_config"] = {"arch": "cnn", "warmup_steps": 100}
    torch.save(foreign, tmp_path / "foreign.pt")
    before = snapshot(tmp_path)
    line = one_line(cli("train", "--resume", tmp_path / "foreign.pt", "--out", out))
    assert "warmup_steps" in line
    assert snapshot(tmp_path) == before


# --- kind 4: a diverged run never replaces digits.pt -------------------------------

@pytest.mark.slow
def test_non_finite_loss_stops_training(mnist_root: Path, tmp_path: Path) -> None:
    from digits.train import loop

    (tmp_path / "digits.pt").write_bytes((SHIPPED / "digits.pt").read_bytes())
    before = snapshot(tmp_path)
    cfg = loop.TrainConfig(lr=1e30, limit=512, epochs=1, augment=False)
    with pytest.raises(loop.Diverged, match="loss became nan") as e:
        loop.train(cfg, mnist_root, tmp_path, log=lambda m: None, progress=False)
    assert e.value.exit_code == 1
    assert snapshot(tmp_path) == before


# --- kind 14: evaluate ------------------------------------------------------------

def _onnx(path: Path, nodes: list, inp: list, out: list, labels: list | None = None,
          initializers: list | None = None) -> Path:
    """A small ONNX model with digits metadata, built node by node."""
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper

    graph = helper.make_graph(nodes, "g",
                              [helper.make_tensor_value_info("image", TensorProto.FLOAT, inp)],
                              [helper.make_tensor_value_info("logits", TensorProto.FLOAT, out)],
                              initializer=initializers or [])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    helper.set_model_props(model, {"digits": json.dumps({
        "format": "digits-onnx", "labels": list(range(10)) if labels is None else labels})})
    onnx.save(model, str(path))
    return path


def _shape(name: str, dims: list[int]) -> object:
    import numpy as np
    from onnx import numpy_helper

    return numpy_helper.from_array(np.array(dims, np.int64), name)


def failing_models(folder: Path) -> dict[str, Path]:
    """Models that load, pass the input/output checks, and fail when run (or mislabel)."""
    from onnx import helper

    return {
        # 784 values per image do not split into rows of 30: Reshape fails at run time
        "reshape fails": _onnx(folder / "reshape.onnx", [
            helper.make_node("Reshape", ["image", "s"], ["logits"])], ["N", 1, 28, 28],
            ["N", 10], initializers=[_shape("s", [-1, 30])]),
        # one row of logits whatever the batch
        "batch mismatch": _onnx(folder / "batch.onnx", [
            helper.make_node("Reshape", ["image", "s"], ["flat"]),
            helper.make_node("Slice", ["flat", "b", "e", "a"], ["cols"]),
            helper.make_node("ReduceSum", ["cols", "z"], ["logits"], keepdims=1)],
            ["N", 1, 28, 28], ["N", 10], initializers=[
                _shape("s", [-1, 784]), _shape("b", [0]), _shape("e", [10]), _shape("a", [1]),
                _shape("z", [0])]),
        "labels not integers": _onnx(folder / "labels.onnx", [
            helper.make_node("Reshape", ["image", "s"], ["flat"]),
            helper.make_node("Slice", ["flat", "b", "e", "a"], ["logits"])],
            ["N", 1, 28, 28], ["N", 10], labels=[f"digit {i}" for i in range(10)],
            initializers=[_shape("s", [-1, 784]), _shape("b", [0]), _shape("e", [10]),
                          _shape("a", [1])]),
    }


def test_evaluate_wrong_input_and_plot_under_a_file(tmp_path: Path) -> None:
    from onnx import helper

    wrong = _onnx(tmp_path / "wrong.onnx", [helper.make_node("Identity", ["image"], ["logits"])],
                  ["N", 10], ["N", 10])
    before = snapshot(tmp_path)
    assert "fails on MNIST images" in one_line(cli("evaluate", "--model", wrong))
    blocker = tmp_path / "file"
    blocker.write_text("a file")
    before = snapshot(tmp_path)
    line = one_line(cli("evaluate", "--model", SHIPPED / "digits.onnx", "--plot",
                        blocker / "confusion.png"))
    assert "--plot" in line
    assert snapshot(tmp_path) == before


# --- kind 9: a model that loads but fails when run ---------------------------------

@pytest.mark.parametrize("case", ["reshape fails", "batch mismatch", "labels not integers"])
def test_model_failing_at_run(tmp_path: Path, case: str) -> None:
    import cv2
    import numpy as np

    model = failing_models(tmp_path)[case]
    image = tmp_path / "x.png"
    cv2.imwrite(str(image), np.full((40, 40), 255, np.uint8))
    before = snapshot(tmp_path)
    one_line(cli("recognize", "--no-show", image, "--model", model))
    assert snapshot(tmp_path) == before
    # `digits checks` diagnoses it instead of crashing
    (tmp_path / "artifacts").mkdir()
    (tmp_path / "artifacts" / "digits.onnx").write_bytes(model.read_bytes())
    proc = cli("checks", cwd=tmp_path)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    assert "default model" in proc.stdout and "problem:" in proc.stdout


# --- bench --------------------------------------------------------------------------

def test_bench_unwritable_out(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file")
    before = snapshot(tmp_path)
    assert "cannot write to --out" in one_line(cli("bench", "--out", blocker / "o"))
    assert snapshot(tmp_path) == before


# --- kind 12: SIGTERM is Ctrl-C -----------------------------------------------------

@pytest.mark.slow
def test_sigterm_during_training_leaves_a_resumable_checkpoint(mnist_root: Path,
                                                              tmp_path: Path) -> None:
    import signal

    import torch

    (tmp_path / "digits.pt").write_bytes((SHIPPED / "digits.pt").read_bytes())
    before = snapshot(tmp_path)
    interrupt_training(tmp_path, signal.SIGTERM)
    last = tmp_path / "digits.last.pt"
    assert torch.load(last, weights_only=True)["resume"]["epoch"] >= 1
    after = snapshot(tmp_path)
    assert after.pop(str(last)) and after == before  # digits.pt untouched
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


# A library may meet the signal in code it made with exec() of a string (dataclasses,
# namedtuples), or swallow the KeyboardInterrupt and fail in its own way (torch.export
# raises an AttributeError then). Either way the run is interrupted: 130, one line.
_LIBRARY_MEETS_THE_SIGNAL = '''
import os, signal, time, click
from digits import cli

@click.command()
@click.argument("how")
def meet(how):
    if how == "exec":
        exec("os.kill(os.getpid(), signal.SIGINT)\\nwhile True: time.sleep(0.01)",
             {"os": os, "signal": signal, "time": time})
    try:
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(5)
    except KeyboardInterrupt:
        raise AttributeError("module has no attribute") from None

cli.COMMANDS["meet"] = "meet:meet"
if __name__ == "__main__":
    cli.main(["meet", "{how}"])
'''


@pytest.mark.parametrize("how", ["exec", "swallowed"])
def test_a_signal_a_library_meets_is_an_interruption(tmp_path: Path, how: str) -> None:
    import sys

    (tmp_path / "meet.py").write_text(_LIBRARY_MEETS_THE_SIGNAL.replace("{how}", how))
    proc = subprocess.run([sys.executable, "-m", "meet"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=TIMEOUT)
    assert (proc.returncode, proc.stderr) == (130, "digits: interrupted\n")
