"""Whether an edition was published since a library's rules were read: asked by the tracker on each round of its
loop, and by each worker's check service every ``publication_interval`` seconds (``jrp.publishing.EditionFollower``),
so that checks and notifications select the same editions.

A publication is a leaf of the decision log (``jrp.adapters.log.publications``), logged by ``jrp
rulesets publish`` or the console on any host of the store. Each round reads only the newest
publication's ``seq`` (the primary key's last entry); only when it moved are the logged approvals
compared with those the tracker's library selects by, and only when one is new is the library read
again (from disk too: the command writes the edition's record beside it, perhaps a new file).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import Engine, func, select

from jrp.adapters.log.publications import logged_approvals, publications_t
from jrp.rulesets.library import Library
from jrp.rulesets.loader import RulesetError

log = logging.getLogger(__name__)
_UNREAD = object()


class PublicationWatch:
    def __init__(self, engine: Engine, load: Callable[[], Library]):
        self.engine = engine
        self.load = load  # the library as the service selects from it now (files and logged approvals)
        self._mark: object = _UNREAD  # the newest publication seen; unread: the first round compares approvals

    def newer(self, library: Library) -> Library | None:
        """The library with the editions published since ``library``'s approvals were read; None if none was."""
        with self.engine.connect() as connection:
            mark = connection.execute(select(func.max(publications_t.c.seq))).scalar()
        if mark == self._mark:
            return None
        self._mark = mark
        logged = logged_approvals(self.engine)
        if library.approved is None or logged <= library.approved:
            return None
        try:
            loaded = self.load()
        except RulesetError as error:  # a draft being edited does not parse: the files as read, approvals as logged
            log.warning("rulesets not read again (%s): the new publications apply to the editions read at start", error)
            return library.for_checks(logged)
        if loaded.approved is None or not logged <= loaded.approved:  # the log was not read (the store went away)
            self._mark = _UNREAD  # never fewer editions than before: asked again next round
            return None
        return loaded
