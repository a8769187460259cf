"""Benchmark: importing a customer list — read, check, write — on SQLite and PostgreSQL.

Builds an .xlsx and a .csv of N rows (tests/customer_files.py), then times: reading each file,
checking the rows (against an empty register), and writing them in one transaction. CPU
seconds of this process are printed beside wall times (on PostgreSQL the server's work is not
in them). Figures go into the issue notes, never into tests.

    .venv/bin/python -m bench.customer_import [-n 5000] [--url postgresql+psycopg://postgres@127.0.0.1/keyflow_bench_imports]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from bench.common import PG_SERVER, fresh_database, headline
from engine.accounts import create_user
from engine.clock import SystemClock
from engine.customer_import.checking import check_rows, register_facts
from engine.customer_import.reading import read_upload
from engine.customer_import.writing import write_rows
from engine.db import make_db_engine, make_session_factory
from engine.i18n import texts_for
from engine.models import Base

sys.path.insert(0, str(Path(__file__).parents[1] / "tests"))
from customer_files import csv_bytes, rows_with_bad, xlsx  # noqa: E402


def timed(action):  # type: ignore[no-untyped-def]
    """(result, wall seconds, CPU seconds) of `action()`."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = action()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def run(url: str, n: int) -> dict[str, float]:
    """Read, check and write n rows against the database at `url` (recreated)."""
    fresh_database(url)
    db = make_db_engine(url)
    Base.metadata.create_all(db)
    sessions = make_session_factory(db)
    clock, t = SystemClock(), texts_for("en")
    with sessions.begin() as s:
        clerk = create_user(s, clock, "clerk", ["clerk"])
        create_user(s, clock, "senior_manager", ["senior_manager"])
    rows = rows_with_bad(n)
    book, text = xlsx(rows), csv_bytes(rows)
    sheet, xlsx_s, xlsx_cpu = timed(lambda: read_upload("c.xlsx", book, t))
    _, csv_s, _ = timed(lambda: read_upload("c.csv", text, t))
    with sessions.begin() as s:
        facts = register_facts(s, sheet, t)
    checked, check_s, check_cpu = timed(lambda: check_rows(sheet, facts, t, update=False))
    assert not checked.problems, checked.problems[:3]
    with sessions() as s, s.begin():
        actor = s.merge(clerk)
        _, write_s, write_cpu = timed(lambda: write_rows(s, checked.rows, actor, clock.now(),
                                                         file_name="c.xlsx"))
    db.dispose()
    return {"xlsx_read_s": xlsx_s, "xlsx_read_cpu_s": xlsx_cpu, "csv_read_s": csv_s,
            "check_s": check_s, "check_cpu_s": check_cpu, "write_s": write_s,
            "write_cpu_s": write_cpu}


def main() -> None:
    """Run on SQLite and on PostgreSQL (or only the --url given)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=5000)
    parser.add_argument("--url", action="append")
    args = parser.parse_args()
    urls = args.url or ["sqlite:////tmp/keyflow_bench_imports.db",
                        f"{PG_SERVER}keyflow_bench_imports"]
    figures: dict[str, float] = {}
    for url in urls:
        kind = url.split(":", 1)[0].split("+", 1)[0]
        result = run(url, args.n)
        print(kind, " ".join(f"{k}={v:.3f}" for k, v in result.items()), flush=True)
        figures.update({f"{kind}_{k}": v for k, v in result.items()
                        if k in ("check_s", "write_s")})
        figures[f"{kind}_rows_per_s"] = args.n / (result["xlsx_read_s"] + result["check_s"]
                                                  + result["write_s"])
    headline(rows=args.n, **figures)


if __name__ == "__main__":
    main()
