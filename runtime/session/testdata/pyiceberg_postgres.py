# pyiceberg on the Postgres catalog chatsql wrote (TestIntegrationPostgresCatalogPyiceberg):
# reads chat.messages, then creates chat.from_py and appends rows for chatsql to read.
# argv: catalog name, SQLAlchemy URL (postgresql+psycopg2://...), warehouse URL.
import json
import sys

import pyarrow as pa
from pyiceberg.catalog.sql import SqlCatalog

name, uri, warehouse = sys.argv[1:4]
cat = SqlCatalog(name, uri=uri, warehouse=warehouse)
t = cat.load_table("chat.messages")
rows = t.scan().to_arrow()
ids = sorted(rows.column("id").to_pylist())
summary = t.current_snapshot().summary.additional_properties

data = pa.table({"id": pa.array([1, 2, 3], pa.int64()), "who": pa.array(["py-a", "py-b", "py-c"], pa.string())})
made = cat.create_table("chat.from_py", schema=data.schema)
made.append(data)

print(json.dumps({
    "rows": rows.num_rows,
    "first": ids[:3],
    "last": ids[-1],
    "columns": rows.column_names,
    "job": summary.get("chatsql.job", ""),
    "tables": sorted(".".join(x) for x in cat.list_tables("chat")),
}))
