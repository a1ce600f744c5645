package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// Reference tables (the Lookup operator: temporal joins and subqueries
// against a live table).
var (
	RefTableRows = promauto.NewGaugeVec(prometheus.GaugeOpts{
		Name: "chatsql_reference_table_rows",
		Help: "Keys of a reference table whose newest version is a row (not deleted).",
	}, []string{"job", "operator"})
	RefTableUpdates = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "chatsql_reference_table_updates_total",
		Help: "Changelog records applied to a reference table (upserts and deletes).",
	}, []string{"job", "operator"})
	RefTableDeletes = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "chatsql_reference_table_deletes_total",
		Help: "Deletes (tombstones) applied to a reference table.",
	}, []string{"job", "operator"})
	RefTableStale = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "chatsql_reference_table_stale_updates_total",
		Help: "Updates ignored because their 'version.column' was lower than the key's.",
	}, []string{"job", "operator"})
	RefTableLate = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "chatsql_reference_table_late_versions_total",
		Help: "Versions valid from a time the event-time join's watermark had already passed (applied to later rows only).",
	}, []string{"job", "operator"})
	LookupRows = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "chatsql_lookup_rows_total",
		Help: "Stream rows looked up in a reference table.",
	}, []string{"job", "operator"})
	LookupHeld = promauto.NewGaugeVec(prometheus.GaugeOpts{
		Name: "chatsql_lookup_held_rows",
		Help: "Stream rows a Lookup operator holds: until its table is loaded, or until the watermark passes them (event-time joins).",
	}, []string{"job", "operator"})
)

// Lookup holds the handles of one Lookup operator.
type Lookup struct {
	Rows                          prometheus.Gauge
	Held                          prometheus.Gauge
	Updates, Deletes, Stale, Late prometheus.Counter
	Lookups                       prometheus.Counter
}

// NewLookup returns the handles of a Lookup operator.
func NewLookup(job, operator string) *Lookup {
	return &Lookup{
		Rows:    RefTableRows.WithLabelValues(job, operator),
		Held:    LookupHeld.WithLabelValues(job, operator),
		Updates: RefTableUpdates.WithLabelValues(job, operator),
		Deletes: RefTableDeletes.WithLabelValues(job, operator),
		Stale:   RefTableStale.WithLabelValues(job, operator),
		Late:    RefTableLate.WithLabelValues(job, operator),
		Lookups: LookupRows.WithLabelValues(job, operator),
	}
}
