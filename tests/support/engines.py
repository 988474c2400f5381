"""Wrappers around an engine class's ``synthesize`` that count calls or inject failures."""

from __future__ import annotations

import contextlib
from typing import Callable, Iterator

import pytest

from issuepub.outputs.audio.engines.base import EngineError


@contextlib.contextmanager
def watched(engine_cls, fail: Callable[[str, int], str | None] = lambda text, n: None
            ) -> Iterator[list[str]]:
    """Yield the list of texts the engine is asked for; ``fail(text, call_number)`` may return
    a reason to fail that call with a (retryable) EngineError instead."""
    calls: list[str] = []
    original = engine_cls.synthesize

    async def synthesize(self, text: str):
        calls.append(text)
        reason = fail(text, len(calls))
        if reason:
            raise EngineError(reason)
        return await original(self, text)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(engine_cls, "synthesize", synthesize)
        yield calls
