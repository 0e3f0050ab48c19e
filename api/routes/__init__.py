"""One module per resource (mounted by ``jrp.api.app``), and the helper they share."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import Response
from pydantic import BaseModel


def json_response(model: BaseModel) -> Response:
    """Serialise a wire model once, in pydantic's core (routes return it instead of re-validating)."""
    return Response(model.model_dump_json(exclude_unset=True), media_type="application/json")


def json_data_response(data: Any) -> Response:
    """JSON-ready data, serialised by orjson (``orjson.Fragment`` embeds JSON serialised already)."""
    return Response(orjson.dumps(data), media_type="application/json")
