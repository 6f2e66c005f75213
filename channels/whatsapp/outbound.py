"""Sending to a provider without blocking the server: async HTTP, retries, visible failures.

A reply is retried on connection errors, timeouts, 5xx and 429 (3 attempts, backoff), never
on another 4xx. When it finally fails, the output channel logs an ERROR naming the
conversation's pseudonym (never the number) and records the failure in the contacts
database, which the channel's health route counts (GET /webhooks/<channel>/).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

import aiohttp
from rasa.core.channels.channel import OutputChannel

from channels.whatsapp.contacts import ContactBook

logger = logging.getLogger(__name__)


class DeliveryError(Exception):
    """The provider did not accept a message (the reason names no person)."""


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 3
    first_delay_s: float = 0.5
    timeout_s: float = 10.0
    max_retry_after_s: float = 10.0


def _retryable(status: int) -> bool:
    return status >= 500 or status == 429


def _delay(policy: RetryPolicy, attempt: int, retry_after: str | None) -> float:
    if retry_after and retry_after.isdigit():
        return min(float(retry_after), policy.max_retry_after_s)
    return policy.first_delay_s * 2**attempt


async def _json_or_empty(response: aiohttp.ClientResponse) -> dict[str, Any]:
    try:
        answer = await response.json(content_type=None)
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}


async def post(
    url: str,
    *,
    json: dict[str, Any] | None = None,
    data: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    auth: aiohttp.BasicAuth | None = None,
    policy: RetryPolicy = RetryPolicy(),
) -> dict[str, Any]:
    """POSTs with retries; returns the JSON answer or raises DeliveryError."""
    timeout = aiohttp.ClientTimeout(total=policy.timeout_s)
    reason = "not attempted"
    async with aiohttp.ClientSession(timeout=timeout) as session:
        for attempt in range(policy.attempts):
            retry_after = None
            try:
                async with session.post(
                    url, json=json, data=data, headers=headers, auth=auth
                ) as response:
                    if response.status < 300:
                        return await _json_or_empty(response)
                    reason = f"HTTP {response.status}"
                    if not _retryable(response.status):
                        raise DeliveryError(reason)
                    retry_after = response.headers.get("Retry-After")
            except (aiohttp.ClientError, asyncio.TimeoutError) as error:
                reason = type(error).__name__
            if attempt + 1 < policy.attempts:
                await asyncio.sleep(_delay(policy, attempt, retry_after))
    raise DeliveryError(f"{reason} after {policy.attempts} attempts")


class PseudonymousOutput(OutputChannel):
    """An output channel addressed by pseudonym: the number is looked up just before sending.

    Rasa gives every output channel the conversation's sender id, i.e. the pseudonym; so
    replies, the polite answers of the channel and staff messages (HTTP API with
    output_channel=latest) all go through `deliver`.
    """

    def __init__(self, channel: str, book: ContactBook) -> None:
        self.channel = channel
        self.book = book

    async def deliver(self, pseudonym: str, messages: list[Any]) -> None:
        """Sends provider messages in order; a failure is logged and recorded, not raised,
        so that Rasa still saves the conversation."""
        try:
            number = await asyncio.to_thread(self.book.number_for, pseudonym)
            if number is None:
                raise DeliveryError("no phone number for this conversation (erased?)")
            for message in messages:
                await self.send_to_provider(number, message)
        except DeliveryError as error:
            logger.error("%s: reply to %s not delivered: %s", self.channel, pseudonym, error)
            await asyncio.to_thread(self.book.record_failure, pseudonym, self.channel, str(error))

    async def send_to_provider(self, number: str, message: Any) -> None:
        raise NotImplementedError

    async def send_custom_json(
        self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any
    ) -> None:
        logger.debug("%s: custom JSON messages are not sent on WhatsApp", self.channel)
