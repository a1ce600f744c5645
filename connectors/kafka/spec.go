// Package kafka is the Kafka connector: a source that reads topics with
// franz-go, its offsets taken from chatsql's checkpoints rather than from
// auto-commit, and a sink with an idempotent producer whose acks are awaited
// at every checkpoint. Option names follow Flink SQL's Kafka connector.
package kafka

import (
	"github.com/chatsql/chatsql/connectors"
	"github.com/chatsql/chatsql/connectors/format"
	"github.com/chatsql/chatsql/runtime/types"
)

// Option names.
const (
	optTopic               = "topic"
	optTopicPattern        = "topic-pattern"
	optBootstrap           = "properties.bootstrap.servers"
	optGroupID             = "properties.group.id"
	optProperties          = "properties."
	optStartupMode         = "scan.startup.mode"
	optStartupTimestamp    = "scan.startup.timestamp-millis"
	optStartupOffsets      = "scan.startup.specific-offsets"
	optDiscoveryInterval   = "scan.topic-partition-discovery.interval"
	optAssignment          = "scan.partition-assignment"
	optIdleTimeout         = "scan.watermark.idle-timeout"
	optKeyFormat           = "key.format"
	optKeyFields           = "key.fields"
	optValueFieldsInclude  = "value.fields-include"
	optDeadLetterTopic     = "dead-letter.topic"
	optDeliveryGuarantee   = "sink.delivery-guarantee"
	optTransactionalPrefix = "sink.transactional-id-prefix"
	optPartitioner         = "sink.partitioner"
	optMode                = "mode"
	optVersionColumn       = "version.column"
)

// Read modes ('mode').
const (
	modeAppend = "append"
	modeUpsert = "upsert"
)

// Startup modes (scan.startup.mode).
const (
	modeEarliest  = "earliest-offset"
	modeLatest    = "latest-offset"
	modeGroup     = "group-offsets"
	modeTimestamp = "timestamp"
	modeSpecific  = "specific-offsets"
)

// Delivery guarantees (sink.delivery-guarantee).
const (
	deliveryAtLeastOnce = "at-least-once"
	deliveryNone        = "none"
	deliveryExactlyOnce = "exactly-once"
)

// DefaultBrokers is used when neither 'properties.bootstrap.servers' nor the
// session setting 'kafka.brokers' says where Kafka is: the playground's
// embedded broker.
const DefaultBrokers = "localhost:19092"

// SettingBrokers is the session setting (SET 'kafka.brokers' = '...') that
// supplies the default bootstrap servers.
const SettingBrokers = "kafka.brokers"

// Metadata keys usable in METADATA FROM '...'.
const (
	metaTopic     = "topic"
	metaPartition = "partition"
	metaOffset    = "offset"
	metaTimestamp = "timestamp"
	metaKey       = "key"
)

// valueFormats are the accepted 'format' values; the first is the default.
var valueFormats = []string{"json", "raw", "csv"}

// Spec is the kafka connector's declared surface; the docs are generated
// from it.
func Spec() connectors.Spec {
	opts := []connectors.Option{
		{Name: optTopic, Type: connectors.OptString,
			Description: "Source: the topic to read, or several separated by ';' ('a;b;c'). Sink: the topic to write to (required). Exactly one of 'topic' and 'topic-pattern' is set on a source."},
		{Name: optTopicPattern, Type: connectors.OptString,
			Description: "Source only: a regular expression (Go syntax, anchored: it must match the whole name) of the topics to read; topics created later that match are picked up."},
		{Name: optBootstrap, Type: connectors.OptString,
			Description: "Comma-separated host:port list of Kafka brokers. Default: the session setting 'kafka.brokers' (the --kafka-brokers flag), else " + DefaultBrokers + "."},
		{Name: optGroupID, Type: connectors.OptString,
			Description: "Source: the consumer group the offsets of each completed checkpoint are committed to (for monitoring tools and 'group-offsets' on a fresh start); with 'scan.partition-assignment' = 'group' also the group whose members share the partitions. Without one, nothing is committed."},
		{Name: optProperties, Type: connectors.OptString, Prefix: true,
			Description: "Kafka client properties. Supported: client.id, session.timeout.ms, heartbeat.interval.ms, rebalance.timeout.ms (max.poll.interval.ms), request.timeout.ms, auto.offset.reset (earliest|latest: where 'group-offsets' starts when the group has no committed offset), isolation.level (read_uncommitted|read_committed), fetch.max.bytes, max.partition.fetch.bytes, fetch.max.wait.ms, linger.ms, batch.size, compression.type (none|gzip|snappy|lz4|zstd), acks (all|1|0), retries, delivery.timeout.ms, security.protocol (PLAINTEXT|SSL|SASL_PLAINTEXT|SASL_SSL), ssl.ca.location (PEM file), ssl.endpoint.identification.algorithm ('' disables host name checks), sasl.mechanism (PLAIN|SCRAM-SHA-256|SCRAM-SHA-512), sasl.username, sasl.password, sasl.jaas.config (username=\"..\" password=\"..\" are read from it). Other properties are rejected rather than silently ignored."},
		{Name: optMode, Type: connectors.OptEnum, Enum: []string{modeAppend, modeUpsert},
			Description: "Source: append (the default): every record is a row of a stream. upsert: the topic is a keyed table (a reference table, e.g. a compacted topic; the table needs a PRIMARY KEY): a record upserts the row of its key, a record with a null value (a tombstone) deletes it. The key comes from the record key ('key.format'), or from the value's fields when a record has no key. The table is read from the earliest offset by default (see 'scan.startup.mode') and loaded to the end of the topic, as it was when the job started, before the main stream is processed; later records update it live. Records whose key or value cannot be decoded, and tombstones without a key, are counted and dead-lettered."},
		{Name: optVersionColumn, Type: connectors.OptString,
			Description: "Upsert mode: a column (physical or metadata, e.g. a version number, an update time or the record offset) whose value orders the updates of one key: an update or delete whose version is lower than the stored one is ignored and counted. The table operator enforces it; unset, the last record read wins."},
		{Name: optStartupMode, Type: connectors.OptEnum,
			Enum:        []string{modeEarliest, modeLatest, modeGroup, modeTimestamp, modeSpecific},
			Description: "Where a source starts reading partitions that the restored checkpoint does not cover (a checkpoint's offsets always win). Default: group-offsets; earliest-offset with 'mode' = 'upsert' (a table is always read whole). earliest-offset: the oldest record; latest-offset: only new records; group-offsets: the group's committed offsets, falling back to 'properties.auto.offset.reset' (default earliest) for partitions without one; timestamp: the first record at or after 'scan.startup.timestamp-millis'; specific-offsets: the offsets of 'scan.startup.specific-offsets' (other partitions as group-offsets)."},
		{Name: optStartupTimestamp, Type: connectors.OptInt,
			Description: "Epoch milliseconds to start from when 'scan.startup.mode' = 'timestamp'."},
		{Name: optStartupOffsets, Type: connectors.OptString,
			Description: "Offsets to start from when 'scan.startup.mode' = 'specific-offsets', e.g. 'partition:0,offset:42;partition:1,offset:300' (applies to every topic read)."},
		{Name: optAssignment, Type: connectors.OptEnum, Enum: []string{"direct", "group"}, Default: "direct",
			Description: "Source: who decides which partitions this job reads. direct (Flink's way): the source reads every partition itself; 'properties.group.id' only receives the offsets of each completed checkpoint (and gives 'group-offsets' its start), so a restarted job resumes at once. group: the source joins the consumer group, so several chatsql processes running the same job share the partitions; a restart after a crash then waits for the group to drop the dead member (session.timeout.ms)."},
		{Name: optDiscoveryInterval, Type: connectors.OptDuration, Default: "10 s",
			Description: "Direct assignment: how often new partitions and, with 'topic-pattern', new topics are looked for. Partitions found after the start are read from their beginning."},
		{Name: optIdleTimeout, Type: connectors.OptDuration,
			Description: "A partition that receives nothing for this long stops holding back the source's watermark (so one quiet partition does not stall event time). Unset: partitions never go idle."},
		{Name: optKeyFormat, Type: connectors.OptEnum, Enum: []string{"json", "raw"}, Default: "json",
			Description: "The record key's format when 'key.fields' is set, and in upsert mode, where the key holds the PRIMARY KEY columns: json (an object of the key fields) or raw (the bytes of a single VARCHAR or BYTES key field)."},
		{Name: optKeyFields, Type: connectors.OptString,
			Description: "Columns that make the record key, separated by ';'. Sink: the key written (default: no key; records are then spread round-robin). Source: the columns read from the key (with 'value.fields-include' = 'EXCEPT_KEY')."},
		{Name: optValueFieldsInclude, Type: connectors.OptEnum, Enum: []string{"ALL", "EXCEPT_KEY"}, Default: "ALL",
			Description: "ALL: the value holds every physical column (key fields too); EXCEPT_KEY: the value holds the columns that are not key fields, which come from the key."},
		{Name: optDeadLetterTopic, Type: connectors.OptString,
			Description: "Source: a topic that receives every record that cannot be decoded (malformed, or a field of the wrong type), with its original key and value and the headers chatsql.error, chatsql.source.topic, chatsql.source.partition and chatsql.source.offset. Such records are always counted and skipped; the stream goes on."},
		{Name: optDeliveryGuarantee, Type: connectors.OptEnum, Default: deliveryAtLeastOnce,
			Enum:        []string{deliveryAtLeastOnce, deliveryNone, deliveryExactlyOnce},
			Description: "Sink: at-least-once (default): an idempotent producer whose acks are awaited at every checkpoint, so a restart from the checkpoint loses nothing; none: fire and forget (acks from the leader only, nothing awaited at checkpoints); exactly-once: not supported yet (rejected)."},
		{Name: optTransactionalPrefix, Type: connectors.OptString,
			Description: "Sink: the transactional id prefix for 'exactly-once' (reserved: exactly-once is not supported yet)."},
		{Name: optPartitioner, Type: connectors.OptEnum, Default: "default", Enum: []string{"default", "round-robin"},
			Description: "Sink: default: records with a key go to the partition of the key's hash (murmur2, as Kafka's Java client does), records without one round-robin; round-robin: every record round-robin, ignoring the key."},
	}
	opts = append(opts, format.OptionsFor(valueFormats...)...)
	return connectors.Spec{
		Name:        "kafka",
		Description: "Reads from and writes to Apache Kafka (or any Kafka-protocol broker: Redpanda, MSK, Confluent). Source offsets live in chatsql's checkpoints; the sink awaits every ack at each checkpoint (at least once).",
		Options:     opts,
		Formats:     valueFormats,
		Metadata: []types.Column{
			{Name: metaTopic, Type: types.String},
			{Name: metaPartition, Type: types.Int},
			{Name: metaOffset, Type: types.BigInt},
			{Name: metaTimestamp, Type: types.TimestampLTZ},
			{Name: metaKey, Type: types.Bytes},
		},
		Source: true,
		Sink:   true,
	}
}

func init() {
	connectors.Register(connectors.Connector{
		Spec:      Spec(),
		NewSource: NewSource,
		NewSink:   NewSink,
	})
}
