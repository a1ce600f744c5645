"""Writes, with pyiceberg, a table whose rows are then deleted and
overwritten, for the Go test of a temporal join on it: lake.pyd.profiles
(username, the identifier field, and role), in the embedded catalog.

    python pyiceberg_deletes.py DATA_DIR

Prints the snapshots as JSON: [{"id", "ts", "op"}], oldest first.
"""
import json
import sys
import time

import pyarrow as pa
from pyiceberg.catalog.sql import SqlCatalog
from pyiceberg.schema import Schema
from pyiceberg.types import NestedField, StringType


def main():
    data_dir = sys.argv[1]
    cat = SqlCatalog("lake", uri=f"sqlite:///{data_dir}/catalog.db", warehouse=f"file://{data_dir}/warehouse")
    cat.create_namespace_if_not_exists("pyd")
    schema = Schema(
        NestedField(1, "username", StringType(), required=True),
        NestedField(2, "role", StringType(), required=False),
        identifier_field_ids=[1],
    )
    tbl = cat.create_table("pyd.profiles", schema=schema)
    arrow_schema = schema.as_arrow()

    def rows(*pairs):
        return pa.Table.from_pylist([{"username": u, "role": r} for u, r in pairs], schema=arrow_schema)

    def pause():
        time.sleep(0.05)  # distinct commit times

    tbl.append(rows(("alice", "member"), ("bob", "member"), ("carol", "member")))
    pause()
    tbl.append(rows(("erin", "member")))
    pause()
    tbl.delete("username == 'bob'")  # a file rewritten without bob: an overwrite
    pause()
    tbl.delete("username == 'erin'")  # erin's whole file dropped: a delete
    pause()
    tbl.overwrite(rows(("carol", "admin")), overwrite_filter="username == 'carol'")  # carol's row replaced
    tbl = cat.load_table("pyd.profiles")
    snaps = [{"id": s.snapshot_id, "ts": s.timestamp_ms, "op": s.summary.operation.value} for s in tbl.snapshots()]
    print(json.dumps(snaps))


if __name__ == "__main__":
    main()
