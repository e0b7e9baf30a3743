"""The ``digits export`` and ``digits bench`` commands (imported lazily by the CLI group)."""

from __future__ import annotations

import json
import os
import shlex
import sys
from collections.abc import Callable
from pathlib import Path

import click

from digits.errors import DigitsError
from digits.export.formats import EXPORTED
from digits.options import (
    FiniteFloatRange,
    data_option,
    json_option,
    mnist_root,
    model_option,
    out_option,
)
from digits.paths import ARTIFACTS, CHECKPOINT, ONNX_MODEL


def format_flags(command: Callable) -> Callable:
    """One ``--KEY`` flag per exported format of the table."""
    for fmt in reversed(EXPORTED):
        command = click.option(f"--{fmt.key}", is_flag=True, help=fmt.help)(command)
    return command


@click.command("export")
@model_option(CHECKPOINT, "Checkpoint written by `digits train`.")
@format_flags
@click.option("--opset", type=click.IntRange(7, 23), default=None,
              help="ONNX opset [default: 18, the dynamo exporter's native opset].")
@out_option(ARTIFACTS, "Output folder.")
@data_option
def export(model: Path, opset: int | None, out: Path, data_root: Path | None,
           **flags: bool) -> int:
    """Export a checkpoint to TorchScript and ONNX behind parity gates.

    With no format flag both TorchScript and ONNX are written. Every export runs the
    gates on the full MNIST test set (max |Δlogit| vs PyTorch: TorchScript <= 1e-5,
    ONNX <= 1e-4; 100 % top-1 agreement; batch sizes 1, 2, 7, 64, 10000 agree; int8:
    accuracy drop <= 0.3 pp, agreement >= 99.5 %, size <= 35 % of fp32). Files are
    written only when all gates pass, each atomically, with export_report.json.

    \b
    Exit codes: 0 written; 1 a parity gate failed (nothing written);
                2 unusable input (missing/corrupt checkpoint, unwritable --out).
    """
    from digits.export import exporters, pipeline
    from digits.export.report import human_size

    keys = [f.key for f in EXPORTED if flags[f.key]]
    if not set(keys) - {"int8"}:  # no format flag, or only --int8: the defaults too
        keys += [f.key for f in EXPORTED if f.default]
    command = "digits " + shlex.join(sys.argv[1:]) if sys.argv[1:2] == ["export"] else \
        f"digits export --model {model} --out {out}"
    report = pipeline.export(model, out, mnist_root(data_root), keys,
                          opset or exporters.DEFAULT_OPSET, command, log=click.echo)
    click.echo("\nwritten:")
    for path in report["written"].values():
        click.echo(f"  {path}  {human_size(Path(path).stat().st_size)}")
    onnx_path = report["written"].get("onnx")
    if onnx_path:
        flag = "" if Path(onnx_path) == ONNX_MODEL else f" --model {onnx_path}"
        click.echo(f"\nnext: digits recognize --camera 0{flag}\n"
                   f"      digits evaluate --model {onnx_path}")
    return 0


@click.command("bench")
@model_option(CHECKPOINT, "Checkpoint for the PyTorch eager row; the exported files are "
              "read from its folder (`digits export --out`).")
@click.option("--compare", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              multiple=True, help="Another ONNX model taking [N,1,28,28] in [0,1], as a row "
              "(e.g. onnx-zoo-mnist-8.onnx). Repeatable.")
@click.option("--n", "n_images", type=click.IntRange(1, 10000), default=10000, show_default=True,
              help="MNIST test images for accuracy.")
@click.option("--reps", type=click.IntRange(5), default=500, show_default=True,
              help="Batch-1 calls per latency figure (median and 95th percentile).")
@click.option("--seconds", type=FiniteFloatRange(0.01), default=1.0, show_default=True,
              help="Time spent per throughput figure.")
@json_option
@out_option(None, "Also write the JSON record to OUT/bench.json.")
@data_option
def bench(model: Path, compare: tuple[Path, ...], n_images: int, reps: int, seconds: float,
          as_json: bool, out: Path | None, data_root: Path | None) -> int:
    """Format x device table: status, size, accuracy, latency, throughput.

    Exits 0 when every row ran, 1 when some row failed (marked in the table).

    Rows: PyTorch eager, TorchScript, ONNX fp32, ONNX int8 (+ --compare models), on CPU
    and on CUDA where torch and onnxruntime both have it. A format that fails to load
    or run is marked in its row; the others still run. Latency is batch 1 (median, 95th
    percentile, and median with one intra-op thread); throughput at batch 256.
    """
    from digits.export import measure
    from digits.export.report import versions
    from digits.files import atomic_write, check_writable
    from digits.mnist import load_inputs

    if out is not None:
        check_writable(out)
    images, labels = load_inputs(mnist_root(data_root), train=False)
    images, labels = images[:n_images], labels[:n_images]
    rows = measure.table_rows(model, list(compare), images, labels, reps, seconds)
    record = {"format": "digits-bench", "devices": measure.devices(), "images": n_images,
              "reps": reps, "seconds": seconds, "cpu_count": os.cpu_count(),
              "versions": versions(), "rows": rows}
    text = json.dumps(record, indent=2) + "\n"
    click.echo(text if as_json else measure.table(rows), nl=not as_json)
    if out is not None:
        atomic_write(out / "bench.json", text.encode())
        click.echo(f"wrote {out / 'bench.json'}", err=True)
    failed = [r for r in rows if r["status"] != "ok"]
    if len(failed) == len(rows):
        raise DigitsError("every bench row failed", exit_code=1)
    return 1 if failed else 0


@click.command()
@model_option(CHECKPOINT, "A checkpoint (.pt), TorchScript (.torchscript.pt) or ONNX (.onnx) "
              "file.")
@data_option
@json_option
@click.option("--plot", type=click.Path(dir_okay=False),  # str: "" is not "."
              help="Write the confusion matrix as a PNG here.")
@click.option("--images", type=click.Path(file_okay=False, path_type=Path),
              help="Judge on a folder of your own digits (DIR/0/ ... DIR/9/, and "
                   "DIR/not-a-digit/ for a model with that class, as `digits train --images` "
                   "reads it) instead of MNIST test.")
def evaluate(model: Path, data_root: Path | None, as_json: bool, plot: str | None,
             images: Path | None) -> None:
    """Accuracy, per-class accuracy, the share answered "not a digit" and the confusion
    matrix on the 10,000 MNIST test images, or on a folder of labelled images (--images).
    An ONNX model needs no PyTorch."""
    from digits.export import evaluate as ev
    from digits.files import check_new_file

    if plot is not None:  # before the evaluation, not after it
        check_new_file(plot, "--plot", inputs=[model])
    if images is not None:
        result = ev.evaluate_images(model, images, log=lambda m: click.echo(m, err=True))
    else:
        result = ev.evaluate(model, mnist_root(data_root))
    click.echo(json.dumps(result) if as_json else ev.format_report(result))
    if plot:
        click.echo(f"wrote {ev.plot_confusion(result, Path(plot))}", err=True)
