"""Stream ids and tokens, and what a presented token may do on a stream."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import Literal

Right = Literal["cancel", "read"]


def new_stream_id() -> str:
    return "st_" + secrets.token_urlsafe(16)  # 128 bits


def new_stream_token() -> str:
    return secrets.token_urlsafe(24)  # 192 bits


def read_token_for(token: str) -> str:
    """The read-only token of a stream: derived from its token, it reads the stream but cannot cancel it."""
    mac = hmac.new(token.encode(), b"splice-relay read token", hashlib.sha256).digest()[:24]
    return "r_" + base64.urlsafe_b64encode(mac).decode()


def token_digest(token: str) -> str:
    """What is kept of a stream's token: the digest of its read token, so a dump of the store reveals neither."""
    return hashlib.sha256(read_token_for(token).encode()).hexdigest()


def token_rights(digest: str, presented: str) -> Right | None:
    """What `presented` may do on the stream whose kept digest is `digest`: cancel (its token), read, or nothing."""
    if hmac.compare_digest(digest, token_digest(presented)):
        return "cancel"
    if hmac.compare_digest(digest, hashlib.sha256(presented.encode()).hexdigest()):
        return "read"  # its read token (or, for a stream created before read tokens, its token)
    return None
