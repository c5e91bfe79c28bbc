"""SQLite settings: WAL journal, a busy timeout and enforced foreign keys; savepoints that stay
inside their transaction.

pysqlite begins a transaction by itself only before a data-changing statement, so a SAVEPOINT
issued first would start a transaction of its own, and its RELEASE would commit (services use
savepoints for "all or nothing"). Before such a savepoint the transaction is begun explicitly;
plain reads keep the driver's behaviour and see the latest committed data."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from flowmember.extensions import db

BUSY_TIMEOUT_MS = 15000


def _on_connect(dbapi_connection, connection_record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _before_savepoint(connection: Connection, name: str) -> None:
    if not connection.connection.dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN")


def init_app(app: Flask) -> None:
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    with app.app_context():
        engine: Engine = db.engine
        if not event.contains(engine, "connect", _on_connect):
            event.listen(engine, "connect", _on_connect)
            event.listen(engine, "savepoint", _before_savepoint)
