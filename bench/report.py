"""Markdown tables for the benchmark sections, and the machine they ran on."""

from __future__ import annotations

import datetime
import os
import platform
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Section:
    title: str
    headers: list[str]
    rows: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, *cells: object) -> None:
        self.rows.append([str(c) for c in cells])

    @property
    def failures(self) -> int:
        """Rows that missed a budget or could not be measured."""
        return sum(1 for row in self.rows if any(cell.startswith("FAIL") for cell in row))

    @property
    def errors(self) -> int:
        """Rows that could not be measured at all (``FAIL: why``)."""
        return sum(1 for row in self.rows if any(cell.startswith("FAIL:") for cell in row))

    def markdown(self) -> str:
        lines = [
            f"### {self.title}",
            "",
            "| " + " | ".join(self.headers) + " |",
            "|" + "|".join("---" for _ in self.headers) + "|",
        ]
        lines += ["| " + " | ".join(row) + " |" for row in self.rows]
        if self.notes:
            lines += [""] + [f"- {note}" for note in self.notes]
        return "\n".join(lines) + "\n"


def short(error: BaseException | str, size: int = 160) -> str:
    """One table-safe line for an error: its last non-empty line (a traceback's message)."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    text = lines[-1] if lines else type(error).__name__
    return text.replace("|", "/")[:size]


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else "pass" if ok else "FAIL"


def machine() -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    return {
        "date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "ram": mem,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "load average (1/5/15 min) at start": load,
    }


def document(info: dict[str, str], sections: list[Section], seconds: float) -> str:
    failures = sum(s.failures for s in sections)
    out = ["# g4f benchmark results", "", "Written by `make bench` (`bench/run.py`). Everything runs on 127.0.0.1.", ""]
    out += [f"- **{key}**: {value}" for key, value in info.items()]
    out += [
        f"- **load average at end**: {' / '.join(f'{x:.2f}' for x in os.getloadavg())}",
        f"- **run time**: {seconds:.0f} s",
        f"- **budgets missed**: {failures}",
        "",
    ]
    out += [section.markdown() for section in sections]
    return "\n".join(out)


README_HEADING = "## Performance"


def readme_section(info: dict[str, str], sections: list[Section]) -> str:
    intro = [
        README_HEADING,
        "",
        "`make bench` runs `bench/run.py` (under 10 minutes; `--quick` checks the harness in about a minute,",
        "`--only gateway,ratelimit,client,startup,engine,stability` picks sections) and writes `bench/RESULTS.md`.",
        "g4f is measured beside a fake OpenAI upstream (`bench/fake_upstream.py`), a minimal raw-ASGI",
        "reference proxy (`bench/ref_proxy.py`), the official `openai` SDK and llama-cpp-python driven",
        "directly; `bench/profile_server.py` shows where the server's time goes (py-spy under wrk).",
        "",
        f"Last run: {info['date']}, {info['cpu']}, {info['cores']} cores, {info['ram']}, Python {info['python']};",
        f"load average {info['load average (1/5/15 min) at start']} at the start. On a shared machine",
        "the absolute figures move from run to run; the ratios within one run are what the budgets judge.",
        "",
        "",
    ]
    return "\n".join(intro) + "\n".join(section.markdown() for section in sections)


def update_readme(path: Path, text: str) -> None:
    """Replace the README's performance section (up to the next ``## `` heading), or append it."""
    readme = path.read_text()
    start = readme.find("\n" + README_HEADING + "\n")
    if start < 0:
        path.write_text(readme.rstrip("\n") + "\n\n" + text)
        return
    end = readme.find("\n## ", start + 1)
    rest = readme[end:] if end >= 0 else ""
    path.write_text(readme[: start + 1] + text + ("\n" + rest.lstrip("\n") if rest else ""))
