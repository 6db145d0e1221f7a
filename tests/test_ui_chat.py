"""The AI SDK's UI message stream over HTTP: `POST /v1/ui/chat` and `GET /v1/ui/chat/{chatId}/stream`.

Against a real uvicorn relay and the fake upstream: the framing and headers the SDK reads, every
chunk within the strictest schema (ai 5.0.0's), bad bodies, API keys and their scoping, the 204s,
the replay from the start, CORS, and a chat resumed on another instance sharing Redis. The real
SDK reads the same streams in tests/test_ui_chat_node.py.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Generator, Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import redis
from hypothesis import given, settings
from hypothesis import strategies as st

from loadtest.upstream import model_name
from relay.config import load_config_dict
from relay.errors import ApiError
from relay.flavours.ui_message import parse_ui_chat_request
from relay.log.chats import chat_key
from splice.eval.corpus import TEXTS

from .support import RelayServer, upstream_providers

KEYS = ("ui-key-a", "ui-key-b")
REFERENCE = TEXTS["prose"]
ORIGIN = "https://app.example.com"
# The fields each chunk type may carry in ai 5.0.0 (packages/ai/src/ui-message-stream/ui-message-chunks.ts),
# whose schemas refuse any other; data parts are `data-*`.
STRICT_FIELDS = {
    "start": {"type", "messageId", "messageMetadata"},
    "text-start": {"type", "id", "providerMetadata"},
    "text-delta": {"type", "id", "delta", "providerMetadata"},
    "text-end": {"type", "id", "providerMetadata"},
    "finish": {"type", "messageMetadata"},
    "abort": {"type"},
    "error": {"type", "errorText"},
    "data-*": {"type", "id", "data", "transient"},
}


def _routes(upstream: Any) -> dict[str, Any]:
    stall = {"stall_timeout_s": 0.5, "first_token_timeout_s": 5}
    return {
        "default": {"targets": ["oa/" + model_name("m", text="prose")]},
        "paced": {"targets": ["oa/" + model_name("m", text="prose", tps=50)]},  # about 6 s: still running when resumed
        "stalls": {
            "targets": [
                "oa/" + model_name("m", text="prose", fault="stall", at=40),
                "an/" + model_name("f", text="prose", cont="exact"),
            ],
            **stall,
        },
        "fails": {
            "targets": [
                "oa/" + model_name("m", text="prose", fault="http503"),
                "an/" + model_name("f", fault="http500"),
            ],
            **stall,
        },
        "held": {"targets": ["oa/" + model_name("m", text="prose", fault="stall", at=5)], "stall_timeout_s": 60},
    }


def _config(upstream: Any, **extra: Any) -> Any:
    return load_config_dict(
        {
            "server": {"api_keys_env": "UI_CHAT_TEST_KEYS", "cors_origins": [ORIGIN]},
            "providers": upstream_providers(upstream),
            "routes": _routes(upstream),
            **extra,
        }
    )


@pytest.fixture(scope="module")
def keys() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("UI_CHAT_TEST_KEYS", ",".join(KEYS))
        yield


@pytest.fixture(scope="module")
def relay(upstream: Any, keys: None) -> Iterator[RelayServer]:
    with RelayServer(_config(upstream)) as server:
        yield server


def _auth(key: str = KEYS[0]) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _body(chat_id: str, route: str = "default", **extra: Any) -> dict[str, Any]:
    """What DefaultChatTransport sends for a first message, with the route in its `body` option."""
    message = {"id": "u1", "role": "user", "parts": [{"type": "text", "text": "Go."}]}
    return {
        "id": chat_id,
        "messages": [message],
        "trigger": "submit-message",
        "messageId": None,
        "route": route,
        **extra,
    }


def payloads(raw: str) -> list[str]:
    """The `data` of every frame; the body holds nothing but `data:` lines, comments and blank lines."""
    out = []
    for block in raw.split("\n\n"):
        lines = [line for line in block.split("\n") if line and not line.startswith(":")]
        if not lines:
            continue
        assert len(lines) == 1 and lines[0].startswith("data: "), block
        out.append(lines[0][len("data: ") :])
    return out


def chunks_of(raw: str) -> list[dict[str, Any]]:
    """The chunks of a whole response, checked: one JSON chunk per frame, then `[DONE]` last."""
    data = payloads(raw)
    assert data[-1] == "[DONE]" and "[DONE]" not in data[:-1]
    chunks: list[dict[str, Any]] = [json.loads(payload) for payload in data[:-1]]
    for chunk in chunks:
        kind = "data-*" if chunk["type"].startswith("data-") else chunk["type"]
        assert set(chunk) <= STRICT_FIELDS[kind], chunk
    return chunks


def text_of(chunks: list[dict[str, Any]]) -> str:
    return "".join(chunk["delta"] for chunk in chunks if chunk["type"] == "text-delta")


def post_all(client: httpx.Client, body: Any, key: str = KEYS[0]) -> tuple[httpx.Response, list[dict[str, Any]]]:
    response = client.post("/v1/ui/chat", json=body, headers=_auth(key))
    assert response.status_code == 200, response.text
    return response, chunks_of(response.text)


def test_a_chat_streams_as_ui_message_chunks(client: httpx.Client) -> None:
    response, chunks = post_all(client, _body("chat-plain"))
    assert response.headers["content-type"].startswith("text/event-stream")
    assert "no-cache" in response.headers["cache-control"]
    assert response.headers["x-vercel-ai-ui-message-stream"] == "v1"
    assert response.headers["x-accel-buffering"] == "no"
    stream_id = response.headers["x-stream-id"]
    assert [chunk["type"] for chunk in chunks[:2]] == ["start", "text-start"]
    assert chunks[0]["messageId"] == "msg_" + stream_id
    assert [chunk["type"] for chunk in chunks[-2:]] == ["text-end", "finish"]
    assert chunks[-1] == {"type": "finish", "messageMetadata": {"finishReason": "stop"}}
    assert {chunk["id"] for chunk in chunks if chunk["type"].startswith("text-")} == {chunks[1]["id"]}
    assert text_of(chunks) == REFERENCE
    data = [chunk for chunk in chunks if chunk["type"].startswith("data-")]
    assert {chunk["type"] for chunk in data} <= {"data-progress", "data-cost"} and data
    assert all(chunk["transient"] is True for chunk in data)
    assert data[-1]["type"] == "data-cost" and data[-1]["data"]["final"] is True
    # The stream is the relay's own: its token reads it natively.
    native = client.get(f"/v1/streams/{stream_id}", params={"token": response.headers["x-stream-token"]})
    assert native.json()["text"] == REFERENCE


def test_failover_and_splice_travel_as_transient_data_parts(client: httpx.Client) -> None:
    _, chunks = post_all(client, _body("chat-stalls", "stalls"))
    assert text_of(chunks) == REFERENCE
    kinds = [chunk["type"] for chunk in chunks]
    failover = chunks[kinds.index("data-failover")]
    assert failover["data"]["reason"] == "stall" and failover["transient"] is True
    assert failover["data"]["at_char"] == len(text_of(chunks[: kinds.index("data-failover")]))
    assert kinds.index("data-failover") < kinds.index("data-splice")


def test_a_failed_generation_ends_with_an_error_chunk(client: httpx.Client) -> None:
    _, chunks = post_all(client, _body("chat-fails", "fails"))
    assert [chunk["type"] for chunk in chunks if not chunk["type"].startswith("data-")] == [
        "start",
        "text-start",
        "text-end",
        "error",
    ]
    assert chunks[-1]["errorText"]


def test_a_cancelled_stream_ends_with_abort(client: httpx.Client) -> None:
    with client.stream("POST", "/v1/ui/chat", json=_body("chat-held", "held"), headers=_auth()) as response:
        lines = response.iter_lines()
        for line in lines:
            if '"text-delta"' in line:
                break
        stream_id, token = response.headers["x-stream-id"], response.headers["x-stream-token"]
        assert (
            client.delete(f"/v1/streams/{stream_id}", headers={"Authorization": f"Bearer {token}"}).status_code == 200
        )
        rest = [line[len("data: ") :] for line in lines if line.startswith("data: ")]
    assert rest[-1] == "[DONE]"
    chunks = [json.loads(data) for data in rest[:-1]]
    assert [chunk["type"] for chunk in chunks if not chunk["type"].startswith("data-")][-2:] == ["text-end", "abort"]
    assert chunks[-1] == {"type": "abort"}


def test_the_ui_conversation_reaches_the_model_as_text(client: httpx.Client, upstream: Any) -> None:
    messages = [
        {"id": "s", "role": "system", "parts": [{"type": "text", "text": "Be brief."}]},
        {"id": "u1", "role": "user", "parts": [{"type": "text", "text": "One. "}, {"type": "text", "text": "Two."}]},
        {
            "id": "a1",
            "role": "assistant",
            "metadata": {"finishReason": "stop"},
            "parts": [
                {"type": "step-start"},
                {"type": "reasoning", "text": "thinking", "state": "done"},
                {"type": "text", "text": "Answer.", "state": "done"},
                {"type": "data-progress", "data": {"chars": 7}},
            ],
        },
        {"id": "a2", "role": "assistant", "parts": [{"type": "step-start"}]},  # stopped before its first word
        {"id": "u2", "role": "user", "parts": [{"type": "text", "text": "More."}]},
    ]
    httpx.delete(upstream.base_url + "/_requests")
    body = {"id": "chat-conv", "messages": messages, "trigger": "submit-message", "route": "default", "app": {"x": 1}}
    post_all(client, body)
    sent = [r for r in httpx.get(upstream.base_url + "/_requests").json() if r["path"].endswith("/chat/completions")]
    assert sent[-1]["body"]["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": [{"type": "text", "text": "One. "}, {"type": "text", "text": "Two."}]},
        {"role": "assistant", "content": "Answer."},
        {"role": "user", "content": "More."},
    ]


def _message(*parts: dict[str, Any], role: str = "user") -> dict[str, Any]:
    return {"id": "m", "role": role, "parts": list(parts)}


TEXT = {"type": "text", "text": "Go."}
BAD_BODIES = [
    (b"not json", "invalid_json"),
    (b"[]", "invalid_request"),
    (json.dumps({"messages": [_message(TEXT)]}).encode(), "invalid_request"),  # no chat id
    (json.dumps({"id": "", "messages": [_message(TEXT)]}).encode(), "invalid_request"),
    (json.dumps({"id": "x" * 257, "messages": [_message(TEXT)]}).encode(), "invalid_request"),
    (json.dumps({"id": "c", "messages": []}).encode(), "invalid_request"),
    (json.dumps({"id": "c", "messages": "Go."}).encode(), "invalid_request"),
    (json.dumps({"id": "c", "messages": [{"role": "user", "content": "Go."}]}).encode(), "invalid_request"),
    (json.dumps({"id": "c", "messages": [_message(TEXT, role="tool")]}).encode(), "invalid_request"),
    (json.dumps({"id": "c", "messages": [_message({"type": "text"})]}).encode(), "invalid_request"),
    (json.dumps({"id": "c", "messages": [_message("text")]}).encode(), "invalid_request"),  # type: ignore[arg-type]
    (json.dumps({"id": "c", "messages": [_message({"type": "step-start"})]}).encode(), "invalid_request"),
    (json.dumps({"id": "c", "messages": [_message(role="assistant")]}).encode(), "invalid_request"),  # no text at all
    (
        json.dumps(
            {"id": "c", "messages": [_message(TEXT, {"type": "file", "mediaType": "image/png", "url": "data:,"})]}
        ).encode(),
        "unsupported_part",
    ),
    (
        json.dumps(
            {
                "id": "c",
                "messages": [_message({"type": "tool-weather", "toolCallId": "t", "state": "output-available"})],
            }
        ).encode(),
        "unsupported_part",
    ),
    (json.dumps({"id": "c", "trigger": 1, "messages": [_message(TEXT)]}).encode(), "invalid_request"),
    (json.dumps({"id": "c", "route": "nope", "messages": [_message(TEXT)]}).encode(), "unknown_route"),
    (json.dumps({"id": "c", "route": "", "messages": [_message(TEXT)]}).encode(), "invalid_request"),
    (json.dumps({"id": "c", "max_tokens": 0, "messages": [_message(TEXT)]}).encode(), "invalid_request"),
    (json.dumps({"id": "c", "temperature": "hot", "messages": [_message(TEXT)]}).encode(), "invalid_request"),
]


@pytest.mark.parametrize(("body", "code"), BAD_BODIES)
def test_bad_bodies_get_a_400_json_error(client: httpx.Client, body: bytes, code: str) -> None:
    response = client.post("/v1/ui/chat", content=body, headers={**_auth(), "content-type": "application/json"})
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == code


def test_api_keys_guard_both_endpoints(client: httpx.Client) -> None:
    for headers in ({}, _auth("nope")):
        assert client.post("/v1/ui/chat", json=_body("chat-auth"), headers=headers).status_code == 401
        denied = client.get("/v1/ui/chat/chat-auth/stream", headers=headers)
        assert denied.status_code == 401 and denied.json()["error"]["code"] == "invalid_api_key"


def test_204_for_a_chat_without_a_running_stream(client: httpx.Client) -> None:
    assert client.get("/v1/ui/chat/never-started/stream", headers=_auth()).status_code == 204
    post_all(client, _body("chat-ended"))
    ended = client.get("/v1/ui/chat/chat-ended/stream", headers=_auth())
    assert ended.status_code == 204 and ended.content == b""


def _open(client: httpx.Client, body: Any, key: str = KEYS[0]) -> Generator[str, None, None]:
    """POST and read the response's data lines as they come (the generator holds the connection)."""
    with client.stream("POST", "/v1/ui/chat", json=body, headers=_auth(key)) as response:
        assert response.status_code == 200
        yield response.headers["x-stream-id"]
        for line in response.iter_lines():
            if line.startswith("data: "):
                yield line[len("data: ") :]


def test_resume_replays_the_running_stream_from_its_start_for_its_key_only(client: httpx.Client) -> None:
    chat_id = "chat/with a slash"  # the SDK escapes it with encodeURIComponent
    url = f"/v1/ui/chat/{quote(chat_id, safe='')}/stream"
    first = _open(client, _body(chat_id, "paced"))
    stream_id = next(first)
    seen = [json.loads(next(first)) for _ in range(5)]
    first.close()  # the client drops
    assert client.get(url, headers=_auth(KEYS[1])).status_code == 204  # another key: never this stream
    resumed = client.get(url, headers=_auth())
    assert resumed.status_code == 200 and resumed.headers["x-stream-id"] == stream_id
    assert resumed.headers["x-vercel-ai-ui-message-stream"] == "v1"
    chunks = chunks_of(resumed.text)
    assert chunks[:2] == seen[:2] and chunks[0]["messageId"] == "msg_" + stream_id
    assert text_of(chunks) == REFERENCE and chunks[-1]["type"] == "finish"
    assert client.get(url, headers=_auth()).status_code == 204  # ended now
    native = client.get(f"/v1/streams/{stream_id}", params={"token": resumed.headers["x-stream-token"]}).json()
    assert native["status"] == "done" and native["text"] == REFERENCE


def test_a_new_message_moves_the_chat_to_its_new_stream(client: httpx.Client) -> None:
    first = _open(client, _body("chat-moves", "paced"))
    old = next(first)
    next(first)
    first.close()
    second = _open(client, _body("chat-moves", "paced"))
    new = next(second)
    next(second)
    second.close()
    resumed = client.get("/v1/ui/chat/chat-moves/stream", headers=_auth())
    assert resumed.headers["x-stream-id"] == new != old


def test_cors_lets_a_page_call_both_endpoints(client: httpx.Client) -> None:
    preflight = client.options(
        "/v1/ui/chat",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == ORIGIN
    allowed = preflight.headers["access-control-allow-headers"].lower()
    assert "authorization" in allowed and "content-type" in allowed
    response = client.post("/v1/ui/chat", json=_body("chat-cors"), headers={**_auth(), "Origin": ORIGIN})
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert "x-stream-id" in response.headers["access-control-expose-headers"].lower()
    resume = client.get("/v1/ui/chat/chat-cors/stream", headers={**_auth(), "Origin": ORIGIN})
    assert resume.status_code == 204 and resume.headers["access-control-allow-origin"] == ORIGIN


def test_an_open_relay_scopes_chats_by_the_bearer_presented(upstream: Any) -> None:
    config = load_config_dict({"providers": upstream_providers(upstream), "routes": _routes(upstream)})
    with RelayServer(config) as server, httpx.Client(base_url=server.base_url, timeout=30) as client:
        keyed = _open(client, _body("chat-open", "paced"))
        keyed_id = next(keyed)
        next(keyed)
        keyed.close()
        assert client.get("/v1/ui/chat/chat-open/stream").status_code == 204
        assert client.get("/v1/ui/chat/chat-open/stream", headers=_auth(KEYS[1])).status_code == 204
        with client.stream("POST", "/v1/ui/chat", json=_body("chat-open", "paced")) as anyone:  # no bearer at all
            anyones_id = anyone.headers["x-stream-id"]
        with (  # both at once: each stream runs for a few seconds only
            client.stream("GET", "/v1/ui/chat/chat-open/stream", headers=_auth()) as keyed_resumed,
            client.stream("GET", "/v1/ui/chat/chat-open/stream") as anyones_resumed,
        ):
            assert keyed_resumed.headers["x-stream-id"] == keyed_id
            assert anyones_resumed.headers["x-stream-id"] == anyones_id
            for resumed in (keyed_resumed, anyones_resumed):
                assert text_of(chunks_of(resumed.read().decode())) == REFERENCE


def test_a_chat_resumes_on_another_instance_sharing_redis(upstream: Any, keys: None, redis_url: str) -> None:
    config = _config(upstream, store={"kind": "redis", "url": redis_url, "prefix": "ui-chat-test"})
    with (
        RelayServer(config) as a,
        RelayServer(config) as b,
        httpx.Client(base_url=a.base_url, timeout=30) as on_a,
        httpx.Client(base_url=b.base_url, timeout=30) as on_b,
    ):
        first = _open(on_a, _body("chat-redis", "paced"))
        stream_id = next(first)
        seen = json.loads(next(first))
        first.close()
        owner = hashlib.sha256(KEYS[0].encode()).hexdigest()
        binding = redis.Redis.from_url(redis_url).pttl(f"ui-chat-test:chat:{chat_key(owner, 'chat-redis')}")
        assert 0 < binding <= (600 + 120) * 1000  # the route's max_duration_s and a margin: it never outlives its use
        assert on_b.get("/v1/ui/chat/chat-redis/stream", headers=_auth(KEYS[1])).status_code == 204
        assert on_b.get("/v1/ui/chat/chat-elsewhere/stream", headers=_auth()).status_code == 204
        resumed = on_b.get("/v1/ui/chat/chat-redis/stream", headers=_auth())
        assert resumed.status_code == 200 and resumed.headers["x-stream-id"] == stream_id
        chunks = chunks_of(resumed.text)
        assert chunks[0] == seen and text_of(chunks) == REFERENCE and chunks[-1]["type"] == "finish"
        assert on_b.get("/v1/ui/chat/chat-redis/stream", headers=_auth()).status_code == 204
        assert on_a.get("/v1/ui/chat/chat-redis/stream", headers=_auth()).status_code == 204


SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12)
JSON = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
)
PARTS = st.fixed_dictionaries(
    {"type": st.sampled_from(["text", "file", "step-start", "reasoning", "data-x", "tool-x"]) | SCALARS},
    optional={"text": st.text(max_size=8) | SCALARS},
)
UI_MESSAGES = st.fixed_dictionaries(
    {"role": st.sampled_from(["user", "assistant", "system", "tool"]) | SCALARS},
    optional={"parts": st.lists(PARTS | JSON, max_size=3) | JSON, "id": JSON},
)
UI_BODIES = st.fixed_dictionaries(
    {},
    optional={
        "id": st.text(max_size=5) | SCALARS,
        "messages": st.lists(UI_MESSAGES | JSON, max_size=3) | JSON,
        "trigger": SCALARS,
        "route": st.sampled_from(["default", ""]) | SCALARS,
        "max_tokens": SCALARS,
        "temperature": SCALARS,
        "extra": JSON,
    },
)


@settings(max_examples=200, deadline=None)
@given(UI_BODIES | JSON)
def test_any_body_is_a_request_or_a_400(body: Any) -> None:
    try:
        asked = parse_ui_chat_request(body, max_output_tokens=100)
    except ApiError as error:
        assert error.status == 400 and error.code in {"invalid_request", "unsupported_part"}
    else:
        assert asked.chat_id and asked.route and asked.generation.messages
