"""Would an int8 model overflow onnxruntime's x86 kernels on CPUs without VNNI?

    python bench/int8_saturation.py [--model artifacts/digits.int8.onnx] [--images 500]
                                    [--out bench/results]

On AVX2 and AVX-512 CPUs without VNNI, onnxruntime multiplies uint8 activations by int8
weights with VPMADDUBSW: two neighbouring products along the reduction axis are summed
into a saturating int16 (onnxruntime PR 12088, "x86/64 U8S8 Gemm Precision Fix"). This
replays every int8 Conv and Gemm of the model on MNIST test images with the model's own
uint8 activations and int8 weights, and counts the pairs whose sum leaves the int16 range
(reduction order kernel row, kernel column, input channel, as an NHWC im2col lays it
out). With VNNI the sums are int32 and nothing overflows; this is the machine without it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import numpy_helper

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO, RESULTS, write_json

from digits.mnist import load_inputs
from digits.options import mnist_root

INT16_MAX = 32767
PAIRS_SAMPLED = 4000  # output positions per layer: enough for a rate of 1e-4


def layer_inputs(model: onnx.ModelProto) -> list[tuple[onnx.NodeProto, str, np.ndarray, int]]:
    """Each quantised Conv/Gemm: the node, the name of its uint8 input tensor, its int8
    weights and the input's zero point."""
    init = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    made_by = {out: node for node in model.graph.node for out in node.output}
    layers = []
    for node in model.graph.node:
        if node.op_type in ("Conv", "Gemm"):
            x_dq, w_dq = made_by[node.input[0]], made_by[node.input[1]]
            layers.append((node, x_dq.input[0], init[w_dq.input[0]],
                           int(init[x_dq.input[2]])))
    return layers


def im2col(a: np.ndarray, node: onnx.NodeProto, w: np.ndarray, zero_point: int) -> np.ndarray:
    """(N·H·W, kh·kw·C) int32 patches of a stride-1 convolution's uint8 input (N, C, H, W)
    in NHWC order, padded with the zero point (the quantised 0.0)."""
    _, _, kh, kw = w.shape
    pads = next((list(at.ints) for at in node.attribute if at.name == "pads"), [0, 0, 0, 0])
    p = pads[0]
    ap = np.pad(a, ((0, 0), (0, 0), (p, p), (p, p)), constant_values=zero_point)
    h, wd = a.shape[2], a.shape[3]
    cols = np.stack([ap[:, :, i:i + h, j:j + wd] for i in range(kh) for j in range(kw)], 1)
    return cols.transpose(0, 3, 4, 1, 2).reshape(-1, kh * kw * a.shape[1]).astype(np.int32)


def saturation(model_path: Path, images: np.ndarray) -> list[dict]:
    model = onnx.load(str(model_path))
    layers = layer_inputs(model)
    for _, name, _, _ in layers:
        model.graph.output.append(onnx.helper.make_tensor_value_info(
            name, onnx.TensorProto.UINT8, None))
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL  # exact QDQ
    session = ort.InferenceSession(model.SerializeToString(), options,
                                   providers=["CPUExecutionProvider"])
    acts = session.run([name for _, name, _, _ in layers], {"image": images})
    rng = np.random.default_rng(0)
    rows = []
    for (node, _, w, zp), a in zip(layers, acts, strict=True):
        if node.op_type == "Conv":
            cols = im2col(a, node, w, zp)
            wk = w.transpose(0, 2, 3, 1).reshape(w.shape[0], -1).astype(np.int32)
        else:  # Gemm with transB=1: weights (out, in)
            cols, wk = a.reshape(len(a), -1).astype(np.int32), w.astype(np.int32)
        if cols.shape[1] % 2:
            cols, wk = np.pad(cols, ((0, 0), (0, 1))), np.pad(wk, ((0, 0), (0, 1)))
        cols = cols[rng.choice(len(cols), min(len(cols), PAIRS_SAMPLED), replace=False)]
        k = cols.shape[1] // 2
        pair_sums = np.einsum("nkt,okt->nok", cols.reshape(-1, k, 2), wk.reshape(-1, k, 2))
        over = np.abs(pair_sums) > INT16_MAX
        rows.append({"layer": node.name, "op": node.op_type,
                     "weights": [int(w.min()), int(w.max())],
                     "pairs_overflowing": float(over.mean()),
                     "outputs_with_an_overflow": float(over.any(2).mean())})
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=str(REPO / "artifacts" / "digits.int8.onnx"))
    ap.add_argument("--images", type=int, default=500, help="MNIST test images")
    ap.add_argument("--data", default=None, help="MNIST root (default: digits' cache)")
    ap.add_argument("--out", default=str(RESULTS), help="folder for the JSON record")
    args = ap.parse_args()
    x, _ = load_inputs(mnist_root(Path(args.data) if args.data else None), train=False)
    rows = saturation(Path(args.model), x[:args.images])
    print(f"{'layer':<16} {'op':<5} {'weights':>11} {'pairs over int16':>17} "
          f"{'outputs hit':>12}")
    for r in rows:
        lo, hi = r["weights"]
        print(f"{r['layer']:<16} {r['op']:<5} {f'[{lo}, {hi}]':>11} "
              f"{r['pairs_overflowing']:>17.2e} {r['outputs_with_an_overflow']:>12.3%}")
    write_json(args.out, "int8_saturation", {"model": args.model, "images": args.images,
                                             "layers": rows})


if __name__ == "__main__":
    main()
