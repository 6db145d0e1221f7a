"""Where finished streams' audit records go: one JSON line each, for billing, evals and support."""

from __future__ import annotations

import logging
import os
from typing import Any

import orjson

logger = logging.getLogger("splice_relay.audit")


class JsonLinesAuditLog:
    """Appends one record per line; O_APPEND keeps concurrent writers' lines whole."""

    def __init__(self, path: str) -> None:
        self.path = path

    def append(self, record: dict[str, Any]) -> None:
        line = orjson.dumps(record, default=str) + b"\n"
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
            try:
                os.write(fd, line)
            finally:
                os.close(fd)
        except OSError:
            logger.exception("cannot append to audit log %s", self.path)


def read_audit_log(path: str) -> list[dict[str, Any]]:
    """Every record in a JSON-lines audit log, oldest first."""
    with open(path, "rb") as file:
        return [orjson.loads(line) for line in file if line.strip()]
