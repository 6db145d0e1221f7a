"""Progress, cost, budgets and the audit record, end to end against the fake upstream."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from loadtest.upstream import model_name
from relay.audit import read_audit_log
from relay.config import load_config_dict
from relay.pricing import DEFAULT_PRICES
from relay.tokens import get_encoding
from splice.eval.corpus import TEXTS

from .support import Event, RelayServer, read_all, run_route, terminal, text_of, upstream_providers

MESSAGES = [{"role": "user", "content": "Go."}]


def _routes() -> dict[str, dict[str, Any]]:
    return {
        "usage": {"targets": ["oa/" + model_name("gpt-4o-mini", text="prose", usage_in=1234, usage_out=567)]},
        "anthropic-usage": {"targets": ["an/" + model_name("claude-haiku-4-5", text="german", usage_out=321)]},
        "plain": {"targets": ["oa/" + model_name("gpt-4o-mini", text="prose", tps=400)]},
        "failover": {
            "targets": [
                "oa/" + model_name("gpt-4o-mini", text="prose", fault="stall", at=40),
                "an/" + model_name("claude-haiku-4-5", text="prose", cont="exact"),
            ],
            "stall_timeout_s": 0.3,
        },
        "budget": {"targets": ["oa/" + model_name("gpt-4o", text="prose", tps=200, n=2000)]},
        "unpriced": {"targets": ["oa/" + model_name("my-local-llama", text="short")]},
        "thinking": {"targets": ["oa/" + model_name("gpt-4o-mini", text="short", ttft=1.2)]},
    }


@pytest.fixture(scope="module")
def audit_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("audit") / "audit.jsonl"


@pytest.fixture(scope="module")
def relay(upstream, audit_path: Path) -> Iterator[RelayServer]:
    config = load_config_dict(
        {
            "providers": upstream_providers(upstream),
            "routes": _routes(),
            "accounting": {"progress_interval_s": 0.05, "cost_interval_s": 0.2, "audit_log": str(audit_path)},
        }
    )
    with RelayServer(config) as server:
        yield server


def final_cost(events: list[Event]) -> dict[str, Any]:
    costs: list[dict[str, Any]] = [e.data for e in events if e.event == "cost"]
    assert costs and costs[-1]["final"] is True
    # The final cost comes right before the one terminal event.
    assert events[-2].event == "cost"
    return costs[-1]


def test_reconciled_figures_equal_the_upstream_usage(client: httpx.Client) -> None:
    snapshot, events = run_route(client, "usage")
    cost = final_cost(events)
    attempt = cost["attempts"][0]
    assert attempt["reported"]["input_tokens"] == 1234 and attempt["reported"]["output_tokens"] == 567
    assert (cost["input_tokens"], cost["output_tokens"]) == (1234, 567)  # billed by the provider's figures
    assert cost["estimated"] is False
    price = DEFAULT_PRICES["gpt-4o-mini*"]
    assert cost["usd"] == pytest.approx((1234 * price.input + 567 * price.output) / 1e6)
    assert attempt["difference"]["output_tokens"] == 567 - attempt["estimate"]["output_tokens"]


def test_anthropic_message_delta_usage_is_reconciled(client: httpx.Client) -> None:
    snapshot, events = run_route(client, "anthropic-usage")
    attempt = final_cost(events)["attempts"][0]
    assert attempt["reported"]["output_tokens"] == 321
    assert attempt["estimate"]["exact_tokenizer"] is False  # Claude counted with o200k_base: an estimate


def test_estimates_match_tiktoken_for_the_same_text(client: httpx.Client) -> None:
    snapshot, events = run_route(client, "plain")
    estimate = final_cost(events)["attempts"][0]["estimate"]
    encoding = get_encoding("o200k_base")
    assert estimate["output_tokens"] == len(encoding.encode(TEXTS["prose"]))
    # OpenAI's chat counting: 3 per message + its strings, 3 to prime the reply.
    assert estimate["input_tokens"] == 3 + 3 + len(encoding.encode("user")) + len(encoding.encode("Go."))
    assert estimate["exact_tokenizer"] is True


def test_progress_events_come_on_a_timer_with_their_fields(client: httpx.Client) -> None:
    snapshot, events = run_route(client, "plain")
    progress = [e.data for e in events if e.event == "progress"]
    tokens = [e for e in events if e.event == "token"]
    assert 2 <= len(progress) < len(tokens) / 4  # on a timer, never per token
    last = progress[-1]
    assert set(last) >= {
        "output_tokens",
        "chars",
        "elapsed_ms",
        "tokens_per_s",
        "ttft_ms",
        "provider",
        "model",
        "attempt",
    }
    assert last["provider"] == "oa" and last["model"].startswith("gpt-4o-mini") and last["attempt"] == 1
    assert [p["chars"] for p in progress] == sorted(p["chars"] for p in progress)
    assert last["tokens_per_s"] > 0 and last["ttft_ms"] is not None


def test_a_failover_costs_both_attempts(client: httpx.Client) -> None:
    snapshot, events = run_route(client, "failover")
    assert snapshot["text"] == TEXTS["prose"]
    cost = final_cost(events)
    first, second = cost["attempts"]
    assert first["target"].startswith("oa/gpt-4o-mini") and second["target"].startswith("an/claude-haiku-4-5")
    assert first["output_tokens"] > 0 and second["output_tokens"] > 0
    assert first["estimated"] is True  # the stalled primary never reported usage: paid for all the same
    assert cost["usd"] == pytest.approx(first["usd"] + second["usd"])
    # The fallback's input includes the partial answer it was asked to continue.
    assert second["estimate"]["input_tokens"] > first["estimate"]["input_tokens"] + 20
    audit = snapshot["audit"]
    assert len(audit["attempts"]) == 2 and audit["failovers"][0]["reason"] == "stall" and audit["splices"]


def test_a_stream_waiting_for_its_first_token_logs_its_cost_once(client: httpx.Client) -> None:
    """Nothing moves while the model thinks: one running `cost` (the prompt's), not one per `cost_interval_s`."""
    snapshot, events = run_route(client, "thinking")
    first_token = next(index for index, e in enumerate(events) if e.event == "token")
    waiting = [e.data for e in events[:first_token] if e.event == "cost"]
    assert len(waiting) == 1 and waiting[0]["final"] is False and waiting[0]["input_tokens"] > 0
    assert waiting[0]["output_tokens"] == 0
    assert snapshot["audit"]["attempts"][0]["first_token_at"] - snapshot["audit"]["started_at"] >= 1.0  # it waited
    assert final_cost(events)["output_tokens"] > 0


def test_budget_stops_the_stream_at_the_limit(client: httpx.Client) -> None:
    snapshot, events = run_route(client, "budget", max_usd=0.0015)
    assert [e.event for e in terminal(events)] == ["done"]
    assert events[-1].data == {"finish_reason": "budget", "openai_finish_reason": "length"}
    cost = final_cost(events)
    assert cost["usd"] >= 0.0015
    assert snapshot["finish_reason"] == "budget" and 0 < len(snapshot["text"]) < len(TEXTS["prose"]) * 2000 / 400
    assert snapshot["text"] == text_of(events)


def test_unknown_price_is_unknown_not_zero(client: httpx.Client) -> None:
    snapshot, events = run_route(client, "unpriced")
    cost = final_cost(events)
    assert cost["usd"] is None and cost["price_known"] is False
    response = client.post("/v1/streams", json={"route": "unpriced", "messages": MESSAGES, "max_usd": 1})
    assert response.status_code == 400 and response.json()["error"]["code"] == "unknown_price"


def test_audit_record_is_in_the_snapshot_and_the_log(client: httpx.Client, audit_path: Path) -> None:
    created = client.post("/v1/streams", json={"route": "plain", "messages": MESSAGES}).json()
    status, events = read_all(client, created["events_url"])
    read_all(client, created["events_url"], headers={"Last-Event-ID": "3"})  # a client reconnect
    snapshot = client.get(f"/v1/streams/{created['id']}", params={"token": created["token"]}).json()
    audit = snapshot["audit"]
    assert audit["route"] == "plain" and audit["status"] == "done" and audit["reconnects"] == 1
    attempt = audit["attempts"][0]
    assert attempt["first_token_at"] >= attempt["started_at"] and attempt["end"] == "finished"
    assert attempt["tokens"]["reported"]["output_tokens"] > 0
    records = [r for r in read_audit_log(str(audit_path)) if r["stream_id"] == created["id"]]
    assert len(records) == 1 and records[0]["cost"]["output_tokens"] == audit["cost"]["output_tokens"]
    assert created["token"] not in audit_path.read_text()


def test_accounting_off_sends_no_progress_or_cost(upstream) -> None:
    config = load_config_dict(
        {
            "providers": upstream_providers(upstream),
            "routes": {"plain": _routes()["plain"]},
            "accounting": {"enabled": False},
        }
    )
    with RelayServer(config) as server, httpx.Client(base_url=server.base_url, timeout=30) as client:
        snapshot, events = run_route(client, "plain")
        assert {e.event for e in events} == {"token", "done"}
        assert snapshot["text"] == TEXTS["prose"]


@pytest.mark.parametrize("name", sorted(TEXTS))
def test_counting_in_ticks_equals_counting_the_whole_text(name: str) -> None:
    """Wherever the ticks fall, the per-tick counts add up to tiktoken's count of the whole text."""
    import random

    from loadtest.texts import tokenize
    from relay.accounting import AttemptMeter

    encoding = get_encoding("o200k_base")
    text = TEXTS[name]
    for seed in range(20):
        rng = random.Random(seed)
        meter = AttemptMeter("t", "gpt-4o-mini", None, [])
        for piece in tokenize(text):
            meter.add(piece)
            if rng.random() < 0.2:
                meter.settle()
        meter.settle(final=True)
        assert meter.output_tokens == len(encoding.encode_ordinary(text)), (name, seed)
