"""Console sessions ended by sign-out (the ``console_sign_outs`` table).

A session cookie is signed, not stored, so deleting it from the browser does not stop
a copy of it. Signing out records the session's id until the time it would have
expired anyway, and every console request checks it; expired rows are swept at each
sign-out.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Engine, MetaData, String, Table, delete, insert, select

metadata = MetaData()
sign_outs_t = Table(
    "console_sign_outs", metadata,
    Column("session_id", String(32), primary_key=True),
    Column("expires_at", BigInteger, nullable=False),
)


class SignOutStore:
    def __init__(self, engine: Engine):
        self.engine = engine

    def sign_out(self, session_id: str, expires_at: int, now: int) -> None:
        with self.engine.begin() as connection:
            connection.execute(delete(sign_outs_t).where(sign_outs_t.c.expires_at < now))
            if connection.execute(select(sign_outs_t.c.session_id)
                                  .where(sign_outs_t.c.session_id == session_id)).first() is None:
                connection.execute(insert(sign_outs_t).values(session_id=session_id, expires_at=expires_at))

    def signed_out(self, session_id: str) -> bool:
        with self.engine.connect() as connection:
            return connection.execute(select(sign_outs_t.c.session_id)
                                      .where(sign_outs_t.c.session_id == session_id)).first() is not None
