"""Continuation prompts: prefill vs instruct, language, structure hints."""

from __future__ import annotations

import copy

from splice.prompt import build_continuation, detect_language

MESSAGES = [
    {"role": "system", "content": "You are terse."},
    {"role": "user", "content": "Explain caching."},
]


def test_prefill_appends_assistant_turn_and_keeps_system() -> None:
    original = copy.deepcopy(MESSAGES)
    req = build_continuation(MESSAGES, "Caching keeps a copy ", "prefill")
    assert original == MESSAGES
    assert req.messages[0] == MESSAGES[0]
    assert req.messages[-1] == {"role": "assistant", "content": "Caching keeps a copy "}
    assert req.prefill == "Caching keeps a copy " and req.stripped_whitespace == "" and req.mode == "prefill"
    assert sum(1 for m in req.messages if m["role"] == "system") == 1


def test_prefill_strip_trailing_whitespace() -> None:
    req = build_continuation(MESSAGES, "Para.\n\n", "prefill", strip_trailing_whitespace=True)
    assert req.prefill == "Para." and req.stripped_whitespace == "\n\n"
    assert req.messages[-1]["content"] == "Para."


def test_instruct_adds_short_user_turn() -> None:
    req = build_continuation(MESSAGES, "Caching keeps a copy ", "instruct")
    assert req.mode == "instruct" and req.prefill is None
    assert req.messages[-2] == {"role": "assistant", "content": "Caching keeps a copy "}
    assert req.messages[-1]["role"] == "user"
    assert "without repeating" in req.messages[-1]["content"]
    assert len(req.messages[-1]["content"]) < 400


def test_instruct_mentions_code_block_list_table_json_and_fragment() -> None:
    code = build_continuation(MESSAGES, "Here:\n\n```python\ndef f():\n    ", "instruct").messages[-1]["content"]
    assert "python code block" in code
    lst = build_continuation(MESSAGES, "Steps:\n\n1. One.\n2. Two.\n3. ", "instruct").messages[-1]["content"]
    assert "numbered list" in lst and "3" in lst
    table = build_continuation(MESSAGES, "| a | b |\n|---|---|\n| 1 | ", "instruct").messages[-1]["content"]
    assert "table row" in table
    js = build_continuation(MESSAGES, '{"name": "Ada', "instruct").messages[-1]["content"]
    assert "JSON" in js and "string" in js
    word = build_continuation(MESSAGES, "The quick bro", "instruct").messages[-1]["content"]
    assert "“bro”" in word


def test_instruct_language_follows_conversation() -> None:
    de = [{"role": "user", "content": "Wie funktioniert die Energiewende? Bitte erkläre es mir."}]
    assert "abgeschnitten" in build_continuation(de, "Die Energiewende ist ", "instruct").messages[-1]["content"]
    fr = [{"role": "user", "content": "Comment apprendre une langue étrangère ? Je suis un adulte."}]
    assert "coupée" in build_continuation(fr, "Il faut ", "instruct").messages[-1]["content"]
    es = [{"role": "user", "content": "¿Cómo se hace una tortilla de patatas? No tengo experiencia."}]
    assert "cortó" in build_continuation(es, "Primero ", "instruct").messages[-1]["content"]
    zh = [{"role": "user", "content": "人工智能会如何改变工作？"}]
    assert "截断" in build_continuation(zh, "人工智能的发展", "instruct").messages[-1]["content"]
    ja = [{"role": "user", "content": "東京の電車の乗り方を教えてください。"}]
    assert "続けて" in build_continuation(ja, "まずは", "instruct").messages[-1]["content"]


def test_detect_language_defaults_to_english() -> None:
    assert detect_language("") == "en"
    assert detect_language("Привет, как дела?") == "en"


def test_client_prefill_is_continued() -> None:
    messages = MESSAGES + [{"role": "assistant", "content": "Answer: "}]
    req = build_continuation(messages, "caching is", "prefill")
    assert req.messages[-1] == {"role": "assistant", "content": "Answer: caching is"}
    assert sum(1 for m in req.messages if m["role"] == "assistant") == 1


def test_nothing_sent_is_a_plain_retry() -> None:
    req = build_continuation(MESSAGES, "", "prefill")
    assert req.messages == MESSAGES and req.prefill is None
