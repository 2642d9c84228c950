"""
Lookups shared by TXO scripts: endpoint handlers, the connection settings
and normalised entity names.

Three shapes of process-wide state that phase 3 reports rather than
rewrites: each needs a decision (one per instance, or shared on purpose?).
"""

import functools
import threading
from typing import Callable, Dict

from utils.logger import get_logger

logger = get_logger(__name__)


class EndpointRegistry:
    """Maps endpoint names to the functions that handle them."""

    _handlers: Dict[str, Callable] = {}

    def register(self, name: str, handler: Callable) -> None:
        logger.debug(f"Registering handler for {name}")
        self._handlers[name] = handler

    def handler(self, name: str) -> Callable:
        return self._handlers[name]


class ConnectionSettings:
    """The process's connection settings: one instance, made on first use."""

    _instance = None
    _instance_lock = threading.Lock()

    def __new__(cls):
        with cls._instance_lock:
            if cls._instance is None:
                instance = super().__new__(cls)
                instance.max_connections = 10
                cls._instance = instance
        return cls._instance


@functools.lru_cache(maxsize=256)
def normalise_entity(name: str) -> str:
    """Canonical entity name: trimmed, lower case, dashes for spaces."""
    return "-".join(name.strip().lower().split())
