"""The lecture-hall recipe (deploy/): two Streamlit processes behind nginx, started by one call.

Skips where nginx is not installed (CI installs it: .ci/run). The container and cluster files
cannot be run here (no Docker); they are checked for syntax and for the settings that matter.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from deploy import serve

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
# Skipped without nginx, except in CI (.ci/run installs it), where a missing nginx must fail.
needs_nginx = pytest.mark.skipif(
    NGINX is None and not os.environ.get("CI"), reason="nginx is not installed (apt-get install -y nginx)"
)


def _get(url: str, cookie: str | None = None):
    req = urllib.request.Request(url, headers={"Cookie": f"mlx_route={cookie}"} if cookie else {})
    with urllib.request.urlopen(req, timeout=20) as r:
        return r.status, r.headers, r.read()


def _children(pid: int) -> list[int]:
    """Pids whose parent is `pid` (nginx's workers), from /proc."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


async def _heartbeat_through(url: str) -> tuple[str | None, bool]:
    """Open Streamlit's websocket through the proxy, send an app heartbeat, read the ack."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from websockets.asyncio.client import connect

    ws_url = url.replace("http://", "ws://") + "/_stcore/stream"
    async with connect(ws_url, subprotocols=["streamlit"], open_timeout=20) as ws:
        msg = BackMsg()
        msg.app_heartbeat = True
        await ws.send(msg.SerializeToString())
        reply = ForwardMsg()
        reply.ParseFromString(await asyncio.wait_for(ws.recv(), 20))
        return ws.subprotocol, reply.WhichOneof("type") == "heartbeat_ack"


@needs_nginx
def test_two_processes_serve_a_page_health_and_websocket_through_nginx_then_stop():
    recipe = serve.Recipe(processes=2, port=0, access_log=True, timeout=60)
    recipe.start()
    try:
        pids = recipe.app_pids + [recipe.proxy.pid] + _children(recipe.proxy.pid)
        assert len(recipe.app_pids) == 2 and len(pids) >= 4  # two apps, nginx master and a worker
        assert all(_alive(p) for p in pids)

        status, headers, body = _get(recipe.url + "/")
        assert status == 200 and b'<div id="root"' in body  # Streamlit's page, through the proxy
        cookies = headers.get_all("Set-Cookie") or []
        assert any(re.match(r"mlx_route=[0-9a-f]{32};", c) for c in cookies)  # a sticky key for a new browser
        status, headers, body = _get(recipe.url + "/_stcore/health", cookie="abc")
        assert (status, body) == (200, b"ok")
        assert not any(c.startswith("mlx_route=") for c in headers.get_all("Set-Cookie") or [])  # kept

        subprotocol, acked = asyncio.run(_heartbeat_through(recipe.url))
        assert subprotocol == "streamlit"  # the upgrade reached Streamlit and it chose the protocol
        assert acked  # a BackMsg went in and a ForwardMsg came back through nginx

        # stickiness: each key always reaches one process, and keys spread over both
        for i in range(16):
            for _ in range(2):
                _get(recipe.url + "/_stcore/health", cookie=f"student-{i}")
        log = (recipe.run_dir / "nginx-access.log").read_text()
        served = {}
        for route, upstream in re.findall(r"upstream=(\S+) route=(student-\d+)", log):
            served.setdefault(upstream, set()).add(route)
        assert served and all(len(v) == 1 for v in served.values()), served
        assert len({next(iter(v)) for v in served.values()}) == 2, served
    finally:
        run_dir = recipe.run_dir
        recipe.stop()
    assert not any(_alive(p) for p in pids), "a process of the recipe outlived stop()"
    assert not _listening(recipe.port)
    assert not any(_listening(p) for p in recipe.app_ports)
    assert not run_dir.exists()


@needs_nginx
def test_rendered_config_passes_nginx_check_for_both_affinities(tmp_path):
    for sticky in serve.STICKY:
        r = serve.Recipe(processes=3, port=0, sticky=sticky, run_dir=tmp_path / sticky)
        text = r.write_config().read_text()  # runs `nginx -t` on it
        assert text.count("server 127.0.0.1:") == 3
        assert serve.STICKY[sticky] in text
        assert "proxy_set_header Upgrade $http_upgrade;" in text
        assert str((tmp_path / sticky).resolve()) in text  # pid, logs and temp files in the run dir


def test_template_errors_are_clear():
    with pytest.raises(ValueError, match="sticky"):
        serve.render_config(["127.0.0.1:1"], "8080", sticky="random")
    with pytest.raises(ValueError, match="at least one"):
        serve.render_config([], "8080")
    with pytest.raises(ValueError, match="processes"):
        serve.Recipe(processes=0)


def test_command_line_prints_a_config_without_starting_anything():
    out = subprocess.run(
        [sys.executable, "-m", "deploy.serve", "--print-config", "--processes", "2", "--port", "9090"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert "listen 127.0.0.1:9090;" in out.stdout
    assert out.stdout.count("server 127.0.0.1:") == 2
    assert os.access(DEPLOY / "serve.sh", os.X_OK)


# --- container and cluster layout (cannot run here: syntax and the settings that matter) -------


def test_compose_nginx_config_is_the_rendered_template():
    """deploy/nginx/compose.conf is generated: it must equal the template rendered for compose."""
    assert (DEPLOY / "nginx" / "compose.conf").read_text() == serve.compose_config()


@needs_nginx
def test_compose_nginx_config_passes_nginx_check(tmp_path):
    """The container's config, with the compose service name and /tmp swapped for local ones."""
    text = serve.compose_config().replace("app:8501", "127.0.0.1:8501").replace("/tmp", str(tmp_path))
    conf = tmp_path / "nginx.conf"
    conf.write_text(text)
    check = subprocess.run(
        [NGINX, "-t", "-q", "-p", str(tmp_path), "-c", str(conf), "-e", str(tmp_path / "error.log")],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert check.returncode == 0, check.stderr


def test_compose_file_has_replicas_behind_sticky_nginx():
    yaml = pytest.importorskip("yaml")
    doc = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    app, proxy = doc["services"]["app"], doc["services"]["nginx"]
    assert app["deploy"]["replicas"] >= 2
    assert app["build"]["dockerfile"] == "deploy/Dockerfile"
    assert "healthcheck" in app
    assert any("compose.conf" in v for v in proxy["volumes"])
    assert "app" in proxy["depends_on"]
    assert "hash $mlx_route consistent;" in serve.compose_config()


def test_kubernetes_manifests_have_affinity_probes_and_websocket_timeouts():
    yaml = pytest.importorskip("yaml")
    docs = [
        d for f in sorted((DEPLOY / "k8s").glob("*.yaml")) for d in yaml.safe_load_all(f.read_text()) if d
    ]
    kinds = {d["kind"]: d for d in docs}
    assert {"Deployment", "Service", "Ingress"} <= set(kinds)
    dep, svc, ing = kinds["Deployment"], kinds["Service"], kinds["Ingress"]
    assert dep["spec"]["replicas"] >= 2
    container = dep["spec"]["template"]["spec"]["containers"][0]
    assert container["readinessProbe"]["httpGet"]["path"] == "/_stcore/health"
    assert svc["spec"]["sessionAffinity"] == "ClientIP"
    assert svc["spec"]["selector"] == dep["spec"]["selector"]["matchLabels"]
    notes = ing["metadata"]["annotations"]
    assert notes["nginx.ingress.kubernetes.io/affinity"] == "cookie"
    assert int(notes["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= 3600


def test_dockerfile_builds_from_python_311_slim_with_the_requirements():
    text = (DEPLOY / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim", text, re.M)
    assert "pip install --no-cache-dir -r requirements.txt" in text
    assert "download.pytorch.org/whl/cpu" in text
    assert "/_stcore/health" in text


@needs_nginx
def test_one_command_runs_in_the_foreground_and_sigterm_stops_everything():
    import signal
    import time

    proc = subprocess.Popen(
        [sys.executable, "-m", "deploy.serve", "--processes", "2", "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        lines = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            lines.append(line)
            if "ML Explorer at" in line or not line:
                break
        url = re.search(r"ML Explorer at (http://\S+)", "".join(lines))
        assert url, "".join(lines)
        assert _get(url.group(1) + "/_stcore/health")[2] == b"ok"
        family = _children(proc.pid)
        family += [w for p in family for w in _children(p)]  # nginx workers
        assert len(family) >= 4  # two streamlit processes, nginx master and worker
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    assert not any(_alive(p) for p in family), "a child of deploy.serve outlived it"
