"""checkpoint -> exported models -> parity gates -> files. The files are written only
after every gate has passed, each atomically, so a failed export changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from digits.errors import DigitsError
from digits.export import exporters, parity
from digits.export import report as rep
from digits.export.formats import BY_KEY
from digits.files import atomic_write, check_writable
from digits.mnist import load_inputs
from digits.train import checkpoint as ckpt_io

# The gates run every format on one thread: CPU count does not change the answers, and a
# shared machine makes multi-threaded torch spin (10x slower per batch-1 call).
GATE_THREADS = 1
CALIBRATION_IMAGES, CALIBRATION_SEED = 2048, 0
REPORT_NAME = "export_report.json"
GATE_FAILED_EXIT = 1  # the input was usable; the product failed verification


def export(checkpoint: Path, out: Path, root: Path, keys: list[str], opset: int, command: str,
        log: Callable[[str], None] = print) -> dict[str, Any]:
    """Export the formats named by ``keys`` (torchscript, onnx, int8); return the report."""
    ckpt = ckpt_io.load(checkpoint)
    model = ckpt_io.build_model(ckpt)
    check_writable(out)
    int8 = "int8" in keys
    if int8 and "onnx" not in keys:
        keys = [*keys, "onnx"]  # int8 is quantised from, and gated against, the fp32 ONNX
    images, labels = load_inputs(root, train=False)
    eager = BY_KEY["pytorch"].load(checkpoint, "cpu", GATE_THREADS)
    reference = parity.logits(eager, images, len(images))
    gates: list[parity.Gate] = []
    accuracy = float((reference.argmax(1) == labels).mean())
    figures: dict[str, Any] = {"pytorch": {"accuracy": accuracy},
                               "images": len(images), "batch_sizes": list(parity.BATCH_SIZES)}
    export: dict[str, Any] = {"command": command, "opset": opset,
                              "example_batch": exporters.EXAMPLE_BATCH}
    blobs: dict[str, bytes] = {}

    if "torchscript" in keys:
        log("TorchScript: trace + freeze ...")
        module = exporters.to_torchscript(model)
        blobs["torchscript"] = exporters.torchscript_bytes(module, {})
        g, figures["torchscript"] = parity.fp32_gates(
            "torchscript", BY_KEY["torchscript"].load(blobs["torchscript"], "cpu", GATE_THREADS),
            images, reference, labels)
        gates += g
        export["torchscript"] = "torch.jit.trace + torch.jit.freeze(optimize_numerics=False)"
    if "onnx" in keys:
        log(f"ONNX: torch.onnx.export(dynamo=True), opset {opset} ...")
        proto = exporters.to_onnx(model, opset)
        blobs["onnx"] = exporters.with_metadata(proto, {})
        onnx_predict = BY_KEY["onnx"].load(blobs["onnx"], "cpu", GATE_THREADS)
        g, figures["onnx"] = parity.fp32_gates("onnx", onnx_predict, images, reference, labels)
        gates += g
        export.update(onnx_exporter="torch.onnx.export(dynamo=True, optimize=True)",
                      ir_version=proto.ir_version)
    if int8:
        log(f"INT8: static QDQ per-channel, calibrated on {CALIBRATION_IMAGES} training images ...")
        train_x, _ = load_inputs(root, train=True)
        pick = np.random.default_rng(CALIBRATION_SEED).choice(len(train_x), CALIBRATION_IMAGES,
                                                              replace=False)
        qproto = exporters.quantize_int8(proto, train_x[np.sort(pick)])
        blobs["int8"] = exporters.with_metadata(qproto, {})
        fp32_logits = parity.logits(onnx_predict, images, len(images))  # gated above
        int8_logits = parity.logits(BY_KEY["int8"].load(blobs["int8"], "cpu", GATE_THREADS), images,
                                    len(images))
        g, figures["int8"] = parity.int8_gates(int8_logits, fp32_logits, labels,
                                               len(blobs["int8"]), len(blobs["onnx"]))
        gates += g
        export["int8"] = {"method": "onnxruntime.quantization.quantize_static", "format": "QDQ",
                          "per_channel": True, "weights": "int8", "activations": "uint8",
                          "calibration": f"{CALIBRATION_IMAGES} MNIST training images, "
                                         f"seed {CALIBRATION_SEED}, min-max"}

    log(parity.table(gates))
    log("MNIST test accuracy: " + ", ".join(f"{k} {100 * figures[k]['accuracy']:.2f} %" for k in
                                            ("pytorch", "torchscript", "onnx", "int8")
                                            if k in figures))
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
    final = {}
    if "torchscript" in blobs:
        final["torchscript"] = exporters.torchscript_bytes(module, doc)
    if "onnx" in blobs:
        final["onnx"] = exporters.with_metadata(proto, doc)
    if "int8" in blobs:
        final["int8"] = exporters.with_metadata(qproto, {**doc, "precision": "int8"})
    files = {}
    for key, data in final.items():
        files[key] = out / BY_KEY[key].filename
        atomic_write(files[key], data)
    report = rep.report(doc, checkpoint, ckpt.get("train_config", {}), files, figures["gates"])
    files["report"] = out / REPORT_NAME
    atomic_write(files["report"], (json.dumps(report, indent=2) + "\n").encode())
    report["written"] = {k: str(p) for k, p in files.items()}
    return report
