"""Where the time goes during a phase: CPU per process (always), and with `--profile` a py-spy
sampling profile of chosen processes, summarised as the functions costing the most CPU."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from bench.services import Services

FRAME_FILE = re.compile(r"^(?P<func>.*) \((?P<file>[^:()]+)(:\d+)?\)$")
FILE_UNSAFE = re.compile(r"[^\w.-]+")  # a label such as "why GET /regional?kanwil_id=…"
OURS = re.compile(r"\((services|shared)/")  # Pulih's own code, once _short has cut the path


class Cpu:
    """CPU use per process role between start and stop, in % of one core."""

    def __init__(self, services: Services):
        self.services = services
        self.before, self.started = services.cpu_seconds(), time.perf_counter()

    def stop(self) -> dict[str, float]:
        after, wall = self.services.cpu_seconds(), time.perf_counter() - self.started
        used = {k: 100 * (v - self.before.get(k, 0.0)) / wall for k, v in after.items()}
        return {k: round(v) for k, v in sorted(used.items(), key=lambda kv: -kv[1])}


ROOT = str(Path(__file__).resolve().parents[1])  # this checkout, wherever it lives


def _short(frame: str) -> str:
    match = FRAME_FILE.match(frame)
    if not match:
        return frame
    path = match["file"]
    for marker in ("site-packages/", f"{ROOT}/", "lib/python3"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{match['func']} ({path})"


def summarise(raw: Path, top: int = 12) -> dict:
    """Self and inclusive shares of the samples, per function (file, not line)."""
    own, inclusive, total = Counter(), Counter(), 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = [_short(f) for f in stack.split(";")]
        n = int(count)
        total += n
        own[frames[-1]] += n
        for frame in set(frames):
            inclusive[frame] += n
    if not total:
        return {"samples": 0}

    def share(counter: Counter) -> list[list]:
        return [[f, round(100 * n / total, 1)] for f, n in counter.most_common(top)]

    ours = Counter({f: n for f, n in inclusive.items() if OURS.search(f)})
    return {"samples": total, "self_pct": share(own), "inclusive_pct": share(inclusive),
            "ours_pct": share(ours)}


def described(label: str, name: str, got: dict, top: int = 6) -> str:
    """One line for one process's profile: its top functions by self share and Pulih's own
    by inclusive share; or why there are none."""
    if got.get("missing"):
        return f"- py-spy, {label}, {name}: nothing recorded (py-spy could not attach)."
    if not got.get("samples"):
        return (f"- py-spy, {label}, {name}: no samples — its Python never ran while sampled: "
                f"it was waiting (on PostgreSQL, the network) the whole time.")
    return (f"- py-spy, {label}, {name} ({got['samples']} samples): self % — "
            + "; ".join(f"{f} {p}" for f, p in got["self_pct"][:top])
            + ". Pulih's own, inclusive % — "
            + ("; ".join(f"{f} {p}" for f, p in got.get("ours_pct", [])[:top]) or "none") + ".")


class Spy:
    """py-spy record of several processes for `seconds`, into `outdir` (None: disabled; with
    `optional`, also disabled when py-spy is not installed instead of refusing)."""

    def __init__(self, outdir: Path | None, optional: bool = False):
        self.binary = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
        if outdir is not None and not Path(self.binary).exists():
            if not optional:
                raise RuntimeError("--profile needs py-spy: pip install py-spy")
            outdir = None
        self.outdir = outdir
        if outdir is not None:
            outdir.mkdir(parents=True, exist_ok=True)

    def start(self, label: str, pids: dict[str, int], seconds: float) -> list:
        if self.outdir is None:
            return []
        running = []
        for name, pid in pids.items():
            out = self.outdir / f"{FILE_UNSAFE.sub('_', label)}-{name}.txt"
            args = [self.binary, "record", "-p", str(pid), "-d", str(max(1, int(seconds))),
                    "-r", "97", "--nonblocking", "--format", "raw", "-o", str(out)]
            proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            running.append((name, out, proc))
        return running

    def finish(self, running: list) -> dict:
        summaries = {}
        for name, out, proc in running:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            summaries[name] = (summarise(out) if out.exists()
                               else {"samples": 0, "missing": True})
        return summaries
