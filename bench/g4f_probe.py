"""``g4f`` with a probe for the stability benchmark: ``python bench/g4f_probe.py api ...`` runs the
real CLI, and on SIGUSR1 writes the process's asyncio tasks, threads and live objects as JSON to the
file named by ``G4F_BENCH_PROBE``. The server itself exposes nothing for this."""

from __future__ import annotations

import asyncio
import gc
import json
import os
import signal
import sys
import threading
from typing import Any


def _dump(signum: int, frame: Any) -> None:
    loop = asyncio._get_running_loop()  # the handler runs on the main thread, inside the server's loop
    tasks = asyncio.all_tasks(loop) if loop is not None else set()
    state = {
        "tasks": len(tasks),
        "task_names": sorted({getattr(t.get_coro(), "__qualname__", "?") for t in tasks}),
        "threads": threading.active_count(),
        "objects": len(gc.get_objects()),
    }
    path = os.environ["G4F_BENCH_PROBE"]
    with open(path + ".tmp", "w") as f:
        json.dump(state, f)
    os.replace(path + ".tmp", path)


if __name__ == "__main__":
    signal.signal(signal.SIGUSR1, _dump)
    from g4f.cli import main

    sys.exit(main(sys.argv[1:]))
