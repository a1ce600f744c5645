"""Reads an Iceberg table of any catalog pyiceberg can load (REST, SQL with
an S3 warehouse, Glue) and prints what the Go test compares, as JSON: the
ids, the row count, the table location and the snapshot summaries.

    python pyiceberg_remote.py '{"name": "rest", "type": "rest", "uri": ...}' namespace.table
"""
import json
import sys

from pyiceberg.catalog import load_catalog


def main():
    props, ident = json.loads(sys.argv[1]), sys.argv[2]
    # a SQL catalog's rows carry the catalog's name: chatsql's name for it
    cat = load_catalog(props.pop("name", "remote"), **props)
    tbl = cat.load_table(ident)
    arrow = tbl.scan().to_arrow()
    out = {
        "ids": sorted(arrow.column("id").to_pylist()),
        "rows": arrow.num_rows,
        "location": tbl.location(),
        "tables": sorted(".".join(t) for t in cat.list_tables(ident.rsplit(".", 1)[0])),
        "snapshots": [dict(s.summary.additional_properties) | {"operation": s.summary.operation.value} for s in tbl.snapshots()],
    }
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
