"""Benchmark: peak memory of one print run of 2,000 tag labels in each layout (issue 17: within 150 MB).

    python bench/labels_memory.py [--labels 2000] [--layout KEY]...

Each layout runs in a fresh Python process (so one run's memory never counts against the next) through the
same path a print takes: `kiosk.labels.print_labels` on a throwaway SQLite school, to the file printer (a
PDF) and, for the Brother rolls, to a Brother raster file. It prints the process's peak resident memory
(ru_maxrss) and ms per label, and exits 1 when any run is over 150 MB (5 ms per label is shown, not enforced).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BUDGET_MB = 150.0
BUDGET_MS = 5.0  # per label, end to end (issue 17)


def one_run(key: str, count: int, printer_kind: str) -> dict[str, float]:
    """In this process: make a school of `count` pupils, print everyone's labels, report peak memory."""
    from bench.labels import cold, make_school
    from kiosk.labels import BrotherPrinter, FilePrinter, LabelChoice, print_labels

    with tempfile.TemporaryDirectory(prefix="kiosk-bench-memory-") as scratch:
        folder = Path(scratch)
        ctx = make_school(folder, count)
        printer = (BrotherPrinter(str(folder / "labels.bin")) if printer_kind == "brother"
                   else FilePrinter(folder / "out"))
        cold()
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        start, cpu = time.perf_counter(), time.process_time()
        printed = print_labels(ctx, choice=LabelChoice(), layout=key, printer=printer)
        ms = (time.perf_counter() - start) * 1000 / printed.labels
        # The process's own CPU time: what the run costs when the machine is busy with others (wall time then
        # counts the waits for a core too). On a quiet machine the two agree within a few per cent.
        cpu_ms = (time.process_time() - cpu) * 1000 / printed.labels
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        return {"labels": printed.labels, "peak_mb": peak, "before_mb": before, "ms_per_label": ms,
                "cpu_ms_per_label": cpu_ms}


def main(argv: list[str] | None = None) -> int:
    from kiosk.labels import LAYOUTS

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labels", type=int, default=2000)
    parser.add_argument("--layout", action="append", help="only this layout (repeatable)")
    parser.add_argument("--one", nargs=2, metavar=("LAYOUT", "PRINTER"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(one_run(args.one[0], args.labels, args.one[1])))
        return 0
    runs = [(key, "file") for key in (args.layout or LAYOUTS)]
    runs += [(key, "brother") for key in (args.layout or LAYOUTS) if LAYOUTS[key].brother_label]
    print(f"{args.labels} labels per run, each run in its own process; peak resident memory (ru_maxrss):")
    over = False
    for key, kind in runs:
        answer = subprocess.run([sys.executable, __file__, "--labels", str(args.labels), "--one", key, kind],
                                capture_output=True, text=True, check=True, cwd=ROOT)
        figure = json.loads(answer.stdout.strip().splitlines()[-1])
        verdict = "ok" if figure["peak_mb"] <= BUDGET_MB else "OVER"
        over = over or verdict == "OVER"
        print(f"  {key:<14} {'PDF file' if kind == 'file' else 'Brother raster':<15} peak {figure['peak_mb']:6.0f} MB "
              f"(before printing {figure['before_mb']:4.0f} MB)  {figure['ms_per_label']:5.2f} ms/label "
              f"(CPU {figure['cpu_ms_per_label']:5.2f})  {verdict}")
    print(f"budget: {BUDGET_MB:.0f} MB peak per run: {'OVER budget' if over else 'within budget'}")
    return 1 if over else 0


if __name__ == "__main__":
    raise SystemExit(main())
