"""The cached year, copied from SQLite into a PostgreSQL database the kiosk has just created (for B8).

The kiosk's migrations create the schema; every table is then filled with COPY from the SQLite file (read-only),
serial sequences are moved past the copied ids, and the tables are ANALYZEd (autovacuum would have done it
during a real year; SQLite gets no statistics because the kiosk never runs ANALYZE there).
"""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

# Parents before children, so the foreign keys hold row by row.
TABLES = ("setting", "staff", "pupil", "carer", "tag", "custody", "phone_exception", "search", "dsl_note",
          "audit_head", "event")


def _text(value: object) -> str:
    if value is None:
        return r"\N"
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def copy_year(sqlite_path: Path, pg_url: str) -> dict[str, int]:
    """Fill the (freshly migrated, otherwise empty) PostgreSQL database from the SQLite year."""
    import psycopg2

    src = sqlite3.connect(f"file:{sqlite_path}?immutable=1", uri=True)  # the cached year: nothing writes it
    dst = psycopg2.connect(pg_url)
    counts: dict[str, int] = {}
    try:
        with dst, dst.cursor() as cur:
            for table in reversed(TABLES):
                cur.execute(f"DELETE FROM {table}")  # the migration's own rows (schema version, audit head)
            # A bulk load: foreign-key triggers off for this session (the SQLite year passed foreign_key_check
            # and kiosk.audit.verify), and the big tables' secondary indexes rebuilt afterwards from their
            # exact definitions.
            cur.execute("SET session_replication_role = replica")
            cur.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN ('event', 'custody') "
                        "AND indexname NOT IN (SELECT conname FROM pg_constraint)")
            indexes = cur.fetchall()
            for name, _definition in indexes:
                cur.execute(f'DROP INDEX "{name}"')
            for table in TABLES:
                columns = [row[1] for row in src.execute(f"PRAGMA table_info({table})")]
                cur.execute("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = %s",
                            (table,))
                types = dict(cur.fetchall())
                missing = [c for c in columns if c not in types]
                if missing:
                    raise RuntimeError(f"PostgreSQL's {table} lacks {missing}: schemas differ")
                booleans = {c for c in columns if types[c] == "boolean"}
                rows = src.execute(f"SELECT {', '.join(columns)} FROM {table}")
                counts[table] = 0
                while True:
                    batch = rows.fetchmany(50000)
                    if not batch:
                        break
                    buffer = io.StringIO()
                    for row in batch:
                        buffer.write("\t".join(
                            _text(None if v is None else ("t" if v else "f")) if c in booleans else _text(v)
                            for c, v in zip(columns, row, strict=True)))
                        buffer.write("\n")
                    buffer.seek(0)
                    cur.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)
                    counts[table] += len(batch)
            for _name, definition in indexes:
                cur.execute(definition)
            cur.execute("SET session_replication_role = DEFAULT")
            for table in TABLES:
                cur.execute("SELECT 1 FROM information_schema.columns WHERE table_name = %s AND column_name = 'id'",
                            (table,))
                if cur.fetchone() is None:
                    continue
                cur.execute("SELECT pg_get_serial_sequence(%s, 'id')", (table,))
                sequence = cur.fetchone()
                if sequence and sequence[0]:
                    cur.execute(f"SELECT setval(%s, COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)",
                                (sequence[0],))
        dst.autocommit = True
        with dst.cursor() as cur:
            cur.execute("ANALYZE")
    finally:
        src.close()
        dst.close()
    return counts
