#!/usr/bin/env bash
# The whole pipeline, as `make demo` runs it: data -> train -> export -> recognize.
# Everything it writes goes to runs/demo; the shipped artifacts/ stay as they are.
set -euo pipefail
cd "$(dirname "$0")"
out=${DEMO_OUT:-runs/demo}

echo "== 1/4  digits data          (fetch + md5-verify MNIST)"
digits data
echo "== 2/4  digits train         (PyTorch, default cnn, ~1 minute on 2 cores)"
digits train --out "$out"
echo "== 3/4  digits export        (TorchScript + ONNX + int8, parity gates on 10,000 images)"
digits export --model "$out/digits.pt" --int8 --out "$out"
echo "== 4/4  digits recognize     (onnxruntime, no torch, on photo-like sample frames)"
digits recognize artifacts/samples --model "$out/digits.onnx" --save "$out/annotated" --no-show
echo
echo "annotated images: $out/annotated/    export report: $out/export_report.json"
echo "next: digits recognize --camera 0"
