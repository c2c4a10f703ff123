"""Prefect's ephemeral API server, started as Prefect starts it, without a migration pass that
has nothing to do.

Prefect runs its database migrations (Alembic) on every start of the server: with the database
already at the newest revision that pass changes nothing and takes 2-3 s of a 2-core machine,
on the critical path of every `seesaw run`. Here the server skips it when the SQLite database
already records the newest revision of the installed Prefect; any other database, or one behind,
is migrated as usual. Run as ``python -m seesaw.flows.api_server PORT`` (``flows/process.py``).
"""
from __future__ import annotations

import re
import sys
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

_SQLITE_URL = "sqlite+aiosqlite:///"
_REVISION = re.compile(r'^(down_revision|revision)\s*(?::[^=]+)?=\s*["\']?([0-9a-f]+)?', re.MULTILINE)


def newest_revision(versions: Path) -> str | None:
    """The head of the migration chain in ``versions`` (the revision no other revision follows),
    or None when it is not a single one."""
    revisions: set[str] = set()
    followed: set[str] = set()
    for script in versions.glob("*.py"):
        found = {name: value for name, value in _REVISION.findall(script.read_text(encoding="utf-8"))}
        if found.get("revision"):
            revisions.add(found["revision"])
        if found.get("down_revision"):
            followed.add(found["down_revision"])
    heads = revisions - followed
    return heads.pop() if len(heads) == 1 else None


def at_newest_revision(connection_url: str) -> bool:
    """Whether ``connection_url`` is a SQLite database that records the newest revision of the
    installed Prefect's migrations."""
    if not connection_url.startswith(_SQLITE_URL):
        return False
    db_file = Path(connection_url.removeprefix(_SQLITE_URL))
    if not db_file.is_file():
        return False
    import prefect.server.database as database
    import sqlalchemy
    from alembic.runtime.migration import MigrationContext

    head = newest_revision(Path(database.__file__).parent / "_migrations" / "versions" / "sqlite")
    engine = sqlalchemy.create_engine(f"sqlite:///file:{db_file}?mode=ro&uri=true")
    try:
        with engine.connect() as con:
            stored = MigrationContext.configure(con).get_current_heads()
    except sqlalchemy.exc.SQLAlchemyError:
        return False
    finally:
        engine.dispose()
    return head is not None and stored == (head,)


def main(argv: list[str]) -> None:
    import uvicorn
    from prefect.settings import PREFECT_API_DATABASE_MIGRATE_ON_START, get_current_settings, temporary_settings

    database = get_current_settings().server.database
    url = database.connection_url.get_secret_value() if database.connection_url else ""
    skip: AbstractContextManager[object] = nullcontext()
    if database.migrate_on_start and at_newest_revision(url):
        skip = temporary_settings({PREFECT_API_DATABASE_MIGRATE_ON_START: False})
    with skip:
        uvicorn.run("prefect.server.api.server:create_app", factory=True, host="127.0.0.1", port=int(argv[0]),
                    log_level="error", lifespan="on")


if __name__ == "__main__":
    main(sys.argv[1:])
