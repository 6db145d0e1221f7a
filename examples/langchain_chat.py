"""splice-relay behind LangChain's `ChatOpenAI`: only `base_url` changes.

pip install langchain-openai; run a relay (`make run`); python examples/langchain_chat.py
`stream_usage=True` is needed for usage while streaming: LangChain turns it off for a custom base_url.
`use_responses_api=False` keeps it on Chat Completions whatever the model's name.
"""

from __future__ import annotations

import os

from langchain_openai import ChatOpenAI

llm = ChatOpenAI(
    base_url=os.environ.get("RELAY_URL", "http://127.0.0.1:8080") + "/v1",
    api_key=os.environ.get("RELAY_API_KEY", "unused"),
    model="default",
    stream_usage=True,
    use_responses_api=False,
)

answer = llm.invoke("Tell me about streaming relays")
print(answer.content[:80], "...", answer.usage_metadata)

usage = None
for chunk in llm.stream("Tell me about streaming relays"):
    print(chunk.content, end="", flush=True)
    usage = chunk.usage_metadata or usage
print("\n", usage)
