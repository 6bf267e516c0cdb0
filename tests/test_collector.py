"""The cycle collector around a check: paused during it, frozen out of the way after it."""

from __future__ import annotations

import gc

import pytest

from wikisync.live import collector_paused


def test_collector_is_paused_then_left_what_it_need_not_walk() -> None:
    gc.unfreeze()
    with collector_paused():
        assert not gc.isenabled()
        kept = [[n] for n in range(100)]
    assert gc.isenabled()
    assert gc.get_freeze_count() >= len(kept)
    gc.unfreeze()


def test_nothing_is_frozen_after_an_error() -> None:
    gc.unfreeze()
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("a failed read")
    assert gc.get_freeze_count() == 0
    assert gc.isenabled()
