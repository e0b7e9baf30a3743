"""Accuracy on camera-like frames (digits.scenes, common/scenes.py), per source of handwriting.

    python bench/scenes.py [--frames 400] [--seed 99] [--model PATH]
                           [--out bench/results]

A digit is read correctly when a returned box contains its centre (and its box contains
the returned box's centre) with the right label; a frame is read exactly when its digits
equal the ground truth. Targets: >= 98 % digits, >= 90 % frames.

Then numbers: as many frames again with several numbers per line, some with a decimal
point (`generate(numbers=True)`); the share whose `numbers` (the record's text: numbers
by spaces, lines by newlines, points kept) are exactly right, beside the share whose
digits alone are right (what grouping could at best reach).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import RESULTS, model_path, write_json

from digits.runtime.reader import Digit, Reader
from digits.scenes import SOURCES, generate


def _inside(px: float, py: float, box) -> bool:
    x, y, w, h = box
    return x <= px <= x + w and y <= py <= y + h


def score(got: list[Digit], labels: list[int], boxes) -> int:
    """How many ground-truth digits were found at their place with the right label."""
    right = 0
    for label, box in zip(labels, boxes, strict=True):
        cx, cy = box[0] + box[2] / 2, box[1] + box[3] / 2
        right += any(d.label == label and _inside(cx, cy, d.box) and _inside(
            d.box[0] + d.box[2] / 2, d.box[1] + d.box[3] / 2, box) for d in got)
    return right


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=400)
    ap.add_argument("--seed", type=int, default=99)
    ap.add_argument("--model")
    ap.add_argument("--min-confidence", type=float, default=0.3)
    ap.add_argument("--out", default=str(RESULTS), help="folder for the JSON record")
    args = ap.parse_args()
    reader = Reader(model_path(args.model), "cpu", min_confidence=args.min_confidence)
    model = reader.model
    stats = {s: {"frames": 0, "exact": 0, "digits": 0, "right": 0, "extra": 0} for s in SOURCES}
    for scene in generate(args.frames, seed=args.seed):
        got = reader.read(scene.image).digits
        st = stats[scene.source]
        st["frames"] += 1
        st["exact"] += [d.label for d in got] == scene.labels
        st["digits"] += len(scene.labels)
        st["right"] += score(got, scene.labels, scene.boxes)
        st["extra"] += max(0, len(got) - len(scene.labels))
    print(f"camera-like frames 640x480, seed {args.seed}, model {model.path}")
    print(f"{'source':10s} {'frames':>7s} {'digits':>7s} {'digits ok':>10s} {'frames ok':>10s}"
          f" {'extra':>6s}")
    rows = {}
    total = {"frames": 0, "exact": 0, "digits": 0, "right": 0, "extra": 0}
    for name, st in [*stats.items(), ("all", total)]:
        if name != "all":
            for k in total:
                total[k] += st[k]
        d = 100 * st["right"] / max(1, st["digits"])
        f = 100 * st["exact"] / max(1, st["frames"])
        rows[name] = {**st, "digit_accuracy": round(d, 2), "frame_accuracy": round(f, 2)}
        print(f"{name:10s} {st['frames']:7d} {st['digits']:7d} {d:9.2f}% {f:9.2f}% "
              f"{st['extra']:6d}")
    ok = rows["all"]["digit_accuracy"] >= 98 and rows["all"]["frame_accuracy"] >= 90
    print(f"targets (>= 98 % digits, >= 90 % frames): {'met' if ok else 'NOT met'}")
    numbers = numbers_exact(reader, args.frames, args.seed)
    print(f"\nnumbers: {args.frames} frames with several numbers a line and decimal points")
    print(f"  numbers exactly right {numbers['numbers_exact']:6.2f} %   digits right "
          f"{numbers['digits_exact']:6.2f} %")
    write_json(args.out, "scenes", {"bench": "scenes", "model": str(model.path), "seed": args.seed,
                           "sources": rows, "targets_met": ok, "numbers": numbers})


def numbers_exact(reader: Reader, frames: int, seed: int) -> dict[str, float]:
    """Shares (%) of numbers=True frames whose text, and whose digits alone, are right."""
    text = digits = 0
    for scene in generate(frames, seed=seed, numbers=True):
        got = reader.read(scene.image)
        text += got.text == scene.text
        digits += [d.label for d in got.digits] == scene.labels
    return {"frames": frames, "numbers_exact": round(100 * text / frames, 2),
            "digits_exact": round(100 * digits / frames, 2)}


if __name__ == "__main__":
    main()
