"""Engine and session factory. SQLite gets WAL and foreign keys; PostgreSQL as is."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeAlias, cast

from sqlalchemy import CursorResult, Engine, Executable, Select, create_engine, event
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str, **kwargs: object) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite's own transaction handling breaks SAVEPOINT, so SQLAlchemy emits BEGIN itself.
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


WRITE = {"hotline_write": True}  # execution options of a session that will write


def _sqlite_begin(conn) -> None:
    # Readers run concurrently (deferred BEGIN, WAL snapshots). A writing unit of work takes the write lock
    # up front and waits for it (busy timeout): a deferred transaction that reads and then writes would fail
    # at once with "database is locked" when another writer committed in between.
    immediate = conn.get_execution_options().get("hotline_write")
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def begin_write(session: Session) -> Session:
    """Mark ``session``'s transaction as a writing one (before its first statement). Returns it."""
    session.connection(execution_options=WRITE)
    return session


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def unit_of_work(factory: sessionmaker[Session]):
    """One writing transaction: commit on success, roll back on error."""
    session = begin_write(factory())
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


# A SELECT of any columns (SQLAlchemy 2.1 types a Select by its row's column types).
AnySelect: TypeAlias = Select[*tuple[Any, ...]]


def rows_changed(session: Session, statement: Executable) -> int:
    """Run an UPDATE / DELETE in ``session`` and return how many rows it changed."""
    return cast(CursorResult[Any], session.execute(statement)).rowcount
