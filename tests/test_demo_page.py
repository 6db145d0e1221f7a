"""The demo page at `GET /` in a real browser: headless Chromium driven over the DevTools protocol.

The page is loaded from a real uvicorn relay; the test types a question, clicks, watches the answer
stream and the failover get marked, reloads the page mid-answer and checks the answer completes
with exactly the text the relay's log holds (read natively with httpx); a second test stops a
stream with the page's button. The console must stay free of errors and CSP violations (a
violation provoked at the end shows that they would be seen). Screenshots go to
`test-artifacts/demo-*.png`. Skipped where no `chromium` is installed, except in CI, where a
missing browser fails.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from relay.config import load_config_dict

from .chromium import Browser, chromium, requires_chromium
from .support import RelayServer, parse_sse, text_of

pytestmark = [requires_chromium, pytest.mark.usefixtures("chromium_in_ci")]


# The primary stalls after 30 tokens; at 25 tokens/s the whole answer takes about 6 s.
CONFIG = {
    "providers": {"sim": {"kind": "simulated", "tokens_per_s": 25}},
    "routes": {
        "default": {"targets": ["sim/demo"], "max_tokens": 400},
        "stalls": {"targets": ["sim/demo;stall_at=30", "sim/demo-backup"], "stall_timeout_s": 0.5, "max_tokens": 140},
    },
}

ANSWER_TEXT = "document.querySelector('#answer').textContent"
STATE = "document.querySelector('#answer').dataset.state"
SAVED = "JSON.parse(sessionStorage.getItem('splice-relay-demo:stream'))"


def native_events(relay: RelayServer, stream_id: str, token: str) -> list[Any]:
    """The stream's whole log, read from its start with httpx as any native client would."""
    url = f"{relay.base_url}/v1/streams/{stream_id}/events"
    response = httpx.get(url, params={"token": token}, timeout=30)
    assert response.status_code == 200, response.text
    return parse_sse(response.text)


async def ask(browser: Browser, route: str, prompt: str) -> None:
    await browser.until(f"!!document.querySelector('#route option[value={route}]')", f"the route {route} listed")
    await browser.js(
        f"(() => {{ const s = document.querySelector('#route'); s.value = {json.dumps(route)};"
        " s.dispatchEvent(new Event('change')); })()"
    )
    await browser.type_into("#prompt", prompt)
    await browser.click("#ask")


async def provoke_a_csp_violation(browser: Browser) -> None:
    """An inline script, which the page's CSP must block and the console must report: the listener works."""
    before = len(browser.problems())
    await browser.js("document.head.append(Object.assign(document.createElement('script'), {textContent: '1'}))")
    deadline = time.monotonic() + 10
    while len(browser.problems()) == before and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert any("Content Security Policy" in problem for problem in browser.problems()[before:]), browser.problems()


def test_the_page_streams_marks_the_failover_and_resumes_after_a_reload() -> None:
    async def scenario(relay: RelayServer) -> None:
        async with chromium() as browser:
            await browser.open(relay.base_url + "/")
            await ask(browser, "stalls", "Tell me about streaming relays")

            await browser.until(f"{ANSWER_TEXT}.length > 40", "the answer streaming")
            await browser.screenshot("demo-1-streaming")
            await browser.until(
                "(() => { const s = document.querySelector('#answer .seam');"
                " return s && s.dataset.strategy && s.nextElementSibling.textContent.length > 20; })()",
                "a failover marked, with its splice, and text after it",
            )
            await browser.screenshot("demo-2-failover")
            before = await browser.js(SAVED)
            shown = await browser.js(ANSWER_TEXT)
            stream_id, token = before["id"], before["token"]
            snapshot = httpx.get(f"{relay.base_url}/v1/streams/{stream_id}", params={"token": token}).json()
            assert snapshot["status"] == "running", "the answer ended before the reload: make the route slower"

            await browser.call("Page.reload")
            await browser.until(f"{STATE} === 'done'", "the answer completed after the reload")
            await browser.screenshot("demo-3-done")

            events = native_events(relay, stream_id, token)
            reference = text_of(events)
            final = await browser.js(ANSWER_TEXT)
            assert final == reference, "the page's text differs from the stream's (repeated or lost text)"
            assert final.startswith(shown) and len(final) > len(shown)

            # The reload reconnected from the last event the page had saved, while the stream still ran.
            resumed = [parse_qs(urlsplit(url).query) for url in browser.requested(f"/v1/streams/{stream_id}/events")]
            assert len(resumed) == 2 and "last_event_id" not in resumed[0], resumed
            cursor = int(resumed[1]["last_event_id"][0])
            assert before["lastEventId"] <= cursor < int(events[-1].id or 0)

            # The failover is marked where it happened, with the splice's strategy.
            (failover,) = [event.data for event in events if event.event == "failover"]
            (splice,) = [event.data for event in events if event.event == "splice"]
            mark = await browser.js(
                "(() => { const s = document.querySelector('#answer .seam'); let before = '';"
                " for (let n = s.previousSibling; n; n = n.previousSibling) before = n.textContent + before;"
                " return {at: s.dataset.atChar, strategy: s.dataset.strategy, reason: s.dataset.reason,"
                " chars: Array.from(before).length, marks: document.querySelectorAll('#answer .seam').length}; })()"
            )
            assert mark == {
                "at": str(failover["at_char"]),
                "strategy": splice["strategy"],
                "reason": failover["reason"],
                "chars": failover["at_char"],
                "marks": 1,
            }
            assert failover["at_char"] > 0
            listed = await browser.js("document.querySelector('#seams').textContent")
            assert f"Failover at character {failover['at_char']}" in listed and splice["strategy"] in listed

            # Progress and cost from the inline events.
            stats = await browser.js(
                "Object.fromEntries([...document.querySelectorAll('#stats dd')].map(d => [d.id, d.textContent]))"
            )
            assert stats["stat-state"] == "done (stop)"
            assert stats["stat-tokens"].isdigit() and int(stats["stat-tokens"]) > 0
            assert float(stats["stat-speed"]) > 0 and stats["stat-ttft"].endswith(" ms")
            assert stats["stat-model"] == "sim/demo-backup (attempt 2)"
            assert stats["stat-cost"].startswith("$") and "final" in stats["stat-cost"]

            headers = browser.response_headers(relay.base_url + "/")
            assert "script-src 'self'" in headers["content-security-policy"]
            assert headers["x-content-type-options"] == "nosniff"
            assert browser.problems() == []
            await provoke_a_csp_violation(browser)

    with RelayServer(load_config_dict(CONFIG)) as relay:
        asyncio.run(scenario(relay))


def test_the_stop_button_cancels_the_stream() -> None:
    async def scenario(relay: RelayServer) -> None:
        async with chromium() as browser:
            await browser.open(relay.base_url + "/")
            await ask(browser, "default", "Write at length")
            await browser.until(f"{ANSWER_TEXT}.length > 60", "the answer streaming")
            await browser.click("#stop")
            await browser.until(f"{STATE} === 'cancelled'", "the stream stopped")
            await browser.screenshot("demo-4-stopped")
            saved = await browser.js(SAVED)
            snapshot = httpx.get(f"{relay.base_url}/v1/streams/{saved['id']}", params={"token": saved["token"]}).json()
            assert snapshot["status"] == "cancelled" and snapshot["finish_reason"] == "cancelled"
            assert await browser.js(ANSWER_TEXT) == snapshot["text"]
            assert await browser.js("document.querySelector('#stop').disabled") is True
            assert await browser.js("document.querySelector('#ask').disabled") is False
            assert browser.problems() == []

    with RelayServer(load_config_dict(CONFIG)) as relay:
        asyncio.run(scenario(relay))


def test_with_api_keys_the_page_asks_for_one_and_then_works(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEMO_PAGE_TEST_KEYS", "k-one,k-two")
    config = load_config_dict(
        {
            "providers": {"sim": {"kind": "simulated", "tokens_per_s": 200}},
            "routes": {"default": {"targets": ["sim/demo"], "max_tokens": 40}},
            "server": {"api_keys_env": "DEMO_PAGE_TEST_KEYS"},
        }
    )

    async def scenario(relay: RelayServer) -> None:
        async with chromium() as browser:
            await browser.open(relay.base_url + "/")
            await browser.until("!document.querySelector('#key-form').hidden", "the API key field")
            assert await browser.js("document.querySelectorAll('#route option').length") == 0
            await browser.type_into("#api-key", "wrong")
            await browser.click("#use-key")
            await browser.until(
                "document.querySelector('#key-message').textContent.includes('refused')", "the key refused"
            )
            await browser.type_into("#api-key", "k-two")
            await browser.click("#use-key")
            await ask(browser, "default", "Hello")
            await browser.until(f"{STATE} === 'done'", "the answer")
            await browser.screenshot("demo-5-api-key")
            saved = await browser.js(SAVED)
            events = native_events(relay, saved["id"], saved["token"])
            assert await browser.js(ANSWER_TEXT) == text_of(events) != ""
            assert await browser.js("sessionStorage.getItem('splice-relay-demo:api-key')") == "k-two"
            # The page's own failed attempt with the wrong key shows in the console as a 401; nothing else may.
            assert [p for p in browser.problems() if "401" not in p] == []

    with RelayServer(config) as relay:
        asyncio.run(scenario(relay))


def test_a_failed_answer_is_shown_plainly() -> None:
    config = load_config_dict(
        {
            "providers": {"sim": {"kind": "simulated", "tokens_per_s": 100}},
            "routes": {"default": {"targets": ["sim/demo;fail_at=10;fail_kind=overloaded"]}},
        }
    )

    async def scenario(relay: RelayServer) -> None:
        async with chromium() as browser:
            await browser.open(relay.base_url + "/")
            await ask(browser, "default", "Hello")
            await browser.until(f"{STATE} === 'failed'", "the failure")
            await browser.screenshot("demo-6-failed")
            error = await browser.js("document.querySelector('#error').textContent")
            assert "overloaded" in error and not await browser.js("document.querySelector('#error').hidden")
            assert len(await browser.js(ANSWER_TEXT)) > 0  # the text sent before the failure stays

    with RelayServer(config) as relay:
        asyncio.run(scenario(relay))


def test_a_reset_rebuilds_the_text_and_a_lost_stream_is_reported() -> None:
    """A saved cursor beyond the log gets a `reset` (the marks placed again by at_char); an expired stream is named."""
    config = load_config_dict(
        {
            "providers": {"sim": {"kind": "simulated", "tokens_per_s": 200}},
            "routes": {"stalls": {"targets": ["sim/demo;stall_at=20", "sim/demo-backup"], "stall_timeout_s": 0.3}},
        }
    )

    async def scenario(relay: RelayServer) -> None:
        async with chromium() as browser:
            await browser.open(relay.base_url + "/")
            await ask(browser, "stalls", "Tell me about streaming relays")
            await browser.until(f"{STATE} === 'done'", "the answer")
            saved = await browser.js(SAVED)
            events = native_events(relay, saved["id"], saved["token"])
            (failover,) = [event.data for event in events if event.event == "failover"]

            # As if this tab had seen events the relay no longer has, and different text.
            await browser.js(
                f"(() => {{ const s = {SAVED}; s.status = 'running'; s.lastEventId = 100000;"
                " s.parts = s.parts.map(p => p.seam ? p : {...p, text: 'x'});"
                " sessionStorage.setItem('splice-relay-demo:stream', JSON.stringify(s)); })()"
            )
            await browser.call("Page.reload")
            await browser.until(f"{STATE} === 'done'", "the answer after the reset")
            assert await browser.js(ANSWER_TEXT) == text_of(events)
            before_mark = await browser.js(
                "Array.from(document.querySelector('#answer .seam').previousElementSibling.textContent).length"
            )
            assert before_mark == failover["at_char"]
            assert browser.problems() == []

            # A stream the relay does not know (expired, or a restart of the memory store).
            await browser.js(
                f"(() => {{ const s = {SAVED}; s.status = 'running'; s.id = 'st_AAAAAAAAAAAAAAAAAAAAAA';"
                " sessionStorage.setItem('splice-relay-demo:stream', JSON.stringify(s)); })()"
            )
            await browser.call("Page.reload")
            await browser.until(f"{STATE} === 'lost'", "the stream reported lost")
            await browser.screenshot("demo-7-lost")
            error = await browser.js("document.querySelector('#error').textContent")
            assert "unknown_stream" in error and "404" in error
            assert await browser.js("document.querySelector('#ask').disabled") is False

    with RelayServer(config) as relay:
        asyncio.run(scenario(relay))
