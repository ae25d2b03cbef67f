"""The benchmark harness itself (not the figures): the fake upstream speaks the protocol, the
reference proxy re-encodes it faithfully, wrk's report is read right, and the tables flag misses."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import fake_upstream  # noqa: E402
import rounds  # noqa: E402
import servers  # noqa: E402
import wrk  # noqa: E402
from procs import one_cpu, request, sockets  # noqa: E402
from report import Section, short, verdict  # noqa: E402

WRK_TEXT = """Running 1s test @ http://127.0.0.1:1/v1/chat/completions
  1 threads and 32 connections
  Latency Distribution
     50%  312.00us
     75%    1.20ms
     90%    2.00ms
     99%   12.50ms
  1234 requests in 1.00s, 1.00MB read
  Non-2xx or 3xx responses: 3
Requests/sec:   1234.00
"""


def test_wrk_report_read_from_text_and_from_done_line():
    text = wrk.parse(WRK_TEXT)
    assert (text.rps, text.p50_ms, text.p99_ms, text.requests, text.errors) == (1234.0, 0.312, 12.5, 1234, 3)
    assert text.duration_s == 1.0
    assert not text.ok
    line = (
        'BENCH {"requests":500,"duration_us":2000000,"bytes":1,"p50_us":250,"p90_us":1,"p99_us":900,'
        '"mean_us":1.0,"max_us":1,"errors":{"connect":0,"read":0,"write":0,"status":0,"timeout":0}}'
    )
    done = wrk.parse(WRK_TEXT + line + "\n")
    assert (done.rps, done.p50_ms, done.p99_ms, done.errors, done.ok) == (250.0, 0.25, 0.9, 0, True)
    assert done.duration_s == 2.0


def test_slices_combine_over_their_summed_time_and_requests():
    slices = [
        wrk.WrkResult(rps=1000, p50_ms=1.0, p99_ms=9.0, requests=1000, errors=0, cpu_us=300, duration_s=1.0),
        wrk.WrkResult(rps=250, p50_ms=4.0, p99_ms=5.0, requests=500, errors=0, cpu_us=600, duration_s=2.0),
        wrk.WrkResult(rps=500, p50_ms=2.0, p99_ms=7.0, requests=500, errors=2, cpu_us=500, duration_s=1.0),
    ]
    total = wrk.combine(slices)
    assert total.rps == 2000 / 4.0 and total.requests == 2000 and total.duration_s == 4.0
    assert total.cpu_us == (1000 * 300 + 500 * 600 + 500 * 500) / 2000  # CPU over requests, not a mean of means
    assert (total.p50_ms, total.p99_ms) == (2.0, 7.0)  # medians of the slices'
    assert total.errors == 2 and not total.ok
    assert wrk.combine(slices[:2]).ok
    unmeasured = wrk.WrkResult(rps=0, p50_ms=0, p99_ms=0, requests=0, errors=1, duration_s=1.0)
    assert wrk.combine([slices[0], unmeasured]).cpu_us is None  # a slice without CPU: no CPU figure


def test_paired_median_cancels_drift_between_rounds():
    # The machine halves its speed in round 2: every target slows alike, so the paired share holds.
    reference, g4f = [1000.0, 500.0, 1000.0], [800.0, 400.0, 700.0]
    assert sum(g4f) / sum(reference) == 0.76  # pooled: the slow round drags the figure
    assert rounds.median_ratio(g4f, reference) == 0.8
    assert rounds.median_ratio([1.0, 3.0], [0.0, 2.0]) == 1.5  # a round without a denominator left out
    assert rounds.median_ratio([1.0], [0.0]) is None
    assert rounds.median_difference([1.5, 9.0, 1.25], [1.0, 8.0, 1.0]) == 0.5
    with pytest.raises(ValueError):
        rounds.median_ratio([1.0, 2.0], [1.0])


def test_rounds_plan_whole_second_slices():
    assert rounds.plan(5) == (5, 1)
    assert rounds.plan(10) == (5, 2)
    assert rounds.plan(3) == (3, 1)
    assert rounds.plan(1) == (2, 1)  # --quick: still two rounds to pair


def test_rounds_turn_the_order_and_keep_groups_together():
    calls: list[str] = []
    jobs = {name: (lambda name=name: calls.append(name) or len(calls)) for name in ("a", "b", "c", "d")}
    out = rounds.run(jobs, 3, groups=[["b", "c", "x"]])  # "x" has no job: skipped
    # Units [b, c], [a], [d] turn by one each round, and so does the order inside the group.
    assert calls == ["b", "c", "a", "d", "a", "d", "c", "b", "d", "b", "c", "a"]
    assert out == {"a": [3, 5, 12], "b": [1, 8, 10], "c": [2, 7, 11], "d": [4, 6, 9]}  # results in round order


def test_stream_events_are_openai_chunks():
    events = fake_upstream.stream_events("m", include_usage=True)
    assert events[-1] == b"data: [DONE]\n\n"
    chunks = [orjson.loads(e[6:]) for e in events[:-1]]
    assert sum(1 for c in chunks if c["choices"]) == fake_upstream.CHUNKS
    assert chunks[fake_upstream.CHUNKS - 1]["choices"][0]["finish_reason"] == "stop"
    assert chunks[-1]["usage"]["completion_tokens"] == fake_upstream.CHUNKS


def test_upstream_and_reference_proxy_answer_alike():
    with servers.upstream() as up, servers.ref_proxy(up.port) as ref:
        for server in (up, ref):
            servers.check_chat(server, stream=False)
            servers.check_chat(server, stream=True)
        status, body = request(ref.port, "POST", "/v1/chat/completions", b"{not json")
        assert status == 400 and orjson.loads(body)["error"]["code"] == "invalid_json"
        assert sockets(ref.server_pid).get("LISTEN") == 1
        if shutil.which("wrk"):
            result = wrk.run(ref.port, connections=2, seconds=1, stream=True)
            assert result.ok and result.rps > 0 and 0 < result.p50_ms <= result.p99_ms


def test_a_server_that_dies_is_reported_with_its_log():
    broken = servers.Server(
        "broken", [sys.executable, "-c", "import sys; print('no luck', file=sys.stderr); sys.exit(3)"], 1
    )
    with pytest.raises(RuntimeError, match="exited \\(3\\).*no luck"), broken:
        pass


def test_tables_count_missed_budgets():
    section = Section("t", ["a", "result"])
    section.add("x", verdict(True))
    section.add("y", verdict(False))
    error = RuntimeError("Traceback\n  boom | here")
    section.add("z", f"FAIL: {short(error)}")
    assert section.failures == 2
    assert "| z | FAIL: boom / here |" in section.markdown()


def test_readme_section_is_replaced_not_duplicated(tmp_path):
    from report import machine, readme_section, update_readme

    readme = tmp_path / "README.md"
    readme.write_text("# x\n\n## Design\n\ntext\n")
    first, second = Section("one", ["a"]), Section("two", ["a"])
    update_readme(readme, readme_section(machine(), [first]))
    update_readme(readme, readme_section(machine(), [second]))
    text = readme.read_text()
    assert text.startswith("# x\n\n## Design\n\ntext\n\n## Performance\n")
    assert text.count("## Performance") == 1 and "### two" in text and "### one" not in text
    readme.write_text(text + "\n## Later\n\nkept\n")
    update_readme(readme, readme_section(machine(), [first]))
    assert readme.read_text().endswith("| a |\n|---|\n\n## Later\n\nkept\n")


def test_one_cpu_pins_the_servers_and_wrk_then_lets_them_go() -> None:
    every = os.sched_getaffinity(0)
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        with one_cpu([child.pid]):
            inside = os.sched_getaffinity(child.pid), os.sched_getaffinity(0)
        assert inside[0] == inside[1] and len(inside[0]) == 1 and inside[0] <= every
        assert os.sched_getaffinity(child.pid) == every and os.sched_getaffinity(0) == every
    finally:
        child.kill()
        child.wait()
