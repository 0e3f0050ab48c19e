"""Decision log as a Merkle tree: leaves, perfect-subtree nodes, head, signed checkpoints, the sequencer's
lease, published keys, bundles by content and the monthly personal-data keys.

The hash chain of earlier decisions is verified first (a broken chain is refused: carrying
it into the tree would certify the tampering) and carried into the tree in chain order,
so every earlier decision gets an inclusion proof; their chain columns stay as they were
for auditors who kept an old head hash.

Revision ID: 0008_audit
Revises: 0007_precise
"""

from __future__ import annotations

from collections.abc import Iterator

import sqlalchemy as sa
from alembic import op

from jrp.adapters.log.crypto.merkle import Frontier
from jrp.adapters.log.legacy_chain import walk_chain

revision = "0008_audit"
down_revision = "0007_precise"
branch_labels = None
depends_on = None

Seq = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
PAGE = 2000


def upgrade() -> None:
    bind = op.get_bind()
    for _ in _chain(bind):  # verified before any change: SQLite commits DDL as it goes
        pass
    _create_tables()
    with op.batch_alter_table("decisions") as batch:
        batch.add_column(sa.Column("leaf_index", Seq))
        batch.add_column(sa.Column("receipt", sa.Text))
        batch.add_column(sa.Column("leaf_hash", sa.LargeBinary(32)))  # the writer's, for the sequencer
        batch.alter_column("prev_hash", existing_type=sa.String(64), nullable=True)
        batch.alter_column("hash", existing_type=sa.String(64), nullable=True)
    op.create_index("ix_decisions_leaf_index", "decisions", ["leaf_index"], unique=True)
    op.create_index("ix_decisions_pending", "decisions", ["seq"], sqlite_where=sa.text("leaf_index IS NULL"),
                    postgresql_where=sa.text("leaf_index IS NULL"))
    if bind.dialect.name == "postgresql":  # writers insert without a seq; SQLite's INTEGER PRIMARY KEY does it
        op.execute("CREATE SEQUENCE decisions_seq_seq OWNED BY decisions.seq")
        op.execute("SELECT setval('decisions_seq_seq', COALESCE((SELECT max(seq) FROM decisions), 0) + 1, false)")
        op.execute("ALTER TABLE decisions ALTER COLUMN seq SET DEFAULT nextval('decisions_seq_seq')")
    _carry_into_tree(bind)


def _create_tables() -> None:
    op.create_table(
        "log_nodes",
        sa.Column("level", sa.SmallInteger, primary_key=True),
        sa.Column("idx", Seq, primary_key=True, autoincrement=False),
        sa.Column("hash", sa.LargeBinary(32), nullable=False),
    )
    op.create_table(
        "log_head",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("tree_size", Seq, nullable=False),
        sa.Column("root", sa.LargeBinary(32), nullable=False),
        sa.Column("legacy_size", Seq, nullable=False),
        sa.Column("legacy_head", sa.String(64), nullable=False),
    )
    op.create_table(
        "log_checkpoints",
        sa.Column("tree_size", Seq, primary_key=True, autoincrement=False),
        sa.Column("root", sa.LargeBinary(32), nullable=False),
        sa.Column("time", sa.String(40), nullable=False),
        sa.Column("key_id", sa.String(16), nullable=False),
        sa.Column("signature", sa.LargeBinary(64), nullable=False),
    )
    op.create_table(
        "log_lease",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("holder", sa.String(100), nullable=False),
        sa.Column("expires_at", sa.Float, nullable=False),
    )
    op.create_table(
        "log_keys",
        sa.Column("key_id", sa.String(16), primary_key=True),
        sa.Column("public_key", sa.Text, nullable=False),
        sa.Column("first_used_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "bundles",
        sa.Column("hash", sa.String(64), primary_key=True),
        sa.Column("jurisdiction", sa.String(32), nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("first_used_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "personal_data_keys",
        sa.Column("period", sa.String(7), primary_key=True),
        sa.Column("wrapped", sa.LargeBinary),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True)),
    )


def _carry_into_tree(bind: sa.Connection) -> None:
    """Leaves 0… are the chain's entries in chain order; a broken chain aborts the whole migration."""
    frontier = Frontier.empty()
    nodes = sa.text("INSERT INTO log_nodes (level, idx, hash) VALUES (:level, :idx, :hash)")
    made: list[dict] = []
    for _seq, leaf in _chain(bind):
        made += [{"level": level, "idx": idx, "hash": value} for (level, idx), value in frontier.add(leaf)]
        if len(made) >= PAGE:
            bind.execute(nodes, made)
            made = []
    if made:
        bind.execute(nodes, made)
    if frontier.size:
        bind.execute(sa.text("UPDATE decisions SET leaf_index = seq - 1"))
    head = bind.execute(sa.text("SELECT hash FROM decisions ORDER BY seq DESC LIMIT 1")).scalar()
    bind.execute(sa.text("INSERT INTO log_head (id, tree_size, root, legacy_size, legacy_head) "
                         "VALUES (1, :size, :root, :size, :head)"),
                 {"size": frontier.size, "root": frontier.root(), "head": head or "0" * 64})


def _chain(bind: sa.Connection) -> Iterator[tuple[int, bytes]]:
    return walk_chain(lambda after: bind.execute(sa.text(
        "SELECT seq, prev_hash, hash, entry FROM decisions WHERE seq > :after ORDER BY seq LIMIT :n"),
        {"after": after, "n": PAGE}).all())


def downgrade() -> None:
    raise NotImplementedError("the Merkle log cannot be turned back into a hash chain")

