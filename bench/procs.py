"""Processes for the benchmarks: start servers on free loopback ports, wait for them, read their
resident memory, descriptors and sockets from /proc, and stop them again."""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PY = sys.executable
G4F = str(Path(sys.executable).with_name("g4f"))
HOST = "127.0.0.1"
LOGS = Path(tempfile.mkdtemp(prefix="g4f-bench-"))
TCP_STATES = {"01": "ESTABLISHED", "06": "TIME_WAIT", "08": "CLOSE_WAIT", "0A": "LISTEN"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def request(
    port: int,
    method: str,
    path: str,
    body: bytes | None = None,
    timeout: float = 10,
    headers: dict[str, str] | None = None,
) -> tuple[int, bytes]:
    """One plain HTTP request (no client library in the way); raises OSError when nobody listens."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        sent = {"Content-Type": "application/json", "Authorization": "Bearer x"} if body is not None else {}
        conn.request(method, path, body=body, headers={**sent, **(headers or {})})
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


@dataclass
class Server:
    """A server process on a loopback port; ``with Server(...) as s:`` starts it and waits until it answers."""

    name: str
    cmd: list[str]
    port: int
    env: dict[str, str] = field(default_factory=dict)
    ready_path: str = "/v1/models"
    ready_timeout: float = 30
    proc: subprocess.Popen | None = None
    started: float = 0.0

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def log(self) -> Path:
        return LOGS / f"{self.name}-{self.port}.log"

    def start(self) -> Server:
        env = {**os.environ, **self.env}
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            self.cmd, env=env, stdout=subprocess.DEVNULL, stderr=self.log.open("wb"), cwd=ROOT, start_new_session=True
        )
        return self

    def wait_ready(
        self, method: str = "GET", path: str | None = None, body: bytes | None = None, timeout: float = 10
    ) -> float:
        """Poll until the server answers 200 (each request within ``timeout``); return seconds since launch."""
        deadline = self.started + self.ready_timeout
        last = "no answer"
        while time.perf_counter() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited ({self.proc.returncode}): {self.tail()}")
            try:
                status, payload = request(self.port, method, path or self.ready_path, body, timeout)
                if status == 200:
                    return time.perf_counter() - self.started
                last = f"HTTP {status}: {payload[:300]!r}"
            except OSError as error:
                last = str(error)
            time.sleep(0.005)
        raise RuntimeError(f"{self.name} did not answer within {self.ready_timeout:.0f} s ({last}): {self.tail()}")

    def tail(self, size: int = 1500) -> str:
        try:
            return self.log.read_text(errors="replace")[-size:]
        except OSError:
            return ""

    @property
    def server_pid(self) -> int:
        """The process that holds the listening socket (a launcher may have forked it)."""
        assert self.proc is not None
        inode = listening_inode(self.port)
        for pid in [self.proc.pid, *descendants(self.proc.pid)]:
            if inode and f"socket:[{inode}]" in fd_targets(pid):
                return pid
        return self.proc.pid

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)  # our own child, by pid; its workers follow it
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)  # the session this Server started, nothing else
            self.proc.wait(5)

    def __enter__(self) -> Server:
        self.start()
        try:
            self.wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                children = [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                continue
            found += children
            todo += children
    return found


def fd_targets(pid: int) -> list[str]:
    targets = []
    for fd in Path(f"/proc/{pid}/fd").glob("*"):
        try:
            targets.append(os.readlink(fd))
        except OSError:
            pass
    return targets


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _tcp_table() -> dict[str, tuple[int, int, str]]:
    """inode -> (local port, remote port, state) for every IPv4/IPv6 TCP socket of this network namespace."""
    table = {}
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(name).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            local, remote, state, inode = parts[1], parts[2], parts[3], parts[9]
            table[inode] = (_port(local), _port(remote), TCP_STATES.get(state, state))
    return table


def _port(address: str) -> int:
    return int(address.rsplit(":", 1)[1], 16)


def listening_inode(port: int) -> str | None:
    for inode, (local_port, _remote, state) in _tcp_table().items():
        if local_port == port and state == "LISTEN":
            return inode
    return None


def sockets(pid: int, server_port: int = 0, upstream_port: int = 0) -> dict[str, int]:
    """Open descriptors of a process: all, sockets, TCP sockets by state, and how many of them are
    connections from clients (to ``server_port``) and to the upstream (``upstream_port``)."""
    targets = fd_targets(pid)
    table = _tcp_table()
    counts = {"fds": len(targets), "sockets": 0, "clients": 0, "upstream": 0}
    for target in targets:
        if not target.startswith("socket:["):
            continue
        counts["sockets"] += 1
        local, remote, state = table.get(target[8:-1], (0, 0, ""))
        if state:
            counts[state] = counts.get(state, 0) + 1
        if state != "LISTEN" and server_port and local == server_port:
            counts["clients"] += 1
        if upstream_port and remote == upstream_port:
            counts["upstream"] += 1
    return counts


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process has used so far (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def one_cpu(pids: Iterable[int]) -> Iterator[None]:
    """While inside: ``pids`` (every thread of each) and this process, so the wrk it starts too, on
    one CPU; then back on all of them. For the 1-connection cells: one request is in flight at a
    time, so these processes take turns and never run at once; on one CPU they hand the request on
    without the cross-CPU wake-ups whose cost, on a small VM, swings such a cell by ±20 % between
    two identical runs (the reference and g4f alike)."""
    every = os.sched_getaffinity(0)
    if len(every) < 2:
        yield
        return
    cpu = {max(every)}
    threads = [(pid, int(t)) for pid in pids for t in os.listdir(f"/proc/{pid}/task")]
    try:
        for _, tid in [*threads, (0, 0)]:
            os.sched_setaffinity(tid, cpu)
        yield
    finally:
        for _, tid in [(0, 0), *threads]:
            with contextlib.suppress(ProcessLookupError):
                os.sched_setaffinity(tid, every)
