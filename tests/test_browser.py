"""A real browser: headless Chromium's own `fetch` and `EventSource` against the relay, cross-origin.

The page is served from one origin and the relay listens on another, so the browser itself
enforces CORS: a listed origin creates a stream and reads it to the end with the native
`EventSource`; an unlisted one is refused by the browser. Chromium is driven over the DevTools
protocol (aiohttp's WebSocket client). Skipped where no `chromium` is installed, except in CI
(`.ci/run` installs it), where a missing browser fails.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.server
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from typing import Any

import aiohttp
import httpx
import pytest

from relay.config import load_config_dict

from .support import RelayServer, free_port

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None and not os.environ.get("CI"), reason="no chromium on PATH")


@pytest.fixture(autouse=True)
def _chromium_in_ci() -> None:
    if CHROMIUM is None:
        pytest.fail("chromium is not on PATH, and the browser tests must run in CI (.ci/run installs it)")


PAGE = """<!doctype html><meta charset="utf-8"><title>relay</title><script>
(async () => {
  try {
    const created = await (await fetch("RELAY/v1/streams", {
      method: "POST", headers: {"Content-Type": "application/json"},
      body: JSON.stringify({messages: [{role: "user", content: "Explain streaming relays."}], max_tokens: 60}),
    })).json();
    let text = "";
    let drops = 0;
    const ids = [];
    const source = new EventSource(created.events_url);  // absolute: the relay names itself
    source.addEventListener("token", (e) => { text += JSON.parse(e.data).text; ids.push(Number(e.lastEventId)); });
    source.onerror = () => { drops += 1; };  // the connection dropped; EventSource reconnects with Last-Event-ID
    source.addEventListener("done", () => {
      source.close();
      window.result = {text, ids, drops, id: created.id, token: created.token};
    });
  } catch (error) {
    window.result = {error: String(error)};
  }
})();
</script>"""


@contextlib.contextmanager
def page_server(relay_url: str, port: int = 0) -> Iterator[str]:
    """Serve PAGE from its own origin (another port: another origin to the browser)."""
    body = PAGE.replace("RELAY", relay_url).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


async def run_page(url: str, timeout_s: float = 30.0) -> dict[str, Any]:
    """Open `url` in headless Chromium and wait for the page to set `window.result`."""
    assert CHROMIUM is not None
    port = free_port()
    profile = tempfile.mkdtemp(prefix="splice-chromium-")
    browser = subprocess.Popen(
        [
            CHROMIUM,
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--no-first-run",
            f"--user-data-dir={profile}",
            f"--remote-debugging-port={port}",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        async with aiohttp.ClientSession() as http:
            deadline = time.monotonic() + timeout_s
            while True:
                with contextlib.suppress(aiohttp.ClientError):
                    async with http.get(f"http://127.0.0.1:{port}/json/list") as response:
                        pages = [t for t in await response.json() if t["type"] == "page"]
                        if pages:
                            break
                if time.monotonic() > deadline:
                    raise TimeoutError("chromium did not start")
                await asyncio.sleep(0.1)
            async with http.ws_connect(pages[0]["webSocketDebuggerUrl"], max_msg_size=0) as ws:
                ids = iter(range(1, 1_000_000))

                async def call(method: str, **params: Any) -> dict[str, Any]:
                    call_id = next(ids)
                    await ws.send_json({"id": call_id, "method": method, "params": params})
                    while True:
                        message = json.loads((await ws.receive()).data)
                        if message.get("id") == call_id:
                            result: dict[str, Any] = message.get("result", {})
                        return result

                await call("Page.navigate", url=url)
                while time.monotonic() < deadline:
                    found = await call(
                        "Runtime.evaluate", expression="JSON.stringify(window.result || null)", returnByValue=True
                    )
                    value = json.loads(found.get("result", {}).get("value") or "null")
                    if value is not None:
                        page_result: dict[str, Any] = value
                        return page_result
                    await asyncio.sleep(0.1)
                raise TimeoutError("the page set no result")
    finally:
        browser.kill()
        browser.wait()
        shutil.rmtree(profile, ignore_errors=True)


ROUTES = {
    "providers": {"sim": {"kind": "simulated", "tokens_per_s": 200}},
    "routes": {"default": {"targets": ["sim/demo"]}},
}


def drop_the_first_response_midway(relay: RelayServer, after_s: float) -> threading.Thread:
    """End the first SSE response the relay opens, `after_s` later, as a lost connection would."""

    def run() -> None:
        deadline = time.monotonic() + 20
        while not relay.relay.responses._open and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(after_s)
        for response in list(relay.relay.responses._open):
            response._task.get_loop().call_soon_threadsafe(response.end)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_a_page_on_a_listed_origin_streams_with_the_native_eventsource() -> None:
    page_port = free_port()
    config = load_config_dict({**ROUTES, "server": {"cors_origins": [f"http://127.0.0.1:{page_port}"]}})
    with RelayServer(config) as relay:
        with page_server(relay.base_url, page_port) as page_origin:
            result = asyncio.run(run_page(page_origin + "/"))
        assert "error" not in result, result
        snapshot = httpx.get(f"{relay.base_url}/v1/streams/{result['id']}", params={"token": result["token"]}).json()
    assert snapshot["status"] == "done"
    assert result["text"] == snapshot["text"] and len(result["text"]) > 100
    assert result["ids"] == sorted(set(result["ids"])) and result["ids"][0] >= 1


def test_a_page_on_another_origin_is_refused_by_the_browser() -> None:
    config = load_config_dict({**ROUTES, "server": {"cors_origins": ["https://app.example.com"]}})
    with RelayServer(config) as relay, page_server(relay.base_url) as page_origin:
        result = asyncio.run(run_page(page_origin + "/"))
    assert "Failed to fetch" in result.get("error", ""), result


def test_the_native_eventsource_resumes_exactly_after_a_dropped_connection() -> None:
    """Cross-origin, the browser's reconnect carries Last-Event-ID; the text has no gap and no repeat."""
    page_port = free_port()
    config = load_config_dict(
        {
            "providers": {"sim": {"kind": "simulated", "tokens_per_s": 40}},
            "routes": {"default": {"targets": ["sim/demo"]}},
            "server": {"cors_origins": [f"http://127.0.0.1:{page_port}"], "retry_ms": 200},
        }
    )
    with RelayServer(config) as relay:
        dropper = drop_the_first_response_midway(relay, after_s=0.5)
        with page_server(relay.base_url, page_port) as page_origin:
            result = asyncio.run(run_page(page_origin + "/"))
        dropper.join()
        assert "error" not in result, result
        snapshot = httpx.get(f"{relay.base_url}/v1/streams/{result['id']}", params={"token": result["token"]}).json()
    assert result["drops"] >= 1  # the connection was lost while tokens were flowing
    assert result["text"] == snapshot["text"] and len(result["text"]) > 100
    assert result["ids"] == sorted(set(result["ids"]))  # every token once, in order
