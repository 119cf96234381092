"""A Streamlit session without a browser: the websocket protocol of the frontend, for crowd benchmarks.

On a 2-core machine, twenty Chromium pages rendering the Streamlit frontend at once measure the browser,
not the server: the visitors of a public site each bring their own machine. ``ProtocolSession`` asks the
server what a browser asks (one script run per page, over ``/_stcore/stream``, then the static files and
tile ranges a real browser fetched for the same page) and times the server's answers.
"""

from __future__ import annotations

import asyncio
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

MAP_COMPONENT = "streamlit_folium.st_folium"


@dataclass
class PageRun:
    """What the server sent for one page: seconds to the map element and to the end of the run, bytes."""

    map_at: float | None = None
    finished_at: float | None = None
    bytes: int = 0
    exceptions: list[str] = field(default_factory=list)


def _walk_elements(msg: ForwardMsg):
    if msg.WhichOneof("type") == "delta" and msg.delta.WhichOneof("type") == "new_element":
        yield msg.delta.new_element


class ProtocolSession:
    """One visitor's session over the websocket (``async with``)."""

    def __init__(self, base: str, cookie: str | None = None):
        self.http = base
        self.ws_url = base.replace("http://", "ws://") + "/_stcore/stream"
        self.ws = None
        self.cookie = cookie  # a visitor's cookie (behind deploy/serve.py: which Streamlit process serves it)

    async def __aenter__(self) -> ProtocolSession:
        headers = {"Cookie": self.cookie} if self.cookie else None
        self.ws = await websockets.connect(self.ws_url, subprotocols=["streamlit"], max_size=None,
                                           origin=self.http, open_timeout=120, additional_headers=headers)
        return self

    async def __aexit__(self, *exc) -> None:
        await self.ws.close()

    async def run_page(self, page: str, query: str = "", timeout: float = 120.0) -> PageRun:
        """Ask for ``page`` (its URL path) with ``query`` and read until the script run ends."""
        back = BackMsg()
        back.rerun_script.query_string = query
        back.rerun_script.page_name = page
        t0 = time.perf_counter()
        await self.ws.send(back.SerializeToString())
        out = PageRun()
        deadline = t0 + timeout
        while True:
            data = await asyncio.wait_for(self.ws.recv(), max(0.1, deadline - time.perf_counter()))
            out.bytes += len(data)
            msg = ForwardMsg()
            msg.ParseFromString(data)
            for element in _walk_elements(msg):
                kind = element.WhichOneof("type")
                if kind == "component_instance" and element.component_instance.component_name == MAP_COMPONENT:
                    out.map_at = out.map_at or time.perf_counter() - t0
                elif kind == "exception":
                    out.exceptions.append(element.exception.message[:120])
            if msg.WhichOneof("type") == "script_finished" and msg.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                out.finished_at = time.perf_counter() - t0
                return out


def fetch_all(base: str, requests: list[tuple[str, str | None]], pool: ThreadPoolExecutor,
              cookie: str | None = None) -> int:
    """GET every ``(path, range)`` of ``requests`` six at a time (as a browser does, accepting gzip); bytes."""

    def one(item: tuple[str, str | None]) -> int:
        path, byte_range = item
        headers = {"Accept-Encoding": "gzip"}
        if byte_range:
            headers["Range"] = byte_range
        if cookie:
            headers["Cookie"] = cookie
        request = urllib.request.Request(base + path, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=120) as r:
                return len(r.read())
        except urllib.error.HTTPError as exc:
            # the frontend probes /<page>/_stcore/health before /_stcore/health: a 404 a browser gets too
            if exc.code == 404 and "/_stcore/" in path:
                return 0
            raise

    return sum(pool.map(one, requests))
