"""The service's storage: every version of every source, every run with its Report, the findings of
each run (for queries across runs), and the hashed tokens that may write. SQLAlchemy 2; the schema is
made and upgraded by Alembic's migrations (``cli/migrations``). SQLite (WAL mode) by default, a
PostgreSQL URL for a team.

Versions are never overwritten: a write adds version n+1, and a unique (story, source, version) key
means two writers racing from the same version cannot both succeed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from pathlib import Path

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, create_engine, event, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

MIGRATIONS = Path(__file__).with_name("migrations")


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class StoryRow(Base):
    __tablename__ = "stories"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    title: Mapped[str] = mapped_column(String(300))


class SourceVersion(Base):
    """One version of one source: its fact file and, optionally, its text. ``deleted`` marks a removal
    (itself a version: the history keeps what was there)."""

    __tablename__ = "source_versions"
    __table_args__ = (UniqueConstraint("story_id", "source_id", "version", name="one_version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id"), index=True)
    source_id: Mapped[str] = mapped_column(String(80))
    version: Mapped[int] = mapped_column(Integer)
    fact_name: Mapped[str] = mapped_column(String(200))
    fact: Mapped[str] = mapped_column(Text)
    text_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    text: Mapped[str | None] = mapped_column(Text, nullable=True)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    sha256: Mapped[str] = mapped_column(String(64))
    author: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class RunRow(Base):
    __tablename__ = "runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    author: Mapped[str] = mapped_column(String(200))
    trigger: Mapped[str] = mapped_column(String(300))  # what was changed: "put s1 v3", "import", ...
    verdict: Mapped[str] = mapped_column(String(20))
    errors: Mapped[int] = mapped_column(Integer)
    warnings: Mapped[int] = mapped_column(Integer)
    infos: Mapped[int] = mapped_column(Integer)
    new: Mapped[int] = mapped_column(Integer, default=0)
    present: Mapped[int] = mapped_column(Integer, default=0)
    fixed: Mapped[int] = mapped_column(Integer, default=0)
    duration_ms: Mapped[int] = mapped_column(Integer)
    report: Mapped[str] = mapped_column(Text)  # the Report, as JSON


class FindingRow(Base):
    __tablename__ = "findings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), index=True)
    rule: Mapped[str] = mapped_column(String(40))
    code: Mapped[str] = mapped_column(String(80), index=True)
    severity: Mapped[str] = mapped_column(String(10))
    subjects: Mapped[list] = mapped_column(JSON)
    message: Mapped[str] = mapped_column(Text)
    status: Mapped[str | None] = mapped_column(String(10), nullable=True)


class TokenRow(Base):
    __tablename__ = "tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


def connect(url: str) -> Engine:
    """An engine for ``url``, the schema brought up to date by the migrations; SQLite in WAL mode. A
    plain ``postgresql://`` URL uses psycopg 3 (the driver the serve extra installs)."""
    if url.startswith(("postgresql://", "postgres://")):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    engine = create_engine(url, future=True, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        @event.listens_for(engine, "connect")
        def _sqlite(connection, _record) -> None:  # type: ignore[no-untyped-def]
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=10000")
            cursor.close()
    migrate(engine)
    return engine


def migrate(engine: Engine) -> None:
    """Alembic's upgrade to the newest revision, on this engine's connection."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def hashed(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(engine: Engine, name: str) -> str:
    """A new write token (printed once; only its hash is kept)."""
    token = "fct_" + secrets.token_urlsafe(32)
    with Session(engine) as session, session.begin():
        session.add(TokenRow(name=name, sha256=hashed(token), created_at=now()))
    return token


def token_owner(engine: Engine, token: str) -> str | None:
    """Whose token it is (the name it was created with), or None for a token this service does not know."""
    with Session(engine) as session:
        return session.scalar(select(TokenRow.name).where(TokenRow.sha256 == hashed(token)))
