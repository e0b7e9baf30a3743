"""checkpoint -> exported models -> parity gates -> files, driven by the format table:
the checkpoint is loaded once, each format built once and gated in memory, and its file
serialised once, with the gates' figures. The files are written only after every gate
has passed, as one set: all replaced together or none (a full disk, an interrupt), and
two exports into one folder take turns.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from digits.cli import committing
from digits.errors import DigitsError
from digits.export import exporters, parity
from digits.export import report as rep
from digits.export.formats import EXPORTED, torch_predict
from digits.files import check_writable, replace_set
from digits.mnist import load_inputs
from digits.train import checkpoint as ckpt_io

# The gates run every format on one thread: CPU count does not change the answers, and a
# shared machine makes multi-threaded torch spin (10x slower per batch-1 call).
GATE_THREADS = 1
REPORT_NAME = "export_report.json"
GATE_FAILED_EXIT = 1  # the input was usable; the product failed verification
WRITE_FAILED_EXIT = 1  # the gates passed, the files could not be written: nothing changed


def export(checkpoint: Path, out: Path, root: Path, keys: list[str], opset: int, command: str,
        log: Callable[[str], None] = print) -> dict[str, Any]:
    """Export the formats named by ``keys`` (torchscript, onnx, int8); return the report.

    Raises DigitsError: unusable checkpoint or --out (exit 2), a failed gate or a failed
    write (exit 1; the files in ``out`` are then as they were). A file of a format not
    exported this time, left in ``out`` by an earlier export, is kept and named in a note
    (``log``)."""
    ckpt = ckpt_io.load(checkpoint)
    model = ckpt_io.build_model(ckpt)
    check_writable(out)
    wanted = set(keys) | {f.needs for f in EXPORTED if f.key in keys and f.needs}
    images, labels = load_inputs(root, train=False)
    reference = parity.logits(torch_predict(model, "cpu", GATE_THREADS), images, len(images))
    accuracy = float((reference.argmax(1) == labels).mean())
    reject_rate = float((reference.argmax(1) >= 10).mean())  # "not a digit" on MNIST digits
    figures: dict[str, Any] = {"pytorch": {"accuracy": accuracy, "reject_rate": reject_rate},
                               "images": len(images), "batch_sizes": list(parity.BATCH_SIZES)}
    export: dict[str, Any] = {"command": command, "opset": opset,
                              "example_batch": exporters.EXAMPLE_BATCH}
    job = exporters.Job(model, opset, root, GATE_THREADS, log)
    built: dict[str, exporters.Artifact] = {}
    gates: list[parity.Gate] = []
    for fmt in EXPORTED:
        if fmt.key not in wanted:
            continue
        art = built[fmt.key] = fmt.build(job, built)
        if fmt.needs is None:
            g, figures[fmt.key] = parity.fp32_gates(fmt.key, art.predict, images, reference,
                                                    labels)
        else:  # gated against the format it was built from
            base = parity.logits(built[fmt.needs].predict, images, len(images))
            g, figures[fmt.key] = parity.int8_gates(
                parity.logits(art.predict, images, len(images)), base, labels, art.size,
                built[fmt.needs].size)
        gates += g
        export.update(art.export)

    log(parity.table(gates))
    log("MNIST test accuracy: " + ", ".join(f"{k} {100 * figures[k]['accuracy']:.2f} %" for k in
                                            ("pytorch", "torchscript", "onnx", "int8")
                                            if k in figures)
        + f"; PyTorch answers not-a-digit on {100 * reject_rate:.2f} %")
    failed = [g.name for g in gates if not g.passed]
    if failed:
        raise DigitsError(f"parity gate failed ({'; '.join(failed)}); nothing written to {out}",
                          exit_code=GATE_FAILED_EXIT)

    figures["gates"] = parity.as_json(gates)
    doc = rep.metadata(ckpt, rep.sha256(checkpoint), figures, export)
    if "images_held_out" in doc["accuracy"]:
        own = doc["accuracy"]["images_held_out"]
        log(f"held-out images accuracy: {100 * own['accuracy']:.2f} % ({own['images']} images "
            f"of {own['folder']}, measured by training)")
    artifacts = {f.key: (out / f.filename, built[f.key].finish(doc)) for f in EXPORTED
                 if f.key in built}
    report = rep.report(doc, checkpoint, ckpt.get("train_config", {}), artifacts,
                        figures["gates"])
    artifacts["report"] = (out / REPORT_NAME, (json.dumps(report, indent=2) + "\n").encode())
    try:
        replace_set(dict(artifacts.values()), commit=committing)
    except OSError as e:
        raise DigitsError(f"cannot write the exported files to {out}: {e.strerror or e}; "
                          "the files there are as they were", exit_code=WRITE_FAILED_EXIT
                          ) from None
    report["written"] = {k: str(path) for k, (path, _) in artifacts.items()}
    stale = [f.filename for f in EXPORTED if f.key not in built and (out / f.filename).exists()]
    if stale:  # kept (they may be wanted), but never to be taken for this export's
        be, it = ("is", "it") if len(stale) == 1 else ("are", "them")
        log(f"note: {', '.join(stale)} in {out} {be} left from an earlier export, not this "
            f"one ({REPORT_NAME} does not list {it}); export {it} again or remove {it}")
    return report
