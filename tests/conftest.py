"""Hypothesis profiles: CI replays a fixed sequence of examples so a landing is reproducible;
locally (``dev``, the default) every run explores new random examples."""

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
settings.register_profile("dev", print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else "dev")
