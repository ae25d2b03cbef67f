"""Server-side conversation history, bounded in length and count, kept in a ``Store``."""

from __future__ import annotations

from typing import Any

import orjson

from ..typing import Messages
from .base import Store


class Conversations:
    """History per (scope, conversation id); ``scope`` is the provider name for the provider routes."""

    def __init__(
        self, store: Store, max_messages: int = 100, max_conversations: int = 1000, ttl: float | None = 86400.0
    ) -> None:
        self.store = store
        self.max_messages = max_messages
        self.max_conversations = max_conversations
        self.ttl = ttl

    @staticmethod
    def _key(scope: str, conversation_id: str) -> str:
        return f"conversation:{scope}:{conversation_id}"

    async def load(self, scope: str, conversation_id: str) -> tuple[Messages, dict[str, Any] | None]:
        """The stored messages and the provider's own conversation state (both empty when new)."""
        raw = await self.store.get(self._key(scope, conversation_id))
        if not raw:
            return [], None
        data = orjson.loads(raw)
        return data.get("messages", []), data.get("state")

    async def save(
        self, scope: str, conversation_id: str, messages: Messages, state: dict[str, Any] | None = None
    ) -> None:
        await self.store.put_bounded(
            "conversations",
            self._key(scope, conversation_id),
            orjson.dumps({"messages": self.trim(messages), "state": state}),
            self.max_conversations,
            self.ttl,
        )

    def trim(self, messages: Messages) -> Messages:
        """System messages stay; of the rest, the newest ``max_messages``."""
        system = [m for m in messages if m.get("role") in ("system", "developer")]
        rest = [m for m in messages if m.get("role") not in ("system", "developer")]
        return system + rest[-self.max_messages :] if self.max_messages else system

    @staticmethod
    def merge(stored: Messages, incoming: Messages) -> Messages:
        """The messages to send: the stored history followed by the new ones.

        A client that resends the whole history is recognised (it starts with the stored messages);
        system messages in the request replace the stored ones.
        """
        if not stored or incoming[: len(stored)] == stored:
            return incoming
        system = [m for m in incoming if m.get("role") in ("system", "developer")]
        history = [m for m in stored if m.get("role") not in ("system", "developer")] if system else stored
        return system + history + [m for m in incoming if m.get("role") not in ("system", "developer")]


__all__ = ["Conversations"]
