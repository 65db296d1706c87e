#!/usr/bin/env python3
"""Peers for loupe-bench: the same Search-UnifiedAuditLog CSV read by DuckDB
and by pandas, each taking the time, user, operation and IP out of every
record's AuditData JSON, which is the least an ingest must do.

    python3 scripts/bench_peers.py FILE

Prints one JSON object per line: {"peer", "seconds", "rows", "how"}, or
{"peer", "skipped"} when the module is not installed. Only the work is
timed, not Python's start-up or the imports. Not a test dependency: the
benchmark runs it when python3 is there and says so when it is not.
"""

import json
import sys
import time

FIELDS = ("CreationTime", "UserId", "Operation", "ClientIP")


def skip_lines(path):
    """Lines before the header: Export-Csv's `#TYPE …` line when present."""
    with open(path, "r", encoding="utf-8-sig", errors="replace") as f:
        return 1 if f.readline().startswith("#TYPE") else 0


def say(**fields):
    print(json.dumps(fields), flush=True)


def duckdb_peer(path, skip, threads=None):
    try:
        import duckdb
    except ImportError:
        say(peer="DuckDB", skipped="python3 has no duckdb module")
        return
    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    used = con.execute("SELECT current_setting('threads')").fetchone()[0]
    # Load the JSON extension before the clock starts.
    con.execute("""SELECT json_extract_string('{"a": "b"}', '$.a')""").fetchone()
    extract = ", ".join(f"json_extract_string(AuditData, '$.{f}') AS {f}" for f in FIELDS)
    start = time.perf_counter()
    # Materialised into a table, so no projection is optimised away.
    con.execute(
        f"CREATE TEMP TABLE ual AS SELECT {extract} FROM read_csv(?, header = true, skip = {skip}, all_varchar = true)",
        [path],
    )
    rows = con.execute("SELECT count(*), count(CreationTime), count(UserId) FROM ual").fetchone()[0]
    seconds = time.perf_counter() - start
    label = "DuckDB" if not threads else f"DuckDB {used}-thread"
    say(peer=label, seconds=seconds, rows=rows, threads=used,
        how=f"duckdb {duckdb.__version__}: read_csv + json_extract_string x4 into a temp table ({used} thread{'s' if used != 1 else ''})")


def pandas_peer(path, skip):
    try:
        import pandas as pd
    except ImportError:
        say(peer="pandas", skipped="python3 has no pandas module")
        return
    start = time.perf_counter()
    frame = pd.read_csv(path, skiprows=skip, dtype=str, keep_default_na=False)
    loads = json.loads
    out = []
    for text in frame["AuditData"]:
        try:
            record = loads(text)
        except ValueError:
            out.append((None, None, None, None))
            continue
        out.append(tuple(record.get(f) for f in FIELDS))
    seconds = time.perf_counter() - start
    say(peer="pandas", seconds=seconds, rows=len(out), threads=1,
        how=f"pandas {pd.__version__}: read_csv + json.loads per AuditData, 4 fields")


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    path = sys.argv[1]
    skip = skip_lines(path)
    duckdb_peer(path, skip)
    duckdb_peer(path, skip, threads=1)
    pandas_peer(path, skip)
    return 0


if __name__ == "__main__":
    sys.exit(main())
