"""Publication records: who drafted and who approved an edition, the document that adopted it, and its content.

An edition takes effect in the service only once it is published (``Library.for_checks``):
its record names the drafter, the approving official and the adopting document (文号, date),
and pins the edition's content by its **digest**, so an edition edited after its approval is
no longer the edition approved. Records sit beside the editions, one file per ruleset
(``<JURISDICTION>/<ruleset-id>/publications.yaml``), appended to by ``jrp rulesets publish`` and
never edited; the decision log holds each record as an entry of its own (``jrp.adapters.log.publications``),
so an auditor can prove who approved the rules a decision used.

The editions bundled before approvals were on record carry a ``migration`` record instead: the
reason, and no drafter, approver or document that nobody recorded at the time.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from datetime import date as Day  # a field below is named date
from pathlib import Path

import yaml
from pydantic import Field, model_validator

from jrp.rulesets.bundle import RulesetRef
from jrp.rulesets.loader import parse_model
from jrp.rulesets.schema import Frozen, Names, Ruleset

PUBLICATIONS_FILE = "publications.yaml"
DIGEST_PATTERN = r"^[0-9a-f]{64}$"


def digest_of(ruleset: Ruleset) -> str:
    """SHA-256 of an edition's content: its parsed form without defaults, as canonical JSON.

    Without defaults, so that a field the schema gains later (with its default) leaves the digest of
    every existing edition unchanged; parsed, so that comments and layout do not count. A stored
    bundle's ruleset gives the same digest (``Ruleset.model_validate`` of it), which is how an auditor
    ties a decision's rules to their publication.
    """
    content = ruleset.model_dump(mode="json", exclude_defaults=True)
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False,
                                     separators=(",", ":")).encode()).hexdigest()


class AdoptingDocument(Frozen):
    """The document that adopted the measures an edition encodes (the list's own 印发 notice or decision)."""

    doc_no: str = Field(min_length=1, description="文号, e.g. 通政办发〔2026〕88号")
    date: Day = Field(description="the document's date")
    title: str | None = Field(default=None, description="its title, e.g. 关于印发南通市失信惩戒措施补充清单的通知")


class Publication(Frozen):
    """One edition's publication: approved by whom, adopted by which document, with which content."""

    version: str = Field(min_length=1, description="the edition (= its file name without .yaml)")
    digest: str = Field(pattern=DIGEST_PATTERN, description="SHA-256 of the edition's content as approved "
                                                            "(jrp rulesets publish computes it)")
    drafted_by: str | None = Field(default=None, description="who drafted the edition: name and office")
    approved_by: str | None = Field(default=None, description="the official who approved it: name and office")
    approved_on: date | None = Field(default=None, description="the day it was approved")
    adopted_by: AdoptingDocument | None = Field(default=None, description="the document that adopted the measures")
    migration: Names | None = Field(
        default=None, description="only for an edition in force before approvals were on record: why it has no "
                                  "drafter, approver or document here")

    @model_validator(mode="after")
    def _approved(self) -> Publication:
        missing = [name for name in ("drafted_by", "approved_by", "approved_on", "adopted_by")
                   if getattr(self, name) is None]
        if missing and self.migration is None:
            raise ValueError(f"a publication names {', '.join(missing)}: an edition without approval cannot take "
                             "effect (only an edition in force before approvals were on record has 'migration')")
        return self


class PublicationRecords(Frozen):
    """A ``publications.yaml``: the records of one ruleset's editions, oldest first."""

    publications: tuple[Publication, ...] = ()
    """One record per published edition, oldest first; appended by jrp rulesets publish."""


def append_record(folder: Path, ruleset_id: str, publication: Publication) -> Path:
    """Add ``publication`` at the end of the folder's ``publications.yaml``; the records before stay byte for byte."""
    path = folder / PUBLICATIONS_FILE
    item = yaml.safe_dump([publication.model_dump(mode="json", exclude_none=True)], allow_unicode=True,
                          sort_keys=False, width=1000)
    if not path.exists():
        path.write_text(f"# Publication records of {ruleset_id}: appended by jrp rulesets publish, never edited.\n"
                        "publications:\n", encoding="utf-8")
    with path.open("a", encoding="utf-8") as out:
        out.write("".join(f"  {line}\n" for line in item.splitlines()))
    return path


@dataclass(frozen=True)
class RecordOnFile:
    """A publication record and where it is written (for file:line messages)."""

    ruleset_id: str
    publication: Publication
    path: Path
    line: int | None

    @property
    def ref(self) -> RulesetRef:
        return RulesetRef(self.ruleset_id, self.publication.version)


def read_records(folder: Path) -> list[RecordOnFile]:
    """The records of ``folder/publications.yaml`` (none if there is no such file); ``RulesetError`` if it is broken."""
    path = folder / PUBLICATIONS_FILE
    if not path.exists():
        return []
    records, lines = parse_model(PublicationRecords, path)
    return [RecordOnFile(folder.name, item, path.resolve(), lines.line_of(("publications", i)))
            for i, item in enumerate(records.publications)]
