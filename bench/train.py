"""Benchmark the default training: N seeds, wall seconds, MNIST test accuracy, the share
of MNIST test digits answered "not a digit", and of held-out negatives answered so.

    python bench/train.py --seeds 0 1 2 [--arch cnn] [--negatives R] [--continental R]
                          [--printed R]
                          [--out bench/results]

`--negatives 0 --continental 0 --printed 0` is the default training from before the
reject class, the continental hand and the printed digits, for side-by-side time ratios.

Data is fetched and verified before the clock starts; the seconds are the training
loop's own (data in memory -> last optimizer step), as `digits train` reports them.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import RESULTS, write_json

from digits import mnist
from digits.train import loop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--arch", default="cnn")
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--limit", type=int, default=0, help="train on the first N images")
    parser.add_argument("--negatives", type=float, help="'not a digit' ratio (default: "
                        "the loop's NEGATIVE_RATIO; 0 = the 10-class training of before)")
    parser.add_argument("--continental", type=float, help="flagged 1s and crossed 7s per "
                        "digit in a batch (default: the loop's CONTINENTAL_RATIO; 0 = none)")
    parser.add_argument("--printed", type=float, help="printed digits per digit in a batch "
                        "(default: the loop's PRINTED_RATIO; 0 = none)")
    parser.add_argument("--out", default=str(RESULTS), help="folder for the JSON record")
    args = parser.parse_args()

    root = mnist.ensure_mnist(mnist.default_root())
    rows = []
    for seed in args.seeds:
        cfg = loop.TrainConfig(arch=args.arch, epochs=args.epochs, seed=seed, limit=args.limit)
        if args.negatives is not None:
            cfg.negatives = args.negatives
        if args.continental is not None:
            cfg.continental = args.continental
        if args.printed is not None:
            cfg.printed = args.printed
        with tempfile.TemporaryDirectory() as out:
            ckpt = loop.train(cfg, root, Path(out), log=lambda m: None, progress=False)
        m = ckpt["metrics"]
        rows.append({"arch": args.arch, "seed": seed, "epochs": ckpt["train_config"]["epochs"],
                     "seconds": round(m["train_seconds"], 1),
                     "negatives": cfg.negatives, "continental": cfg.continental,
                     "printed": cfg.printed,
                     "test_accuracy": round(m["test_accuracy"], 4),
                     "test_reject_rate": round(m.get("test_reject_rate", 0.0), 4),
                     "negatives_rejected": round(m.get("negatives_rejected", 0.0), 4)})
        print(f"seed {seed}: {rows[-1]['seconds']}s, {rows[-1]['test_accuracy']:.2%}", flush=True)

    print(f"\n{'arch':<6}{'seed':>6}{'epochs':>8}{'seconds':>10}{'test acc':>10}"
          f"{'MNIST rej':>10}{'neg rej':>9}")
    for r in rows:
        print(f"{r['arch']:<6}{r['seed']:>6}{r['epochs']:>8}{r['seconds']:>10.1f}"
              f"{r['test_accuracy']:>10.2%}{r['test_reject_rate']:>10.2%}"
              f"{r['negatives_rejected']:>9.2%}")
    median = {k: statistics.median(r[k] for r in rows)
              for k in ("seconds", "test_accuracy", "test_reject_rate", "negatives_rejected")}
    print(f"{'median':<20}{median['seconds']:>10.1f}{median['test_accuracy']:>10.2%}"
          f"{median['test_reject_rate']:>10.2%}{median['negatives_rejected']:>9.2%}")
    record = {"rows": rows, "median": median, "torch": str(torch.__version__),
              "threads": torch.get_num_threads()}
    write_json(args.out, "train", record)


if __name__ == "__main__":
    main()
