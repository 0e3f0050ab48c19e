"""The hosts registry on a real store: processes register, see each other, name what differs, age out and leave.

Several heartbeats in one process stand for several serving processes (each has its own
process id); the servers themselves are exercised in tests/api/test_hosts.py.
"""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import date
from pathlib import Path

from jrp.adapters.hosts import HostRow
from jrp.hosts import LIVE, Heartbeat, Profile, differences, listing, profile_of
from jrp.rulesets.library import Library
from jrp.runtime import Runtime
from jrp.settings import Settings

ON = date(2026, 11, 29)


def _runtime(tmp_path: Path) -> Runtime:
    runtime = Runtime(Settings(data_dir=tmp_path))
    runtime.migrate()
    return runtime


def _profile() -> Profile:
    return profile_of(Library.load(), ON, "signing1", b"p" * 32, "console1")


def _heartbeat(runtime: Runtime, url: str, profile: Profile) -> Heartbeat:
    return Heartbeat(runtime.hosts, url, lambda on: profile, today=lambda: ON)


def test_a_profile_names_every_jurisdictions_bundle_and_equal_libraries_agree() -> None:
    mine = _profile()
    assert set(mine.bundles) == set(Library.load().jurisdictions) and len(mine.rulesets) == 64
    assert differences(mine, _profile()) == []
    assert Profile.from_json(mine.to_json()) == mine


def test_differences_name_the_jurisdictions_and_secrets_that_differ() -> None:
    mine = _profile()
    theirs = replace(mine, bundles={**mine.bundles, "CN-JS-NT": "0" * 64}, rulesets="1" * 64, version="9.9",
                     signing_key="signing2", personal_data="other", console="other")
    assert differences(mine, theirs) == [
        "answers CN-JS-NT with other rules today", "runs jrp 9.9, not " + mine.version,
        "signs the log with key signing2, not signing1",
        "has another personal-data key (other pseudonyms of natural persons)",
        "signs console sessions with another secret (sessions are not valid across: set one console_secret for all)"]
    assert differences(mine, replace(mine, rulesets="1" * 64)) == [
        "loaded other ruleset versions (today's bundles agree)"]


def test_heartbeats_see_each_other_until_one_leaves_or_falls_silent(tmp_path: Path) -> None:
    runtime = _runtime(tmp_path)
    mine = _profile()
    a = _heartbeat(runtime, "http://a:8000", mine)
    b = _heartbeat(runtime, "http://b:8000", mine)
    other = _heartbeat(runtime, "http://c:8000", replace(mine, console="other"))
    for heartbeat in (a, b, other):
        heartbeat.beat()
    found = a.agreement()
    assert found.others == 2 and len(found.disagreements) == 1
    assert found.disagreements[0].startswith("http://c:8000 (pid ") and "another secret" in found.disagreements[0]
    assert str(found).startswith("DISAGREES with 1 of 2 other live processes: http://c:8000")
    lines, profiles = listing(runtime.hosts.seen_since(time.time() - LIVE), time.time())
    assert profiles == 2 and [line[0] for line in lines] == ["A", "A", "B", "B"]
    assert lines[-1] == "B differs from A: it signs console sessions with another secret (sessions are not valid " \
                        "across: set one console_secret for all)"

    runtime.hosts.leave(other.process_id)  # as a stopped server does
    assert str(a.agreement()) == "agrees with 1 other live process"
    silent = runtime.hosts.seen_since(0.0)[1]  # b falls silent (kill -9): once its row is older than LIVE, gone
    runtime.hosts.beat(replace(silent, seen_at=time.time() - LIVE - 1))
    assert str(a.agreement()) == "the only live process"
    lines, _ = listing(runtime.hosts.seen_since(0.0), time.time())
    assert "LOST (silent for" in lines[1]
    runtime.close()


def test_rows_silent_for_an_hour_are_swept(tmp_path: Path) -> None:
    runtime = _runtime(tmp_path)
    now = time.time()
    runtime.hosts.beat(HostRow("old", "", "h", 1, now - 7200, now - 3700, _profile().to_json()))
    runtime.hosts.beat(HostRow("new", "", "h", 2, now, now, _profile().to_json()))
    assert [row.process_id for row in runtime.hosts.seen_since(0.0)] == ["new"]
    runtime.close()
