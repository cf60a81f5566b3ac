"""Serve ML Explorer from several Streamlit processes behind nginx, with sticky sessions.

    python -m deploy.serve --processes 2 --port 8080      # then open http://127.0.0.1:8080

One command: it renders deploy/nginx.conf.template into a run directory (pid file, logs and nginx
temp files there too, so no root is needed), starts N `streamlit run app.py` processes on free
loopback ports, waits for each one's /_stcore/health, runs nginx in the foreground in front of
them, and stops everything on Ctrl-C or SIGTERM (or when any of them dies).

`Recipe` does the same from Python (the load benchmark and the tests use it):

    with Recipe(processes=2, port=0) as r:
        print(r.url, r.app_pids)
"""

from __future__ import annotations

import argparse
import ctypes
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = Path(__file__).with_name("nginx.conf.template")
STICKY = {
    "cookie": "hash $mlx_route consistent;",
    "ip": "ip_hash;",
}
_TEMP_DIRS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
# Streamlit runs a full gc.collect(2) after every script run by default (runner.postScriptGC). With
# torch, scikit-learn and plotly loaded that is ~0.4 million objects and 0.1-0.9 s holding the GIL,
# so each slider move stalls every session of the process: a threshold move on the ROC Explorer
# took 0.48 s with it and 0.03 s without (bench/bench_load.py). Python's own generational GC still runs.
POST_SCRIPT_GC_OFF = ["--runner.postScriptGC", "false"]


def render_config(
    servers: list[str],
    listen: str,
    *,
    sticky: str = "cookie",
    pid: str = "/tmp/nginx.pid",
    error_log: str = "stderr",
    access_log: str = "off",
    temp: str = "/tmp/nginx",
    workers: str = "auto",
    user: str | None = None,
) -> str:
    """The nginx configuration from the template: `servers` are "host:port" of the Streamlit processes."""
    if sticky not in STICKY:
        raise ValueError(f"sticky must be one of {sorted(STICKY)}, got {sticky!r}")
    if not servers:
        raise ValueError("at least one Streamlit server (host:port) is needed")
    values = {
        "USER": f"user {user};\n" if user else "",
        "WORKERS": str(workers),
        "PID": pid,
        "ERROR_LOG": error_log,
        "ACCESS_LOG": access_log,
        "TEMP": temp,
        "BALANCE": STICKY[sticky],
        "SERVERS": "\n".join(f"        server {s} max_fails=0;" for s in servers),
        "LISTEN": listen,
    }
    text = TEMPLATE.read_text(encoding="utf-8")
    for name, value in values.items():
        text = text.replace(f"@@{name}@@", value)
    if left := re.findall(r"@@[A-Z_]+@@", text):
        raise ValueError(f"the nginx template has placeholders serve.py does not fill: {left}")
    return text


def compose_config() -> str:
    """The configuration of the nginx container in deploy/compose.yaml (kept in deploy/nginx/compose.conf;
    regenerate with `python -m deploy.serve --print-compose-config > deploy/nginx/compose.conf`).

    `app:8501` resolves, when nginx starts, to every replica of the compose service `app`.
    """
    return render_config(
        ["app:8501"],
        "8080",
        pid="/tmp/nginx.pid",
        error_log="stderr",
        access_log="/dev/stdout mlx",
        temp="/tmp",
        workers="auto",
    )


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _die_with_parent() -> None:
    """In the child before exec: get SIGTERM if the parent dies (Linux), so nothing is left behind."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


def _tail(path: Path, n: int = 1500) -> str:
    try:
        return path.read_text(errors="replace")[-n:]
    except OSError:
        return "(no log)"


class Recipe:
    """N Streamlit processes behind one nginx; `start()` returns when all answer through the proxy."""

    def __init__(
        self,
        processes: int = 2,
        port: int = 8080,
        *,
        host: str = "127.0.0.1",
        app: str | Path = "app.py",
        app_ports: list[int] | None = None,
        run_dir: str | Path | None = None,
        sticky: str = "cookie",
        streamlit_args: list[str] | tuple = (),
        post_script_gc: bool = False,
        env: dict | None = None,
        access_log: bool = False,
        nginx: str | None = None,
        timeout: float = 120,
    ):
        if processes < 1:
            raise ValueError(f"processes must be at least 1, got {processes}")
        if app_ports is not None and len(app_ports) != processes:
            raise ValueError(f"{processes} processes need {processes} app ports, got {app_ports}")
        self.processes = processes
        self.host = host
        self.port = port or free_port(host)
        self.app = Path(app)
        self.app_ports = list(app_ports) if app_ports else [free_port() for _ in range(processes)]
        self.sticky = sticky
        self.streamlit_args = ([] if post_script_gc else POST_SCRIPT_GC_OFF) + list(streamlit_args)
        self.env = dict(env or {})
        self.access_log = access_log
        self.nginx = nginx or shutil.which("nginx") or "/usr/sbin/nginx"
        self.timeout = timeout
        self._own_run_dir = run_dir is None
        self.run_dir = Path(run_dir) if run_dir else Path(tempfile.mkdtemp(prefix="ml-explorer-serve-"))
        self.apps: list[subprocess.Popen] = []
        self.proxy: subprocess.Popen | None = None

    # --- what it serves ----------------------------------------------------------------------
    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        return f"http://{host}:{self.port}"

    @property
    def app_urls(self) -> list[str]:
        return [f"http://127.0.0.1:{p}" for p in self.app_ports]

    @property
    def app_pids(self) -> list[int]:
        return [p.pid for p in self.apps]

    @property
    def conf_path(self) -> Path:
        return self.run_dir / "nginx.conf"

    def config(self) -> str:
        """This run's nginx configuration (paths in the run directory)."""
        run = self.run_dir.resolve()
        return render_config(
            [f"127.0.0.1:{p}" for p in self.app_ports],
            f"{self.host}:{self.port}",
            sticky=self.sticky,
            pid=str(run / "nginx.pid"),
            error_log=str(run / "nginx-error.log"),
            access_log=f"{run / 'nginx-access.log'} mlx" if self.access_log else "off",
            temp=str(run / "tmp"),
            workers="1",
            # nginx started as root hands its workers to an unprivileged user
            user="nobody nogroup" if os.geteuid() == 0 else None,
        )

    # --- start and stop ----------------------------------------------------------------------
    def _nginx_cmd(self, *extra: str) -> list[str]:
        run = str(self.run_dir.resolve())
        return [
            self.nginx,
            "-p",
            run,
            "-c",
            str(self.conf_path.resolve()),
            "-e",
            f"{run}/nginx-error.log",
            *extra,
        ]

    def write_config(self) -> Path:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.run_dir, 0o711)  # nginx workers (nobody, when started as root) reach tmp/
        tmp = self.run_dir / "tmp"
        tmp.mkdir(exist_ok=True)
        for name in _TEMP_DIRS:
            (tmp / name).mkdir(exist_ok=True)
        if os.geteuid() == 0:
            os.chmod(tmp, 0o711)
            for name in _TEMP_DIRS:
                shutil.chown(tmp / name, "nobody", "nogroup")
        self.conf_path.write_text(self.config(), encoding="utf-8")
        check = subprocess.run(self._nginx_cmd("-t", "-q"), capture_output=True, text=True)
        if check.returncode != 0:
            raise RuntimeError(f"nginx rejected {self.conf_path}:\n{check.stderr.strip()}")
        return self.conf_path

    def _spawn(self, cmd: list[str], log: Path, env: dict) -> subprocess.Popen:
        with open(log, "wb") as out:
            return subprocess.Popen(
                cmd,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,  # Ctrl-C reaches serve.py only; it stops the children in order
                preexec_fn=_die_with_parent,
            )

    def start(self) -> Recipe:
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        if not Path(self.nginx).exists() and shutil.which(self.nginx) is None:
            raise RuntimeError("nginx is not installed: apt-get install -y nginx")
        self.write_config()
        env = {**os.environ, **self.env}
        # One cookie secret for all processes, so signed cookies made by one are valid in another.
        env.setdefault("STREAMLIT_SERVER_COOKIE_SECRET", secrets.token_hex(32))
        for port in self.app_ports:
            cmd = [
                sys.executable, "-m", "streamlit", "run", str(self.app),
                "--server.port", str(port),
                "--server.address", "127.0.0.1",
                "--server.headless", "true",
                *self.streamlit_args,
            ]  # fmt: skip
            self.apps.append(self._spawn(cmd, self.run_dir / f"app-{port}.log", env))
        deadline = time.monotonic() + self.timeout
        for proc, url, port in zip(self.apps, self.app_urls, self.app_ports, strict=True):
            while not _healthy(url):
                if proc.poll() is not None:
                    raise RuntimeError(
                        f"streamlit on port {port} exited ({proc.returncode}); its log ends:\n"
                        + _tail(self.run_dir / f"app-{port}.log")
                    )
                if time.monotonic() > deadline:
                    raise TimeoutError(f"streamlit on port {port} not healthy after {self.timeout:.0f} s")
                time.sleep(0.25)
        self.proxy = self._spawn(self._nginx_cmd("-g", "daemon off;"), self.run_dir / "nginx-stdout.log", env)
        while not _healthy(self.url):
            if self.proxy.poll() is not None:
                raise RuntimeError(
                    f"nginx exited ({self.proxy.returncode}); its error log ends:\n"
                    + _tail(self.run_dir / "nginx-error.log")
                )
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.url}/_stcore/health not answering through nginx")
            time.sleep(0.1)

    def dead(self) -> str | None:
        """Which child has exited, if any (a description), else None."""
        for proc, port in zip(self.apps, self.app_ports, strict=True):
            if proc.poll() is not None:
                return f"streamlit on port {port} exited ({proc.returncode})"
        if self.proxy is not None and self.proxy.poll() is not None:
            return f"nginx exited ({self.proxy.returncode})"
        return None

    def stop(self, grace: float = 10) -> None:
        """Stop nginx first (no new requests), then the Streamlit processes; kill what lingers."""
        procs = ([self.proxy] if self.proxy else []) + self.apps
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + grace
        for proc in procs:
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        self.apps, self.proxy = [], None
        if self._own_run_dir:
            shutil.rmtree(self.run_dir, ignore_errors=True)

    def __enter__(self) -> Recipe:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


# --- command line -----------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m deploy.serve",
        description="Run N Streamlit processes of ML Explorer behind nginx with sticky sessions.",
        epilog="Arguments after `--` go to every `streamlit run` (e.g. -- --server.maxUploadSize 500).",
    )
    p.add_argument("--processes", "-n", type=int, default=2, help="Streamlit processes (default 2)")
    p.add_argument(
        "--port", "-p", type=int, default=8080, help="port nginx listens on (default 8080; 0 = any free)"
    )
    p.add_argument(
        "--host", default="127.0.0.1", help="address nginx listens on (0.0.0.0 for a lecture hall)"
    )
    p.add_argument("--app", default="app.py", help="the Streamlit script (default app.py)")
    p.add_argument(
        "--app-ports", help="comma-separated loopback ports for the processes (default: free ports)"
    )
    p.add_argument(
        "--sticky", choices=sorted(STICKY), default="cookie", help="session affinity (default cookie)"
    )
    p.add_argument(
        "--run-dir", help="where config, logs and pid go (default: a new temporary directory, removed after)"
    )
    p.add_argument(
        "--post-script-gc",
        action="store_true",
        help="keep Streamlit's full garbage collection after every script run (off here: it stalls the process)",
    )
    p.add_argument("--access-log", action="store_true", help="write nginx's access log in the run directory")
    p.add_argument("--print-config", action="store_true", help="print the nginx configuration and exit")
    p.add_argument(
        "--print-compose-config",
        action="store_true",
        help="print the nginx configuration of deploy/compose.yaml (deploy/nginx/compose.conf) and exit",
    )
    return p


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    extra = argv[argv.index("--") + 1 :] if "--" in argv else []
    args = _parser().parse_args(argv[: argv.index("--")] if "--" in argv else argv)
    if args.print_compose_config:
        print(compose_config(), end="")
        return 0
    ports = [int(p) for p in args.app_ports.split(",")] if args.app_ports else None
    recipe = Recipe(
        args.processes,
        args.port,
        host=args.host,
        app=args.app,
        app_ports=ports,
        run_dir=args.run_dir,
        sticky=args.sticky,
        streamlit_args=extra,
        post_script_gc=args.post_script_gc,
        access_log=args.access_log,
    )
    if args.print_config:
        print(recipe.config())
        if recipe._own_run_dir:
            shutil.rmtree(recipe.run_dir, ignore_errors=True)
        return 0

    def _terminate(signum, _frame):
        raise KeyboardInterrupt(signal.Signals(signum).name)

    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGHUP, _terminate)
    try:
        print(
            f"Starting {args.processes} Streamlit process(es) and nginx (run dir {recipe.run_dir}) …",
            flush=True,
        )
        recipe.start()
        ports_text = ", ".join(str(p) for p in recipe.app_ports)
        print(
            f"ML Explorer at {recipe.url}  ({args.processes} processes on 127.0.0.1:{ports_text}, "
            f"{args.sticky} affinity). Ctrl-C stops everything.",
            flush=True,
        )
        while (why := recipe.dead()) is None:
            time.sleep(0.5)
        print(f"Stopping: {why}. Its log ends:", file=sys.stderr)
        for log in sorted(recipe.run_dir.glob("*.log")):
            if log.stat().st_size:
                print(f"--- {log.name}\n{_tail(log, 800)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nStopping …", flush=True)
        return 0
    except (RuntimeError, TimeoutError, ValueError) as exc:
        print(f"deploy.serve: {exc}", file=sys.stderr)
        return 1
    finally:
        recipe.stop()


if __name__ == "__main__":
    sys.exit(main())
