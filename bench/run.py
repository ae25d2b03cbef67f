"""``make bench``: every g4f benchmark in one run, one Markdown table per section with its budgets,
written to bench/RESULTS.md with the machine it ran on.

    .venv/bin/python bench/run.py                 # everything, under 10 minutes
    .venv/bin/python bench/run.py --quick         # tiny durations: checks the harness, not the figures
    .venv/bin/python bench/run.py --only gateway,ratelimit
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import client_speed  # noqa: E402
import core_figures  # noqa: E402
import engine  # noqa: E402
import faults  # noqa: E402
import gateway  # noqa: E402
import ratelimit  # noqa: E402
import servers  # noqa: E402
import stability  # noqa: E402
import startup  # noqa: E402
from procs import BENCH  # noqa: E402
from report import Section, document, machine, readme_section, short, update_readme  # noqa: E402

SECTIONS = ("gateway", "ratelimit", "client", "startup", "engine", "stability", "faults")
FULL = {
    "cell_s": 5,
    "import_repeat": 7,
    "calls": 2000,
    "rounds": 10,
    "per_round": 40,
    "launches": 3,
    "engine_reps": 5,
    "local_reps": 2,
    "requests": 50_000,
    "warmup": 5_000,
    "stability_s": 170,
    "fault_requests": 1000,
}
QUICK = {
    "cell_s": 1,
    "import_repeat": 2,
    "calls": 200,
    "rounds": 2,
    "per_round": 5,
    "launches": 1,
    "engine_reps": 1,
    "local_reps": 1,
    "requests": 1_000,
    "warmup": 200,
    "stability_s": 30,
    "fault_requests": 100,
}


def _guarded(name: str, job: Callable[[], list[Section]]) -> list[Section]:
    """One broken measurement must not lose the others' figures."""
    try:
        return job()
    except Exception as error:
        traceback.print_exc()
        failed = Section(name, ["error", "result"])
        failed.add(f"{type(error).__name__}: {short(error, 300)}", "FAIL")
        return [failed]


def run_sections(names: list[str], p: dict) -> list[Section]:
    def client() -> list[Section]:
        with servers.upstream() as up:
            return [client_speed.run(up.port, p["rounds"], p["per_round"])]

    def start() -> list[Section]:
        rows = core_figures.import_rows(p["import_repeat"]) + startup.run(p["launches"])
        return [startup.section(rows, p["launches"])]

    jobs: dict[str, list[tuple[str, Callable[[], list[Section]]]]] = {
        "gateway": [("gateway", lambda: gateway.run(p["cell_s"]))],
        "ratelimit": [("rate limits", lambda: [ratelimit.run(p["cell_s"])])],
        "client": [("client", client), ("core overhead", lambda: [core_figures.overhead_section(p["calls"])])],
        "startup": [("startup", start)],
        "engine": [
            ("engine", lambda: [engine.run(p["engine_reps"])]),
            ("engine concurrency", lambda: [engine.concurrency(p["engine_reps"])]),
            ("Local in-process", lambda: [core_figures.local_section(p["local_reps"])]),
        ],
        "stability": [("stability", lambda: [stability.run(p["requests"], p["warmup"], p["stability_s"])])],
        "faults": [("faults", lambda: [faults.run(p["fault_requests"])])],
    }
    out: list[Section] = []
    for name in names:
        began = time.monotonic()
        print(f"-- {name} ...", file=sys.stderr, flush=True)
        for label, job in jobs[name]:
            for section in _guarded(label, job):
                print(section.markdown(), flush=True)
                out.append(section)
        print(f"-- {name}: {time.monotonic() - began:.0f} s", file=sys.stderr, flush=True)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="g4f benchmarks (issue 7)")
    parser.add_argument("--quick", action="store_true", help="tiny durations, to check the harness")
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"comma-separated subset of {','.join(SECTIONS)}")
    parser.add_argument("--out", default=str(BENCH / "RESULTS.md"), help="where to write the Markdown report")
    parser.add_argument("--readme", action="store_true", help="also put the tables in README.md's Performance section")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = set(names) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections: {', '.join(sorted(unknown))}")
    info = machine()
    began = time.monotonic()
    sections = run_sections(names, QUICK if args.quick else FULL)
    text = document(info, sections, time.monotonic() - began)
    if args.quick:
        text = text.replace("# g4f benchmark results", "# g4f benchmark results (--quick: harness check only)", 1)
    Path(args.out).write_text(text)
    if args.readme and not args.quick:
        update_readme(BENCH.parent / "README.md", readme_section(info, sections))
    failures = sum(s.failures for s in sections)
    print(f"wrote {args.out}; budgets missed: {failures}", file=sys.stderr)
    # A missed budget fails `make bench`; --quick judges only the harness (a broken measurement).
    return 1 if (sum(s.errors for s in sections) if args.quick else failures) else 0


if __name__ == "__main__":
    sys.exit(main())
