"""Tenants: keys known by their SHA-256, each tenant's own limits, streams owned by the key that made them.

Real uvicorn on loopback with simulated providers; the key file is rewritten on disk to rotate keys
while the relay runs; two relays on one real redis-server for ownership across instances.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from relay.config import ConfigError, load_config_dict
from relay.tenants import key_id_of

from .support import RelayServer, wait_for

MESSAGES = [{"role": "user", "content": "Explain streaming relays."}]
ALPHA_1, ALPHA_2, BETA = "sk-alpha-one", "sk-alpha-two", "sk-beta"


def sha(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def config(tmp_path: Path, **server: Any) -> dict[str, Any]:
    return {
        "server": server,
        "accounting": {"audit_log": str(tmp_path / "audit.jsonl")},
        "providers": {
            "sim": {"kind": "simulated", "tokens_per_s": 200},
            "slow": {"kind": "simulated", "tokens_per_s": 5},
        },
        "routes": {"default": {"targets": ["sim/demo"]}, "slow": {"targets": ["slow/demo"]}},
        "tenants": {
            "alpha": {"keys": [sha(ALPHA_1), "sha256:" + sha(ALPHA_2)], "concurrent_streams": 1},
            "beta": {"keys": [sha(BETA)]},
        },
    }


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def create(client: httpx.Client, key: str, route: str = "default") -> httpx.Response:
    return client.post("/v1/streams", json={"messages": MESSAGES, "max_tokens": 8, "route": route}, headers=auth(key))


def test_tenants_are_validated() -> None:
    base: dict[str, Any] = {"providers": {"sim": {"kind": "simulated"}}, "routes": {"default": {"targets": ["sim/x"]}}}
    for tenants, message in (
        ({"a": {"keys": ["plaintext-key"]}}, "not a SHA-256"),
        ({"a": {"keys": [sha("k")]}, "b": {"keys": [sha("k")]}}, "belongs to tenant 'a'"),
        ({"a": {"concurrent_streams": 0}}, "concurrent_streams"),
        ({"a": {"rpm": 3}}, "unknown key"),
        ({"bad name!": {}}, "tenant name"),
    ):
        with pytest.raises(ConfigError, match=message):
            load_config_dict({**base, "tenants": tenants})


def test_a_key_cannot_read_or_cancel_another_keys_stream(tmp_path: Path) -> None:
    with RelayServer(load_config_dict(config(tmp_path))) as server, httpx.Client(base_url=server.base_url) as client:
        mine = create(client, BETA, "slow").json()
        theirs = create(client, ALPHA_1).json()
        path = f"/v1/streams/{mine['id']}"
        # Another key, with the stream's id and even its token: refused.
        for response in (
            client.get(path, params={"token": mine["token"]}, headers=auth(ALPHA_1)),
            client.get(path + "/events", params={"token": mine["token"]}, headers=auth(ALPHA_2)),
            client.delete(path, params={"token": mine["token"]}, headers=auth(ALPHA_1)),
        ):
            assert response.status_code == 403, response.text
            assert response.json()["error"]["code"] == "not_stream_owner"
        # Another key with a token of its own (its own stream's): refused too.
        stolen = client.get(path, params={"token": theirs["token"]}, headers=auth(ALPHA_1))
        assert stolen.status_code == 403 and stolen.json()["error"]["code"] == "invalid_token"
        # An unknown key beside the token: 401, not a read.
        assert client.get(path, params={"token": mine["token"]}, headers=auth("sk-nobody")).status_code == 401
        # The owner, and the token alone (EventSource sends no headers), still read and cancel.
        assert client.get(path, params={"token": mine["token"]}, headers=auth(BETA)).status_code == 200
        assert client.get(path, params={"token": mine["token"]}).status_code == 200
        assert client.delete(path, params={"token": mine["token"]}, headers=auth(BETA)).status_code == 200


def test_each_tenant_has_its_own_limits_shared_by_its_keys(tmp_path: Path) -> None:
    with RelayServer(load_config_dict(config(tmp_path))) as server, httpx.Client(base_url=server.base_url) as client:
        first = create(client, ALPHA_1, "slow")
        assert first.status_code == 201
        second = create(client, ALPHA_2, "slow")  # the tenant's other key: the same one slot
        assert second.status_code == 429 and second.json()["error"]["code"] == "too_many_streams"
        assert create(client, BETA, "slow").status_code == 201  # another tenant: not limited by alpha's slot
        assert create(client, BETA, "slow").status_code == 201
        stream = first.json()
        client.delete(f"/v1/streams/{stream['id']}", params={"token": stream["token"]})
        wait_for(lambda: create(client, ALPHA_2).status_code == 201)  # the slot is free again


def test_the_audit_names_the_tenant_and_key_never_the_key_itself(tmp_path: Path) -> None:
    with RelayServer(load_config_dict(config(tmp_path))) as server, httpx.Client(base_url=server.base_url) as client:
        created = create(client, BETA).json()
        client.get(f"/v1/streams/{created['id']}/events", params={"token": created["token"]})
        audit = tmp_path / "audit.jsonl"
        wait_for(lambda: audit.exists() and created["id"] in audit.read_text())
    records = [json.loads(line) for line in audit.read_text().splitlines()]
    record = next(r for r in records if r.get("stream_id") == created["id"] or created["id"] in json.dumps(r))
    assert record["tenant"] == "beta" and record["key_id"] == key_id_of(BETA)
    assert BETA not in audit.read_text()


def test_keys_rotate_in_the_key_file_without_a_restart(tmp_path: Path) -> None:
    keys = tmp_path / "keys.toml"
    keys.write_text(f'[tenants.gamma]\nkeys = ["{sha("sk-old")}"]\n')
    cfg = config(tmp_path, keys_file=str(keys))
    del cfg["tenants"]
    with RelayServer(load_config_dict(cfg)) as server, httpx.Client(base_url=server.base_url) as client:
        assert create(client, "sk-old").status_code == 201
        assert create(client, "sk-new").status_code == 401
        time.sleep(0.01)  # a distinct mtime
        keys.write_text(f'[tenants.gamma]\nkeys = ["{sha("sk-new")}"]\nconcurrent_streams = 5\n')
        wait_for(lambda: create(client, "sk-new").status_code == 201)
        assert create(client, "sk-old").status_code == 401  # the rotated-out key is refused at once
        keys.write_text("[tenants.gamma\nbroken")  # half-written: the keys that worked stay
        time.sleep(1.2)
        assert create(client, "sk-new").status_code == 201


def test_a_bad_key_file_fails_the_start(tmp_path: Path) -> None:
    from relay.app import create_app

    keys = tmp_path / "keys.toml"
    keys.write_text('[tenants.x]\nkeys = ["not-a-digest"]\n')
    cfg = config(tmp_path, keys_file=str(keys))
    with pytest.raises(ConfigError, match="keys_file"):
        create_app(load_config_dict(cfg))
    with pytest.raises(ConfigError, match="keys_file"):
        create_app(load_config_dict(config(tmp_path, keys_file=str(tmp_path / "missing.toml"))))


def test_ownership_holds_on_another_instance(tmp_path: Path, redis_url: str) -> None:
    cfg = config(tmp_path)
    cfg["store"] = {"kind": "redis", "url": redis_url, "prefix": "tenants"}
    del cfg["accounting"]
    with RelayServer(load_config_dict(cfg)) as a, RelayServer(load_config_dict(cfg)) as b:
        created = httpx.post(
            a.base_url + "/v1/streams", json={"messages": MESSAGES, "max_tokens": 8}, headers=auth(BETA)
        ).json()
        path = b.base_url + f"/v1/streams/{created['id']}"
        wait_for(lambda: httpx.get(path, params={"token": created["token"]}).status_code == 200)
        denied = httpx.get(path, params={"token": created["token"]}, headers=auth(ALPHA_1))
        assert denied.status_code == 403 and denied.json()["error"]["code"] == "not_stream_owner"
        assert httpx.get(path, params={"token": created["token"]}, headers=auth(BETA)).status_code == 200
