"""The production tracker store refuses Rasa's in-memory fallback (stores/tracker_store.py)."""

from __future__ import annotations

from pathlib import Path

from rasa.core.agent import Agent
from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore
from rasa.shared.core.domain import Domain

from stores.tracker_store import StrictSQLTrackerStore, refuse_memory_fallback


def test_a_strict_store_is_left_unwrapped_and_others_keep_rasas_wrapper(tmp_path: Path):
    domain = Domain.empty()
    before = Agent._create_tracker_store
    try:
        refuse_memory_fallback()
        strict = StrictSQLTrackerStore(dialect="sqlite", db=str(tmp_path / "tracker.db"))
        assert Agent._create_tracker_store(strict, domain) is strict
        assert strict.domain is domain
        other = Agent._create_tracker_store(InMemoryTrackerStore(domain), domain)
        assert isinstance(other, FailSafeTrackerStore)
    finally:
        Agent._create_tracker_store = before
