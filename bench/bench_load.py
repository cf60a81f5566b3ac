"""Load benchmark: N simulated students open one page and move a slider every few seconds.

    python bench/bench_load.py --students 1,10,30,100 --processes 1,2 --duration 60

Each student is a lightweight client that does not render: it speaks Streamlit's websocket
protocol (/_stcore/stream) directly, as the browser does. It opens the page (a BackMsg
`rerun_script` naming the page), reads the ForwardMsgs up to `script_finished`, finds the slider
in the deltas (its widget id and the fragment it lives in), then every `--interval` seconds
(0.5-1.5 x, seeded) moves the slider a few steps: a `rerun_script` with the slider's new value,
the page's script hash and, for a slider inside `st.fragment`, the fragment id, exactly what the
frontend sends. It also sends the hashes of the big messages it already holds, as the browser
does, so the server may answer those by reference.

The server is started here: `deploy.serve.Recipe` (N Streamlit processes behind nginx with
sticky cookie sessions; each student has its own cookie), or `--direct` (one process, no nginx),
or give `--url` (and `--pids` for memory) of a server you started. Usage statistics are switched
on for the servers it starts (STREAMLIT_BROWSER_GATHER_USAGE_STATS, never sent anywhere: the
clients here are the only receivers), so each run reports the server's own script time
(`page_profile.exec_time`).

Per configuration and N it prints:
- opens: page-open latency (send -> script_finished) p50 / p95,
- moves: client-observed latency per slider move (send -> script_finished) p50 / p95 / max,
  over the moves sent once every student had opened the page (steady state),
- server script time per move (exec_time measured by the server) p50 / p95,
- errors (exceptions in the page, error alerts, timeouts, closed connections),
- server CPU (cores busy, from /proc) and resident memory (MB, largest sum over the phase),
- the machine's 1-minute load average at the start and end, and the client's own CPU use.
Nothing is asserted; everything runs on loopback and stops by itself (phases are bounded).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402
from websockets.asyncio.client import connect  # noqa: E402

from bench.harness import free_port, rss_mb, streamlit_server  # noqa: E402

FINISHED = {
    ForwardMsg.FINISHED_SUCCESSFULLY,
    ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY,
}
ERROR_ALERT = 1  # Alert.Format.ERROR


class StudentError(Exception):
    """Something a student would see as broken: an exception, an error message, a timeout."""


@dataclass
class Slider:
    """The widget a student moves: an st.slider, or a custom component taking {"t": value, "seq": n}."""

    id: str
    fragment_id: str
    lo: float
    hi: float
    step: float
    value: float
    component: bool = False
    seq: int = 0


@dataclass
class Reply:
    seconds: float
    exec_us: int | None
    nbytes: int
    n_msgs: int


@dataclass
class Tally:
    opens: list = field(default_factory=list)
    moves: list = field(default_factory=list)  # (t_sent, seconds, exec_us, nbytes)
    errors: list = field(default_factory=list)  # (t, text)
    first_ready: float | None = None
    all_ready: float | None = None


class Student:
    """One browser tab, without the browser: a websocket speaking Streamlit's protobuf protocol."""

    def __init__(self, ws_url: str, page: str, slider: str, cookie: str, timeout: float):
        self.ws_url, self.page, self.slider_key = ws_url, page, slider
        self.cookie, self.timeout = cookie, timeout
        self.ws = None
        self.page_hash = ""
        self.cached: dict[str, ForwardMsg] = {}  # hash -> message, for the server's ref_hash replies
        self.slider: Slider | None = None
        self.page_not_found = False

    async def __aenter__(self) -> Student:
        self.ws = await connect(
            self.ws_url,
            subprotocols=["streamlit"],
            additional_headers={"Cookie": f"mlx_route={self.cookie}"},
            max_size=None,
            open_timeout=self.timeout,
            ping_interval=None,  # the frontend does not ping either; a busy server must not drop us
        )
        return self

    async def __aexit__(self, *exc) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.ws.close(), 5)

    async def _rerun(self, msg: BackMsg) -> tuple[Reply, list[ForwardMsg]]:
        msg.rerun_script.cached_message_hashes.extend(sorted(self.cached))
        t0 = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        out, nbytes, exec_us = [], 0, None
        deadline = t0 + self.timeout
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                raise StudentError(f"no script_finished within {self.timeout:g} s")
            try:
                data = await asyncio.wait_for(self.ws.recv(), left)
            except TimeoutError:
                raise StudentError(f"no script_finished within {self.timeout:g} s") from None
            nbytes += len(data)
            f = ForwardMsg()
            f.ParseFromString(data)
            if f.WhichOneof("type") == "ref_hash":
                # "you already have this message": the browser takes it from its cache, and so do we
                if f.ref_hash not in self.cached:
                    raise StudentError(
                        f"the server referred to a message this client never got ({f.ref_hash})"
                    )
                ref = f
                f = ForwardMsg()
                f.CopyFrom(self.cached[ref.ref_hash])
                f.metadata.CopyFrom(ref.metadata)
            elif f.metadata.cacheable and f.hash:
                self.cached[f.hash] = f
            out.append(f)
            kind = f.WhichOneof("type")
            if kind == "page_profile":
                exec_us = int(f.page_profile.exec_time)
            elif kind == "page_not_found":
                # Streamlit 1.67 sends this once before st.navigation runs when a pages/ folder also
                # exists, even for a page st.navigation then finds: judged in open() by the slider.
                self.page_not_found = True
            elif kind == "delta" and f.delta.WhichOneof("type") == "new_element":
                el = f.delta.new_element
                which = el.WhichOneof("type")
                if which == "exception":
                    raise StudentError(
                        f"exception in the page: {el.exception.type}: {el.exception.message}"[:300]
                    )
                if which == "alert" and el.alert.format == ERROR_ALERT:
                    raise StudentError(f"error message in the page: {el.alert.body}"[:300])
            elif kind == "script_finished":
                if f.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    continue  # the page called st.rerun(): the server starts the next run by itself
                if f.script_finished not in FINISHED:
                    name = ForwardMsg.ScriptFinishedStatus.Name(f.script_finished)
                    raise StudentError(f"script finished with {name}")
                return Reply(time.perf_counter() - t0, exec_us, nbytes, len(out)), out

    async def open(self) -> Reply:
        msg = BackMsg()
        msg.rerun_script.page_name = self.page
        msg.rerun_script.query_string = ""
        reply, msgs = await self._rerun(msg)
        for f in msgs:
            kind = f.WhichOneof("type")
            if kind == "new_session" and f.new_session.page_script_hash:
                self.page_hash = f.new_session.page_script_hash
            if kind == "delta" and f.delta.WhichOneof("type") == "new_element":
                found = _target(f.delta.new_element, f.delta.fragment_id, self.slider_key)
                if found is not None:
                    self.slider = found
        if self.slider is None and self.page_not_found:
            raise StudentError(f"page {self.page!r} not found (check --page: the page's URL path)")
        if self.slider is None:
            raise StudentError(
                f"no slider with key or label {self.slider_key!r} on page {self.page!r} (check --slider)"
            )
        return reply

    async def move(self, rng: random.Random) -> Reply:
        """Move the slider a few steps (as a drag or arrow keys would), staying in range."""
        s = self.slider
        k = rng.choice([-1, 1]) * rng.randint(1, 25)
        value = min(max(s.value + k * s.step, s.lo), s.hi)
        if value == s.value:
            value = min(max(s.value - k * s.step, s.lo), s.hi)
        msg = BackMsg()
        cs = msg.rerun_script
        cs.page_script_hash = self.page_hash
        cs.page_name = self.page
        if s.fragment_id:
            cs.fragment_id = s.fragment_id
        w = cs.widget_states.widgets.add()
        w.id = s.id
        if s.component:  # what the live threshold component sends when a drag is released
            s.seq += 1
            w.json_value = json.dumps({"t": value, "seq": s.seq})
        else:
            w.double_array_value.data.append(value)
        reply, msgs = await self._rerun(msg)
        shown = [
            t
            for f in msgs
            if f.WhichOneof("type") == "delta" and f.delta.WhichOneof("type") == "new_element"
            for t in [_target(f.delta.new_element, f.delta.fragment_id, self.slider_key)]
            if t is not None
        ]
        if not shown:
            raise StudentError("the rerun after a move did not redraw the slider")
        if abs(shown[-1].value - value) > s.step / 2:
            raise StudentError(
                f"the server did not take the move: sent {value:.6g}, shows {shown[-1].value:.6g}"
            )
        s.value = value
        return reply


def _target(el, fragment_id: str, keys: str) -> Slider | None:
    """The element as a movable target if its widget key (or slider label) is one of `keys` (comma-separated)."""
    which = el.WhichOneof("type")
    for key in keys.split(","):
        if which == "slider":
            s = el.slider
            if s.id.endswith(f"-{key}") or key in s.label:
                value = s.value[0] if s.value else s.default[0]
                return Slider(s.id, fragment_id, s.min, s.max, s.step, value)
        elif which == "component_instance" and el.component_instance.id.endswith(f"-{key}"):
            c = el.component_instance
            args = json.loads(c.json_args or "{}")
            if not {"lo", "hi", "step", "t"} <= set(args):
                return None
            return Slider(c.id, fragment_id, args["lo"], args["hi"], args["step"], args["t"], component=True)
    return None


async def student_loop(
    i: int, n: int, ws_url: str, args, tally: Tally, t0: float, t_end: float, seed: int
) -> None:
    rng = random.Random(seed * 100_003 + i)
    await asyncio.sleep(args.ramp * i / max(n, 1))
    try:
        async with Student(ws_url, args.page, args.slider, f"student-{seed}-{i}", args.timeout) as st:
            tally.opens.append((await st.open()).seconds)
            while True:
                await asyncio.sleep(args.interval * rng.uniform(0.5, 1.5))
                if time.perf_counter() >= t_end:
                    return
                sent = time.perf_counter() - t0
                try:
                    r = await st.move(rng)
                except StudentError as exc:
                    tally.errors.append((sent, str(exc)))
                    if "within" in str(exc):
                        return  # a timed-out session has a rerun pending; this student gives up
                    continue
                tally.moves.append((sent, r.seconds, r.exec_us, r.nbytes))
    except StudentError as exc:
        tally.errors.append((time.perf_counter() - t0, str(exc)))
    except Exception as exc:  # noqa: BLE001 - a dropped connection is a result to report, not a crash
        tally.errors.append((time.perf_counter() - t0, f"{type(exc).__name__}: {exc}"[:300]))


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


def _rss(pid: int) -> float:
    try:
        return rss_mb(pid)
    except OSError:
        return float("nan")


async def run_phase(ws_url: str, n: int, args, pids: list[int], seed: int) -> dict:
    """N students for `ramp + duration` seconds; returns the figures of this phase."""
    tally = Tally()
    idle0 = sum(_cpu_seconds(p) for p in pids)
    await asyncio.sleep(5)  # the servers' CPU use with nobody connected (background warm-ups, timers)
    idle = (sum(_cpu_seconds(p) for p in pids) - idle0) / 5
    load0 = os.getloadavg()[0]
    cpu0 = {p: _cpu_seconds(p) for p in pids}
    client0 = sum(os.times()[:2])
    rss_peak = {p: _rss(p) for p in pids}
    t0 = time.perf_counter()
    t_end = t0 + args.ramp + args.duration

    async def sample_rss():
        while True:
            for p in pids:
                rss_peak[p] = max(rss_peak[p], _rss(p))
            await asyncio.sleep(1.0)

    sampler = asyncio.create_task(sample_rss())
    await asyncio.gather(*(student_loop(i, n, ws_url, args, tally, t0, t_end, seed) for i in range(n)))
    sampler.cancel()
    wall = time.perf_counter() - t0
    cpu = {p: (_cpu_seconds(p) - cpu0[p]) / wall for p in pids}
    for p in pids:
        rss_peak[p] = max(rss_peak[p], _rss(p))
    # steady state: moves sent after the last student's page had opened
    ready_at = args.ramp + (max(tally.opens) if tally.opens else 0.0)
    steady = [m for m in tally.moves if m[0] >= ready_at] or tally.moves
    lat = np.array([m[1] for m in steady]) if steady else np.array([np.nan])
    ex = np.array([m[2] / 1e6 for m in steady if m[2] is not None]) if steady else np.array([])
    opens = np.array(tally.opens) if tally.opens else np.array([np.nan])
    return {
        "students": n,
        "opens": len(tally.opens),
        "open_p50": float(np.percentile(opens, 50)),
        "open_p95": float(np.percentile(opens, 95)),
        "moves": len(steady),
        "moves_all": len(tally.moves),
        "move_p50": float(np.percentile(lat, 50)),
        "move_p95": float(np.percentile(lat, 95)),
        "move_max": float(np.max(lat)),
        "exec_p50": float(np.percentile(ex, 50)) if ex.size else None,
        "exec_p95": float(np.percentile(ex, 95)) if ex.size else None,
        "kb_per_move": float(np.mean([m[3] for m in steady]) / 1024) if steady else None,
        "errors": len(tally.errors),
        "first_errors": sorted({e[1] for e in tally.errors})[:3],
        "server_cpu_cores": float(sum(cpu.values())),
        "server_idle_cores": idle,
        # server CPU per move above its idle use, over all moves of the phase (page opens included)
        "cpu_ms_per_move": float(max(sum(cpu.values()) - idle, 0) * wall / max(len(tally.moves), 1) * 1000),
        "server_cpu_per_process": [round(c, 2) for c in cpu.values()],
        "rss_mb": float(sum(rss_peak.values())),
        "rss_mb_per_process": [round(r) for r in rss_peak.values()],
        "load_start": load0,
        "load_end": os.getloadavg()[0],
        "client_cpu": (sum(os.times()[:2]) - client0) / wall,
        "wall_s": wall,
    }


async def warm(url: str, args) -> float:
    """One student opens the page once (per process): trains and caches what the default needs."""
    async with Student(
        url.replace("http", "ws", 1) + "/_stcore/stream", args.page, args.slider, "warm", 600
    ) as st:
        t = (await st.open()).seconds
        await st.move(random.Random(0))
    return t


def settle(pids: list[int], limit: float = 180, quiet: float = 0.05) -> float:
    """Wait until the servers are idle (< `quiet` cores each over 2 s; background warm-ups such as
    UMAP's numba compile done) or `limit` seconds passed; returns the seconds waited."""
    t0 = time.perf_counter()
    while pids and time.perf_counter() - t0 < limit:
        before = [_cpu_seconds(p) for p in pids]
        time.sleep(2)
        if all((_cpu_seconds(p) - b) / 2 < quiet for p, b in zip(pids, before, strict=True)):
            break
    return time.perf_counter() - t0


@contextlib.contextmanager
def server(processes: int, args):
    """(proxy URL, per-process URLs, pids) of a freshly started server, stopped afterwards."""
    env = {"STREAMLIT_BROWSER_GATHER_USAGE_STATS": "true"}
    if args.direct and not args.post_script_gc:
        env["STREAMLIT_RUNNER_POST_SCRIPT_GC"] = "false"  # as deploy.serve runs it
    if args.url:
        yield args.url, [args.url], [int(p) for p in args.pids.split(",")] if args.pids else []
    elif args.direct:
        from bench import harness

        with streamlit_server(ROOT / args.app, env=env) as url:
            yield url, [url], [harness.SERVER_PIDS[url]]
    else:
        from deploy.serve import Recipe

        with Recipe(processes, free_port(), app=args.app, env=env, post_script_gc=args.post_script_gc) as r:
            yield r.url, r.app_urls, r.app_pids


def roc_page_path() -> str:
    """The ROC Explorer's URL path as the app's router names it (ui/navigation.py), else Streamlit's default."""
    try:
        from ui import navigation

        return next(p.url_path for p in navigation.PAGES if p.file.endswith("ROC_Explorer.py"))
    except (ImportError, AttributeError, StopIteration):
        return "ROC_Explorer"


def fmt(v, unit="", digits=2) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return "n/a"
    return f"{v:.{digits}f}{unit}"


def print_row(config: str, r: dict) -> None:
    print(
        f"| {config} | {r['students']} | {r['opens']} | {fmt(r['open_p50'])} / {fmt(r['open_p95'])} "
        f"| {r['moves']} | {fmt(r['move_p50'])} / {fmt(r['move_p95'])} / {fmt(r['move_max'], digits=1)} "
        f"| {fmt(r['exec_p50'], digits=3)} / {fmt(r['exec_p95'], digits=3)} | {fmt(r['kb_per_move'], digits=0)} "
        f"| {r['errors']} | {r['cpu_ms_per_move']:.0f} "
        f"| {fmt(r['server_cpu_cores'])} ({', '.join(map(str, r['server_cpu_per_process']))}; "
        f"{r['server_idle_cores']:.2f}) "
        f"| {r['rss_mb']:.0f} | {r['load_start']:.1f} → {r['load_end']:.1f} | {r['client_cpu']:.0%} |",
        flush=True,
    )
    for e in r["first_errors"]:
        print(f"|   error: {e}")


HEADER = (
    "| server | N | opened | open p50 / p95 (s) | moves | move p50 / p95 / max (s) "
    "| server script p50 / p95 (s) | KB / move | errors | server CPU ms / move (above idle) "
    "| server CPU, cores (per process; idle) "
    "| RSS MB | load 1-min | client CPU |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--students", default="1,10,30,100", help="comma-separated N (default 1,10,30,100)")
    p.add_argument(
        "--processes",
        default="1,2",
        help="comma-separated Streamlit process counts behind nginx (default 1,2)",
    )
    p.add_argument(
        "--duration",
        type=float,
        default=60,
        help="seconds of slider moves per phase, after the ramp (default 60)",
    )
    p.add_argument(
        "--interval", type=float, default=3, help="mean seconds between one student's moves (default 3)"
    )
    p.add_argument(
        "--ramp",
        type=float,
        default=10,
        help="students open the page spread over this many seconds (default 10)",
    )
    p.add_argument(
        "--page",
        default=None,
        help="the page's URL path (default: the ROC Explorer's, from ui/navigation.py)",
    )
    p.add_argument(
        "--slider",
        default="roc_live,roc_t_slider",
        help="widget key of the slider (st.slider, or a component taking {t, seq} such as the ROC Explorer's "
        "live threshold), or text in a slider's label; comma-separated candidates (default roc_live,roc_t_slider)",
    )
    p.add_argument(
        "--timeout", type=float, default=30, help="seconds before a move counts as an error (default 30)"
    )
    p.add_argument("--app", default="app.py", help="the Streamlit script (default app.py)")
    p.add_argument(
        "--direct", action="store_true", help="one Streamlit process without nginx (ignores --processes)"
    )
    p.add_argument("--url", help="benchmark a server already running at this URL instead of starting one")
    p.add_argument("--pids", help="with --url: comma-separated server pids, for CPU and memory")
    p.add_argument(
        "--post-script-gc",
        action="store_true",
        help="keep Streamlit's gc.collect(2) after every script run (deploy.serve turns it off)",
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", help="also write the figures to this JSON file")
    args = p.parse_args(argv)
    args.page = args.page or roc_page_path()
    counts = [int(x) for x in args.students.split(",")]
    configs = [1] if (args.direct or args.url) else [int(x) for x in args.processes.split(",")]
    print(
        f"Load benchmark: page {args.page!r}, slider {args.slider!r}, {args.duration:g} s per phase after a "
        f"{args.ramp:g} s ramp, one move per student every {args.interval:g} s (0.5-1.5x); {os.cpu_count()} CPUs"
    )
    results = []
    for k in configs:
        name = (
            "external"
            if args.url
            else ("1 process, direct" if args.direct else f"{k} process{'es' * (k > 1)} + nginx")
        )
        with server(k, args) as (url, app_urls, pids):
            cold = [asyncio.run(warm(u, args)) for u in app_urls]
            busy = settle(pids)
            print(
                f"\n{name}: cold page open (trains the default once per process): "
                + ", ".join(f"{c:.2f} s" for c in cold)
                + f"; servers busy in the background for {busy:.0f} s after it; load {os.getloadavg()[0]:.1f}"
            )
            print(HEADER)
            ws_url = url.replace("http", "ws", 1) + "/_stcore/stream"
            for n in counts:
                r = asyncio.run(run_phase(ws_url, n, args, pids, args.seed))
                r["server"] = name
                results.append(r)
                print_row(name, r)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
