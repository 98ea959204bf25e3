"""LatestValue: one slot, newest wins, sequence numbers, drops counted, waiters woken."""

from __future__ import annotations

import threading

from vision.latest import LatestValue


def test_newest_value_wins_and_sequence_numbers_grow() -> None:
    slot: LatestValue[str] = LatestValue()
    assert slot.get() == (0, None)
    assert slot.set("a") == 1
    assert slot.set("b") == 2
    assert slot.get() == (2, "b")


def test_values_replaced_before_they_were_taken_count_as_dropped() -> None:
    slot: LatestValue[int] = LatestValue()
    for i in range(5):
        slot.set(i)
    assert slot.take(timeout=0) == (5, 4)
    assert slot.dropped == 4
    assert slot.take(timeout=0) is None, "nothing new since the last take"
    slot.set(99)
    assert slot.take(timeout=0) == (6, 99)
    assert slot.dropped == 4


def test_peeking_does_not_take() -> None:
    slot: LatestValue[int] = LatestValue()
    slot.set(1)
    slot.get()
    assert slot.take(timeout=0) == (1, 1)


def test_wait_newer_returns_once_a_newer_value_arrives() -> None:
    slot: LatestValue[int] = LatestValue()
    seq, _ = slot.get()
    got: list[tuple[int, int | None]] = []
    reader = threading.Thread(target=lambda: got.append(slot.wait_newer(seq, timeout=30)))
    reader.start()
    slot.set(7)
    reader.join(30)
    assert got == [(1, 7)]


def test_close_wakes_a_waiting_taker() -> None:
    slot: LatestValue[int] = LatestValue()
    got: list[object] = []
    reader = threading.Thread(target=lambda: got.append(slot.take(timeout=30)))
    reader.start()
    slot.close()
    reader.join(30)
    assert not reader.is_alive()
    assert got == [None]
    assert slot.closed


def test_a_value_set_before_close_can_still_be_taken() -> None:
    slot: LatestValue[int] = LatestValue()
    slot.set(3)
    slot.close()
    assert slot.take(timeout=0) == (1, 3)
    assert slot.take(timeout=0) is None


def test_concurrent_writers_never_lose_the_sequence() -> None:
    slot: LatestValue[int] = LatestValue()

    def write() -> None:
        for i in range(500):
            slot.set(i)

    threads = [threading.Thread(target=write) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert slot.seq == 2000
    assert slot.dropped == 1999
