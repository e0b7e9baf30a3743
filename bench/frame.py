"""Frame pipeline latency: 640x480 camera-like frames with 1-6 digits, no display.

    python bench/frame.py [--frames 200] [--model PATH] [--out bench/results]

Per stage (preprocess = segmentation + normalisation, inference = one batched
onnxruntime call, postprocess = labels, confidences, reading order) and total, p50/p95
in ms. Target: total p50 <= 5 ms on 2 CPU cores.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import RESULTS, model_path, write_json

from digits.runtime.model import Model
from digits.runtime.recognize import read
from digits.scenes import generate


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=200)
    ap.add_argument("--model")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--out", default=str(RESULTS), help="folder for the JSON record")
    args = ap.parse_args()
    model = Model(model_path(args.model), args.device)
    scenes = generate(min(args.frames, 50), seed=123)
    for s in scenes[:10]:  # warm-up: first session runs allocate
        read(model, s.image, 0.5)
    times: list[float] = []
    for i in range(args.frames):
        read(model, scenes[i % len(scenes)].image, 0.5, times)
    t = np.array(times).reshape(-1, 3) * 1000
    stages = {"preprocess": t[:, 0], "inference": t[:, 1], "postprocess": t[:, 2],
              "total": t.sum(axis=1)}
    print(f"frame pipeline, {args.frames} frames 640x480 (1-6 digits), {model.provider}")
    print(f"{'stage':12s} {'p50 ms':>8s} {'p95 ms':>8s}")
    rows = {}
    for name, v in stages.items():
        p50, p95 = float(np.percentile(v, 50)), float(np.percentile(v, 95))
        rows[name] = {"p50_ms": round(p50, 3), "p95_ms": round(p95, 3)}
        print(f"{name:12s} {p50:8.2f} {p95:8.2f}")
    ok = rows["total"]["p50_ms"] <= 5.0
    print(f"target total p50 <= 5 ms: {'met' if ok else 'NOT met'}")
    write_json(args.out, "frame", {"bench": "frame", "model": str(model.path), "provider":
                           model.provider, "frames": args.frames, "stages": rows,
                           "target_p50_ms": 5.0, "target_met": ok})


if __name__ == "__main__":
    main()
