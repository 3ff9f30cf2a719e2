"""Conversations older than the retention period are deleted, newer ones stay."""

import time

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, create_engine, select

from bot.retention import purge


def _store(url: str, timestamps: list[float]) -> None:
    engine = create_engine(url, future=True)
    events = Table("events", MetaData(), Column("id", Integer, primary_key=True),
                   Column("sender_id", String(255)), Column("timestamp", Float))
    events.metadata.create_all(engine)
    with engine.begin() as connection:
        for number, stamp in enumerate(timestamps):
            connection.execute(events.insert().values(sender_id=f"s{number}", timestamp=stamp))
    engine.dispose()


def test_purge_deletes_only_old_events(tmp_path):
    url = f"sqlite:///{tmp_path / 'trackers.db'}"
    now = time.time()
    _store(url, [now - 40 * 86400, now - 31 * 86400, now - 29 * 86400, now - 60])
    assert purge(url, days=30, now=now) == 2
    engine = create_engine(url, future=True)
    with engine.connect() as connection:
        left = connection.execute(select(Table("events", MetaData(),
                                               autoload_with=engine).c.sender_id)).all()
    assert sorted(row[0] for row in left) == ["s2", "s3"]


def test_purge_without_store_does_nothing(tmp_path):
    assert purge(f"sqlite:///{tmp_path / 'none.db'}", days=30) == 0
