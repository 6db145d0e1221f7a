"""splice-relay as a drop-in for the `openai` Python SDK: only `base_url` changes.

Run a relay (`make run`), then `python examples/openai_python.py`. With `server.api_keys_env`
set, put one of its keys in RELAY_API_KEY; an open relay takes any key.
"""

from __future__ import annotations

import os

import httpx
import openai
from openai.types.chat import ChatCompletionMessageParam

BASE_URL = os.environ.get("RELAY_URL", "http://127.0.0.1:8080") + "/v1"
client = openai.OpenAI(base_url=BASE_URL, api_key=os.environ.get("RELAY_API_KEY", "unused"))
messages: list[ChatCompletionMessageParam] = [{"role": "user", "content": "Tell me about streaming relays"}]

# Chat Completions, streamed, with the usage chunk at the end (every attempt's tokens, summed).
stream = client.chat.completions.create(
    model="default", messages=messages, stream=True, stream_options={"include_usage": True}
)
for chunk in stream:
    if chunk.choices:
        print(chunk.choices[0].delta.content or "", end="", flush=True)
    elif chunk.usage is not None:
        print(f"\n[usage: {chunk.usage.prompt_tokens} in, {chunk.usage.completion_tokens} out]")

# Not streamed: one chat.completion once the answer is complete.
completion = client.chat.completions.create(model="default", messages=messages, max_completion_tokens=20)
print(completion.choices[0].message.content, f"[{completion.choices[0].finish_reason}]")

# Responses API: stream, stop reading after a few deltas, then resume from the last sequence number seen.
events = client.responses.create(model="default", input="Tell me about streaming relays", stream=True)
response_id, last = "", -1
for event in events:
    if event.type == "response.created":
        response_id = event.response.id
    last = event.sequence_number
    if event.type == "response.output_text.delta":
        print(event.delta, end="", flush=True)
        if last >= 12:
            break  # the connection drops; the generation goes on in the relay
events.close()
for event in client.responses.retrieve(response_id, stream=True, starting_after=last):
    if event.type == "response.output_text.delta":
        print(event.delta, end="", flush=True)
    elif event.type == "response.completed":
        print(f"\n[{event.response.status}, {event.response.usage.total_tokens if event.response.usage else 0} tokens]")
print(client.responses.retrieve(response_id).output_text[:60], "...")

# The same stream through the native endpoint: its id and token come in the response headers.
raw = client.chat.completions.with_raw_response.create(model="default", messages=messages, max_completion_tokens=10)
stream_id, token = raw.headers["x-stream-id"], raw.headers["x-stream-token"]
snapshot = httpx.get(f"{BASE_URL}/streams/{stream_id}", headers={"Authorization": f"Bearer {token}"}).json()
print(snapshot["status"], snapshot["finish_reason"], repr(snapshot["text"]))
