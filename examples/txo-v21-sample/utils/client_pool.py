"""HTTP clients per key, at most ``max_clients`` open at once. (Phase 5
shape for txo-codemod: a per-thread cache in front of a shared LRU; the
README's Phase 5 list says what it exercises.)"""

import threading
from collections import OrderedDict
from typing import Dict, Optional


class HttpClient:
    """Stands in for a requests.Session: open until closed."""

    def __init__(self, key: str, headers: Dict[str, str], retries: int):
        self.key = key
        self.headers = headers
        self.retries = retries
        self.closed = False

    def close(self) -> None:
        self.closed = True


class ClientPool:
    """One client per key, shared by all threads, least recently used closed first."""

    def __init__(self, max_clients: int = 4, headers: Optional[Dict[str, str]] = None,
                 retries: int = 3):
        self.max_clients = max_clients
        self.headers = dict(headers or {})
        self.retries = retries
        self._lru = OrderedDict()
        self._lock = threading.Lock()
        self._local = threading.local()

    def _new_client(self, key: str) -> HttpClient:
        return HttpClient(key, headers=self.headers, retries=self.retries)

    def get(self, key: str) -> HttpClient:
        cached = getattr(self._local, "clients", None)
        if cached is None:
            cached = {}
            self._local.clients = cached
        if key in cached:
            return cached[key]
        with self._lock:
            if key in self._lru:
                client = self._lru[key]
                self._lru.move_to_end(key)
            else:
                client = self._new_client(key)
                self._lru[key] = client
                if len(self._lru) > self.max_clients:
                    _, evicted = self._lru.popitem(last=False)
                    evicted.close()
        cached[key] = client
        return client
