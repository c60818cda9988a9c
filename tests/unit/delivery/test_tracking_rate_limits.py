from delivery.web.ratelimit import TrackingLimits, TrackingRateLimiter


class Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


def limiter(**kw: float) -> tuple[TrackingRateLimiter, Clock]:
    clock = Clock()
    return TrackingRateLimiter(TrackingLimits(**kw), clock=clock), clock  # type: ignore[arg-type]


def test_wrong_tails_lock_the_number_for_everyone_until_the_window_passes() -> None:
    rl, clock = limiter(wrong_tail_limit=3, wrong_tail_window=600)
    for _ in range(3):
        assert rl.check("1.1.1.1", "SB1") is None
        rl.wrong_tail("SB1")
    assert rl.check("2.2.2.2", "SB1") == 600
    assert rl.check("2.2.2.2", "SB2") is None  # other numbers are not affected
    clock.now = 599.5
    assert rl.check("2.2.2.2", "SB1") == 1
    clock.now = 600
    assert rl.check("2.2.2.2", "SB1") is None


def test_sweeping_many_numbers_from_one_address_is_limited_but_asking_again_is_free() -> None:
    rl, clock = limiter(numbers_per_client=3, client_window=100)
    for number in ("A", "B", "C"):
        assert rl.check("1.1.1.1", number) is None
    assert rl.check("1.1.1.1", "D") == 100
    assert rl.check("1.1.1.1", "A") is None
    assert rl.check("9.9.9.9", "D") is None
    clock.now = 100
    assert rl.check("1.1.1.1", "D") is None


def test_memory_is_bounded() -> None:
    rl, _ = limiter(max_keys=50)
    for i in range(1000):
        rl.check(f"10.0.{i // 256}.{i % 256}", f"N{i}")
        rl.wrong_tail(f"N{i}")
    assert len(rl._clients) <= 50
    assert len(rl._failures) <= 50
