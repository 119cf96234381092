"""Serve the dashboard to a public audience: several Streamlit processes behind nginx.

One Streamlit process runs every visitor's script on one core and also serves the frontend's files and the
tiles. Here nginx (Debian package ``nginx``) serves the static files (the frontend, the app's static folder
and the tiles, the map component's files) from disk with caching headers and
sends each visitor to one of ``--backends`` Streamlit processes (a cookie keeps a visitor on the same one).

Usage: ``python deploy/serve.py [--port 8501] [--host 127.0.0.1] [--backends 2]``; stops everything on
Ctrl-C or SIGTERM. The cache must be built (``python -m ifn build``); the first backend publishes the tiles.
"""

from __future__ import annotations

import argparse
import os
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
MIME_TYPES = Path("/etc/nginx/mime.types")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def streamlit_static() -> Path:
    """Folder of the Streamlit frontend's files, as served under /static/."""
    import streamlit

    return Path(streamlit.__file__).parent / "static" / "static"


def folium_build() -> Path:
    """Folder of streamlit-folium's frontend, as Streamlit serves it under /component/streamlit_folium.st_folium/."""
    import streamlit_folium

    return Path(streamlit_folium.__file__).parent / "frontend" / "build"


def nginx_conf(run: Path, host: str, port: int, backends: list[int], max_upload: int = 200) -> str:
    """The nginx configuration (``deploy/nginx.conf.template``) for these ports."""
    servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=0;" for p in backends)
    return TEMPLATE.read_text(encoding="utf-8").format(
        run=run, mime_types=MIME_TYPES, servers=servers, host=host, port=port, max_upload=max_upload,
        streamlit_static=streamlit_static(), app_static=ROOT / "static", folium_build=folium_build())


def wait_healthy(url: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"pas de réponse de {url} en {timeout:.0f} s")


def start_backend(port: int, cookie_secret: str) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true",
           "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"]
    # one secret for all: a session's XSRF cookie is valid on every backend
    env = {**os.environ, "STREAMLIT_SERVER_COOKIE_SECRET": cookie_secret}
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8501)
    parser.add_argument("--backends", type=int, default=max(1, os.cpu_count() or 1))
    args = parser.parse_args(argv)
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        print("nginx absent : installez le paquet Debian nginx (apt-get install nginx-light).", file=sys.stderr)
        return 1
    run = Path(tempfile.mkdtemp(prefix="ifn-nginx-"))
    ports = [free_port() for _ in range(args.backends)]
    cookie_secret = secrets.token_hex(32)
    procs: list[subprocess.Popen] = []

    def stop() -> None:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(run, ignore_errors=True)

    def on_signal(*_) -> None:
        raise SystemExit(0)  # the finally below stops everything

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        for p in ports:
            procs.append(start_backend(p, cookie_secret))
            wait_healthy(f"http://127.0.0.1:{p}/_stcore/health")  # one at a time: the first publishes the tiles
            if procs[-1].poll() is not None:
                raise RuntimeError(f"le processus Streamlit du port {p} s'est arrêté")
        (run / "nginx.conf").write_text(nginx_conf(run, args.host, args.port, ports), encoding="utf-8")
        procs.append(subprocess.Popen([nginx, "-p", str(run), "-c", str(run / "nginx.conf"), "-g", "daemon off;"]))
        wait_healthy(f"http://{args.host}:{args.port}/_stcore/health")
        print(f"IFN : http://{args.host}:{args.port} ({args.backends} processus Streamlit derrière nginx)",
              flush=True)
        while all(p.poll() is None for p in procs):
            time.sleep(1)
        print("un processus s'est arrêté : arrêt de tous", file=sys.stderr)
    except RuntimeError as exc:
        print(exc, file=sys.stderr)
    finally:
        stop()
    return 1


if __name__ == "__main__":
    sys.exit(main())
