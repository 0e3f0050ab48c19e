"""Several hosts, one service: each serving process says in the database what it serves, and compares.

Any number of ``jrp serve`` processes against one PostgreSQL store are one service only if
they evaluate with the same rules and hold the same secrets. Every worker registers its
**profile** in the ``hosts`` table (``jrp.adapters.hosts``) at start and renews it every
``HEARTBEAT`` seconds:

- the version of jrp, a hash of every ruleset version it loaded (``rulesets``) and the
  bundle hash of each jurisdiction today (``bundles``: what a check is answered with);
- the id of its log-signing key, and fingerprints (an HMAC of a constant, which reveals
  nothing of the secret) of its personal-data key — pseudonyms of natural persons, so
  searches by subject, depend on it — and of its console secret, which signs sessions.

``/readyz``, ``jrp hosts`` and a warning in the log at each change name the processes
whose profile differs from this one's. A disagreement does not make a process unready:
during a rolling change of the rulesets folder hosts differ for a while by design, and a
load balancer that took every disagreeing host out would take the whole service out.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from importlib.metadata import version

from jrp.adapters.hosts import HostRegistry, HostRow
from jrp.rulesets.bundle import Bundle
from jrp.rulesets.library import Library

log = logging.getLogger(__name__)

HEARTBEAT = 5.0
"""Seconds between two renewals of a process's row."""
LIVE = 3 * HEARTBEAT
"""A process whose row was renewed within this many seconds is live."""


def fingerprint(secret: bytes) -> str:
    """A short public name of a secret: equal for equal secrets, and no help in guessing one."""
    return hmac.new(secret, b"jrp secret fingerprint", hashlib.sha256).hexdigest()[:16]


@dataclass(frozen=True)
class Profile:
    """What a process serves with; two processes of one service must have equal profiles."""

    version: str
    rulesets: str
    bundles: dict[str, str]
    signing_key: str
    personal_data: str
    console: str

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Profile:
        data = json.loads(text)
        return cls(**{name: data.get(name, "") for name in cls.__dataclass_fields__})


def rulesets_hash(library: Library) -> str:
    """A hash of every ruleset version of the library (in force or not) and the instruments they cite."""
    files = sorted(library.files, key=lambda f: f.ref)
    return Bundle.build("*", tuple(f.ruleset for f in files), library.instruments).hash


def profile_of(library: Library, on: date, signing_key: str, personal_data: bytes, console: str) -> Profile:
    """The profile of a process serving ``library`` on ``on``; ``console`` is its session signer's fingerprint."""
    return Profile(version=version("jrp"), rulesets=rulesets_hash(library),
                   bundles={j: library.bundle(j, on).hash for j in library.jurisdictions},
                   signing_key=signing_key, personal_data=fingerprint(personal_data), console=console)


def differences(mine: Profile, theirs: Profile) -> list[str]:
    """How ``theirs`` differs from ``mine``, one phrase a difference (none: one service)."""
    found = []
    if theirs.bundles != mine.bundles:
        jurisdictions = sorted(j for j in mine.bundles.keys() | theirs.bundles.keys()
                               if mine.bundles.get(j) != theirs.bundles.get(j))
        found.append(f"answers {', '.join(jurisdictions)} with other rules today")
    elif theirs.rulesets != mine.rulesets:
        found.append("loaded other ruleset versions (today's bundles agree)")
    if theirs.version != mine.version:
        found.append(f"runs jrp {theirs.version}, not {mine.version}")
    if theirs.signing_key != mine.signing_key:
        found.append(f"signs the log with key {theirs.signing_key}, not {mine.signing_key}")
    if theirs.personal_data != mine.personal_data:
        found.append("has another personal-data key (other pseudonyms of natural persons)")
    if theirs.console != mine.console:
        found.append("signs console sessions with another secret (sessions are not valid across: "
                     "set one console_secret for all)")
    return found


def describe(row: HostRow) -> str:
    return f"{row.url or 'a process'} (pid {row.pid} on {row.hostname})"


@dataclass(frozen=True)
class Agreement:
    """This process and the other live ones: how many there are, and each disagreement."""

    others: int
    disagreements: tuple[str, ...]

    def __str__(self) -> str:
        if not self.disagreements:
            return f"agrees with {self.others} other live process{'es' if self.others != 1 else ''}" \
                   if self.others else "the only live process"
        return (f"DISAGREES with {len(self.disagreements)} of {self.others} other live processes: "
                + "; ".join(self.disagreements))


class Heartbeat:
    """This process's row in ``hosts``: written at ``start``, renewed by a thread, deleted at ``stop``."""

    def __init__(self, registry: HostRegistry, url: str, profile: Callable[[date], Profile],
                 today: Callable[[], date] = lambda: datetime.now(UTC).date(), interval: float = HEARTBEAT):
        self.registry = registry
        self.url = url
        self.interval = interval
        self.process_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.started_at = time.time()
        self._profile_for = profile
        self._today = today
        self._profiles: dict[date, Profile] = {}
        self._told: tuple[str, ...] = ()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="hosts-heartbeat", daemon=True)

    def profile(self) -> Profile:
        """This process's profile today (bundles change at midnight UTC as rules come into force)."""
        today = self._today()
        if today not in self._profiles:
            self._profiles = {today: self._profile_for(today)}
        return self._profiles[today]

    def start(self) -> None:
        """Register now (the process is listed before it answers), then renew in the background."""
        self._beat_or_log()
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        try:
            self.registry.leave(self.process_id)
        except Exception:  # noqa: BLE001 - the row ages out instead
            log.warning("could not remove this process from the hosts table", exc_info=True)

    def beat(self) -> None:
        """Renew the row; log a warning when the disagreements with other live processes change."""
        now = time.time()
        self.registry.beat(HostRow(self.process_id, self.url, socket.gethostname(), os.getpid(), self.started_at, now,
                                   self.profile().to_json()))
        found = self.agreement(now)
        if found.disagreements != self._told:
            if found.disagreements:
                log.warning({"event": "hosts_disagree", "message": str(found),
                             "disagreements": list(found.disagreements)})
            else:
                log.info({"event": "hosts_agree", "message": str(found)})
            self._told = found.disagreements

    def agreement(self, now: float | None = None) -> Agreement:
        """The other live processes (read now from the database) and how each differs from this one."""
        mine = self.profile()
        others = [row for row in self.registry.seen_since((now or time.time()) - LIVE)
                  if row.process_id != self.process_id]
        disagreements = []
        for row in others:
            different = differences(mine, Profile.from_json(row.profile))
            if different:
                disagreements.append(f"{describe(row)} {', '.join(different)}")
        return Agreement(len(others), tuple(disagreements))

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._beat_or_log()

    def _beat_or_log(self) -> None:
        try:
            self.beat()
        except Exception:  # the database is away: the next beat retries (the row ages meanwhile)
            log.exception("hosts heartbeat failed")


def listing(rows: list[HostRow], now: float) -> tuple[list[str], int]:
    """``jrp hosts``: one line per process, its profile labelled A, B… (equal profiles, one label), then how each
    other profile differs from A; and the number of distinct profiles."""
    labels: dict[str, str] = {}
    lines = []
    for row in rows:
        label = labels.setdefault(row.profile, chr(ord("A") + len(labels)))
        profile = Profile.from_json(row.profile)
        state = f"seen {now - row.seen_at:.0f} s ago" if now - row.seen_at <= LIVE else \
            f"LOST (silent for {now - row.seen_at:.0f} s)"
        lines.append(f"{label}  {row.url or '-'}  pid {row.pid} on {row.hostname}, up {_duration(now - row.started_at)}, "
                     f"{state}; jrp {profile.version}, rulesets {profile.rulesets[:12]}, "
                     f"signing key {profile.signing_key}, console secret {profile.console[:8]}")
    profiles = {label: Profile.from_json(text) for text, label in labels.items()}
    for label, profile in list(profiles.items())[1:]:
        lines.append(f"{label} differs from A: it {', '.join(differences(profiles['A'], profile))}")
    return lines, len(profiles)


def _duration(seconds: float) -> str:
    minutes, hours = int(seconds // 60), int(seconds // 3600)
    return f"{hours} h {minutes % 60} min" if hours else f"{minutes} min" if minutes else f"{seconds:.0f} s"
