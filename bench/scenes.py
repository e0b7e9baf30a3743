"""The reader where it is used: one table row per scene condition (digits.scenes).

    python bench/scenes.py [--conditions desk page ...] [--frames 100] [--page-frames 100]
                           [--seed 8101] [--model PATH] [--out bench/results]

Per condition: digits read correctly (a returned box holds the digit's centre, the
digit's box holds the returned box's centre, with the right label), frames read exactly
(the text equals the ground truth), false digits per frame (returned where no digit is),
frames on which the reader raised, and the reader's median milliseconds per frame.
Targets (issue 8): >= 97 % digits in every digit condition, >= 99 % on clean paper,
>= 90 % frames exact, <= 0.05 false digits per no-digit frame.

The default seed, 8101, was never used while building or tuning the generator, the
model or the reader; tune on others. 4032x3024 page frames take seconds each to make
and read (~6 minutes for 100), so the page condition runs ``--page-frames`` of them (at
most ``--frames``); fewer for a quick look.

Then numbers: ``--frames`` camera frames with several numbers per line, some with a
decimal point (`generate(numbers=True)`); the share whose `numbers` (the record's text:
numbers by spaces, lines by newlines, points kept) are exactly right, beside the share
whose digits alone are right (what grouping could at best reach).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import RESULTS, model_path, write_json

from digits.mnist import default_root, load_arrays
from digits.runtime.reader import Digit, Reader
from digits.scenes import CONDITIONS, NO_DIGIT_CONDITIONS, generate, generate_condition

SEED = 8101  # never tuned on
TARGETS = {"digits": 97.0, "clean_digits": 99.0, "frames": 90.0, "false_per_frame": 0.05}
# A box may be off by this fraction of the other box's longer side and still count as
# "at the digit": generated truth boxes are the ink's, a reader's may be a few px wider.
SLACK = 0.15


def _holds(box: tuple, px: float, py: float) -> bool:
    x, y, w, h = box
    s = SLACK * max(w, h)
    return x - s <= px <= x + w + s and y - s <= py <= y + h + s


def _centre(box: tuple) -> tuple[float, float]:
    return box[0] + box[2] / 2, box[1] + box[3] / 2


def score(got: list[Digit], labels: list[int], boxes: list) -> tuple[int, int]:
    """(ground-truth digits found at their place with the right label, returned digits
    at no ground-truth digit's place). Each returned digit counts for one digit at most."""
    used: set[int] = set()
    right = 0
    for label, box in zip(labels, boxes, strict=True):
        for i, d in enumerate(got):
            if i not in used and d.label == label and _holds(d.box, *_centre(box)) \
                    and _holds(box, *_centre(d.box)):
                used.add(i)
                right += 1
                break
    false = sum(not any(_holds(box, *_centre(d.box)) for box in boxes) for d in got)
    return right, false


def run(condition: str, frames: int, seed: int, reader: Reader, mnist: tuple) -> dict:
    st = {"frames": 0, "digits": 0, "right": 0, "exact": 0, "false": 0, "errors": 0}
    ms = []
    for scene in generate_condition(condition, frames, seed, mnist):
        st["frames"] += 1
        st["digits"] += len(scene.labels)
        t = time.perf_counter()
        try:
            got = reader.read(scene.image).digits
        except Exception:  # the bench measures the reader; a crash is a frame it failed
            st["errors"] += 1
            continue
        ms.append(1000 * (time.perf_counter() - t))
        right, false = score(got, scene.labels, scene.boxes)
        st["right"] += right
        st["false"] += false
        st["exact"] += [d.label for d in got] == scene.labels
    st["digit_accuracy"] = round(100 * st["right"] / st["digits"], 2) if st["digits"] else None
    st["frame_accuracy"] = round(100 * st["exact"] / max(1, st["frames"]), 2)
    st["false_per_frame"] = round(st["false"] / max(1, st["frames"]), 3)
    st["p50_ms"] = round(statistics.median(ms), 1) if ms else None
    return st


def meets(condition: str, st: dict) -> bool:
    if condition in NO_DIGIT_CONDITIONS:
        return st["false_per_frame"] <= TARGETS["false_per_frame"] and not st["errors"]
    need = TARGETS["clean_digits"] if condition == "clean" else TARGETS["digits"]
    return (st["digit_accuracy"] or 0) >= need and st["frame_accuracy"] >= TARGETS["frames"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--conditions", nargs="+", choices=list(CONDITIONS), default=list(CONDITIONS))
    ap.add_argument("--frames", type=int, default=100, help="frames per condition")
    ap.add_argument("--page-frames", type=int, default=100,
                    help="frames of the 4032x3024 page condition (slow)")
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--model")
    ap.add_argument("--min-confidence", type=float, default=0.3)
    ap.add_argument("--out", default=str(RESULTS), help="folder for the JSON record")
    args = ap.parse_args()
    reader = Reader(model_path(args.model), "cpu", min_confidence=args.min_confidence)
    model = reader.model
    mnist = load_arrays(default_root(), train=False)
    print(f"scene conditions, seed {args.seed}, model {model.path}", flush=True)
    head = (f"{'condition':10s} {'frames':>6s} {'digits':>6s} {'digits ok':>9s} "
            f"{'frames ok':>9s} {'false/fr':>8s} {'errors':>6s} {'p50 ms':>7s} target")
    print(head + "\n" + "-" * len(head), flush=True)
    rows = {}
    for name in args.conditions:
        n = min(args.frames, args.page_frames) if name == "page" else args.frames
        st = run(name, n, args.seed, reader, mnist)
        st["target_met"] = meets(name, st)
        rows[name] = st
        digits = "-" if st["digit_accuracy"] is None else f"{st['digit_accuracy']:.2f}%"
        p50 = "-" if st["p50_ms"] is None else f"{st['p50_ms']:.1f}"
        print(f"{name:10s} {st['frames']:6d} {st['digits']:6d} {digits:>9s} "
              f"{st['frame_accuracy']:8.2f}% {st['false_per_frame']:8.3f} {st['errors']:6d} "
              f"{p50:>7s} {'met' if st['target_met'] else 'NOT met'}", flush=True)
    print("targets: >= 97 % digits (99 % clean), >= 90 % frames exact in every digit "
          "condition; <= 0.05 false digits per no-digit frame")
    numbers = numbers_exact(reader, args.frames, args.seed)
    print(f"\nnumbers: {args.frames} frames with several numbers a line and decimal points")
    print(f"  numbers exactly right {numbers['numbers_exact']:6.2f} %   digits right "
          f"{numbers['digits_exact']:6.2f} %")
    write_json(args.out, "scenes", {"bench": "scenes", "model": str(model.path),
                                    "seed": args.seed, "frames": args.frames,
                                    "page_frames": args.page_frames, "targets": TARGETS,
                                    "conditions": rows, "numbers": numbers,
                                    "targets_met": all(r["target_met"] for r in rows.values())})


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
