"""Writes a table with pyiceberg into chatsql's embedded catalog, for the
Go test that reads it back through iceberg-go: lake.pyw.people, partitioned
by day(seen), two appends (two snapshots).

    python pyiceberg_write.py DATA_DIR
"""
import datetime
import decimal
import sys

import pyarrow as pa
from pyiceberg.catalog.sql import SqlCatalog
from pyiceberg.partitioning import PartitionField, PartitionSpec
from pyiceberg.schema import Schema
from pyiceberg.transforms import DayTransform
from pyiceberg.types import (BooleanType, DateType, DecimalType, DoubleType, IntegerType, LongType, NestedField,
                             StringType, TimestampType, TimestamptzType)


def main():
    data_dir = sys.argv[1]
    cat = SqlCatalog("lake", uri=f"sqlite:///{data_dir}/catalog.db", warehouse=f"file://{data_dir}/warehouse")
    cat.create_namespace_if_not_exists("pyw")
    schema = Schema(
        NestedField(1, "id", LongType(), required=False),
        NestedField(2, "name", StringType(), required=False),
        NestedField(3, "age", IntegerType(), required=False),
        NestedField(4, "score", DoubleType(), required=False),
        NestedField(5, "balance", DecimalType(10, 2), required=False),
        NestedField(6, "active", BooleanType(), required=False),
        NestedField(7, "seen", TimestamptzType(), required=False),
        NestedField(8, "local", TimestampType(), required=False),
        NestedField(9, "born", DateType(), required=False),
    )
    spec = PartitionSpec(PartitionField(source_id=7, field_id=1000, transform=DayTransform(), name="seen_day"))
    tbl = cat.create_table("pyw.people", schema=schema, partition_spec=spec)
    arrow_schema = schema.as_arrow()
    for part in range(2):
        rows = []
        for i in range(part * 50, part * 50 + 50):
            seen = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc) + datetime.timedelta(hours=7 * i)
            rows.append({
                "id": i, "name": None if i % 10 == 0 else f"person{i}", "age": i % 90, "score": i / 4,
                "balance": decimal.Decimal(i * 100 + 5) / 100, "active": i % 2 == 0, "seen": seen,
                "local": seen.replace(tzinfo=None), "born": datetime.date(1990, 1, 1) + datetime.timedelta(days=i),
            })
        tbl.append(pa.Table.from_pylist(rows, schema=arrow_schema))
    print("ok")


if __name__ == "__main__":
    main()
