"""Cold start: the whole `digits recognize one.png --json` process against
`python -c "import torch"`, measured in one run on the same machine.

    python bench/coldstart.py [--repeats 5] [--model PATH] [--out bench/results]

Target: median ratio <= 0.5.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import RESULTS, model_path, write_json

from digits.scenes import generate


def timed(cmd: list[str]) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--model")
    ap.add_argument("--out", default=str(RESULTS), help="folder for the JSON record")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        one = Path(d) / "one.png"
        cv2.imwrite(str(one), generate(1, seed=1)[0].image)
        recognize = [sys.executable, "-m", "digits", "recognize", str(one), "--json",
                     "--model", str(model_path(args.model))]
        torch = [sys.executable, "-c", "import torch"]
        timed(recognize), timed(torch)  # warm the file cache for both
        r, t = [], []
        for _ in range(args.repeats):
            r.append(timed(recognize))
            t.append(timed(torch))
    rm, tm = statistics.median(r), statistics.median(t)
    print(f"{'command':34s} {'median s':>9s}")
    print(f"{'digits recognize one.png --json':34s} {rm:9.3f}")
    label = 'python -c "import torch"'
    print(f"{label:34s} {tm:9.3f}")
    print(f"ratio {rm / tm:.2f} (target <= 0.5: {'met' if rm / tm <= 0.5 else 'NOT met'})")
    write_json(args.out, "coldstart", {"bench": "coldstart", "recognize_s": r, "import_torch_s": t,
                           "median_ratio": round(rm / tm, 3), "target_met": rm / tm <= 0.5})


if __name__ == "__main__":
    main()
