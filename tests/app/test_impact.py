"""Impact preview on a real store: who gains or loses a measure when a candidate version goes live."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from jrp.adapters.facts.demo import make_uscc
from jrp.adapters.facts.ingest import ingest
from jrp.adapters.facts.source import FactsStore
from jrp.adapters.store.database import make_engine, upgrade_database
from jrp.bulk.runners import InProcessRunner
from jrp.impact import preview
from jrp.rulesets.library import Library, read_ruleset_file

FIXTURE = Path(__file__).parents[1] / "rulesets" / "fixture"
LISTED = [make_uscc("320500", f"MPACT{n:03d}") for n in range(6)]
CLEAN = [make_uscc("320600", f"CLEAN{n:03d}".replace("N", "M")) for n in range(4)]
AS_OF = date(2025, 6, 1)


@pytest.fixture
def store(tmp_path) -> InProcessRunner:
    url = f"sqlite:///{tmp_path / 'jrp.db'}"
    upgrade_database(url)
    engine = make_engine(url)
    events = [{"type": "subject_registered", "idempotency_key": f"reg-{s}", "subject": {"id": s, "name": "公司"},
               "occurred_on": "2020-01-01", "source": {"authority": "市场监管局"}} for s in LISTED + CLEAN]
    events += [{"type": "list_entry_added", "idempotency_key": f"list-{s}", "subject": {"id": s},
                "occurred_on": "2025-01-10", "list_id": "bad-suppliers", "severity": "serious",
                "source": {"authority": "财政局", "doc_no": f"财采〔2025〕{n}号"}} for n, s in enumerate(LISTED)]
    report = ingest(engine, events)
    assert report.rejected == 0
    yield InProcessRunner(FactsStore(engine))
    engine.dispose()


def _candidate(tmp_path: Path, edit) -> Path:
    """The fixture's ruleset after ``edit``, its measure founded in any scenario it newly names (else invalid)."""
    data = yaml.safe_load((FIXTURE / "CN" / "base" / "1.yaml").read_text(encoding="utf-8"))
    edit(data)
    measure = data["measures"][0]
    if new := [s for s in measure["scenarios"] if s != "government_procurement"]:
        measure["basis"].append({"instrument": "some-plan", "article": "unverified", "covers": new})
    path = tmp_path / "candidate.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _widen_to_bidding(data):
    data["measures"][0]["scenarios"].append("bidding")
    data["rules"][0]["roles"].append("bidder")


def test_widening_shows_every_listed_subject_gaining_the_measure(store, tmp_path):
    library = Library.load(FIXTURE)
    report = preview(library, read_ruleset_file(_candidate(tmp_path, _widen_to_bidding)), store, AS_OF)
    assert report.counts.subjects == len(LISTED) + len(CLEAN)
    assert report.counts.gained == {  # bidders now reached in both scenarios, suppliers also in bidding
        ("banned-from-procurement", "bidding", "bidder", "CN"): len(LISTED),
        ("banned-from-procurement", "bidding", "supplier", "CN"): len(LISTED),
        ("banned-from-procurement", "government_procurement", "bidder", "CN"): len(LISTED),
    }
    assert not report.counts.lost
    assert report.counts.outcome_shifts[("bidding", "supplier", "CN", "allow", "deny")] == len(LISTED)
    assert report.counts.examples[("banned-from-procurement", "gains")] == sorted(LISTED)[:5]  # the smallest ids


def test_narrowing_shows_losses_and_an_unchanged_copy_nothing(store, tmp_path):
    library = Library.load(FIXTURE)
    def narrow(data):
        data["measures"][0].update(min_severity="serious", scenarios=["inspection"])
        data["rules"][0].update(roles=["inspected_entity"])  # a supplier is no role of an inspection

    narrowed = _candidate(tmp_path, narrow)
    report = preview(library, read_ruleset_file(narrowed), store, AS_OF)
    assert report.counts.lost == {("banned-from-procurement", "government_procurement", "supplier", "CN"): len(LISTED)}
    unchanged = preview(library, read_ruleset_file(_candidate(tmp_path, lambda d: None)), store, AS_OF)
    assert (unchanged.counts.evaluations, unchanged.counts.gained, unchanged.counts.lost) == (0, {}, {})


def test_a_sample_evaluates_that_many_subjects(store, tmp_path):
    library = Library.load(FIXTURE)
    report = preview(library, read_ruleset_file(_candidate(tmp_path, _widen_to_bidding)), store, AS_OF, sample=4)
    assert report.counts.subjects == 4
    assert all(count <= 4 for count in report.counts.gained.values())
