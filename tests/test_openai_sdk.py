"""The OpenAI-compatible endpoints driven by the real `openai` Python SDK against a real uvicorn relay.

Chat Completions (streaming with usage, not streaming, a primary that stalls mid-answer),
the Responses API (stream, drop, resume by sequence number, retrieve, cancel), a stream
created through Chat Completions read again through the native endpoint, and OpenAI's
error shapes for what the relay refuses.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest
from openai.types.chat import ChatCompletionChunk, ChatCompletionMessageParam
from openai.types.responses import ResponseCompletedEvent, ResponseCreatedEvent

from loadtest.texts import TEXTS
from loadtest.upstream import model_name
from relay.config import load_config_dict

from .support import RelayServer, read_all, text_of, upstream_providers, wait_for

STALL = {"stall_timeout_s": 0.3, "first_token_timeout_s": 3}
KEY = "sk-test-openai-flavour"
SINGLE_TARGET = "oa/" + model_name("m", text="markdown")


def _routes() -> dict[str, dict[str, object]]:
    return {
        "default": {"targets": ["oa/" + model_name("m", text="prose")]},
        "fast": {"targets": ["an/" + model_name("m", text="german")]},
        "stalls": {
            "targets": [
                "oa/" + model_name("m", text="prose", fault="stall", at=15),
                "an/" + model_name("f", text="prose"),
            ],
            **STALL,
        },
        "slow": {"targets": ["oa/" + model_name("m", text="prose", tps=60)]},
        "endless": {"targets": ["oa/" + model_name("m", text="prose", n=5000, tps=50)]},
        "fails": {"targets": ["oa/" + model_name("m", text="prose", fault="http500", at=0)], **STALL},
        "refuses": {"targets": ["oa/" + model_name("m", text="prose", fault="http400", at=0)]},
    }


@pytest.fixture(scope="module")
def relay(upstream: object, monkeypatch_module: pytest.MonkeyPatch) -> Iterator[RelayServer]:
    monkeypatch_module.setenv("TEST_OPENAI_KEYS", KEY)
    config = {
        "providers": upstream_providers(upstream),
        "routes": _routes(),
        "server": {"api_keys_env": "TEST_OPENAI_KEYS"},
    }
    with RelayServer(load_config_dict(config)) as server:
        yield server


@pytest.fixture(scope="module")
def monkeypatch_module() -> Iterator[pytest.MonkeyPatch]:
    with pytest.MonkeyPatch.context() as patch:
        yield patch


@pytest.fixture
def sdk(relay: RelayServer) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(api_key=KEY, base_url=relay.base_url + "/v1", max_retries=0, timeout=30) as client:
        yield client


HELLO: list[ChatCompletionMessageParam] = [{"role": "user", "content": "Go."}]


# -- Chat Completions ---------------------------------------------------------------


def test_chat_stream_with_usage(sdk: openai.OpenAI) -> None:
    chunks = list(
        sdk.chat.completions.create(
            model="default", messages=HELLO, stream=True, stream_options={"include_usage": True}
        )
    )
    assert len({chunk.id for chunk in chunks}) == 1 and chunks[0].id.startswith("chatcmpl-")
    assert chunks[0].choices[0].delta.role == "assistant"
    assert all(chunk.choices[0].delta.role is None for chunk in chunks[1:-1])
    text = "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices)
    assert text == TEXTS["prose"]
    finishes = [chunk.choices[0].finish_reason for chunk in chunks if chunk.choices and chunk.choices[0].finish_reason]
    assert finishes == ["stop"]
    usage_chunk = chunks[-1]
    assert usage_chunk.choices == [] and usage_chunk.usage is not None
    assert usage_chunk.usage.prompt_tokens > 0 and usage_chunk.usage.completion_tokens > 0
    assert usage_chunk.usage.total_tokens == usage_chunk.usage.prompt_tokens + usage_chunk.usage.completion_tokens
    assert all(chunk.usage is None for chunk in chunks[:-1])


def test_chat_stream_without_usage_has_none(sdk: openai.OpenAI) -> None:
    chunks = list(sdk.chat.completions.create(model="fast", messages=HELLO, stream=True))
    assert all(chunk.choices for chunk in chunks) and all(chunk.usage is None for chunk in chunks)
    assert "".join(chunk.choices[0].delta.content or "" for chunk in chunks) == TEXTS["german"]
    assert chunks[-1].choices[0].finish_reason == "stop"  # Anthropic's end_turn, in OpenAI's words


def test_chat_not_streaming(sdk: openai.OpenAI) -> None:
    completion = sdk.chat.completions.create(model="default", messages=HELLO)
    assert completion.object == "chat.completion"
    assert completion.choices[0].message.content == TEXTS["prose"]
    assert completion.choices[0].message.role == "assistant"
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage is not None and completion.usage.completion_tokens > 0


def test_chat_max_tokens_finishes_with_length(sdk: openai.OpenAI) -> None:
    completion = sdk.chat.completions.create(model="fast", messages=HELLO, max_completion_tokens=5)
    assert completion.choices[0].finish_reason == "length"  # Anthropic's max_tokens


def test_chat_single_target_model(sdk: openai.OpenAI) -> None:
    completion = sdk.chat.completions.create(model=SINGLE_TARGET, messages=HELLO)
    assert completion.choices[0].message.content == TEXTS["markdown"]
    assert completion.model == SINGLE_TARGET


def test_chat_stall_failover_is_invisible(sdk: openai.OpenAI) -> None:
    chunks = list(
        sdk.chat.completions.create(model="stalls", messages=HELLO, stream=True, stream_options={"include_usage": True})
    )
    assert "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices) == TEXTS["prose"]
    usage = chunks[-1].usage
    assert usage is not None and usage.completion_tokens > 0
    assert usage.prompt_tokens > 0  # both attempts' prompts, summed


def test_chat_stream_resumes_through_the_native_endpoint(relay: RelayServer, sdk: openai.OpenAI) -> None:
    with sdk.chat.completions.with_streaming_response.create(model="slow", messages=HELLO, stream=True) as response:
        stream_id, token = response.headers["x-stream-id"], response.headers["x-stream-token"]
        seen = ""
        for chunk in response.parse():
            assert isinstance(chunk, ChatCompletionChunk)
            seen += (chunk.choices[0].delta.content or "") if chunk.choices else ""
            if len(seen) > 40:
                break  # the client drops
    with httpx.Client(base_url=relay.base_url) as client:
        status, events = read_all(
            client, f"/v1/streams/{stream_id}/events", headers={"authorization": f"Bearer {token}"}
        )
    assert status == 200
    assert text_of(events).startswith(seen) and text_of(events) == TEXTS["prose"]


def test_chat_failure_after_the_stream_opened_raises_api_error(sdk: openai.OpenAI) -> None:
    with pytest.raises(openai.APIError) as raised:
        list(sdk.chat.completions.create(model="fails", messages=HELLO, stream=True))
    assert not isinstance(raised.value, openai.APIStatusError)  # raised from the stream's error payload


def test_chat_failure_not_streaming_is_a_server_error(sdk: openai.OpenAI) -> None:
    with pytest.raises(openai.InternalServerError):
        sdk.chat.completions.create(model="fails", messages=HELLO)


def test_chat_refused_upstream_not_streaming_is_a_bad_request(sdk: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as raised:
        sdk.chat.completions.create(model="refuses", messages=HELLO)
    assert raised.value.code == "http_status"


# -- errors ---------------------------------------------------------------------------


def test_unknown_model_is_openai_404(sdk: openai.OpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as raised:
        sdk.chat.completions.create(model="no-such-route", messages=HELLO)
    assert raised.value.code == "model_not_found" and raised.value.param == "model"
    with pytest.raises(openai.NotFoundError):
        sdk.responses.create(model="nope/x", input="hi")


def test_wrong_key_is_openai_401(relay: RelayServer) -> None:
    with openai.OpenAI(api_key="sk-wrong", base_url=relay.base_url + "/v1", max_retries=0) as client:
        with pytest.raises(openai.AuthenticationError) as raised:
            client.chat.completions.create(model="default", messages=HELLO)
    assert raised.value.code == "invalid_api_key" and raised.value.type == "invalid_request_error"


@pytest.mark.parametrize(
    ("extra", "param"),
    [
        ({"tools": [{"type": "function", "function": {"name": "f"}}]}, "tools"),
        ({"response_format": {"type": "json_object"}}, "response_format"),
        ({"n": 2}, "n"),
        ({"temperature": 5}, "temperature"),
        ({"max_tokens": 0}, "max_tokens"),
    ],
)
def test_unsupported_or_bad_chat_fields_are_named(sdk: openai.OpenAI, extra: dict[str, object], param: str) -> None:
    with pytest.raises(openai.BadRequestError) as raised:
        sdk.chat.completions.create(model="default", messages=HELLO, **extra)  # type: ignore[call-overload]
    assert raised.value.param == param
    assert param in raised.value.message


def test_bad_messages_are_named(sdk: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as raised:
        sdk.chat.completions.create(model="default", messages=[{"role": "tool", "content": "x", "tool_call_id": "1"}])
    assert raised.value.param is not None and raised.value.param.startswith("messages[0]")


# -- Responses ------------------------------------------------------------------------


def test_responses_stream_drop_resume_retrieve(sdk: openai.OpenAI) -> None:
    reference = TEXTS["prose"]
    first: list[openai.types.responses.ResponseStreamEvent] = []
    stream = sdk.responses.create(model="slow", input="Go.", stream=True)
    text = ""
    for event in stream:
        first.append(event)
        if event.type == "response.output_text.delta":
            text += event.delta
            if len(text) >= len(reference) // 3:
                break  # the client drops a third of the way in
    stream.close()
    assert first[0].type == "response.created"
    assert [event.sequence_number for event in first] == list(range(len(first)))
    assert isinstance(first[0], ResponseCreatedEvent)
    response_id = first[0].response.id
    last = first[-1].sequence_number

    rest = list(sdk.responses.retrieve(response_id, stream=True, starting_after=last))
    assert rest[0].sequence_number == last + 1
    text += "".join(event.delta for event in rest if event.type == "response.output_text.delta")
    assert text == reference
    assert isinstance(rest[-1], ResponseCompletedEvent)
    completed = rest[-1].response
    assert completed.output_text == reference and completed.usage is not None and completed.usage.output_tokens > 0

    retrieved = sdk.responses.retrieve(response_id)
    assert retrieved.status == "completed" and retrieved.output_text == reference
    assert retrieved.usage is not None and retrieved.usage.total_tokens == completed.usage.total_tokens


def test_responses_replay_is_identical(sdk: openai.OpenAI) -> None:
    response = sdk.responses.create(
        model="default", input=[{"role": "user", "content": "Go."}], instructions="Be brief."
    )
    assert response.status == "completed" and response.output_text == TEXTS["prose"]
    whole = [event.to_dict() for event in sdk.responses.retrieve(response.id, stream=True)]
    again = [event.to_dict() for event in sdk.responses.retrieve(response.id, stream=True, starting_after=5)]
    assert again == whole[6:]
    assert whole[-1]["type"] == "response.completed"


def test_responses_stream_helper_final_response(sdk: openai.OpenAI) -> None:
    with sdk.responses.stream(model="fast", input="Go.") as stream:
        final = stream.get_final_response()
    assert final.output_text == TEXTS["german"]


def test_responses_cancel(relay: RelayServer, sdk: openai.OpenAI) -> None:
    response = sdk.responses.create(model="endless", input="Go.", background=True)
    assert response.status == "in_progress"
    cancelled = sdk.responses.cancel(response.id)
    assert cancelled.status == "cancelled"
    assert sdk.responses.retrieve(response.id).status == "cancelled"
    events = list(sdk.responses.retrieve(response.id, stream=True))
    assert events[-1].type == "response.incomplete"


def test_responses_belong_to_their_key(relay: RelayServer, sdk: openai.OpenAI) -> None:
    response = sdk.responses.create(model="default", input="Go.")
    with openai.OpenAI(api_key="sk-other", base_url=relay.base_url + "/v1", max_retries=0) as other:
        with pytest.raises(openai.NotFoundError):
            other.responses.retrieve(response.id)
    with pytest.raises(openai.NotFoundError):
        sdk.responses.retrieve("resp_st_nonexistent")


def test_responses_bad_input_is_named(sdk: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as raised:
        image: Any = [{"role": "user", "content": [{"type": "input_image", "image_url": "x"}]}]
        sdk.responses.create(model="default", input=image)
    assert raised.value.param == "input[0].content[0]"
    with pytest.raises(openai.BadRequestError) as raised:
        sdk.responses.create(model="default", input="hi", tools=[{"type": "web_search"}])
    assert raised.value.param == "tools"


def test_responses_read_with_the_stream_token(relay: RelayServer, sdk: openai.OpenAI) -> None:
    raw = sdk.responses.with_raw_response.create(model="default", input="Go.")
    token = raw.headers["x-stream-token"]
    with openai.OpenAI(api_key=token, base_url=relay.base_url + "/v1", max_retries=0) as holder:
        assert holder.responses.retrieve(raw.parse().id).output_text == TEXTS["prose"]
    wait_for(lambda: not relay.relay.generations)


def test_keep_alives_do_not_break_the_sdk(upstream: object) -> None:
    """Pings between slow tokens: comment lines that end no event, so openai-python parses every chunk."""
    routes = {"default": {"targets": ["oa/" + model_name("m", text="short", n=6, tps=8)]}}
    config = {"providers": upstream_providers(upstream), "routes": routes, "server": {"ping_s": 0.03}}
    with RelayServer(load_config_dict(config)) as server:
        with httpx.Client(base_url=server.base_url, timeout=30) as client:
            body = {"model": "default", "messages": HELLO, "stream": True}
            raw = client.post("/v1/chat/completions", json=body).content
            assert b": keep-alive\n" in raw and b"\nid:" not in raw and b"retry:" not in raw
            created = client.post("/v1/streams", json={"messages": HELLO}).json()  # the same route, natively
            _, native = read_all(client, created["events_url"])
        with openai.OpenAI(api_key="k", base_url=server.base_url + "/v1", max_retries=0) as sdk:
            chunks = list(sdk.chat.completions.create(model="default", messages=HELLO, stream=True))
            events = list(sdk.responses.create(model="default", input="Go.", stream=True))
    text = "".join(chunk.choices[0].delta.content or "" for chunk in chunks)
    assert text == text_of(native) and chunks[-1].choices[0].finish_reason == "stop"
    assert isinstance(events[-1], ResponseCompletedEvent) and events[-1].response.output_text == text
