"""The compact form a decision's result is logged in (issue 24), and the digest that binds it to the full result.

See ``jrp.adapters.log.results``, which rebuilds the full result from the entry's facts and stored bundle.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from jrp.engine.codec import canonical

DIGEST = "result_digest"


def compact(result: Mapping[str, Any]) -> dict[str, Any]:
    """The compact form of a full result (``decision_to_json``): its outcome, each measure and incentive as
    ``[measure id, until, [ids of the records that triggered it]]`` (and the reasons it is left to review, if
    any), the supervision class; what is empty left out."""
    form: dict[str, Any] = {"outcome": result["outcome"]}
    for name in ("measures", "incentives"):
        if result[name]:
            form[name] = [_measure(m) for m in result[name]]
    if result.get("supervision"):
        form["supervision"] = result["supervision"]["supervision_class"]
    return form


def _measure(measure: Mapping[str, Any]) -> list[Any]:
    form = [measure["measure_id"], measure["until"], [record["record_id"] for record in measure["triggered_by"]]]
    if measure["review_reasons"]:
        form.append([doubt["reason"] for doubt in measure["review_reasons"]])
    return form


def expanded(form: Mapping[str, Any]) -> dict[str, Any]:
    """A compact result in the shape of a full one, with only what the compact form keeps: for a decision whose
    result can no longer be rebuilt (its persons' data erased), so that every reader lists it alike."""
    def measure(kept: list[Any]) -> dict[str, Any]:
        reasons = kept[3] if len(kept) > 3 else []
        return {"measure_id": kept[0], "until": kept[1], "triggered_by": [{"record_id": r} for r in kept[2]],
                "review_reasons": [{"reason": reason} for reason in reasons]}

    supervision = form.get("supervision")
    return {"outcome": form["outcome"], "measures": [measure(m) for m in form.get("measures", ())],
            "incentives": [measure(m) for m in form.get("incentives", ())], "excluded": [],
            "supervision": {"supervision_class": supervision} if supervision else None}


def measure_ids(result: Mapping[str, Any]) -> set[str]:
    """The ids of the measures of a result as an entry stores it, compact or (older entries) in full."""
    return {m[0] if isinstance(m, list) else m["measure_id"] for m in result.get("measures", ())}


def digest(result: Mapping[str, Any]) -> str:
    """The SHA-256 of the full result's canonical JSON (``result_digest``)."""
    return hashlib.sha256(canonical(result)).hexdigest()


def stored_form(result: Mapping[str, Any]) -> dict[str, Any]:
    """The entry fields a full result is stored as."""
    return {"result": compact(result), DIGEST: digest(result)}
