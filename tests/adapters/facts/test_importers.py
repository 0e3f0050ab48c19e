"""Bulk imports through profiles: the shipped examples, row errors, re-imports, and an import killed midway."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from jrp.adapters.facts.demo import make_resident_id, write_jsonl
from jrp.adapters.facts.importers import PROFILES, ProfileRequired, import_file, load_profile
from jrp.adapters.facts.ingest import POSSIBLE_MATCH
from jrp.adapters.facts.orm import EventRow, RecordRow
from jrp.adapters.facts.source import FactsStore
from jrp.adapters.store.database import make_engine
from jrp.cli.main import app as cli
from jrp.engine.compile import compile_bundle
from jrp.engine.evaluate import Engine
from jrp.engine.facts import CheckContext
from jrp.engine.types import Outcome
from jrp.rulesets.library import Library
from jrp.vocabulary.records import RecordType
from jrp.vocabulary.scope import Sanction

from .factory import ORG

EXAMPLES = Path(__file__).parents[3] / "adapters" / "facts" / "examples"


def _count(engine, table) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(table)).scalar_one()


def test_every_shipped_profile_loads_and_has_an_example():
    for path in PROFILES.glob("*.yaml"):
        profile = load_profile(path.stem)
        assert any(EXAMPLES.glob(f"{profile.id}.*")), profile.id
    with pytest.raises(FileNotFoundError, match="known profiles: .*gsxt-penalties"):
        load_profile("no-such-profile")


def test_spc_debtors_units_listed_and_masked_persons_kept_as_possible_matches(engine):
    report = import_file(engine, EXAMPLES / "spc-dishonest-debtors.jsonl", "spc-dishonest-debtors")
    assert (report.accepted, report.duplicate, report.rejected) == (3, 0, 0)
    assert report.notes[POSSIBLE_MATCH] == 1
    store = FactsStore(engine)
    unit = store.load("91320508MA1X000178")
    (record,) = unit.records
    assert record.list_id == "dishonest-judgment-debtors" and record.severity is None  # the list is serious, not the row
    assert record.ground == "spc-2017-art1-item1"  # 有履行能力而拒不履行…: art. 1 item 1, no fixed term
    assert record.start == date(2025, 3, 10) and record.region == "CN-JS" and record.authority == "苏州市姑苏区人民法院"
    person = make_resident_id("320500", date(1985, 7, 21), 412)
    assert store.load(person) is None
    (possible,) = store.possible_matches(person, "周明华")
    assert possible.doc_no == "（2025）苏0585执0321号" and possible.region == "CN-JS"  # 江苏省 → CN-JS
    with engine.connect() as connection:
        raw = connection.execute(select(RecordRow.raw).where(RecordRow.record_id == possible.record_id)).scalar_one()
    assert raw["performance"] == "全部未履行"


def test_penalty_profiles_map_chinese_columns(engine):
    gsxt = import_file(engine, EXAMPLES / "gsxt-penalties.csv", "gsxt-penalties")
    dept = import_file(engine, EXAMPLES / "dept-double-publicity.csv", "dept-double-publicity",
                       defaults={"domain": "environment", "region": "CN-JS"})
    assert (gsxt.accepted, dept.accepted, gsxt.rejected + dept.rejected) == (3, 2, 0)
    by_name = {f.subject.name: f for f in FactsStore(engine).load_many(_subject_ids(engine)).values()}
    (food,) = by_name["太仓鼎盛食品有限公司"].records
    assert food.domain == "food_safety" and food.start == date(2024, 6, 18) and food.doc_no == "太市监处罚〔2024〕118号"
    assert food.record_type is RecordType.penalty and food.severity is None  # the source states no class
    assert food.sanctions == (Sanction.warning, Sanction.fine)  # 警告，罚款人民币伍万元: the types of 行政处罚法 art. 9
    wholesale = by_name["苏州汇通物流有限公司"].records[0]
    assert wholesale.start == date(2025, 2, 7) and wholesale.domain == "market"  # 2025年2月7日; unmapped type
    boron = by_name["苏州博润电子有限公司"].records[0]
    assert boron.amount == 250_000 and boron.domain == "environment" and boron.region == "CN-JS"
    assert boron.sanctions == (Sanction.fine,)
    assert by_name["苏州锦程纺织有限公司"].records[0].amount == 80_000


def _decide(engine, subject_id: str, jurisdiction: str, as_of: date):
    """The check an approval system makes next: a supplier in government procurement, on the imported facts."""
    bundle = compile_bundle(Library.load().bundle(jurisdiction, as_of))
    context = CheckContext("government_procurement", as_of, "supplier", jurisdiction)
    return Engine(bundle).check(FactsStore(engine).load(subject_id), context)


def test_each_penalty_profile_imports_what_its_source_says_and_the_check_follows(engine, tmp_path):
    """Realistic rows of both publicity systems: no class is invented, and a revoked licence or a fine of 2.5 million
    bars a supplier for three years whatever class order 36 would give (a stamped "general" once let them through)."""
    gsxt = tmp_path / "gsxt.csv"
    gsxt.write_text("统一社会信用代码,企业名称,行政处罚决定书文号,违法行为类型,行政处罚内容,作出行政处罚决定机关名称,"
                    "作出行政处罚决定日期,公示日期\n"
                    f"{ORG},南通恒久化工有限公司,通市监处罚〔2025〕007号,安全生产,吊销营业执照,南通市市场监督管理局,"
                    "2025-01-15,2025-01-22\n", encoding="utf-8")
    dept = tmp_path / "dept.csv"
    other = "91320505MA2B00043B"
    dept.write_text("行政处罚决定书文号,被处罚人,统一社会信用代码,法定代表人（主要负责人）,主要违法违规事实（案由）,行政处罚依据,"
                    "处罚内容,罚款金额,作出处罚决定的机关名称,处罚日期\n"
                    f"苏环行罚〔2025〕12号,苏州博润电子有限公司,{other},沈立新,超标排放水污染物,《中华人民共和国水污染防治法》"
                    "第八十三条,罚款,250万元,苏州市生态环境局,2025-03-02\n", encoding="utf-8")
    assert import_file(engine, gsxt, "gsxt-penalties").accepted == 1
    assert import_file(engine, dept, "dept-double-publicity", defaults={"domain": "environment"}).accepted == 1
    (revoked,) = FactsStore(engine).load(ORG).records
    assert (revoked.severity, revoked.sanctions, revoked.domain) == (None, (Sanction.permit_revoked,), "work_safety")
    (fined,) = FactsStore(engine).load(other).records
    assert (fined.severity, fined.sanctions, fined.amount) == (None, (Sanction.fine,), 2_500_000)
    for subject_id in (ORG, other):
        decision = _decide(engine, subject_id, "CN-JS-NT", date(2026, 6, 1))
        assert decision.outcome is Outcome.deny, subject_id
        assert [m.measure_id for m in decision.measures] == ["gp-major-illegal-record"]
    assert _decide(engine, ORG, "CN-JS-NT", date(2028, 1, 16)).outcome is Outcome.allow  # three years have passed


def test_spc_profile_maps_the_debtors_conduct_to_its_listing_ground(engine):
    """disruptTypeName decides the listing period (SPC 2017 arts. 1, 2): refusing to perform has no fixed term; evading
    execution is listed for two years."""
    import_file(engine, EXAMPLES / "spc-dishonest-debtors.jsonl", "spc-dishonest-debtors")
    refuses, evades = "91320508MA1X000178", "91320600MA2B00019P"
    assert FactsStore(engine).load(evades).records[0].ground == "spc-2017-art1-items2-6"
    later = date(2027, 6, 1)  # over two years after both listings
    assert _decide(engine, refuses, "CN-JS-NT", later).outcome is Outcome.deny
    assert _decide(engine, evades, "CN-JS-NT", later).outcome is Outcome.allow


def _subject_ids(engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.execute(select(RecordRow.subject_id)).scalars())


def test_row_errors_name_the_source_column_and_line(engine, tmp_path):
    path = tmp_path / "dept.csv"
    bad_code = ORG[:-1] + ("0" if ORG[-1] != "0" else "1")
    path.write_text(
        "行政处罚决定书文号,当事人名称,统一社会信用代码,罚款金额,作出处罚决定的机关名称,处罚日期\n"
        f"文1,甲公司,{ORG},5000,苏州市生态环境局,2024-01-05\n"
        f"文2,乙公司,{bad_code},5000,苏州市生态环境局,2024-01-05\n"
        f"文3,丙公司,{ORG},伍仟元,苏州市生态环境局,2024-01-05\n"
        f"文4,丁公司,{ORG},5000,苏州市生态环境局,去年\n"
        f",戊公司,,5000,苏州市生态环境局,2024-01-05\n",
        encoding="utf-8",
    )
    report = import_file(engine, path, "dept-double-publicity")
    assert (report.accepted, report.rejected) == (1, 4)
    lines = {r.index: r for r in report.rejections}
    assert lines[3].field == "统一社会信用代码 / 当事人统一社会信用代码 / 身份证号码 → subject.id"
    assert "checksum" in lines[3].reason
    assert lines[4].field == "罚款金额 → amount" and "0.5万元" in lines[4].reason
    assert lines[5].field == "处罚日期 → start" or lines[5].field == "处罚日期 → occurred_on"
    assert "all empty" in lines[6].reason
    assert [lines[n].idempotency_key for n in (3, 4, 6)] == [
        f"dept-double-publicity:文2:{bad_code}:", f"dept-double-publicity:文3:{ORG}:", None]


def test_a_short_row_names_its_missing_columns_and_a_row_without_decision_number_is_refused(engine, tmp_path):
    path = tmp_path / "dept.csv"
    path.write_text(
        "行政处罚决定书文号,当事人名称,统一社会信用代码,罚款金额,作出处罚决定的机关名称,处罚日期\n"
        f"文1,甲公司,{ORG}\n"
        f",乙公司,{ORG},5000,苏州市生态环境局,2024-01-05\n"
        f",丙公司,{ORG},6000,苏州市生态环境局,2024-02-05\n",
        encoding="utf-8",
    )
    report = import_file(engine, path, "dept-double-publicity")
    assert (report.accepted, report.rejected) == (0, 3)
    short, *without_number = report.rejections
    assert short.field == "罚款金额, 作出处罚决定的机关名称, 处罚日期"
    assert short.reason.startswith("missing: the row has 3 of the header's 6 cells")
    assert short.idempotency_key == f"dept-double-publicity:文1:{ORG}:"
    for row in without_number:  # before: stored, then the second collided with the first's key
        assert row.field == "行政处罚决定书文号 → source.doc_no" and "document number" in row.reason


def test_a_csv_without_profile_is_refused_before_reading_naming_the_profiles():
    with pytest.raises(ProfileRequired) as error:
        import_file("sqlite://", EXAMPLES / "gsxt-penalties.csv")
    message = str(error.value)
    assert "choose a profile with --profile NAME" in message
    assert all(name in message for name in ("dept-double-publicity", "gsxt-penalties", "spc-dishonest-debtors"))
    assert re.search(r"its header has \d+ of the \d+ columns gsxt-penalties reads", message), message  # the best fit


def test_the_cli_sets_an_attribute_for_every_row(tmp_path):
    data = tmp_path / "data"
    result = CliRunner().invoke(cli, ["--data-dir", str(data), "import", str(EXAMPLES / "dept-double-publicity.csv"),
                                      "--profile", "dept-double-publicity", "--set", "domain=environment",
                                      "--set", "region=CN-JS"])
    assert result.exit_code == 0, result.output
    engine = make_engine(f"sqlite:///{data / 'jrp.db'}")
    records = [r for facts in FactsStore(engine).load_many(_subject_ids(engine)).values() for r in facts.records]
    engine.dispose()
    assert len(records) == 2 and {(r.domain, r.region) for r in records} == {("environment", "CN-JS")}
    unset = CliRunner().invoke(cli, ["--data-dir", str(data), "import", str(EXAMPLES / "gsxt-penalties.csv")])
    assert unset.exit_code == 2 and "choose a profile" in _unboxed(unset.output)
    malformed = CliRunner().invoke(cli, ["--data-dir", str(data), "import", str(EXAMPLES / "gsxt-penalties.csv"),
                                         "--profile", "gsxt-penalties", "--set", "domain"])
    assert malformed.exit_code == 2 and "ATTRIBUTE=VALUE" in _unboxed(malformed.output)


def _unboxed(output: str) -> str:
    """The text of a typer error box, its borders and line breaks removed."""
    return re.sub(r"[\s│╭╮╰╯─]+", " ", output)


def test_native_jsonl_with_broken_lines(engine, tmp_path):
    path = tmp_path / "events.jsonl"
    write_jsonl(path, seed=3, n_subjects=8, records_per_subject=2, include_fixed=False)
    lines = path.read_text(encoding="utf-8").splitlines()
    lines.insert(2, "{not json")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = import_file(engine, path)
    assert report.rejected == 1 and report.rejections[0].index == 3 and "invalid JSON" in report.rejections[0].reason
    assert report.accepted == len(lines) - 1


def test_reimport_reports_duplicates_and_changes_nothing(engine):
    first = import_file(engine, EXAMPLES / "events.jsonl", chunk_size=10)
    events, records = _count(engine, EventRow.__table__), _count(engine, RecordRow.__table__)
    again = import_file(engine, EXAMPLES / "events.jsonl", chunk_size=7)
    assert first.accepted == again.duplicate == events and again.accepted == again.rejected == 0
    assert (_count(engine, EventRow.__table__), _count(engine, RecordRow.__table__)) == (events, records)


CREATING = ("list_entry_added", "penalty_issued", "commitment_made", "evaluation_published", "points_recorded",
            "score_published")
CHILD = """
import sys
from jrp.adapters.facts.importers import import_file
from jrp.adapters.store.database import make_engine
import_file(make_engine(sys.argv[1]), sys.argv[2], chunk_size=100)
"""


def test_killed_import_leaves_whole_events_and_a_rerun_completes_it(db_url, engine, tmp_path):
    path = tmp_path / "big.jsonl"
    total = write_jsonl(path, seed=11, n_subjects=1200, records_per_subject=4)
    record_events = sum(1 for line in path.open(encoding="utf-8") if json.loads(line)["type"] in CREATING)
    child = subprocess.Popen([sys.executable, "-c", CHILD, db_url, str(path)])
    deadline = time.monotonic() + 60
    while _count(engine, EventRow.__table__) < 500:
        assert child.poll() is None, "the import finished before it could be killed; use a bigger file"
        assert time.monotonic() < deadline
        time.sleep(0.02)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    stored = _count(engine, EventRow.__table__)
    assert 500 <= stored < total
    assert stored % 100 == 0  # whole chunks only (no row of this file is rejected)
    with engine.connect() as connection:  # and every stored event has its projection
        creations = connection.execute(select(func.count()).where(EventRow.event_type.in_(CREATING))).scalar_one()
    assert _count(engine, RecordRow.__table__) == creations
    report = import_file(engine, path, chunk_size=100)
    assert report.rejected == 0
    assert report.duplicate == stored and report.accepted == total - stored
    assert _count(engine, EventRow.__table__) == total
    assert _count(engine, RecordRow.__table__) == record_events
