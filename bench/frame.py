"""Frame pipeline latency: 640x480 camera-like frames with 1-6 digits, and a 12 MP page.

    python bench/frame.py [--frames 200] [--model PATH] [--baseline DIR] [--out bench/results]

Per stage (preprocess = segmentation + crops, inference = the model's batched calls,
postprocess = decisions and reading order) and total, p50/p95 in ms, for 640x480 frames
(digits.scenes) and for a 4032x3024 page photo (after decode) with ~60-120 px digits.

``--baseline DIR``: a checkout of an earlier reader (e.g. ``git worktree add
/tmp/old-reader 2255b48``); its runtime/segment.py is loaded beside today's and both
read the same frames in turn, so the ratio is measured side by side in one run.
Targets (issue 8): new 640x480 p50 <= 1.5x the baseline's; page p50 <= 30x the new
640x480 p50.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import RESULTS, model_path, write_json

from digits.runtime.model import Model
from digits.runtime.recognize import read
from digits.scenes import generate

FRAME_RATIO_TARGET = 1.5  # new / baseline 640x480 p50
PAGE_RATIO_TARGET = 30.0  # 12 MP page / 640x480 p50


def page(seed: int) -> np.ndarray:
    """A 4032x3024 BGR page photo: paper under a light gradient, two lines of 4-6 MNIST
    test digits 60-120 px tall, sensor noise."""
    from digits.mnist import default_root, load_arrays

    images, _labels = load_arrays(default_root(), train=False)
    rng = np.random.default_rng(seed)
    h, w = 3024, 4032
    yy, xx = np.mgrid[0:h:8, 0:w:8].astype(np.float32)
    light = cv2.resize(1 - 0.25 * (xx / w) - 0.15 * (yy / h), (w, h))
    out = (215 * light)[:, :, None] * np.ones(3, np.float32)
    for line in range(2):
        x, y = int(rng.integers(600, 1600)), 1000 + 400 * line
        for _ in range(int(rng.integers(4, 7))):
            size = int(rng.integers(60, 121))
            digit = cv2.resize(images[int(rng.integers(len(images)))], (size, size))
            a = digit.astype(np.float32)[:, :, None] / 255
            out[y:y + size, x:x + size] = out[y:y + size, x:x + size] * (1 - a) + 40 * a
            x += int(size * 0.9)
    out += rng.normal(0, 3, out.shape)
    return np.clip(out, 0, 255).astype(np.uint8)


def baseline_reader(folder: Path) -> Callable[[Model, np.ndarray], None]:
    """The earlier reader's read(): its segment() loaded from ``folder``, the same model."""
    spec = importlib.util.spec_from_file_location("baseline_segment",
                                                  folder / "runtime" / "segment.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)

    def old_read(model: Model, image: np.ndarray, times: list[float]) -> None:
        t0 = time.perf_counter()
        seg = module.segment(image)
        t1 = time.perf_counter()
        probs = model.probabilities(seg.crops)
        t2 = time.perf_counter()
        _ = [(int(p.argmax()), float(p.max())) for p in probs if p.max() >= 0.5]
        times += [t1 - t0, t2 - t1, time.perf_counter() - t2]
    return old_read


def _table(name: str, times: list[float]) -> dict[str, dict[str, float]]:
    t = np.array(times).reshape(-1, 3) * 1000
    stages = {"preprocess": t[:, 0], "inference": t[:, 1], "postprocess": t[:, 2],
              "total": t.sum(axis=1)}
    rows = {}
    print(f"{name}")
    print(f"  {'stage':12s} {'p50 ms':>8s} {'p95 ms':>8s}")
    for stage, v in stages.items():
        p50, p95 = float(np.percentile(v, 50)), float(np.percentile(v, 95))
        rows[stage] = {"p50_ms": round(p50, 3), "p95_ms": round(p95, 3)}
        print(f"  {stage:12s} {p50:8.2f} {p95:8.2f}")
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=200)
    ap.add_argument("--pages", type=int, default=5, help="12 MP page reads")
    ap.add_argument("--model")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--baseline", type=Path, default=None,
                    help="checkout of an earlier reader, measured side by side")
    ap.add_argument("--out", default=str(RESULTS), help="folder for the JSON record")
    args = ap.parse_args()
    model = Model(model_path(args.model), args.device)
    old = baseline_reader(args.baseline) if args.baseline else None
    scenes = generate(min(args.frames, 50), seed=123)
    for s in scenes[:10]:  # warm-up: first session runs allocate
        read(model, s.image, 0.5)
        if old:
            old(model, s.image, [])
    new_times: list[float] = []
    old_times: list[float] = []
    for i in range(args.frames):  # in turn, so both see the same machine load
        image = scenes[i % len(scenes)].image
        read(model, image, 0.5, new_times)
        if old:
            old(model, image, old_times)
    photo = page(seed=5)
    page_times: list[float] = []
    for _ in range(args.pages):
        read(model, photo, 0.5, page_times)
    print(f"frame pipeline, {args.frames} frames 640x480 (1-6 digits), {model.provider}")
    record = {"bench": "frame", "model": str(model.path), "provider": model.provider,
              "frames": args.frames, "stages": _table("this reader, 640x480", new_times)}
    new_p50 = record["stages"]["total"]["p50_ms"]
    if old:
        record["baseline"] = str(args.baseline)
        record["baseline_stages"] = _table(f"baseline {args.baseline}, 640x480", old_times)
        ratio = new_p50 / record["baseline_stages"]["total"]["p50_ms"]
        record["frame_ratio"] = round(ratio, 3)
        print(f"640x480 p50 ratio new/baseline: {ratio:.2f} (target <= {FRAME_RATIO_TARGET})")
    record["page_stages"] = _table("this reader, 4032x3024 page", page_times)
    page_ratio = record["page_stages"]["total"]["p50_ms"] / new_p50
    record["page_ratio"] = round(page_ratio, 2)
    print(f"page p50 / 640x480 p50: {page_ratio:.1f} (target <= {PAGE_RATIO_TARGET})")
    record["targets_met"] = page_ratio <= PAGE_RATIO_TARGET and (
        not old or record["frame_ratio"] <= FRAME_RATIO_TARGET)
    write_json(args.out, "frame", record)


if __name__ == "__main__":
    main()
