"""The background checkpointer copies the write-ahead log back while the store serves."""

from __future__ import annotations

import time

from sqlalchemy import text

from jrp.adapters.store.checkpointer import Checkpointer
from jrp.adapters.store.database import make_engine, upgrade_database


def test_committed_pages_are_checkpointed_in_the_background(tmp_path):
    url = f"sqlite:///{tmp_path / 'jrp.db'}"
    upgrade_database(url)
    engine = make_engine(url)
    checkpointer = Checkpointer(engine, interval=0.01)
    checkpointer.start()
    with engine.begin() as connection:  # far below the autocheckpoint threshold: commits leave it in the log
        connection.execute(text("CREATE TABLE t (v TEXT)"))
        connection.execute(text("INSERT INTO t VALUES (:v)"), [{"v": "x" * 1000} for _ in range(500)])
    deadline = time.monotonic() + 5
    while not (checkpointer.last and checkpointer.last[1] > 100) and time.monotonic() < deadline:
        time.sleep(0.01)
    checkpointer.stop()
    busy, frames, copied = checkpointer.last
    assert busy == 0 and frames > 100 and copied == frames  # the inserted pages are in the database file
    engine.dispose()
