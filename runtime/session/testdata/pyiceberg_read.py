"""Reads an Iceberg table of chatsql's embedded catalog with pyiceberg and
prints what the Go test compares, as JSON: the rows, the Iceberg and Arrow
types of the columns, the partition spec, each data file's partition, and
the snapshot summaries.

    python pyiceberg_read.py DATA_DIR namespace.table
"""
import datetime
import decimal
import json
import sys

from pyiceberg.catalog.sql import SqlCatalog


def plain(v):
    if isinstance(v, (datetime.datetime, datetime.date)):
        return v.isoformat()
    if isinstance(v, decimal.Decimal):
        return str(v)
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    return v


def main():
    data_dir, ident = sys.argv[1], sys.argv[2]
    cat = SqlCatalog("lake", uri=f"sqlite:///{data_dir}/catalog.db", warehouse=f"file://{data_dir}/warehouse")
    tbl = cat.load_table(ident)
    arrow = tbl.scan().to_arrow()
    rows = [{k: plain(v) for k, v in r.items()} for r in arrow.to_pylist()]
    out = {
        "rows": rows,
        "iceberg_types": {f.name: str(f.field_type) for f in tbl.schema().fields},
        "arrow_types": {f.name: str(f.type) for f in arrow.schema},
        "spec": [{"name": f.name, "transform": str(f.transform)} for f in tbl.spec().fields],
        "file_partitions": sorted(
            json.dumps({k: plain(v) for k, v in t.file.partition.__dict__.items() if not k.startswith("_")}, sort_keys=True)
            for t in tbl.scan().plan_files()
        ),
        "partition_values": sorted({str(list(t.file.partition)) for t in tbl.scan().plan_files()}),
        "snapshots": [dict(s.summary.additional_properties) | {"operation": s.summary.operation.value} for s in tbl.snapshots()],
    }
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
