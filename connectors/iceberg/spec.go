package iceberg

import (
	"strconv"

	"github.com/apache/iceberg-go/table"

	"github.com/chatsql/chatsql/connectors"
)

// Option names of the iceberg connector.
const (
	OptCatalog        = "catalog"
	OptTable          = "table"
	OptCreateTable    = "sink.create-table"
	OptPartitioning   = "partitioning"
	OptTargetFileSize = "write.target-file-size-bytes"
	OptFormat         = "write.format.default"
	// the manifest merge of a table the sink creates (Iceberg's table
	// properties of the same names)
	OptManifestMerge      = table.ManifestMergeEnabledKey    // commit.manifest-merge.enabled
	OptManifestMinMerge   = table.ManifestMinMergeCountKey   // commit.manifest.min-count-to-merge
	OptManifestTargetSize = table.ManifestTargetSizeBytesKey // commit.manifest.target-size-bytes
)

// DefaultTargetFileSize is Iceberg's default write.target-file-size-bytes.
const DefaultTargetFileSize = 128 << 20

// CatalogPropertyPrefix marks the settings through which the planner hands
// a sink the iceberg-go properties of its catalog (the session's catalogs:
// the embedded one or one from CREATE CATALOG). They are internal, not
// settings a user writes.
const CatalogPropertyPrefix = "iceberg.catalog-properties."

// Spec is the iceberg connector's option surface.
var Spec = connectors.Spec{
	Name: "iceberg",
	Description: "Writes an Apache Iceberg table: parquet data files written at every checkpoint and committed " +
		"in one atomic Iceberg commit per checkpoint, with the job and checkpoint ids in the snapshot summary, so " +
		"that a commit retried after a crash is recognised — exactly once. The table is created with the query's " +
		"schema (PARTITIONED BY / 'partitioning' its partition spec, a CREATE TABLE's PRIMARY KEY its identifier fields) " +
		"when it does not exist. INSERT INTO catalog.namespace.table " +
		"writes a catalog's table without a CREATE TABLE. Read, it scans a snapshot (the current one, or time travel with " +
		"'snapshot-id' / 'as-of-timestamp') or, with 'streaming' = 'true', then reads each new append snapshot's files " +
		"every 'monitor-interval'; as a temporal-join target (a PRIMARY KEY), each row is a version valid from the commit " +
		"of the snapshot that added it.",
	Sink:   true,
	Source: true,
	Options: []Option{
		{Name: OptCatalog, Type: connectors.OptString, Default: DefaultCatalog,
			Description: "The catalog: 'lake' (the embedded SQL catalog in --data-dir) or one created with CREATE CATALOG."},
		{Name: OptTable, Type: connectors.OptString, Required: true,
			Description: "The Iceberg table as 'namespace.table' (e.g. 'chat.messages')."},
		{Name: OptCreateTable, Type: connectors.OptBool, Default: "true",
			Description: "Create the namespace and the table, with the query's (or the CREATE TABLE's) columns, when missing; false fails instead."},
		{Name: OptPartitioning, Type: connectors.OptString,
			Description: "Partition spec of a table the sink creates, e.g. 'days(event_time), bucket(16, username)': identity columns, years, months, days, hours, bucket(N, col), truncate(W, col). CREATE TABLE ... PARTITIONED BY (...) sets it."},
		{Name: OptTargetFileSize, Type: connectors.OptInt, Default: "134217728",
			Description: "Target size of a data file in bytes (Iceberg's default, 128 MiB); a checkpoint always closes its files."},
		{Name: OptFormat, Type: connectors.OptEnum, Default: "parquet", Enum: []string{"parquet"},
			Description: "Data file format; only parquet."},
		{Name: OptManifestMerge, Type: connectors.OptBool, Default: "true",
			Description: "Table property of a table the sink creates: each commit merges the table's small manifests (Iceberg's merge append, " +
				"Java's default) once there are 'commit.manifest.min-count-to-merge' of them, so that a sink committing every checkpoint " +
				"does not leave one more manifest per commit for every scan to read; false: fast append (a manifest per commit until " +
				"CALL ....system.rewrite_manifests)."},
		{Name: OptManifestMinMerge, Type: connectors.OptInt, Default: strconv.Itoa(table.ManifestMinMergeCountDefault),
			Description: "Table property of a table the sink creates: how many manifests a commit's merge waits for (Iceberg's default)."},
		{Name: OptManifestTargetSize, Type: connectors.OptInt, Default: strconv.Itoa(table.ManifestTargetSizeBytesDefault),
			Description: "Table property of a table the sink creates: the size of a merged manifest in bytes (Iceberg's default, 8 MiB); " +
				"CALL ....system.rewrite_manifests writes manifests of this size too."},
	},
}

// Option is connectors.Option (short name for the table above).
type Option = connectors.Option

func init() {
	Spec.Options = append(Spec.Options, sourceOptions()...)
	connectors.Register(connectors.Connector{Spec: Spec, NewSink: NewSink, NewSource: NewSource})
}
