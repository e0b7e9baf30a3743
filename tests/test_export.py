"""Export stage on the shipped checkpoint (trained on real MNIST): parity gates, dynamic batch,
metadata round trip, TorchScript without the project, OpenCV / reference interop, int8,
atomicity, bad input through the CLI, and that `digits bench` runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch
from onnx import numpy_helper

from conftest import REPO, assert_one_line_error, run_cli, wait_for_signal_handlers
from digits.errors import DigitsError
from digits.export import parity, pipeline
from digits.export.formats import BY_KEY
from digits.mnist import load_inputs
from digits.train import checkpoint


def save(ckpt: dict, path: Path) -> Path:
    checkpoint.atomic_save(ckpt, path)
    return path


@pytest.fixture(scope="session")
def test_set(mnist_root: Path) -> tuple[np.ndarray, np.ndarray]:
    return load_inputs(mnist_root, train=False)


@pytest.fixture(scope="session")
def ckpt_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the shipped checkpoint (artifacts/digits.pt, the default CNN with the
    reject class): a model that learned, so the bounds mean something (checked below),
    and the size that lets int8 get under 35 % of fp32. Training one here took 24 s of
    CPU per run for a model no different in kind."""
    path = tmp_path_factory.mktemp("ckpt") / "digits.pt"
    path.write_bytes((REPO / "artifacts" / "digits.pt").read_bytes())
    return path


@pytest.fixture(scope="session")
def exported(ckpt_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("out")
    r = run_cli("export", "--model", str(ckpt_path), "--int8", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert "digits recognize --camera 0" in r.stdout and "digits.onnx" in r.stdout
    return out


@pytest.fixture(scope="session")
def report(exported: Path) -> dict:
    return json.loads((exported / "export_report.json").read_text())


@pytest.mark.slow
def test_model_learned(report: dict) -> None:
    assert report["parity"]["pytorch"]["accuracy"] > 0.95


@pytest.mark.slow
def test_gates_pass_with_figures_on_full_test_set(report: dict) -> None:
    p = report["parity"]
    assert p["images"] == 10000 and report["passed"]
    assert len(report["gates"]) == 11 and all(g["passed"] for g in report["gates"])
    assert p["torchscript"]["max_abs_diff"] <= 1e-5 and p["torchscript"]["agreement"] == 1.0
    assert p["onnx"]["max_abs_diff"] <= 1e-4 and p["onnx"]["agreement"] == 1.0
    assert set(p["onnx"]["batches"]) == {"1", "2", "7", "64"}
    i8 = p["int8"]
    assert i8["accuracy_drop_pp"] <= 0.3 and i8["agreement"] >= 0.995 and i8["size_ratio"] <= 0.35


@pytest.mark.slow
def test_onnx_graph_contract(exported: Path) -> None:
    proto = onnx.load(str(exported / "digits.onnx"))
    onnx.checker.check_model(proto, full_check=True)
    assert not list(exported.glob("*.data")) and len(proto.graph.initializer) > 0
    (inp,), (out,) = proto.graph.input, proto.graph.output
    assert inp.name == "image" and out.name == "logits"
    assert inp.type.tensor_type.elem_type == onnx.TensorProto.FLOAT
    dims = [d.dim_param or d.dim_value for d in inp.type.tensor_type.shape.dim]
    assert isinstance(dims[0], str) and dims[1:] == [1, 28, 28]
    ops = {n.op_type for n in proto.graph.node}
    assert ops.isdisjoint({"BatchNormalization", "Dropout", "Identity", "Shape"}), ops
    assert proto.opset_import[0].version == 18


@pytest.mark.slow
def test_dynamic_batch(exported: Path, test_set: tuple) -> None:
    x, _ = test_set
    sess = ort.InferenceSession(str(exported / "digits.onnx"), providers=["CPUExecutionProvider"])
    outs = {n: sess.run(None, {"image": x[:n]})[0] for n in (1, 3, 300)}
    assert {n: o.shape for n, o in outs.items()} == {1: (1, 11), 3: (3, 11), 300: (300, 11)}
    np.testing.assert_allclose(outs[3], outs[300][:3], atol=1e-4)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:`torch.jit.load` is deprecated:FutureWarning")
def test_metadata_round_trip(exported: Path, ckpt_path: Path, report: dict) -> None:
    sha = report["checkpoint"]["sha256"]
    for name in ("digits.onnx", "digits.int8.onnx"):
        props = {p.key: p.value for p in onnx.load(str(exported / name)).metadata_props}
        doc = json.loads(props["digits"])
        assert doc["format"] == "digits-onnx" and doc["labels"] == [*range(10), "not-a-digit"]
        assert doc["input"]["name"] == "image" and doc["output"] == {"name": "logits",
                                                                      "shape": [None, 11]}
        assert doc["source_checkpoint_sha256"] == sha == pipeline.rep.sha256(ckpt_path)
        assert doc["arch"] == "cnn" and doc["arch_config"] == checkpoint.load(ckpt_path)[
            "arch_config"]
        assert doc["parity"]["onnx"]["max_abs_diff"] == report["parity"]["onnx"]["max_abs_diff"]
        assert "--int8" in doc["export"]["command"] and doc["export"]["opset"] == 18
        assert {"torch", "onnx", "onnxruntime"} <= set(doc["versions"])
    assert doc["precision"] == "int8"
    extra = {"digits.json": ""}
    torch.jit.load(str(exported / "digits.torchscript.pt"), _extra_files=extra)
    assert json.loads(extra["digits.json"])["source_checkpoint_sha256"] == sha


@pytest.mark.slow
def test_torchscript_loads_without_the_project(exported: Path, test_set: tuple,
                                              tmp_path: Path) -> None:
    x, _ = test_set
    np.save(tmp_path / "x.npy", x[:50])
    site = torch.__file__.rsplit("/torch/", 1)[0]
    # -I -S: no site processing, so the editable install's .pth finder is never loaded;
    # torch and numpy come from site-packages added by hand, the project cannot import.
    code = (f"import sys; sys.path.append({site!r})\n"
            "import json, numpy as np, torch\n"
            "try:\n    import digits\nexcept ImportError:\n    pass\n"
            "else:\n    raise SystemExit('digits importable')\n"
            "extra = {'digits.json': ''}\n"
            f"m = torch.jit.load({str(exported / 'digits.torchscript.pt')!r}, "
            "_extra_files=extra)\n"
            "out = m(torch.from_numpy(np.load('x.npy'))).detach().numpy()\n"
            "np.save('out.npy', out)\n"
            "print(json.loads(extra['digits.json'])['labels'])\n")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    r = subprocess.run([sys.executable, "-I", "-S", "-c", code], cwd=tmp_path, env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-500:]
    assert r.stdout.strip() == str([*range(10), "not-a-digit"])
    np.testing.assert_allclose(np.load(tmp_path / "out.npy"), BY_KEY["torchscript"].load(
        exported / "digits.torchscript.pt", "cpu", 1)(x[:50]), atol=1e-5)


@pytest.mark.slow
def test_opencv_and_reference_evaluator_agree(exported: Path, test_set: tuple) -> None:
    import cv2
    from onnx.reference import ReferenceEvaluator

    x = test_set[0][:32]
    path = str(exported / "digits.onnx")
    ours = ort.InferenceSession(path, providers=["CPUExecutionProvider"]).run(None, {"image": x})[0]
    net = cv2.dnn.readNetFromONNX(path)
    net.setInput(x)
    cv = net.forward()
    ref = ReferenceEvaluator(path).run(None, {"image": x})[0]
    for other in (cv, ref):
        assert other.shape == (32, 11)
        np.testing.assert_allclose(other, ours, atol=1e-3)
        assert (other.argmax(1) == ours.argmax(1)).all()


@pytest.mark.slow
def test_int8_is_quantised_and_accurate(exported: Path, test_set: tuple) -> None:
    x, y = test_set
    proto = onnx.load(str(exported / "digits.int8.onnx"))
    assert {"QuantizeLinear", "DequantizeLinear"} <= {n.op_type for n in proto.graph.node}
    # 7-bit weights: no uint8 x int8 pair can overflow an int16 on x86 CPUs without VNNI
    weights = [numpy_helper.to_array(t) for t in proto.graph.initializer
               if t.name.endswith("weight_quantized")]
    assert len(weights) == 5 and all(w.min() >= -64 and w.max() <= 64 for w in weights)
    i8, f32 = (ort.InferenceSession(str(exported / n), providers=["CPUExecutionProvider"])
               .run(None, {"image": x})[0].argmax(1) for n in ("digits.int8.onnx", "digits.onnx"))
    assert (i8 == f32).mean() >= 0.995 and (f32 == y).mean() - (i8 == y).mean() <= 0.003
    assert (exported / "digits.int8.onnx").stat().st_size <= 0.35 * (
        exported / "digits.onnx").stat().st_size


@pytest.mark.slow
def test_failed_gate_writes_nothing(exported: Path, ckpt_path: Path, tmp_path: Path,
                                    mnist_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    out.mkdir()
    before = {n: (exported / n).read_bytes() for n in ("digits.onnx", "export_report.json")}
    for n, data in before.items():
        (out / n).write_bytes(data)
    monkeypatch.setitem(parity.LIMITS, "onnx", 0.0)  # any float difference now fails
    with pytest.raises(DigitsError, match="parity gate failed") as e:
        pipeline.export(ckpt_path, out, mnist_root, ["onnx"], 18, "test", log=lambda s: None)
    assert e.value.exit_code == 1
    assert {p.name for p in out.iterdir()} == set(before)  # no temp files left either
    assert all((out / n).read_bytes() == data for n, data in before.items())


@pytest.mark.slow
def test_a_format_not_exported_again_is_named_as_an_earlier_exports(
        ckpt_path: Path, tmp_path: Path, mnist_root: Path) -> None:
    """--onnx into a folder an --int8 export filled: the old int8 file is kept, but a
    note says it is not of this model (it stood beside the new report without a word)."""
    (tmp_path / "digits.int8.onnx").write_bytes(b"an earlier export's int8 model")
    said: list[str] = []
    pipeline.export(ckpt_path, tmp_path, mnist_root, ["onnx"], 18, "test", log=said.append)
    assert (tmp_path / "digits.int8.onnx").read_bytes() == b"an earlier export's int8 model"
    notes = [line for line in said if line.startswith("note:")]
    assert notes == [notes[0]] and notes[0].startswith(
        f"note: digits.int8.onnx in {tmp_path} is left from an earlier export")  # not the others


@pytest.mark.slow
def test_corrupted_weight_fails_the_gate(ckpt_path: Path, tmp_path: Path, mnist_root: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """A weight changed after the export (before the gates) must be caught."""
    from digits.export import exporters

    real = exporters.to_onnx

    def corrupt(model: torch.nn.Module, opset: int) -> onnx.ModelProto:
        proto = real(model, opset)
        w = proto.graph.initializer[0]
        arr = onnx.numpy_helper.to_array(w).copy()
        arr.flat[0] += 0.5
        w.CopyFrom(onnx.numpy_helper.from_array(arr, w.name))
        return proto

    monkeypatch.setattr(exporters, "to_onnx", corrupt)
    with pytest.raises(DigitsError, match="onnx max") as e:
        pipeline.export(ckpt_path, tmp_path, mnist_root, ["onnx"], 18, "test",
                     log=lambda s: None)
    assert e.value.exit_code == 1 and not list(tmp_path.iterdir())


class Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


@pytest.mark.parametrize("case", ["missing", "not_a_checkpoint", "pickled_code", "unknown_arch"])
def test_bad_checkpoint_is_one_line_error(case: str, ckpt_path: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.pt"
    if case == "not_a_checkpoint":
        bad.write_bytes(b"this is not a checkpoint\n" * 10)
    elif case == "pickled_code":
        torch.save({"format": "digits-checkpoint", "x": Evil()}, bad)
    elif case == "unknown_arch":
        ckpt = torch.load(ckpt_path, weights_only=True)
        save({**ckpt, "arch": "resnet9000"}, bad)
    out = tmp_path / "out"
    out.mkdir()
    (out / "digits.onnx").write_bytes(b"earlier")
    r = run_cli("export", "--model", str(bad), "--out", str(out))
    line = assert_one_line_error(r, 2)
    assert "pwned" not in r.stdout
    assert {"missing": "does not exist", "not_a_checkpoint": "not a digits checkpoint",
            "pickled_code": "pickled code", "unknown_arch": "resnet9000"}[case] in line
    assert [p.name for p in out.iterdir()] == ["digits.onnx"]
    assert (out / "digits.onnx").read_bytes() == b"earlier"


def test_unwritable_out(ckpt_path: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file, not a folder")
    r = run_cli("export", "--model", str(ckpt_path), "--out", str(blocker / "out"))
    assert "cannot write to" in assert_one_line_error(r, 2)
    assert blocker.read_text() == "a file, not a folder"


def fixed_batch_onnx(ckpt_path: Path, path: Path) -> Path:
    """A foreign-style ONNX model whose batch axis is fixed at 1 (as mnist-8's is)."""
    model = checkpoint.build_model(checkpoint.load(ckpt_path))
    program = torch.onnx.export(model, (torch.zeros(1, 1, 28, 28),), dynamo=True, verbose=False)
    program.save(str(path))
    return path


@pytest.mark.slow
def test_bench_runs_and_writes_json(exported: Path, ckpt_path: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    for n in ("digits.onnx", "digits.torchscript.pt"):
        (broken / n).write_bytes((exported / n).read_bytes())
    (broken / "digits.pt").write_bytes(ckpt_path.read_bytes())
    (broken / "digits.int8.onnx").write_bytes(b"not onnx")  # one failing row
    fixed = fixed_batch_onnx(ckpt_path, tmp_path / "fixed-batch.onnx")
    results = tmp_path / "results"
    r = run_cli("bench", "--model", str(broken / "digits.pt"), "--n", "300", "--reps", "20",
                "--seconds", "0.05", "--out", str(results), "--compare", str(fixed))
    assert r.returncode == 1, r.stderr  # the broken int8 row, the others still measured
    rows = {row["format"]: row for row in json.loads((results / "bench.json").read_text())["rows"]}
    assert rows["ONNX int8"]["status"].startswith("failed")
    for name in ("PyTorch eager", "TorchScript", "ONNX fp32"):
        assert rows[name]["status"] == "ok" and rows[name]["accuracy"] > 0.9
        assert rows[name]["p50_ms"] > 0 and rows[name]["throughput"] > 0
    z = rows["compare: fixed-batch.onnx"]
    assert z["status"] == "ok" and z["throughput_batch"] == 1 and z["accuracy"] > 0.9
    assert "ONNX fp32" in r.stdout and "p50 1thr" in r.stdout
    as_json = run_cli("bench", "--model", str(broken / "digits.pt"), "--n", "100", "--reps", "5",
                      "--seconds", "0.01", "--json")
    assert json.loads(as_json.stdout)["format"] == "digits-bench"


# --- faults while the set of files is written (issue 9, kinds 7 and 12) -------------

def folder_state(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in out.iterdir()}


def assert_one_complete_set(out: Path, old: dict[str, bytes]) -> str:
    """The folder holds the old set untouched, or a new set whose report's checksums
    all match; never a mix, never a temporary file. Returns "old" or "new"."""
    now = folder_state(out)
    assert not [n for n in now if n.startswith(".")], sorted(now)  # no temporary files
    if now == old:
        return "old"
    report = json.loads(now["export_report.json"])
    for entry in report["files"].values():
        data = now[Path(entry["path"]).name]
        assert len(data) == entry["bytes"]
        assert pipeline.rep.sha256(data) == entry["sha256"], entry["path"]
    assert set(now) == set(old)  # same names: every old file was replaced
    return "new"


@pytest.fixture
def small_tmpfs(tmp_path: Path):
    """A 2 MiB tmpfs when this machine lets the test mount one (root), else None."""
    mnt = tmp_path / "disk"
    mnt.mkdir()
    try:
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mnt)],
                                 capture_output=True).returncode == 0
    except OSError:  # no mount command
        mounted = False
    if not mounted:
        yield None
        return
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def _fill(folder: Path, leave: int) -> None:
    """Fill the file system of ``folder`` but ``leave`` free bytes."""
    st = os.statvfs(folder)
    free = st.f_bavail * st.f_frsize
    (folder / "filler").write_bytes(bytes(max(0, free - leave)))


@pytest.mark.slow
def test_disk_full_leaves_the_old_set(ckpt_path: Path, mnist_root: Path, small_tmpfs,
                                      tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """ENOSPC at the first file and between files: one-line error (exit 1), the old set
    as it was. On a real full tmpfs where one can be mounted, else a simulated ENOSPC."""
    out = small_tmpfs / "out" if small_tmpfs else tmp_path / "out"
    pipeline.export(ckpt_path, out, mnist_root, ["onnx"], 18, "test", log=lambda s: None)
    old = folder_state(out)
    page = os.statvfs(out).f_frsize
    onnx_pages = -(-len(old["digits.onnx"]) // page) * page
    import errno

    from digits import files

    real, written, fail_at = files.write_temp, [], [0]

    def write_temp(folder: Path, name: str, data: bytes, suffix: str = ".tmp") -> Path:
        if len(written) + 1 == fail_at[0]:  # simulated: this write finds the disk full
            raise OSError(errno.ENOSPC, "No space left on device")
        path = real(folder, name, data, suffix)
        written.append(name)
        return path

    monkeypatch.setattr(files, "write_temp", write_temp)
    for case, leave, at in (("first file", onnx_pages // 2, 1), ("between files", onnx_pages, 2)):
        written.clear()
        if small_tmpfs:  # a really full disk: the new ONNX file (as big as the old) fits or not
            _fill(small_tmpfs, leave)
        else:
            fail_at[0] = at
        with pytest.raises(DigitsError, match="No space left on device") as e:
            pipeline.export(ckpt_path, out, mnist_root, ["onnx"], 18, "test",
                            log=lambda s: None)
        assert e.value.exit_code == 1 and "\n" not in str(e.value)
        assert written == ["digits.onnx"][:at - 1], case  # where the space ran out
        assert assert_one_complete_set(out, old) == "old", case
        if small_tmpfs:
            (small_tmpfs / "filler").unlink()


def _export_cmd(ckpt_path: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "digits", "export", "--model", str(ckpt_path), "--onnx",
            "--out", str(out)]


@pytest.mark.slow
@pytest.mark.parametrize("sig", ["SIGTERM", "SIGINT"])
def test_signal_at_a_random_moment_of_export(exported: Path, ckpt_path: Path,
                                             tmp_path: Path, sig: str) -> None:
    import random
    import signal
    import time

    out = tmp_path / "out"
    out.mkdir()
    for name in ("digits.onnx", "export_report.json"):
        (out / name).write_bytes((exported / name).read_bytes())
    old = folder_state(out)
    moment = random.Random().uniform(0.0, 12.0)  # never tuned: any moment must hold
    proc = subprocess.Popen(_export_cmd(ckpt_path, out), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    # Counted from the handlers' installation: a fixed 0.5 s from the start could still land
    # in the interpreter's start-up on a loaded machine (SIGTERM then kills: exit -15).
    wait_for_signal_handlers(proc)
    time.sleep(moment)
    proc.send_signal(getattr(signal, sig))
    _, err = proc.communicate(timeout=120)
    assert "Traceback" not in err, (moment, err)
    state = assert_one_complete_set(out, old)
    assert proc.returncode in (0, 128 + getattr(signal, sig)), (moment, err)
    assert (state == "new") == (proc.returncode == 0), (moment, state, err)


@pytest.mark.slow
def test_concurrent_exports_do_not_interleave(ckpt_path: Path, exported: Path,
                                              tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    for name in ("digits.onnx", "export_report.json"):
        (out / name).write_bytes((exported / name).read_bytes())
    old = folder_state(out)
    runs = [subprocess.Popen(_export_cmd(ckpt_path, out), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True) for _ in range(2)]
    for run in runs:
        _, err = run.communicate(timeout=300)
        assert run.returncode == 0, err
    assert assert_one_complete_set(out, old) == "new"
