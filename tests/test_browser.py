"""A real browser: headless Chromium's own `fetch` and `EventSource` against the relay, cross-origin.

The page is served from one origin and the relay listens on another, so the browser itself
enforces CORS: a listed origin creates a stream and reads it to the end with the native
`EventSource`; an unlisted one is refused by the browser. Chromium is driven over the DevTools
protocol (`tests/chromium.py`). Skipped where no `chromium` is installed, except in CI (`.ci/run`
installs it), where a missing browser fails.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.server
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from relay.config import load_config_dict

from .chromium import chromium, requires_chromium
from .support import RelayServer, free_port

pytestmark = [requires_chromium, pytest.mark.usefixtures("chromium_in_ci")]

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
    async with chromium() as browser:
        await browser.call("Page.navigate", url=url)
        found = await browser.until(
            "JSON.stringify(window.result || null) !== 'null' && window.result", "a result", timeout_s
        )
        result: dict[str, Any] = found
        return result


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
