"""Server-side conversation history, bounded in length and count, kept in a ``Store``.

A conversation id belongs to the identity that first used it (or asked the server for it,
``new_id``: 128 random bits): whatever the provider, another identity is told it does not exist.
Turns of one conversation are serialised by a lock in the store (shared by every worker and
instance): load, answer and save happen under it, so no turn overwrites another.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import time
from typing import Any

import orjson

from ..errors import G4FError
from ..typing import Messages
from .base import Store


class ConversationNotFoundError(G4FError):
    """No conversation with this id belongs to the caller."""

    status_code = 404
    error_type = "invalid_request_error"
    code = "conversation_not_found"
    param = "conversation_id"


class ConversationBusyError(G4FError):
    """Another turn of the conversation did not finish in time."""

    status_code = 409
    error_type = "invalid_request_error"
    code = "conversation_busy"
    param = "conversation_id"


def owner_tag(identity: str) -> str:
    """What is stored of an identity (never the key or address itself)."""
    return hashlib.sha256(identity.encode()).hexdigest()[:32]


def new_id() -> str:
    """An unguessable conversation id (128 random bits)."""
    return "conv_" + secrets.token_urlsafe(16)


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

    async def claim(self, conversation_id: str, owner: str) -> None:
        """Make ``conversation_id`` the ``owner``'s if nobody holds it (renewing it if ``owner``
        does); ``ConversationNotFoundError`` when it belongs to another identity."""
        tag = owner_tag(owner).encode()
        if await self.store.claim("conversation-owner:" + conversation_id, tag, self.ttl) != tag:
            raise ConversationNotFoundError(f"No conversation {conversation_id!r} of yours.")

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
        record = {"messages": self.trim(messages), "state": state}
        await self.store.put_bounded(
            "conversations", self._key(scope, conversation_id), orjson.dumps(record), self.max_conversations, self.ttl
        )

    async def lock(self, scope: str, conversation_id: str, wait: float, hold: float) -> str:
        """Wait up to ``wait`` seconds for the conversation's turn lock, held at most ``hold``
        seconds; the token to ``unlock`` it with. ``ConversationBusyError`` when the wait is over."""
        key = self._key(scope, conversation_id)
        token = secrets.token_hex(16)
        give_up = time.monotonic() + wait
        pause = 0.005
        while not await self.store.acquire(key, token, hold):
            if time.monotonic() >= give_up:
                raise ConversationBusyError(f"Conversation {conversation_id!r} is busy with another turn.")
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.05)
        return token

    async def unlock(self, scope: str, conversation_id: str, token: str) -> None:
        await self.store.release(self._key(scope, conversation_id), token)

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


__all__ = ["Conversations", "ConversationNotFoundError", "ConversationBusyError", "owner_tag", "new_id"]
