"""Engine benchmark: evaluation time per check, its growth, compile time, memory, and ZEN as a peer.

    .venv/bin/python bench/engine_bench.py [--jurisdiction CN-JS-SZ] [--subjects 2000]

Prints median and p99 per check for each backend on the bundled bundle, how they grow
with the number of rules and of records per subject, and jrp's matching time over
GoRules ZEN's for the same compiled rules. Seeded: the same run gives the same facts.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from zen_table import ZenEvaluator  # noqa: E402

from jrp.engine.compile import CompiledBundle, compile_bundle  # noqa: E402
from jrp.engine.evaluate import Engine, make_evaluator  # noqa: E402
from jrp.engine.evidence import build_evidence  # noqa: E402
from jrp.engine.facts import CheckContext, Record, Subject, SubjectFacts
from jrp.vocabulary.records import Procedure, RecordType, Severity
from jrp.vocabulary.subjects import SubjectType
from jrp.engine.types import Trigger  # noqa: E402
from jrp.rulesets.bundle import Bundle  # noqa: E402
from jrp.rulesets.library import Library  # noqa: E402

AS_OF = date(2026, 6, 1)


def synthetic_facts(bundle: CompiledBundle, subjects: int, records: int, seed: int = 7) -> list[SubjectFacts]:
    """Subjects whose records use the bundle's own lists, domains and schemes."""
    rng = random.Random(seed)
    lists = sorted(bundle.lists)
    domains = sorted({k for r in bundle.rules if r.trigger is Trigger.penalty for k in r.keys}) or ["tax"]
    schemes = {s: sorted(g.grades) for s, g in bundle.grading.items()}
    out = []
    for n in range(subjects):
        subject_id = f"S{n:06d}"
        items = []
        for k in range(records):
            start = AS_OF - timedelta(days=rng.randint(1, 1500))
            kind = rng.random()
            if kind < 0.35 and lists:
                items.append(Record(f"{subject_id}-{k}", subject_id, RecordType.list_entry, start,
                                    list_id=rng.choice(lists)))
            elif kind < 0.85:
                items.append(Record(f"{subject_id}-{k}", subject_id, RecordType.penalty, start,
                                    severity=rng.choice(list(Severity)), domain=rng.choice(domains),
                                    procedure=Procedure.general))
            elif schemes:
                scheme = rng.choice(sorted(schemes))
                items.append(Record(f"{subject_id}-{k}", subject_id, RecordType.evaluation, start,
                                    scheme=scheme, grade=rng.choice(schemes[scheme])))
        out.append(SubjectFacts(Subject(subject_id, SubjectType.legal_person), tuple(items)))
    return out


def contexts(bundle: CompiledBundle, count: int, seed: int = 11) -> list[CheckContext]:
    rng = random.Random(seed)
    scenarios = sorted({s for r in bundle.rules for s in r.scenarios})
    roles = sorted({ro for r in bundle.rules for ro in r.roles}) or [None]
    return [CheckContext(rng.choice(scenarios), AS_OF, rng.choice(roles), bundle.jurisdiction) for _ in range(count)]


def timed(fn, items) -> list[float]:
    """Microseconds per call."""
    samples = []
    for item in items:
        start = time.perf_counter_ns()
        fn(*item)
        samples.append((time.perf_counter_ns() - start) / 1000)
    return samples


def median(samples: list[float]) -> str:
    return f"{statistics.median(samples):7.1f} µs"


def summary(samples: list[float]) -> str:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"median {statistics.median(ordered):8.1f} µs   p99 {p99:8.1f} µs"


def widened(bundle: Bundle, copies: int) -> Bundle:
    """The same bundle with every rule repeated ``copies`` times (growth in the number of rules)."""
    rulesets = []
    for ruleset in bundle.rulesets:
        rules = [rule.model_copy(update={"id": f"{rule.id}-x{n}"}) for n in range(copies) for rule in ruleset.rules]
        rulesets.append(ruleset.model_copy(update={"rules": tuple(rules)}))
    return Bundle.build(bundle.jurisdiction, tuple(rulesets), bundle.instruments)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jurisdiction", default="CN-JS-SZ")
    parser.add_argument("--subjects", type=int, default=2000)
    args = parser.parse_args()

    started = time.perf_counter()
    library = Library.load()
    bundle = library.bundle(args.jurisdiction, AS_OF)
    loaded = time.perf_counter()
    compiled = compile_bundle(bundle)
    compiled_at = time.perf_counter()
    print(f"bundle {args.jurisdiction} on {AS_OF}: {len(bundle.rulesets)} rulesets, {len(compiled.rules)} compiled rules, "
          f"hash {bundle.hash[:12]}")
    print(f"load YAML {1000 * (loaded - started):.0f} ms; compile {1000 * (compiled_at - loaded):.1f} ms")
    durable_start = time.perf_counter()
    make_evaluator(compiled, "durable")
    print(f"durable_rules ruleset registration {1000 * (time.perf_counter() - durable_start):.1f} ms")

    facts = synthetic_facts(compiled, args.subjects, 10)
    ctxs = contexts(compiled, args.subjects)
    print(f"\nper check, {args.subjects} subjects × 10 records (evidence + matching + decision):")
    for backend in ("indexed", "durable", "reference"):
        engine = Engine(compiled, backend)
        print(f"  {backend:9s} {summary(timed(engine.check, zip(facts, ctxs)))}")

    print("\nmatching only, same evidence (jrp indexed vs GoRules ZEN decision table):")
    evidence = [(build_evidence(f, c, compiled).items, c) for f, c in zip(facts, ctxs)]
    indexed = make_evaluator(compiled, "indexed")
    durable = make_evaluator(compiled, "durable")
    peer = ZenEvaluator(compiled)
    jrp_samples = timed(indexed.fire, evidence)
    zen_samples = timed(peer.fire, evidence)
    durable_samples = timed(durable.fire, evidence)
    print(f"  indexed   {summary(jrp_samples)}")
    print(f"  durable   {summary(durable_samples)}")
    print(f"  zen       {summary(zen_samples)}")
    print(f"  jrp indexed / ZEN = {statistics.median(jrp_samples) / statistics.median(zen_samples):.3f}; "
          f"durable_rules / ZEN = {statistics.median(durable_samples) / statistics.median(zen_samples):.3f}")

    print("\ngrowth with records per subject (indexed / durable, median per check):")
    for records in (1, 5, 10, 25, 50):
        facts_n = synthetic_facts(compiled, 500, records)
        row = [median(timed(Engine(compiled, b).check, zip(facts_n, ctxs))) for b in ("indexed", "durable")]
        print(f"  {records:3d} records: indexed {row[0]}   durable {row[1]}")

    print("\ngrowth with the number of rules (rules repeated k times):")
    for copies in (1, 2, 4, 8):
        wide = compile_bundle(widened(bundle, copies))
        row = [median(timed(Engine(wide, b).check, zip(facts[:500], ctxs))) for b in ("indexed", "durable")]
        print(f"  {len(wide.rules):5d} rules: indexed {row[0]}   durable {row[1]}")

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak resident memory {peak:.0f} MiB")


if __name__ == "__main__":
    main()
