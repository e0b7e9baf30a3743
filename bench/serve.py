"""`digits serve` under load: 640x480 JPEGs posted at several concurrencies.

    python bench/serve.py [--requests 1000] [--concurrency 1 4 16] [--workers 2]
                          [--rounds 10] [--round-requests 200] [--model PATH]
                          [--out bench/results]

Starts `digits serve` on a free loopback port, warms it up, then per concurrency sends
--requests raw-body POSTs /v1/read (keep-alive connections, one per client thread) and
prints throughput, p50/p95/p99 latency and errors (non-200 or failed requests; must be
0), and the server's RSS after warm-up and at the end (target: growth <= 30 MB). The
yardstick is `digits recognize --json` on the same files in this process (its own
recognize loop, output to nowhere): --rounds short rounds alternate it with concurrency 4
on the same --round-requests images, and the median of the per-round ratios is quoted
(target: serve >= 70 % of it); the machine's load drifts less within a short round.
Camera-like scenes from digits.scenes, seed 31: never used to tune anything.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import io
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import RESULTS, model_path, write_json

from digits.runtime.reader import Reader
from digits.runtime.recognize import recognize_frames
from digits.runtime.sources import files
from digits.scenes import generate

SEED = 31  # held out: no threshold or default was chosen on it
WARMUP = 50  # requests before the "after warm-up" RSS: first sessions and pools allocate
RATIO_TARGET = 0.70
RSS_GROWTH_TARGET_MB = 30.0


def rss_mb(pid: int) -> float:
    """Resident set size of a process (Linux /proc), MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def start_server(model: Path, workers: int) -> tuple[subprocess.Popen, int]:
    """`digits serve --port 0`; the port is read from the URL it prints on stderr."""
    proc = subprocess.Popen([sys.executable, "-m", "digits", "serve", "--port", "0",
                             "--workers", str(workers), "--model", str(model)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    for line in proc.stderr:
        found = re.search(r"serving http://127\.0\.0\.1:(\d+)/", line)
        if found:
            port = int(found.group(1))
            urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/health", timeout=30).read()
            threading.Thread(target=proc.stderr.read, daemon=True).start()  # never blocks
            return proc, port
    raise SystemExit(f"server exited with {proc.wait()} before serving")


def load(port: int, bodies: list[bytes], n: int, concurrency: int) -> dict:
    """n POSTs spread over `concurrency` threads; latencies in ms, errors counted."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    counter = iter(range(n))

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine: list[float] = []
        bad = 0
        while (i := next(counter, None)) is not None:
            t0 = time.perf_counter()
            try:
                conn.request("POST", "/v1/read", bodies[i % len(bodies)],
                             {"Content-Type": "image/jpeg"})
                r = conn.getresponse()
                r.read()
                ok = r.status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            mine.append((time.perf_counter() - t0) * 1000)
            bad += not ok
        conn.close()
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    lat = np.array(latencies)
    return {"concurrency": concurrency, "requests": n, "seconds": round(wall, 3),
            "req_per_s": round(n / wall, 1), "errors": errors[0],
            **{f"p{q}_ms": round(float(np.percentile(lat, q)), 2) for q in (50, 95, 99)}}


def in_process(reader: Reader, paths: list[str]) -> float:
    """Images per second of `digits recognize --json` over `paths`, in this process."""
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        rc = recognize_frames(reader, files(paths, None, 1), as_json=True, save=None,
                              show=False)
    if rc != 0:
        raise SystemExit("digits recognize failed on the bench files")
    return len(paths) / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=1000)
    ap.add_argument("--concurrency", type=int, nargs="+", default=[1, 4, 16])
    ap.add_argument("--workers", type=int, default=2, help="digits serve --workers")
    ap.add_argument("--files", type=int, default=50, help="distinct JPEGs, posted in turn")
    ap.add_argument("--rounds", type=int, default=10,
                    help="alternations of recognize and concurrency 4 for the ratio")
    ap.add_argument("--round-requests", type=int, default=200,
                    help="images per side of one round: short rounds see the same machine")
    ap.add_argument("--model")
    ap.add_argument("--out", default=str(RESULTS), help="folder for the JSON record")
    args = ap.parse_args()
    model = model_path(args.model)
    with tempfile.TemporaryDirectory() as tmp:
        bodies, paths = [], []
        for i, scene in enumerate(generate(args.files, seed=SEED)):
            ok, jpeg = cv2.imencode(".jpg", scene.image, [cv2.IMWRITE_JPEG_QUALITY, 90])
            assert ok
            path = Path(tmp) / f"scene{i:03d}.jpg"
            path.write_bytes(jpeg.tobytes())
            bodies.append(jpeg.tobytes())
            paths.append(str(path))
        same = [paths[i % len(paths)] for i in range(args.round_requests)]  # as served
        load_before = os.getloadavg()[0]  # other work on the machine skews every figure
        proc, port = start_server(model, args.workers)
        try:
            rss = {"started": rss_mb(proc.pid)}
            load(port, bodies, WARMUP, 1)
            rss["after_warmup"] = rss_mb(proc.pid)
            runs = {c: load(port, bodies, args.requests, c) for c in args.concurrency}
            net = Reader(model, "cpu", min_confidence=0.3)
            ratios, baseline, served = [], [], []
            for _ in range(args.rounds):
                baseline.append(in_process(net, same))
                served.append(load(port, bodies, args.round_requests, 4)["req_per_s"])
                ratios.append(served[-1] / baseline[-1])
            rss["end"] = rss_mb(proc.pid)
            provider = net.model.provider
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    load_avg = (round(load_before, 2), round(os.getloadavg()[0], 2))
    growth = rss["end"] - rss["after_warmup"]
    ratio = float(np.median(ratios))
    print(f"digits serve: {args.requests} requests per row, 640x480 JPEGs ({args.files} "
          f"files, seed {SEED}), {args.workers} workers, {provider}; load average "
          f"{load_avg[0]:.1f} -> {load_avg[1]:.1f} on {os.cpu_count()} CPUs")
    print(f"{'concurrency':>11s} {'req/s':>8s} {'p50 ms':>8s} {'p95 ms':>8s} {'p99 ms':>8s} "
          f"{'errors':>6s}")
    for r in runs.values():
        print(f"{r['concurrency']:11d} {r['req_per_s']:8.1f} {r['p50_ms']:8.2f} "
              f"{r['p95_ms']:8.2f} {r['p99_ms']:8.2f} {r['errors']:6d}")
    errors = sum(r["errors"] for r in runs.values())
    print(f"errors: {errors} (must be 0)")
    print(f"in-process `digits recognize`: {np.median(baseline):.1f} img/s; serve at "
          f"concurrency 4: {np.median(served):.1f} req/s; median ratio over {args.rounds} "
          f"rounds {ratio:.0%} (target >= {RATIO_TARGET:.0%}): "
          f"{'met' if ratio >= RATIO_TARGET else 'NOT met'}")
    print(f"server RSS: started {rss['started']:.1f} MB, after warm-up "
          f"{rss['after_warmup']:.1f} MB, end {rss['end']:.1f} MB: growth {growth:+.1f} MB "
          f"(target <= {RSS_GROWTH_TARGET_MB:.0f}): "
          f"{'met' if growth <= RSS_GROWTH_TARGET_MB else 'NOT met'}")
    write_json(args.out, "serve", {
        "bench": "serve", "model": str(model), "provider": provider, "seed": SEED,
        "workers": args.workers, "files": args.files, "load_average": load_avg,
        "runs": list(runs.values()),
        "errors": errors, "round_requests": args.round_requests,
        "in_process_img_per_s": [round(b, 1) for b in baseline],
        "serve_c4_req_per_s": served, "ratio_c4_median": round(ratio, 3),
        "ratio_target": RATIO_TARGET, "ratio_met": ratio >= RATIO_TARGET,
        "rss_mb": {k: round(v, 1) for k, v in rss.items()},
        "rss_growth_mb": round(growth, 1), "rss_growth_target_mb": RSS_GROWTH_TARGET_MB,
        "rss_met": growth <= RSS_GROWTH_TARGET_MB})


if __name__ == "__main__":
    main()
