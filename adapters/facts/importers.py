"""Bulk import of CSV and JSON Lines files through declared field-mapping profiles.

A profile (``profiles/*.yaml``, documented in IMPORT.md) says which source field feeds
which event attribute, so a new publisher's shape is a new YAML file, not new code.
Without a profile, a JSON Lines file holds events in the native format (EVENTS.md).

Files are streamed and written in chunks (one transaction each, see
:mod:`jrp.adapters.facts.ingest`); every row becomes an event whose idempotency key is
derived from the profile and the row, so an interrupted import is completed by running
it again: rows already stored are reported as duplicates.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from jrp.adapters.facts.event_rules import EventContext, check_event
from jrp.adapters.facts.events import Event, EventError, parse_event
from jrp.adapters.facts.ingest import Clock, ItemResult, key_of, utc_now, write_events
from jrp.adapters.facts.limits import json_problems, printable_path
from jrp.adapters.facts.text_files import UnreadableFile, not_text, require_text
from jrp.rulesets.loader import read_yaml
from jrp.vocabulary.scope import sanctions_in

PROFILES = Path(__file__).parent / "profiles"
DATE_ATTRIBUTES = frozenset({"occurred_on", "start", "end"})
_DATE = re.compile(r"^(\d{4})\s*[-/.年]?\s*(\d{1,2})\s*[-/.月]?\s*(\d{1,2})\s*日?(?:[ T].*)?$")
_AMOUNT = re.compile(r"^([0-9][0-9,]*(?:\.[0-9]+)?)\s*(万元|万|元)?$")

Progress = Callable[[int, "ImportReport"], None]


@dataclass(frozen=True)
class FieldSpec:
    """Where one event attribute comes from: the first non-empty column of ``columns``,
    translated through ``values`` (exact match, then without a trailing 省/市), else ``default``."""

    columns: tuple[str, ...]
    values: Mapping[str, Any] = field(default_factory=dict)
    default: Any = None
    parse: str | None = None  # "amount": 5000 / 5,000.00元 / 0.5万元; "sanctions": 警告，罚款 → [warning, fine]

    @classmethod
    def of(cls, spec: str | list[str] | dict[str, Any]) -> FieldSpec:
        if isinstance(spec, str):
            return cls((spec,))
        if isinstance(spec, list):
            return cls(tuple(spec))
        columns = spec["from"]
        return cls((columns,) if isinstance(columns, str) else tuple(columns), spec.get("map", {}),
                   spec.get("default"), spec.get("parse"))


@dataclass(frozen=True)
class Profile:
    """A declared mapping from one publisher's rows to events of one type."""

    id: str
    title: str
    event_type: str
    key: tuple[str, ...]
    fields: Mapping[str, FieldSpec]
    constants: Mapping[str, Any]  # fixed by the profile
    defaults: Mapping[str, Any] = field(default_factory=dict)  # the importer's ``defaults`` override them

    def event_of(self, row: Mapping[str, Any], defaults: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The native event dict for one source row; :class:`EventError` names the source column."""
        event: dict[str, Any] = {"type": self.event_type}
        for attribute, value in {**self.defaults, **(defaults or {}), **self.constants}.items():
            _set(event, attribute, value)
        for attribute, spec in self.fields.items():
            value = self._value(row, attribute, spec)
            if value is not None:
                _set(event, attribute, value)
        key = self.key_of(row)
        if key is None:
            raise EventError(", ".join(self.key), "all empty: the row cannot be identified")
        event["idempotency_key"] = key
        event["raw"] = {k: v for k, v in row.items() if k is not None}  # csv puts surplus cells under None
        return event

    def key_of(self, row: Mapping[str, Any]) -> str | None:
        """The row's idempotency key (profile id and key columns), or None when every key column is empty."""
        parts = [str(row.get(column) or "").strip() for column in self.key]
        return ":".join([self.id, *parts]) if any(parts) else None

    def columns(self) -> set[str]:
        """Every source column the profile reads."""
        return {column for spec in self.fields.values() for column in spec.columns} | set(self.key)

    def _value(self, row: Mapping[str, Any], attribute: str, spec: FieldSpec) -> Any:
        column, value = next(((c, row[c]) for c in spec.columns if row.get(c) not in (None, "")), (spec.columns[0], None))
        if isinstance(value, str):
            value = value.strip()
        if value is None or value == "":
            return spec.default
        if spec.values:
            text = str(value)
            value = spec.values.get(text, spec.values.get(text.removesuffix("省").removesuffix("市"), spec.default))
        try:
            if attribute in DATE_ATTRIBUTES:
                return _date(str(value))
            if spec.parse == "amount":
                return _amount(str(value))
            if spec.parse == "sanctions":  # the types a decision's text names (行政处罚法 art. 9)
                return [sanction.value for sanction in sanctions_in(str(value))]
        except ValueError as error:
            raise EventError(f"{column} → {attribute}", str(error)) from None
        return value

    def column_of(self, path: str) -> str:
        """The source column(s) an event path comes from, for error messages."""
        spec = self.fields.get(path)
        return f"{' / '.join(spec.columns)} → {path}" if spec else path


def _set(event: dict[str, Any], path: str, value: Any) -> None:
    target = event
    *parents, leaf = path.split(".")
    for part in parents:
        target = target.setdefault(part, {})
    target[leaf] = value


def _date(text: str) -> str:
    match = _DATE.match(text)
    if match is None:
        raise ValueError(f"cannot read {text!r} as a date; use YYYY-MM-DD (2024-03-01, 2024/3/1 and 2024年3月1日 also work)")
    year, month, day = (int(part) for part in match.groups())
    return f"{year:04d}-{month:02d}-{day:02d}"


def _amount(text: str) -> float:
    match = _AMOUNT.match(text.replace(" ", ""))
    if match is None:
        raise ValueError(f"cannot read {text!r} as an amount; write digits, e.g. 5000, 5,000.00元 or 0.5万元")
    number = float(match.group(1).replace(",", ""))
    return number * 10_000 if match.group(2) in ("万", "万元") else number


def shipped_profiles() -> list[str]:
    return sorted(p.stem for p in PROFILES.glob("*.yaml"))


def load_profile(name: str | Path) -> Profile:
    """A profile by id (``spc-dishonest-debtors``) from ``profiles/``, or from a YAML file path."""
    path = Path(name) if str(name).endswith((".yaml", ".yml")) else PROFILES / f"{name}.yaml"
    if not path.exists():
        known = ", ".join(shipped_profiles())
        raise FileNotFoundError(f"no import profile {str(name)!r}; known profiles: {known}, or give a .yaml path")
    data = read_yaml(path)[0]
    return Profile(id=data["id"], title=data.get("title", ""), event_type=data["event"], key=tuple(data["key"]),
                   fields={attribute: FieldSpec.of(spec) for attribute, spec in data["fields"].items()},
                   constants=data.get("constants", {}), defaults=data.get("defaults", {}))


@dataclass
class ImportReport:
    """Counts of one import, the first ``keep`` rejections (``index`` = line or row number) and notes."""

    path: str
    profile: str
    accepted: int = 0
    duplicate: int = 0
    rejected: int = 0
    rejections: list[ItemResult] = field(default_factory=list)
    notes: Counter[str] = field(default_factory=Counter)
    keep: int = 1000

    @property
    def rows(self) -> int:
        return self.accepted + self.duplicate + self.rejected

    def add(self, result: ItemResult) -> None:
        if result.status == "accepted":
            self.accepted += 1
        elif result.status == "duplicate":
            self.duplicate += 1
        else:
            self.rejected += 1
            if len(self.rejections) < self.keep:
                self.rejections.append(result)
        if result.note:
            self.notes[result.note] += 1


class ProfileRequired(ValueError):
    """A CSV file was given without a profile: only JSON Lines files can hold native events."""


def import_file(engine: Engine, path: Path | str, profile: str | Profile | None = None, *,
                defaults: Mapping[str, Any] | None = None, chunk_size: int = 1000,
                progress: Progress | None = None, now: Clock = utc_now,
                context: EventContext | None = None) -> ImportReport:
    """Import a ``.csv`` or ``.jsonl`` file; ``profile`` None means native events (JSON Lines only).

    ``defaults`` fill event attributes the file does not carry (e.g. ``{"region":
    "CN-JS"}`` or the ``domain`` of a departmental list); the profile's constants win.
    """
    path = Path(path)
    if isinstance(profile, str):
        profile = load_profile(profile)
    require_profile(path, profile)
    context = context or EventContext()
    report = ImportReport(str(path), profile.id if profile else "events")
    with open(path, "rb") as raw:
        chunk: list[tuple[int, Event]] = []
        for line, row, problem in _rows(raw, path):
            try:
                if problem is not None:
                    raise problem
                chunk.append((line, check_event(_parse(row, profile, defaults), context)))
            except EventError as error:
                key = (profile.key_of(row) if profile else key_of(row)) if isinstance(row, dict) else None
                report.add(ItemResult(line, key, "rejected", _mapped(error.field, profile), error.reason))
            if len(chunk) >= chunk_size:
                _write(engine, chunk, now, report, progress, raw.tell())
                chunk = []
        if chunk:
            _write(engine, chunk, now, report, progress, raw.tell())
    return report


def require_profile(path: Path, profile: Profile | str | None) -> None:
    """:class:`ProfileRequired` for a CSV without a profile, naming the shipped profiles and the best fit;
    :class:`UnreadableFile` for a file that is not text."""
    require_text(path)
    if profile is not None or path.suffix.lower() != ".csv":
        return
    with open(path, encoding="utf-8-sig", newline="") as handle:
        header = set(next(csv.reader(handle), []))
    fits = []
    for name in shipped_profiles():
        columns = load_profile(name).columns()
        fits.append((len(columns & header) / len(columns), name, len(columns & header), len(columns)))
    best = max(fits)
    hint = f"; its header has {best[2]} of the {best[3]} columns {best[1]} reads" if best[0] else ""
    raise ProfileRequired(f"{path.name} is a CSV file: choose a profile with --profile NAME (shipped: "
                          f"{', '.join(shipped_profiles())}; or a .yaml profile of your own, "
                          f"see adapters/facts/IMPORT.md){hint}")


def _mapped(field: str, profile: Profile | None) -> str:
    """A field path, shown with its source column when a profile maps it (``罚款金额 → amount``)."""
    return profile.column_of(field) if profile and "→" not in field else field


def _write(engine: Engine, chunk: list[tuple[int, Event]], now: Clock, report: ImportReport,
           progress: Progress | None, position: int) -> None:
    for result in write_events(engine, chunk, now):
        report.add(result)
    if progress is not None:
        progress(position, report)


def _parse(row: Any, profile: Profile | None, defaults: Mapping[str, Any] | None) -> Event:
    if not isinstance(row, dict):
        raise EventError("", f"expected a JSON object, got {type(row).__name__}")
    if profile is None:
        return parse_event({**(defaults or {}), **row})
    return parse_event(profile.event_of(row, defaults))


def _rows(raw: io.BufferedReader, path: Path) -> Iterator[tuple[int, Any, EventError | None]]:
    """(line or row number, row, what is wrong with its shape) for every row of the file."""
    if path.suffix.lower() == ".csv":
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        reader = csv.DictReader(text)
        number = 1
        try:
            for number, row in enumerate(reader, start=2):
                yield number, row, _short_row(row, reader.fieldnames or [])
        except UnicodeDecodeError as error:
            raise not_text(path, error, number + 1) from None
        except csv.Error as error:
            raise UnreadableFile(f"{path} line {number + 1}: not a CSV row ({error})") from None
        text.detach()
        return
    for number, line in enumerate(raw, start=1):
        if line.strip():
            yield number, *_json_line(line)


def _json_line(line: bytes) -> tuple[Any, EventError | None]:
    """A JSON Lines row, or what makes it no row: not JSON, not UTF-8, or holding what no field can store."""
    try:
        row = json.loads(line)
    except json.JSONDecodeError as error:
        return None, EventError("", f"invalid JSON ({error.msg} at column {error.colno}); one object per line")
    except UnicodeDecodeError as error:
        return None, EventError("", f"not UTF-8 text (byte 0x{error.object[error.start]:02x}); save the file as UTF-8")
    except RecursionError:
        return None, EventError("", "nested too deep; one flat object per line")
    for path, problem in json_problems(row):
        return row, EventError(printable_path(path), problem)
    return row, None


def _short_row(row: dict[str, Any], header: Sequence[str]) -> EventError | None:
    """A row with fewer cells than the header (csv fills the rest with None): which columns are missing."""
    missing = [column for column in header if row.get(column) is None]
    if not missing:
        return None
    return EventError(", ".join(missing), f"missing: the row has {len(header) - len(missing)} of the header's "
                                          f"{len(header)} cells; check this line's commas and quotes")
