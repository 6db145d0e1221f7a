"""The fake upstream must be indistinguishable from the real APIs to the real SDKs.

Every test drives it with the official ``openai`` / ``anthropic`` clients (or raw HTTP where
the exact bytes matter) and checks that text, usage and finish reasons survive byte for byte,
and that each scripted fault surfaces as the error a relay will see in production.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import unicodedata
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import anthropic
import httpx
import httpx2
import openai
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loadtest.stamps import StampReader
from loadtest.texts import tokenize
from loadtest.upstream import (
    PREAMBLE,
    PREFILL_REJECTED,
    FakeUpstream,
    Script,
    ScriptError,
    Ticker,
    model_name,
    upstream_in_thread,
)
from providers.errors import ProviderError
from providers.simulated import read_script
from splice.eval.corpus import TEXTS

USER: Any = [{"role": "user", "content": "Tell me something interesting, please."}]


@pytest.fixture
async def up() -> AsyncIterator[FakeUpstream]:
    async with FakeUpstream() as server:
        yield server


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------


@dataclass
class Result:
    text: str = ""
    pieces: list[str] = field(default_factory=list)
    finish: str | None = None
    usage: Any = None
    items: list[Any] = field(default_factory=list)


def oai(up: FakeUpstream, **kwargs: Any) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(base_url=up.base_url + "/v1", api_key="k", max_retries=0, **kwargs)


def ant(up: FakeUpstream, **kwargs: Any) -> anthropic.AsyncAnthropic:
    return anthropic.AsyncAnthropic(base_url=up.base_url, api_key="k", max_retries=0, **kwargs)


async def openai_stream(
    up: FakeUpstream, model: str, messages: list[Any] = USER, *, result: Result | None = None, **kwargs: Any
) -> Result:
    """Stream a chat completion, collecting into ``result`` (so a caller sees partial text on error)."""
    result = result if result is not None else Result()
    kwargs.setdefault("stream_options", {"include_usage": True})
    async with oai(up) as client:
        stream = await client.chat.completions.create(model=model, messages=messages, stream=True, **kwargs)
        async for chunk in stream:
            result.items.append(chunk)
            if chunk.usage is not None:
                result.usage = chunk.usage
            for choice in chunk.choices:
                if choice.delta.content:
                    result.text += choice.delta.content
                    result.pieces.append(choice.delta.content)
                result.finish = choice.finish_reason or result.finish
    return result


async def anthropic_stream(
    up: FakeUpstream,
    model: str,
    messages: list[Any] = USER,
    *,
    result: Result | None = None,
    max_tokens: int = 4096,
    **kwargs: Any,
) -> Result:
    """Stream a message through the SDK's helper, which also accumulates the final message."""
    result = result if result is not None else Result()
    async with ant(up) as client:
        async with client.messages.stream(model=model, max_tokens=max_tokens, messages=messages, **kwargs) as stream:
            async for piece in stream.text_stream:
                result.text += piece
                result.pieces.append(piece)
            message = await stream.get_final_message()
    result.finish = message.stop_reason
    result.usage = message.usage
    result.items.append(message)
    return result


async def raw(up: FakeUpstream, path: str, body: dict[str, Any], **headers: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=up.base_url) as client:
        return await client.post(path, json=body, headers={"authorization": "Bearer k", **headers})


def openai_body(model: str, **extra: Any) -> dict[str, Any]:
    return {"model": model, "messages": USER, "stream": True, **extra}


def anthropic_body(model: str, **extra: Any) -> dict[str, Any]:
    return {"model": model, "messages": USER, "stream": True, "max_tokens": 4096, **extra}


def sse_data(payload: bytes) -> list[str]:
    return [line[6:] for line in payload.decode().split("\n") if line.startswith("data: ")]


# --------------------------------------------------------------------------------------------
# the happy path, through the SDKs
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(TEXTS))
async def test_openai_streams_every_text_byte_for_byte(up: FakeUpstream, name: str) -> None:
    result = await openai_stream(up, f"gpt-4o-mini;text={name}")
    assert result.text == TEXTS[name]
    assert result.pieces == tokenize(TEXTS[name])
    assert result.finish == "stop"
    assert result.usage.completion_tokens == len(tokenize(TEXTS[name]))
    assert result.usage.prompt_tokens == len(USER[0]["content"]) // 4
    assert result.usage.total_tokens == result.usage.prompt_tokens + result.usage.completion_tokens

    first, last = result.items[0], result.items[-1]
    assert first.id.startswith("chatcmpl-") and first.object == "chat.completion.chunk"
    assert first.model == "gpt-4o-mini" and first.system_fingerprint.startswith("fp_")
    assert first.choices[0].delta.role == "assistant" and first.choices[0].delta.content == ""
    assert last.choices == [] and last.usage is not None
    assert {chunk.id for chunk in result.items} == {first.id}


@pytest.mark.parametrize("name", sorted(TEXTS))
async def test_anthropic_streams_every_text_byte_for_byte(up: FakeUpstream, name: str) -> None:
    result = await anthropic_stream(up, f"claude-sonnet-4-5;text={name}")
    message = result.items[0]
    assert result.text == TEXTS[name]
    assert result.pieces == tokenize(TEXTS[name])
    assert message.content[0].text == TEXTS[name]
    assert result.finish == "end_turn"
    assert message.id.startswith("msg_") and message.model == "claude-sonnet-4-5"
    assert result.usage.output_tokens == len(tokenize(TEXTS[name]))
    assert result.usage.input_tokens == len(USER[0]["content"]) // 4


async def test_anthropic_raw_event_sequence(up: FakeUpstream) -> None:
    async with ant(up) as client:
        stream = await client.messages.create(
            model="claude;text=short",
            max_tokens=100,
            messages=USER,
            stream=True,
        )
        events: list[Any] = [event async for event in stream]
    assert [e.type for e in events] == [
        "message_start",
        "content_block_start",
        *["content_block_delta"] * 4,
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]
    assert events[0].message.usage.input_tokens > 0
    assert events[-2].delta.stop_reason == "end_turn" and events[-2].usage.output_tokens == 4


async def test_cjk_and_emoji_arrive_split_like_real_tokens(up: FakeUpstream) -> None:
    emoji = await openai_stream(up, "gpt;text=emoji")
    assert any(p.startswith("\u200d") for p in emoji.pieces), "ZWJ sequences are split across chunks"
    assert any(unicodedata.combining(p[0]) for p in emoji.pieces), "combining marks start a chunk"
    flag = next(i for i, p in enumerate(emoji.pieces) if p.endswith("\U0001f1e9"))
    assert emoji.pieces[flag + 1] == "\U0001f1ea", "flags are split in two"
    cjk = await anthropic_stream(up, "claude;text=cjk")
    assert cjk.text == TEXTS["cjk"]
    assert max(len(p) for p in cjk.pieces if not p.isspace()) <= 2


# --------------------------------------------------------------------------------------------
# the exact wire format
# --------------------------------------------------------------------------------------------


async def test_openai_wire_format(up: FakeUpstream) -> None:
    response = await raw(
        up, "/v1/chat/completions", openai_body("gpt;text=short", stream_options={"include_usage": True})
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert response.headers["transfer-encoding"] == "chunked"
    assert response.headers["x-request-id"].startswith("req_")
    assert response.content.endswith(b"\n\ndata: [DONE]\n\n")
    data = sse_data(response.content)
    chunks = [json.loads(d) for d in data[:-1]]
    assert list(chunks[1]) == [
        "id",
        "object",
        "created",
        "model",
        "service_tier",
        "system_fingerprint",
        "choices",
        "usage",
        "obfuscation",
    ]
    assert chunks[0]["choices"] == [
        {
            "index": 0,
            "delta": {"role": "assistant", "content": "", "refusal": None},
            "logprobs": None,
            "finish_reason": None,
        }
    ]
    assert chunks[1]["choices"][0] == {
        "index": 0,
        "delta": {"content": "Hello"},
        "logprobs": None,
        "finish_reason": None,
    }
    assert all(c["usage"] is None for c in chunks[:-1])
    assert chunks[-2]["choices"] == [{"index": 0, "delta": {}, "logprobs": None, "finish_reason": "stop"}]
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["completion_tokens"] == 4
    assert set(chunks[-1]["usage"]) == {
        "prompt_tokens",
        "completion_tokens",
        "total_tokens",
        "prompt_tokens_details",
        "completion_tokens_details",
    }

    plain = await raw(up, "/v1/chat/completions", openai_body("gpt;text=short"))
    assert all("usage" not in json.loads(d) for d in sse_data(plain.content)[:-1])
    assert len(sse_data(plain.content)) == len(data) - 1


async def test_anthropic_wire_format(up: FakeUpstream) -> None:
    response = await raw(up, "/v1/messages", anthropic_body("claude;text=short"))
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/event-stream"
    assert response.headers["request-id"].startswith("req_")
    blocks = response.content.decode().split("\n\n")
    assert blocks[-1] == ""
    names = [b.split("\n")[0].removeprefix("event: ") for b in blocks[:-1]]
    assert names == [
        "message_start",
        "content_block_start",
        "ping",
        *["content_block_delta"] * 4,
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]
    for block in blocks[:-1]:
        event, data = block.split("\n")
        assert json.loads(data.removeprefix("data: "))["type"] == event.removeprefix("event: ")
    assert blocks[3] == (
        'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,'
        '"delta":{"type":"text_delta","text":"Hello"}}'
    )


async def test_keep_alive_reuses_the_connection(up: FakeUpstream) -> None:
    async with httpx.AsyncClient(base_url=up.base_url) as client:
        for _ in range(3):
            response = await client.post("/v1/messages", json=anthropic_body("claude;text=short"))
            assert response.content.endswith(b'{"type":"message_stop"}\n\n')
        stats = (await client.get("/_stats")).json()
    assert stats["connections"] == 1 and stats["streams"] == 3 and stats["streams_active"] == 0


# --------------------------------------------------------------------------------------------
# pacing and sizes
# --------------------------------------------------------------------------------------------


async def test_tps_and_ttft_pace_the_stream(up: FakeUpstream) -> None:
    arrivals: list[float] = []
    start = time.monotonic()
    async with oai(up) as client:
        stream = await client.chat.completions.create(
            model="gpt;text=short;tps=25;ttft=0.15", messages=USER, stream=True
        )
        async for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                arrivals.append(time.monotonic() - start)
    assert len(arrivals) == 4
    assert 0.14 <= arrivals[0] < 0.6
    gaps = [b - a for a, b in zip(arrivals, arrivals[1:])]
    assert all(0.025 <= gap < 0.25 for gap in gaps), gaps


async def test_n_caps_or_repeats_the_text(up: FakeUpstream) -> None:
    repeated = await openai_stream(up, "gpt;text=short;n=10")
    assert repeated.text == "Hello, world!\n\nHello, world!\n\nHe"[: len(repeated.text)]
    assert len(repeated.pieces) == 10 and repeated.usage.completion_tokens == 10
    capped = await anthropic_stream(up, "claude;n=7")
    assert capped.pieces == tokenize(TEXTS["prose"])[:7] and capped.usage.output_tokens == 7
    long = await openai_stream(up, "gpt;text=prose;n=400")
    assert len(long.pieces) == 400 and long.text.startswith(TEXTS["prose"] + "\nThe history")


async def test_stamp_tokens_carry_send_time(up: FakeUpstream) -> None:
    before = time.time_ns()
    result = await openai_stream(up, "gpt;text=stamp;n=5;tps=100")
    reader = StampReader()
    for piece in result.pieces:
        assert re.fullmatch(r" [A-Za-z][a-z]+ [A-Za-z][a-z]+", piece)  # two words: two tokens
        reader.feed(piece, time.time_ns())
    stamps = reader.sent
    assert len(stamps) == 5
    assert before // 1000 * 1000 <= stamps[0] < stamps[-1] <= time.time_ns()
    assert stamps[-1] - stamps[0] >= 30_000_000  # 4 gaps of 10 ms


async def test_max_tokens_truncates_with_length(up: FakeUpstream) -> None:
    openai_result = await openai_stream(up, "gpt", max_tokens=6)
    assert openai_result.finish == "length" and len(openai_result.pieces) == 6
    anthropic_result = await anthropic_stream(up, "claude", max_tokens=6)
    assert anthropic_result.finish == "max_tokens" and anthropic_result.usage.output_tokens == 6


async def test_usage_overrides(up: FakeUpstream) -> None:
    result = await openai_stream(up, "gpt;text=short;usage_in=1234;usage_out=99")
    assert (result.usage.prompt_tokens, result.usage.completion_tokens, result.usage.total_tokens) == (1234, 99, 1333)
    message = await anthropic_stream(up, "claude;text=short;usage_in=1234;usage_out=99")
    assert (message.usage.input_tokens, message.usage.output_tokens) == (1234, 99)


async def test_frag_splits_utf8_across_http_chunks(up: FakeUpstream) -> None:
    result = await anthropic_stream(up, "claude;text=emoji;n=80;frag=7")
    assert result.text == up.reference("emoji", 80).text
    async with httpx.AsyncClient(base_url=up.base_url) as client:
        async with client.stream("POST", "/v1/chat/completions", json=openai_body("gpt;text=cjk;n=40;frag=5")) as r:
            pieces = [piece async for piece in r.aiter_raw()]
    body = b"".join(pieces)
    assert (
        "".join(
            json.loads(d)["choices"][0]["delta"].get("content", "")
            for d in sse_data(body)[:-1]
            if json.loads(d)["choices"]
        )
        == up.reference("cjk", 40).text
    )
    assert len(pieces) > 100


async def test_many_concurrent_paced_streams(up: FakeUpstream) -> None:
    async def one(i: int) -> bytes:
        body = orjson.dumps(anthropic_body(f"claude;text=prose;n=10;tps=50;ttft={i % 7 / 100}"))
        reader, writer = await asyncio.open_connection("127.0.0.1", up.port)
        writer.write(
            b"POST /v1/messages HTTP/1.1\r\nhost: x\r\nconnection: close\r\n"
            b"content-length: %d\r\n\r\n%s" % (len(body), body)
        )
        data = await reader.read()
        writer.close()
        return data

    start = time.monotonic()
    bodies = await asyncio.gather(*(one(i) for i in range(500)))
    assert time.monotonic() - start < 3  # each stream takes 0.2-0.26 s on its own: 100+ s in series
    assert all(b.endswith(b'{"type":"message_stop"}\n\n\r\n0\r\n\r\n') for b in bodies)
    assert up.stats["chunks"] == 5000 and up.stats["streams_active"] == 0


# --------------------------------------------------------------------------------------------
# faults
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "error", "status"),
    [
        ("http400", openai.BadRequestError, 400),
        ("http401", openai.AuthenticationError, 401),
        ("http429", openai.RateLimitError, 429),
        ("http500", openai.InternalServerError, 500),
        ("http503", openai.InternalServerError, 503),
        ("http529", openai.InternalServerError, 529),
    ],
)
async def test_openai_http_faults(
    up: FakeUpstream, fault: str, error: type[openai.APIStatusError], status: int
) -> None:
    with pytest.raises(error) as caught:
        await openai_stream(up, f"gpt;fault={fault}")
    assert caught.value.status_code == status
    body: Any = caught.value.body
    assert set(body) == {"message", "type", "param", "code"}
    if status == 429:
        assert caught.value.response.headers["retry-after"] == "1"
        assert caught.value.code == "rate_limit_exceeded"


@pytest.mark.parametrize(
    ("fault", "error", "kind"),
    [
        ("http400", anthropic.BadRequestError, "invalid_request_error"),
        ("http401", anthropic.AuthenticationError, "authentication_error"),
        ("http429", anthropic.RateLimitError, "rate_limit_error"),
        ("http500", anthropic.InternalServerError, "api_error"),
        ("http503", anthropic.ServiceUnavailableError, "api_error"),
        ("http529", anthropic.OverloadedError, "overloaded_error"),
    ],
)
async def test_anthropic_http_faults(
    up: FakeUpstream, fault: str, error: type[anthropic.APIStatusError], kind: str
) -> None:
    with pytest.raises(error) as caught:
        await anthropic_stream(up, f"claude;fault={fault};retry_after=2.5")
    assert caught.value.type == kind
    body: Any = caught.value.body
    assert body["request_id"] == caught.value.request_id
    if fault == "http429":
        assert caught.value.response.headers["retry-after"] == "2.5"


async def test_bad_key_is_401_in_each_dialect(up: FakeUpstream) -> None:
    async with openai.AsyncOpenAI(base_url=up.base_url + "/v1", api_key="bad-key", max_retries=0) as client:
        with pytest.raises(openai.AuthenticationError, match="Incorrect API key provided: bad-key"):
            await client.chat.completions.create(model="gpt", messages=USER, stream=True)
    async with anthropic.AsyncAnthropic(base_url=up.base_url, api_key="bad-key", max_retries=0) as client:
        with pytest.raises(anthropic.AuthenticationError):
            await client.messages.create(model="claude", max_tokens=10, messages=USER, stream=True)


def sdk_cause(exc: BaseException) -> BaseException:
    """The transport's error under an anthropic stream's: anthropic 2.17 wraps what iterating raises, 2.15 did not."""
    if isinstance(exc, anthropic.APIConnectionError) and exc.__cause__ is not None:
        return exc.__cause__
    return exc


async def test_reset_is_a_connection_error_after_at_chunks(up: FakeUpstream) -> None:
    partial = Result()
    with pytest.raises(openai.APIConnectionError) as caught:
        await openai_stream(up, "gpt;fault=reset;at=7", result=partial)
    assert isinstance(caught.value.__cause__, httpx2.ReadError)
    assert partial.pieces == tokenize(TEXTS["prose"])[:7]
    partial = Result()
    with pytest.raises((httpx2.ReadError, anthropic.APIConnectionError)) as raised:
        await anthropic_stream(up, "claude;fault=reset;at=3", result=partial)
    assert isinstance(sdk_cause(raised.value), httpx2.ReadError)
    assert partial.pieces == tokenize(TEXTS["prose"])[:3]


async def test_close_is_an_incomplete_chunked_body(up: FakeUpstream) -> None:
    partial = Result()
    with pytest.raises(openai.APIConnectionError) as caught:
        await openai_stream(up, "gpt;fault=close;at=4", result=partial)
    assert isinstance(caught.value.__cause__, httpx2.RemoteProtocolError)
    assert len(partial.pieces) == 4
    with pytest.raises(
        (httpx2.RemoteProtocolError, anthropic.APIConnectionError), match="incomplete chunked read"
    ) as raised:
        await anthropic_stream(up, "claude;fault=close;at=4")
    assert isinstance(sdk_cause(raised.value), httpx2.RemoteProtocolError)


async def test_stall_is_a_read_timeout(up: FakeUpstream) -> None:
    partial = Result()
    with pytest.raises(openai.APITimeoutError):
        await openai_stream(up, "gpt;fault=stall;at=3", result=partial, timeout=0.3)
    assert len(partial.pieces) == 3
    async with ant(up, timeout=0.3) as client:
        with pytest.raises((httpx2.ReadTimeout, anthropic.APITimeoutError)) as raised:
            async with client.messages.stream(model="claude;fault=stall;at=0", max_tokens=99, messages=USER) as s:
                async for _ in s.text_stream:
                    pytest.fail("a stream stalled at 0 has no text")
        assert isinstance(sdk_cause(raised.value), httpx2.ReadTimeout)
    await asyncio.sleep(0.05)
    assert up.stats["streams_active"] == 0, "the stalled streams are dropped with their connections"


async def test_error_event_mid_stream(up: FakeUpstream) -> None:
    partial = Result()
    with pytest.raises(openai.APIError, match="The server had an error") as caught:
        await openai_stream(up, "gpt;fault=error_event;at=2", result=partial)
    assert not isinstance(caught.value, openai.APIStatusError)
    body: Any = caught.value.body
    assert body["type"] == "server_error" and len(partial.pieces) == 2
    # the Anthropic SDK maps the in-stream error with the HTTP status (200), not the error type
    with pytest.raises(anthropic.APIStatusError) as caught_anthropic:
        await anthropic_stream(up, "claude;fault=error_event;at=2")
    assert caught_anthropic.value.type == "overloaded_error"
    assert caught_anthropic.value.status_code == 200


async def test_malformed_chunk_then_the_stream_goes_on(up: FakeUpstream) -> None:
    partial = Result()
    with pytest.raises(json.JSONDecodeError):
        await openai_stream(up, "gpt;text=short;fault=malformed;at=1", result=partial)
    assert partial.pieces == ["Hello"]
    response = await raw(up, "/v1/chat/completions", openai_body("gpt;text=short;fault=malformed;at=1"))
    data = sse_data(response.content)
    assert data[-1] == "[DONE]"
    with pytest.raises(json.JSONDecodeError):
        json.loads(data[2])
    with pytest.raises(json.JSONDecodeError):
        await anthropic_stream(up, "claude;text=short;fault=malformed;at=3")


async def test_drip_slows_down_after_at(up: FakeUpstream) -> None:
    arrivals: list[float] = []
    start = time.monotonic()
    async with (
        ant(up) as client,
        client.messages.stream(
            model="claude;text=short;fault=drip;at=2;drip_s=0.12",
            max_tokens=99,
            messages=USER,
        ) as stream,
    ):
        async for _ in stream.text_stream:
            arrivals.append(time.monotonic() - start)
        message = await stream.get_final_message()
    assert message.stop_reason == "end_turn"
    # Chunk k >= at is due (k - at + 1) * drip_s after the start and can only arrive later than due,
    # so these lower bounds hold however loaded the machine is (gaps between arrivals do not).
    assert arrivals[2] >= 0.12 and arrivals[3] >= 0.24


async def test_no_terminator_ends_the_body_without_finish_or_done(up: FakeUpstream) -> None:
    result = await openai_stream(up, "gpt;text=short;fault=no_terminator")
    assert result.text == "Hello, world!" and result.finish is None and result.usage is None
    response = await raw(up, "/v1/chat/completions", openai_body("gpt;text=short;fault=no_terminator"))
    assert b"[DONE]" not in response.content and b'finish_reason":"stop' not in response.content
    message = await anthropic_stream(up, "claude;text=short;fault=no_terminator")
    assert message.text == "Hello, world!" and message.finish is None
    response = await raw(up, "/v1/messages", anthropic_body("claude;text=short;fault=no_terminator"))
    assert b"message_stop" not in response.content and b"content_block_stop" not in response.content


async def test_no_finish_sends_done_without_finish_reason(up: FakeUpstream) -> None:
    result = await openai_stream(up, "gpt;text=short;fault=no_finish")
    assert result.text == "Hello, world!" and result.finish is None
    assert result.usage.completion_tokens == 4
    response = await raw(up, "/v1/messages", anthropic_body("claude;text=short;fault=no_finish"))
    assert b"message_delta" not in response.content and response.content.endswith(b'"message_stop"}\n\n')


# --------------------------------------------------------------------------------------------
# continuation requests
# --------------------------------------------------------------------------------------------

PROSE = TEXTS["prose"]
PARTIAL = "".join(tokenize(PROSE)[:40])  # ends in the middle of the second sentence


def prefill(partial: str) -> list[dict[str, Any]]:
    return [*USER, {"role": "assistant", "content": partial}]


def instruct(partial: Any) -> list[dict[str, Any]]:
    return [*USER, {"role": "assistant", "content": partial}, {"role": "user", "content": "Continue."}]


async def test_exact_continuation_with_anthropic_prefill(up: FakeUpstream) -> None:
    stripped = PARTIAL.rstrip()
    result = await anthropic_stream(up, "claude;cont=exact", prefill(stripped))
    assert stripped + result.text == PROSE
    assert result.text == PROSE[len(stripped) :]
    partial_on_space = PROSE[: PROSE.index(" and", 500) + 1]  # Anthropic forbids trailing spaces
    with pytest.raises(anthropic.BadRequestError, match="trailing whitespace"):
        await anthropic_stream(up, "claude;cont=exact", prefill(partial_on_space))
    result = await anthropic_stream(up, "claude;cont=exact", prefill(partial_on_space.rstrip()))
    assert result.text.startswith(" and") and partial_on_space.rstrip() + result.text == PROSE


async def test_exact_continuation_with_instruct_shape(up: FakeUpstream) -> None:
    result = await openai_stream(up, "gpt;cont=exact", instruct(PARTIAL))
    assert PARTIAL + result.text == PROSE
    blocks = [{"type": "text", "text": PARTIAL[:10]}, {"type": "text", "text": PARTIAL[10:]}]
    result = await anthropic_stream(up, "claude;cont=exact", instruct(blocks))
    assert PARTIAL + result.text == PROSE
    mid_word = PROSE[: PROSE.index("coastal") + 3]
    result = await openai_stream(up, "gpt;cont=exact", prefill(mid_word))
    assert result.pieces[0] == "stal" and mid_word + result.text == PROSE
    assert result.usage.completion_tokens == len(result.pieces)


async def test_continuation_behaviours(up: FakeUpstream) -> None:
    remainder = PROSE[len(PARTIAL) :]
    words = await openai_stream(up, "gpt;cont=repeat_words", instruct(PARTIAL))
    last_three = " ".join(PARTIAL.split()[-3:])
    assert words.text == last_three + remainder
    sentence = await openai_stream(up, "gpt;cont=repeat_sentence", instruct(PARTIAL))
    sentence_start = PARTIAL.rindex(". ") + 2
    assert sentence.text == PARTIAL[sentence_start:] + remainder
    assert sentence.text.startswith("Long before")
    restart = await anthropic_stream(up, "claude;cont=restart", instruct(PARTIAL))
    assert restart.text == PROSE
    preamble = await anthropic_stream(up, "claude;cont=preamble", prefill(PARTIAL.rstrip()))
    assert preamble.text == PREAMBLE + PROSE[len(PARTIAL.rstrip()) :]
    nothing = await anthropic_stream(up, "claude;cont=nothing", prefill(PARTIAL.rstrip()))
    assert nothing.text == "" and nothing.finish == "end_turn"
    stranger = await openai_stream(up, "gpt;cont=exact", instruct("Something else entirely."))
    assert stranger.text == PROSE


async def test_continuation_of_a_repeated_reference(up: FakeUpstream) -> None:
    reference = up.reference("short", 30).text
    partial = reference[:20]
    result = await anthropic_stream(up, "claude;text=short;n=30;cont=exact", prefill(partial))
    assert partial + result.text == reference


async def test_faults_apply_to_continuations(up: FakeUpstream) -> None:
    partial = Result()
    with pytest.raises(openai.APIConnectionError):
        await openai_stream(up, "gpt;cont=exact;fault=reset;at=2", instruct(PARTIAL), result=partial)
    assert PARTIAL + partial.text == PROSE[: len(PARTIAL + partial.text)] and len(partial.pieces) == 2


async def test_prefill_reject(up: FakeUpstream) -> None:
    with pytest.raises(anthropic.BadRequestError) as caught:
        await anthropic_stream(up, "claude;prefill=reject", prefill("The history"))
    assert caught.value.api_message == PREFILL_REJECTED
    assert caught.value.type == "invalid_request_error"
    with pytest.raises(openai.BadRequestError, match="does not support assistant message prefill"):
        await openai_stream(up, "gpt;prefill=reject", prefill("The history"))
    result = await anthropic_stream(up, "claude;prefill=reject;text=short", instruct("x"))
    assert result.text == "Hello, world!"


# --------------------------------------------------------------------------------------------
# control plane
# --------------------------------------------------------------------------------------------


async def test_requests_are_recorded_without_credentials(up: FakeUpstream) -> None:
    await openai_stream(up, "gpt;text=short")
    await anthropic_stream(up, "claude;text=short")
    async with httpx.AsyncClient(base_url=up.base_url) as client:
        recorded = (await client.get("/_requests")).json()
        assert [r["path"] for r in recorded] == ["/v1/chat/completions", "/v1/messages"]
        assert [r["model"] for r in recorded] == ["gpt;text=short", "claude;text=short"]
        assert recorded[0]["body"]["stream_options"] == {"include_usage": True}
        assert recorded[1]["body"]["messages"] == USER
        for r in recorded:
            assert "authorization" not in r["headers"] and "x-api-key" not in r["headers"]
        assert recorded[1]["headers"]["anthropic-version"]  # the SDK's own API version
        assert (await client.delete("/_requests")).status_code == 204
        assert (await client.get("/_requests")).json() == []
        for _ in range(205):
            await client.post("/v1/messages", json=anthropic_body("claude;fault=http400"))
        assert len((await client.get("/_requests")).json()) == 200
        assert (await client.get("/_health")).status_code == 200


async def test_texts_can_be_registered_at_run_time(up: FakeUpstream) -> None:
    text = "Ein kleiner Text über Größe — mit Emoji 👩‍👩‍👧 und e\u0301.\n"
    async with httpx.AsyncClient(base_url=up.base_url) as client:
        response = await client.put("/_texts/mine", content=text.encode())
        assert response.status_code == 201
    assert (await openai_stream(up, "gpt;text=mine")).text == text
    up.register_text("mine", "Replaced.")
    assert (await anthropic_stream(up, "claude;text=mine")).text == "Replaced."


@pytest.mark.parametrize(
    "model",
    ["gpt;bogus=1", "gpt;tps=fast", "gpt;fault=explode", "gpt;text=nope", "gpt;at", "gpt;n=-1", "gpt;cont=maybe"],
)
async def test_bad_scripts_are_400_in_the_api_format(up: FakeUpstream, model: str) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        await openai_stream(up, model)
    assert caught.value.param == "model"
    with pytest.raises(anthropic.BadRequestError):
        await anthropic_stream(up, model)


def test_script_parsing() -> None:
    script = Script.parse("gpt-4o-mini; fault=stall ;AT=12;tps=50;;")
    assert (script.model, script.fault, script.at, script.tps, script.text) == (
        "gpt-4o-mini",
        "stall",
        12,
        50.0,
        "prose",
    )
    assert Script.parse(str(script)) == script
    assert model_name("m", fault="reset", at=3, cont=None) == "m;fault=reset;at=3"
    assert Script.parse("plain") == Script(model="plain")
    with pytest.raises(ScriptError, match="unknown"):
        Script.parse("m;colour=blue")
    with pytest.raises(ScriptError):
        Script.parse("m;tps=nan")


def test_the_simulated_provider_reads_the_same_script_language() -> None:
    """One grammar, two key tables: the simulated provider parses its model names as the fake upstream does."""
    assert read_script("demo; STALL_AT=40 ;tps=50;;") == {"stall_at": 40, "tps": 50.0}
    assert read_script("demo;fail_at=25;fail_kind=overloaded") == {"fail_at": 25, "fail_kind": "overloaded"}
    assert read_script("demo") == {}
    for bad in ("demo;fault=stall", "demo;stall_at=-1", "demo;fail_kind=explode", "demo;tps"):
        with pytest.raises(ProviderError) as caught:
            read_script(bad)
        assert (caught.value.kind, caught.value.status) == ("bad_request", 400)


@settings(max_examples=100, deadline=None)
@given(st.text())
def test_tokenize_covers_any_text(text: str) -> None:
    pieces = tokenize(text)
    assert "".join(pieces) == text
    assert all(pieces)


def test_tokenize_looks_like_a_model() -> None:
    assert tokenize("Hello, world!") == ["Hello", ",", " world", "!"]
    assert tokenize("a\n\nb") == ["a", "\n\n", "b"]
    assert tokenize("Cafe\u0301") == ["Cafe", "\u0301"]
    for name in ("prose", "markdown", "code", "json", "cjk", "emoji", "german"):
        assert 250 <= len(tokenize(TEXTS[name])) <= 600, name


def test_upstream_in_thread_serves_sync_clients() -> None:
    with upstream_in_thread() as up:
        client = openai.OpenAI(base_url=up.base_url + "/v1", api_key="k", max_retries=0)
        stream = client.chat.completions.create(model="gpt;text=emoji;tps=1000", messages=USER, stream=True)
        text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
        assert text == TEXTS["emoji"]
        response = httpx.get(up.base_url + "/_requests")
        assert response.json()[0]["model"] == "gpt;text=emoji;tps=1000"
        assert orjson.loads(httpx.get(up.base_url + "/_health").content) == {"status": "ok"}


def test_unknown_route_is_404() -> None:
    with upstream_in_thread() as up:
        assert httpx.get(up.base_url + "/v1/models").status_code == 404
        assert re.match(r"http://127\.0\.0\.1:\d+$", up.base_url)


# -- pacing: the shared timer wakes every stream within one slot of its due time --------------


class _Timer:
    def __init__(self, when: float, callback: Any) -> None:
        self.when, self.callback, self.cancelled = when, callback, False

    def cancel(self) -> None:
        self.cancelled = True


class _ManualLoop:
    """The two loop methods the Ticker uses, on a clock the test moves (no real time passes)."""

    def __init__(self) -> None:
        self.now = 0.0
        self.timers: list[_Timer] = []

    def time(self) -> float:
        return self.now

    def call_at(self, when: float, callback: Any) -> _Timer:
        timer = _Timer(when, callback)
        self.timers.append(timer)
        return timer

    def run(self) -> None:
        """Fire every timer at its time, earliest first, until none is left."""
        while live := [t for t in self.timers if not t.cancelled]:
            timer = min(live, key=lambda t: t.when)
            self.timers.remove(timer)
            self.now = max(self.now, timer.when)
            timer.callback()


@dataclass
class _Paced:
    """A stream's pacing as the upstream's Stream does it: woken, it asks for its next chunk's time."""

    ticker: Ticker
    due: float
    interval: float
    count: int
    wakes: list[tuple[float, Any]] = field(default_factory=list)  # (due, woken at)

    def wake(self, now: float) -> None:
        self.wakes.append((self.due, now))
        if len(self.wakes) < self.count:
            self.due += self.interval
            self.ticker.call_at(self.due, self)  # type: ignore[arg-type]


def test_a_stream_rescheduled_far_ahead_does_not_postpone_a_nearer_one() -> None:
    loop = _ManualLoop()
    ticker = Ticker(loop, 0.005)  # type: ignore[arg-type]
    first = _Paced(ticker, 0.010, 0.050, 2)
    second = _Paced(ticker, 0.012, 0.050, 1)
    ticker.call_at(first.due, first)  # type: ignore[arg-type]
    ticker.call_at(second.due, second)  # type: ignore[arg-type]
    loop.run()
    # the first wake re-armed the timer for 0.060 once; the second stream's slot (0.015) still fires
    assert second.wakes == [(0.012, pytest.approx(0.015))]
    assert [round(at, 3) for _, at in first.wakes] == [0.010, 0.060]


@settings(max_examples=60, deadline=None)
@given(
    starts=st.lists(st.floats(min_value=0.0, max_value=0.2), min_size=1, max_size=60),
    interval=st.sampled_from([0.02, 0.05, 0.0333]),
    resolution=st.sampled_from([0.001, 0.005]),
)
def test_every_paced_chunk_is_woken_within_one_slot_of_its_due_time(
    starts: list[float], interval: float, resolution: float
) -> None:
    loop = _ManualLoop()
    ticker = Ticker(loop, resolution)  # type: ignore[arg-type]
    streams = [_Paced(ticker, start, interval, 8) for start in starts]
    for stream in streams:
        ticker.call_at(stream.due, stream)  # type: ignore[arg-type]
    loop.run()
    for stream in streams:
        assert len(stream.wakes) == 8
        for due, woken in stream.wakes:
            assert due - 1e-9 <= woken <= due + resolution + 1e-9, (due, woken)
