"""The runtime's virtual clock: emulated time for one Init or one invoke.

``time.sleep`` advances the clock without blocking; CPU time is real and added. ``ITIMER_PROF`` interrupts
CPU-bound code when the budget is spent. Standard library only.
"""

from __future__ import annotations

import datetime as _datetime
import math
import signal
import threading
import time

_real_time = time.time
_real_sleep = time.sleep
_process_time = time.process_time
_real_datetime = _datetime.datetime
_real_date = _datetime.date


class VirtualClock:
    """Emulated time for one Init or one invoke: start epoch + CPU used + virtual sleeps."""

    def __init__(self) -> None:
        self.epoch = _real_time()
        self.first_epoch = self.epoch
        self.cpu0 = _process_time()
        self.slept = 0.0
        self.budget = math.inf
        self.running = False
        self.stopped_at = 0.0
        self.mono_base = 1000.0
        self.last_mono = 0.0
        self.on_deadline = None  # called when the budget is used up; ends the process

    def start(self, epoch: float, budget: float) -> None:
        self.epoch = epoch
        self.cpu0 = _process_time()
        self.slept = 0.0
        self.budget = budget
        self.mono_base = max(self.last_mono, 1000.0 + epoch - self.first_epoch)
        self.running = True
        self.arm()

    def stop(self) -> float:
        self.stopped_at = self.elapsed()
        self.running = False
        signal.setitimer(signal.ITIMER_PROF, 0)
        return self.stopped_at

    def elapsed(self) -> float:
        if not self.running:
            return self.stopped_at
        return _process_time() - self.cpu0 + self.slept

    def now(self) -> float:
        return self.epoch + self.elapsed()

    def monotonic(self) -> float:
        self.last_mono = max(self.last_mono, self.mono_base + self.elapsed())
        return self.last_mono

    def arm(self) -> None:
        """Let the kernel interrupt CPU-bound code when the remaining budget has been spent on CPU."""
        if self.running and self.budget != math.inf:
            remaining = self.budget - self.elapsed()
            signal.setitimer(signal.ITIMER_PROF, max(remaining, 0.001))

    def check(self) -> None:
        if self.running and self.elapsed() >= self.budget:
            self.slept = self.budget - (_process_time() - self.cpu0)
            self.on_deadline()

    def advance(self, seconds: float) -> None:
        """Let ``seconds`` of emulated time pass, ending the invoke if the budget runs out first."""
        if self.running and self.elapsed() + seconds >= self.budget:
            self.slept = self.budget - (_process_time() - self.cpu0)
            self.on_deadline()
        self.slept += seconds
        self.arm()

    def sleep(self, seconds: float) -> None:
        seconds = float(seconds)
        if seconds < 0:
            raise ValueError("sleep length must be non-negative")
        if not self.running or threading.current_thread() is not threading.main_thread():
            _real_sleep(seconds)  # background threads and idle time sleep for real
            return
        self.advance(seconds)
        _real_sleep(0)


CLOCK = VirtualClock()


class _DatetimeMeta(type):
    def __instancecheck__(cls, obj):
        return isinstance(obj, _real_datetime)

    def __subclasscheck__(cls, sub):
        return issubclass(sub, _real_datetime)


class VirtualDatetime(_real_datetime, metaclass=_DatetimeMeta):
    @classmethod
    def now(cls, tz=None):
        return _real_datetime.fromtimestamp(CLOCK.now(), tz)

    @classmethod
    def utcnow(cls):
        return _real_datetime.utcfromtimestamp(CLOCK.now())

    @classmethod
    def today(cls):
        return _real_datetime.fromtimestamp(CLOCK.now())


class _DateMeta(type):
    def __instancecheck__(cls, obj):
        return isinstance(obj, _real_date)

    def __subclasscheck__(cls, sub):
        return issubclass(sub, _real_date)


class VirtualDate(_real_date, metaclass=_DateMeta):
    @classmethod
    def today(cls):
        return _real_date.fromtimestamp(CLOCK.now())


def install_clock() -> None:
    real_gmtime, real_localtime, real_ctime, real_strftime = time.gmtime, time.localtime, time.ctime, time.strftime
    time.time = CLOCK.now
    time.time_ns = lambda: int(CLOCK.now() * 1e9)
    time.sleep = CLOCK.sleep
    time.monotonic = time.perf_counter = CLOCK.monotonic
    time.monotonic_ns = time.perf_counter_ns = lambda: int(CLOCK.monotonic() * 1e9)
    time.gmtime = lambda secs=None: real_gmtime(CLOCK.now() if secs is None else secs)
    time.localtime = lambda secs=None: real_localtime(CLOCK.now() if secs is None else secs)
    time.ctime = lambda secs=None: real_ctime(CLOCK.now() if secs is None else secs)
    time.strftime = lambda fmt, t=None: real_strftime(fmt, real_localtime(CLOCK.now()) if t is None else t)
    _datetime.datetime = VirtualDatetime
    _datetime.date = VirtualDate
    signal.signal(signal.SIGPROF, lambda signum, frame: _on_itimer())


def _on_itimer() -> None:
    if CLOCK.running:
        if CLOCK.elapsed() >= CLOCK.budget:
            CLOCK.check()
        else:
            CLOCK.arm()
