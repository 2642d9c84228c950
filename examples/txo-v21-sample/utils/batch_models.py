"""Batch bookkeeping: small records with defaults, and tokens kept in a weak
cache. (Phase 5 shapes for txo-codemod; the README's Phase 5 list says what
each one exercises.)"""

import time
import weakref
from dataclasses import dataclass, field
from typing import Dict, List


@dataclass
class BatchStats:
    # No __slots__ here: slots conflict with the field defaults below.
    name: str
    processed: int = 0
    errors: List[str] = field(default_factory=list)
    timings: Dict[str, float] = field(default_factory=dict)

    def record(self, step: str, seconds: float) -> None:
        self.timings[step] = seconds
        self.processed += 1


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 3
    backoff: float = 0.5
    statuses: tuple = (502, 503, 504)


@dataclass
class PageCursor:
    url: str
    page: int = 1

    def advance(self) -> None:
        self.page += 1


@dataclass
class DownloadState:
    path: str
    done: bool = False

    def finish(self) -> None:
        self.done = True
        self.finished_at = time.time()


class CachedToken:
    __slots__ = ("value", "expires_at")

    def __init__(self, value: str, expires_at: float):
        self.value = value
        self.expires_at = expires_at

    def expired(self) -> bool:
        return time.time() >= self.expires_at


class TokenStore:
    """Tokens and cursors in use, without keeping them alive."""

    def __init__(self):
        self._live = weakref.WeakValueDictionary()
        self._cursors = weakref.WeakValueDictionary()

    def remember(self, key: str, token: CachedToken) -> None:
        self._live[key] = token

    def lookup(self, key: str):
        return self._live.get(key)

    def watch(self, cursor: PageCursor) -> None:
        self._cursors[cursor.url] = cursor

    def watched(self) -> int:
        return len(self._cursors)
