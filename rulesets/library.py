"""The ruleset library: every version of every ruleset in a folder, and bundles cut from it.

Layout of a rulesets folder::

    legal_sources.yaml                      the legal-source registry
    <JURISDICTION>/<ruleset-id>/<version>.yaml   one file per version
    <JURISDICTION>/<ruleset-id>/tests.yaml       YAML test cases for that ruleset
    <JURISDICTION>/<ruleset-id>/publications.yaml   who approved which edition (``publications``)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import cached_property
from pathlib import Path

from jrp.rulesets.bundle import Bundle, RulesetRef
from jrp.rulesets.loader import LineIndex, Problem, RulesetError, parse_model
from jrp.rulesets.publications import PUBLICATIONS_FILE, RecordOnFile, digest_of, read_records
from jrp.rulesets.schema import Instrument, InstrumentRegistry, Ruleset, TestSuite
from jrp.vocabulary.jurisdictions import chain_of

BUNDLED_RULESETS = Path(__file__).resolve().parent
REGISTRY_FILE = "legal_sources.yaml"
TESTS_FILE = "tests.yaml"


@dataclass(frozen=True)
class RulesetFile:
    """A parsed ruleset version and where it came from (for file:line messages)."""

    ruleset: Ruleset
    path: Path
    lines: LineIndex

    @property
    def ref(self) -> RulesetRef:
        return RulesetRef(self.ruleset.ruleset.id, self.ruleset.ruleset.version)

    @cached_property
    def digest(self) -> str:
        """The content digest a publication record pins (``jrp.rulesets.publications.digest_of``)."""
        return digest_of(self.ruleset)

    def in_force(self, on: date) -> bool:
        header = self.ruleset.ruleset
        return header.effective_from <= on and (header.effective_to is None or on <= header.effective_to)


def read_ruleset_file(path: Path) -> RulesetFile:
    """One ruleset file outside any library (a working copy under review)."""
    ruleset, lines = parse_model(Ruleset, path)
    return RulesetFile(ruleset, path.resolve(), lines)


class NoRulesInForce(ValueError):
    """No ruleset of a jurisdiction's chain is in force on a date: an answer would be an empty ``allow``."""

    field = "as_of"

    def __init__(self, jurisdiction: str, as_of: date, first: date | None):
        self.jurisdiction, self.as_of, self.first = jurisdiction, as_of, first
        since = f"; the first rules for {jurisdiction} take effect on {first}" if first and first > as_of else ""
        super().__init__(f"no ruleset is in force in {jurisdiction} on {as_of}{since}: check as_of")


@dataclass(frozen=True)
class Library:
    """All ruleset files, their publication records and the instrument registry of one folder.

    ``approved`` is None for the maintainers' tools, which evaluate drafts too; the service's
    library (``for_checks``) selects only the editions whose content some publication approved.
    """

    root: Path
    files: tuple[RulesetFile, ...]
    instruments: dict[str, Instrument]
    registry_lines: LineIndex
    records: tuple[RecordOnFile, ...] = ()
    approved: frozenset[tuple[RulesetRef, str]] | None = None  # (ref, digest) the service may select; None: all

    @classmethod
    def load(cls, root: Path | None = None) -> Library:
        """Parse every file under ``root``; raises ``RulesetError`` listing all schema problems."""
        root = (root or BUNDLED_RULESETS).resolve()
        problems: list[Problem] = []
        registry, registry_lines = None, LineIndex(root / REGISTRY_FILE, {})
        try:
            registry, registry_lines = parse_model(InstrumentRegistry, root / REGISTRY_FILE)
        except RulesetError as error:
            problems.extend(error.problems)
        except FileNotFoundError:
            problems.append(Problem("missing-registry", root / REGISTRY_FILE, None, "create the legal-source registry"))
        files, records = [], []
        for path in sorted(root.glob("*/*/*.yaml")):
            if path.name in (TESTS_FILE, PUBLICATIONS_FILE):
                continue
            try:
                ruleset, lines = parse_model(Ruleset, path)
            except RulesetError as error:
                problems.extend(error.problems)
                continue
            files.append(RulesetFile(ruleset, path, lines))
        for folder in sorted(root.glob("*/*/")):
            try:
                records.extend(read_records(folder))
            except RulesetError as error:
                problems.extend(error.problems)
        if problems:
            raise RulesetError(problems)
        instruments = {item.id: item for item in registry.instruments} if registry else {}
        return cls(root, tuple(files), instruments, registry_lines, tuple(records))

    @cached_property
    def jurisdictions(self) -> tuple[str, ...]:
        return tuple(sorted({f.ruleset.ruleset.jurisdiction for f in self.files}))

    @cached_property
    def replaced(self) -> frozenset[RulesetRef]:
        """Versions a corrected edition withdrew: kept for replay and diff, never selected for a new check."""
        return frozenset(RulesetRef(f.ruleset.ruleset.id, version)
                         for f in self.files for version in f.ruleset.ruleset.replaces)

    @cached_property
    def live_files(self) -> tuple[RulesetFile, ...]:
        """The files a check can be evaluated with: every version not withdrawn by a correction."""
        return tuple(f for f in self.files if f.ref not in self.replaced)

    @cached_property
    def _by_ref(self) -> dict[RulesetRef, RulesetFile]:
        return {f.ref: f for f in self.files}

    def records_of(self, ref: RulesetRef) -> list[RecordOnFile]:
        """The publication records of one version on file, oldest first."""
        return [record for record in self.records if record.ref == ref]

    def publication_of(self, file: RulesetFile) -> RecordOnFile | None:
        """The record on file that approved exactly this content of ``file``, if any."""
        return next((r for r in self.records_of(file.ref) if r.publication.digest == file.digest), None)

    def for_checks(self, logged: Iterable[tuple[RulesetRef, str]] = ()) -> Library:
        """This library as the service uses it: only published editions are selected for a check.

        Published means approved on file (``publications.yaml``) or in the decision log (``logged``:
        (ref, digest) pairs, e.g. recorded in the console), and for exactly the content in the file now.
        """
        on_file = {(r.ref, r.publication.digest) for r in self.records}
        return replace(self, approved=frozenset(on_file | set(logged)))

    def for_maintainers(self) -> Library:
        """This library as the maintainers' tools see it: every live edition may be selected, drafts too."""
        return replace(self, approved=None)

    def is_approved(self, file: RulesetFile) -> bool:
        """Whether the service may select ``file`` (always, in the maintainers' tools)."""
        return self.approved is None or (file.ref, file.digest) in self.approved

    @cached_property
    def _selectable(self) -> tuple[RulesetFile, ...]:
        return tuple(f for f in self.live_files if self.is_approved(f))

    def resolve(self, spec: str) -> RulesetFile:
        """``id@version`` from this library, or the path of a YAML file (a working copy)."""
        if spec.endswith((".yaml", ".yml")):
            return read_ruleset_file(Path(spec))
        ruleset_id, _, version = spec.partition("@")
        if not version:
            raise KeyError(f"{spec!r}: write id@version (e.g. cn-credit-repair@2026) or a path to a .yaml file")
        return self.get(RulesetRef(ruleset_id, version))

    def get(self, ref: RulesetRef) -> RulesetFile:
        try:
            return self._by_ref[ref]
        except KeyError:
            known = sorted(f"{r.id}@{r.version}" for r in self._by_ref)
            raise KeyError(f"no ruleset {ref.id}@{ref.version}; known: {', '.join(known)}") from None

    def versions(self, ruleset_id: str, *, live: bool = False) -> list[RulesetFile]:
        """Every version of one ruleset (``live``: only those not withdrawn), oldest first."""
        return sorted(
            (f for f in (self.live_files if live else self.files) if f.ruleset.ruleset.id == ruleset_id),
            key=lambda f: (f.ruleset.ruleset.effective_from, f.ruleset.ruleset.version),
        )

    def previous(self, file: RulesetFile) -> RulesetFile | None:
        """The edition ``file`` follows: the newest version it ``replaces`` (a correction), else the live version
        that starts last before it; None for a ruleset's first edition."""
        header = file.ruleset.ruleset
        if header.replaces:
            replaced = [f for f in self.versions(header.id) if f.ruleset.ruleset.version in header.replaces]
            return replaced[-1] if replaced else None
        earlier = [f for f in self.versions(header.id, live=True)
                   if f.ruleset.ruleset.effective_from < header.effective_from]
        return earlier[-1] if earlier else None

    def effective_until(self, file: RulesetFile) -> date | None:
        """The last day ``file`` is in force: its ``effective_to``, or the day before a later version starts.

        A published version is never edited (``jrp.rulesets.published``): a new version
        supersedes an open-ended one by its ``effective_from`` alone (in the service's library, once
        it is published itself).
        """
        header = file.ruleset.ruleset
        later = [f.ruleset.ruleset.effective_from for f in self.versions(header.id, live=True)
                 if f.ruleset.ruleset.effective_from > header.effective_from and self.is_approved(f)]
        ends = [d for d in (header.effective_to, min(later) - timedelta(days=1) if later else None) if d is not None]
        return min(ends) if ends else None

    def is_in_force(self, file: RulesetFile, on: date) -> bool:
        """Whether ``file`` is the version of its ruleset in force on ``on`` (superseded versions are not)."""
        until = self.effective_until(file)
        return file.ruleset.ruleset.effective_from <= on and (until is None or on <= until)

    def in_force(self, jurisdiction: str, on: date) -> list[RulesetFile]:
        """The ruleset versions of the chain down to ``jurisdiction`` in force on ``on``, national first."""
        chain = chain_of(jurisdiction)
        latest: dict[str, RulesetFile] = {}
        for f in self._selectable:
            header = f.ruleset.ruleset
            if header.jurisdiction in chain and f.in_force(on):
                known = latest.get(header.id)
                if known is None or header.effective_from > known.ruleset.ruleset.effective_from:
                    latest[header.id] = f  # validation forbids overlaps; a working copy may still overlap
        return _national_first(chain, list(latest.values()))

    def ahead(self, jurisdiction: str, on: date) -> list[RulesetFile]:
        """First editions of the chain's rulesets that take effect after ``on``, read for review on ``on``.

        A date before jrp's first edition of a list is not "no list": the law behind it may already have applied
        (a judgment debtor listed in 2021 was barred from procurement in 2022). So a ruleset whose first edition
        is later still lends its lists and rules, and every measure they fire answers review (``rules_not_in_force``,
        ``jrp.engine.scope``). Only rulesets that define lists and nothing that changes how other records are read
        (publication periods, cross-region recognition, objections, grading, supervision classes): those apply
        from their own date alone.
        """
        chain = chain_of(jurisdiction)
        firsts: dict[str, RulesetFile] = {}
        for f in self._selectable:  # an unpublished first edition lends nothing either
            header = f.ruleset.ruleset
            known = firsts.get(header.id)
            earlier = known is None or header.effective_from < known.ruleset.ruleset.effective_from
            if header.jurisdiction in chain and earlier:
                firsts[header.id] = f
        return _national_first(chain, [f for f in firsts.values()
                                       if f.ruleset.ruleset.effective_from > on and _lends_lists(f.ruleset)])

    def evaluated_with(self, jurisdiction: str, on: date) -> list[RulesetFile]:
        """The versions a check on ``on`` is evaluated with: those in force and those ``ahead``, national first."""
        return _national_first(chain_of(jurisdiction), [*self.in_force(jurisdiction, on), *self.ahead(jurisdiction, on)])

    def rules_in_force(self, jurisdiction: str, on: date) -> list[RulesetFile]:
        """``evaluated_with``, refusing a date on which no version is in force (``NoRulesInForce``) and an unknown
        jurisdiction (``KeyError``)."""
        if jurisdiction not in self.jurisdictions:
            raise KeyError(f"unknown jurisdiction {jurisdiction!r}; known: {', '.join(self.jurisdictions)}")
        if not self.in_force(jurisdiction, on):
            raise NoRulesInForce(jurisdiction, on, self.first_in_force(jurisdiction))
        return self.evaluated_with(jurisdiction, on)

    def first_in_force(self, jurisdiction: str) -> date | None:
        """The first day some ruleset of ``jurisdiction``'s chain is in force (None: the chain has none)."""
        chain = chain_of(jurisdiction)
        starts = [f.ruleset.ruleset.effective_from for f in self.files if f.ruleset.ruleset.jurisdiction in chain]
        return min(starts, default=None)

    def without(self, path: Path) -> Library:
        """This library without the file at ``path`` (a candidate saved among the rulesets it would join)."""
        files = tuple(f for f in self.files if f.path != path)
        return self if len(files) == len(self.files) else replace(self, files=files)

    def with_file(self, candidate: RulesetFile) -> Library:
        """This library with ``candidate`` added, replacing the version of the same id and version, as if it
        were published (an impact preview asks what the service would do with it)."""
        files = tuple(f for f in self.files if f.ref != candidate.ref) + (candidate,)
        approved = None if self.approved is None else self.approved | {(candidate.ref, candidate.digest)}
        return replace(self, files=files, approved=approved)

    def bundle(self, jurisdiction: str, on: date) -> Bundle:
        """The bundle a check in ``jurisdiction`` on ``on`` is evaluated with (empty if no ruleset is in force)."""
        if jurisdiction not in self.jurisdictions:
            raise KeyError(f"unknown jurisdiction {jurisdiction!r}; known: {', '.join(self.jurisdictions)}")
        return self.bundle_of(jurisdiction, [f.ref for f in self.evaluated_with(jurisdiction, on)])

    def bundle_of(self, jurisdiction: str, refs: list[RulesetRef]) -> Bundle:
        """A bundle of exactly these ruleset versions (replay of a past decision)."""
        rulesets = tuple(self.get(ref).ruleset for ref in refs)
        return Bundle.build(jurisdiction, rulesets, self.instruments)

    def tests_of(self, ruleset_id: str) -> tuple[TestSuite, LineIndex] | None:
        """The YAML test suite beside a ruleset, if it has one."""
        versions = self.versions(ruleset_id)
        if not versions:
            return None
        path = versions[0].path.parent / TESTS_FILE
        return parse_model(TestSuite, path) if path.exists() else None

    @cached_property
    def ruleset_ids(self) -> tuple[str, ...]:
        return tuple(sorted({f.ruleset.ruleset.id for f in self.files}))


def _lends_lists(ruleset: Ruleset) -> bool:
    """Whether a ruleset can be read before its first edition takes effect (``Library.ahead``)."""
    return bool(ruleset.lists) and not (ruleset.grading or ruleset.supervision_classes or ruleset.publication_periods
                                        or ruleset.cross_region or ruleset.objections_suspend is not None)


def _national_first(chain: tuple[str, ...], files: list[RulesetFile]) -> list[RulesetFile]:
    """``files`` in the order of the chain (national level first), then by ruleset id."""
    return sorted(files, key=lambda f: (chain.index(f.ruleset.ruleset.jurisdiction), f.ruleset.ruleset.id))
