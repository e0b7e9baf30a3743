"""The reader on each kind of everyday input of issue 8 (tests/kinds.py generates them).

    python bench/kinds.py [--frames 20] [--seed 7] [--model PATH] [--out bench/results]

Per kind: frames read exactly (text equal to the truth, digits in reading order) and,
for the no-digit kinds (letters, scribbles, empty grids and forms), false digits per
frame and how many frames said so (rejected > 0 or nothing read). Tuning used seeds 0
and 1; quote another.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # the generators
import kinds
from _common import RESULTS, model_path, write_json

from digits.runtime.model import Model
from digits.runtime.reader import read_digits


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=20, help="frames per kind")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--model")
    ap.add_argument("--min-confidence", type=float, default=0.3)
    ap.add_argument("--out", default=str(RESULTS), help="folder for the JSON record")
    args = ap.parse_args()
    model = Model(model_path(args.model), "cpu")
    every = {**kinds.DIGIT_KINDS, "page": kinds.make_page, **kinds.NO_DIGIT_KINDS}
    rows = {}
    print(f"kinds of issue 8, {args.frames} frames each, seed {args.seed}, model {model.path}")
    print(f"{'kind':16s} {'frames':>6s} {'exact':>7s} {'false/frame':>12s} {'said so':>8s}")
    for name, make in every.items():
        rng = np.random.default_rng(args.seed)
        exact = false = said = 0
        n = max(1, args.frames // 5) if name == "page" else args.frames
        for _ in range(n):
            image, text = make(rng)
            got, rejected = read_digits(model, image, args.min_confidence)
            exact += "".join(str(d.label) for d in got) == text
            if not text:
                false += len(got)
                said += rejected > 0
        digits = name not in kinds.NO_DIGIT_KINDS
        rows[name] = {"frames": n, "exact": round(100 * exact / n, 1)}
        if not digits:
            rows[name] |= {"false_per_frame": round(false / n, 3), "said_so": said}
        extra = "" if digits else f"{false / n:12.3f} {said:8d}"
        print(f"{name:16s} {n:6d} {100 * exact / n:6.1f}% {extra}")
    write_json(args.out, "kinds", {"bench": "kinds", "model": str(model.path), "seed": args.seed,
                                   "kinds": rows})


if __name__ == "__main__":
    main()
