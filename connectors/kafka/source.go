package kafka

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/chatsql/chatsql/connectors"
	"github.com/chatsql/chatsql/runtime"
	"github.com/chatsql/chatsql/runtime/types"
)

// Errors of the source.
var (
	ErrSourceConfig = errors.New("kafka source")
	ErrBadState     = errors.New("kafka source: bad checkpoint state")
)

// Dead-letter record headers.
const (
	HeaderError     = "chatsql.error"
	HeaderTopic     = "chatsql.source.topic"
	HeaderPartition = "chatsql.source.partition"
	HeaderOffset    = "chatsql.source.offset"
)

const (
	// pollWait bounds how long Poll waits when nothing arrives, so that
	// checkpoint barriers are not delayed.
	pollWait = 100 * time.Millisecond
	// maxBatchRows caps a batch; a larger fetch is split.
	maxBatchRows = 2048
)

type topicPartition struct {
	topic     string
	partition int32
}

// chunk is fetched records of one partition not yet returned by Poll.
type chunk struct {
	tp      topicPartition
	records []*kgo.Record
	hw      int64
}

// sourceState is the checkpointed position: the next offset to read of every
// partition read (or restored and not read since).
type sourceState struct {
	Version int                        `json:"version"`
	Offsets map[string]map[int32]int64 `json:"offsets"`
}

// Source reads Kafka topics. It implements runtime.Source and
// runtime.CheckpointListener.
type Source struct {
	name      string
	brokers   []string
	topics    []string
	pattern   *regexp.Regexp
	group     string
	useGroup  bool // group membership assigns the partitions (else direct)
	mode      string
	startTS   int64
	specific  map[int32]int64
	copts     clientOpts
	discovery time.Duration
	deadTopic string
	dec       *rowDecoder
	meta      []connectors.MetadataColumn
	ncols     int // physical columns
	// changelog ('mode' = 'upsert' read as a table): rows carry the
	// operation and the record time after the metadata columns.
	changelog bool
	cdec      *changelogDecoder

	cl     *kgo.Client
	adm    *kadm.Client
	sc     *runtime.SourceContext
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu           sync.Mutex
	positions    map[topicPartition]int64
	assigned     map[topicPartition]bool
	changed      bool // assignment changed since last reported
	initialDone  bool // the first assignment (or discovery) has been made
	pending      []chunk
	ids          map[topicPartition]int32
	lastSnapshot map[topicPartition]int64
	deadPending  bool            // dead letters produced since the last flush
	warned       map[string]bool // once-only log lines

	// Catch-up of a changelog source: the partitions of the first
	// discovery and where each starts (catchStarts), then, once their end
	// offsets are listed (catchReady), the end each must still reach
	// (catchEnds). caughtUp: SourceContext.CaughtUp was called.
	catchStarts map[topicPartition]startRef
	catchReady  bool
	catchEnds   map[topicPartition]int64
	caughtUp    bool
}

// startRef is where a partition of the first discovery starts: an exact
// offset (at >= 0), the log start (-2), the end (-1), or the first record
// at or after the millisecond at (afterMilli).
type startRef struct {
	at         int64
	afterMilli bool
}

var (
	_ runtime.Source             = (*Source)(nil)
	_ runtime.CheckpointListener = (*Source)(nil)
)

// NewSource builds a Kafka source from validated options.
func NewSource(cfg connectors.Config) (runtime.Source, error) {
	s := &Source{
		name:      cfg.Name,
		brokers:   Brokers(cfg),
		group:     cfg.Options.Get(optGroupID),
		useGroup:  cfg.Options.Get(optGroupID) != "" && strings.EqualFold(cfg.Options.Get(optAssignment), "group"),
		mode:      strings.ToLower(cfg.Options.Get(optStartupMode)),
		deadTopic: cfg.Options.Get(optDeadLetterTopic),
		meta:      cfg.Metadata,
		ncols:     len(cfg.Schema.Columns),
		discovery: cfg.Options.Duration(optDiscoveryInterval),
	}
	fail := func(format string, args ...any) error {
		return fmt.Errorf("%w '%s': %s", ErrSourceConfig, cfg.Name, fmt.Sprintf(format, args...))
	}
	s.changelog = cfg.Changelog
	upsert := cfg.Changelog || strings.EqualFold(cfg.Options.Get(optMode), modeUpsert)
	if s.mode == "" {
		// A table is read whole (Flink's upsert-kafka); a stream resumes
		// where its group left off.
		s.mode = modeGroup
		if upsert {
			s.mode = modeEarliest
		}
	}
	if s.discovery <= 0 {
		s.discovery = 10 * time.Second
	}
	topic, pattern := cfg.Options.Get(optTopic), cfg.Options.Get(optTopicPattern)
	switch {
	case topic != "" && pattern != "":
		return nil, fail("set either 'topic' or 'topic-pattern', not both")
	case topic != "":
		s.topics = splitList(topic)
		if len(s.topics) == 0 {
			return nil, fail("'topic' names no topic")
		}
	case pattern != "":
		re, err := regexp.Compile("^(?:" + pattern + ")$")
		if err != nil {
			return nil, fail("'topic-pattern' is not a regular expression: %v", err)
		}
		s.pattern = re
	default:
		return nil, fail("'topic' or 'topic-pattern' is required")
	}
	switch s.mode {
	case modeTimestamp:
		if cfg.Options.Get(optStartupTimestamp) == "" {
			return nil, fail("'scan.startup.mode' = 'timestamp' needs 'scan.startup.timestamp-millis'")
		}
		s.startTS = cfg.Options.Int(optStartupTimestamp)
	case modeSpecific:
		offs, err := parseSpecificOffsets(cfg.Options.Get(optStartupOffsets))
		if err != nil {
			return nil, fail("'scan.startup.specific-offsets': %v", err)
		}
		s.specific = offs
	}
	for _, m := range cfg.Metadata {
		switch m.Key {
		case metaTopic, metaPartition, metaOffset, metaTimestamp, metaKey:
		default:
			return nil, fail("unknown metadata key '%s' (known: topic, partition, offset, timestamp, key)", m.Key)
		}
	}
	if vc := cfg.Options.Get(optVersionColumn); vc != "" {
		if !upsert {
			return nil, fail("'version.column' applies only to 'mode' = 'upsert'")
		}
		names := cfg.Schema.Names()
		for _, m := range cfg.Metadata {
			names = append(names, m.Name)
		}
		if !containsName(names, vc) {
			hint := ""
			if m := connectors.Closest(vc, names); m != "" {
				hint = fmt.Sprintf("; did you mean '%s'?", m)
			}
			return nil, fail("'version.column' names '%s', which is not a column of the table%s", vc, hint)
		}
	}
	var err error
	if s.copts, err = parseProperties(cfg.Options); err != nil {
		return nil, fmt.Errorf("%w '%s': %w", ErrSourceConfig, cfg.Name, err)
	}
	if s.changelog {
		if s.useGroup {
			return nil, fail("'mode' = 'upsert' reads the whole table in every instance; 'scan.partition-assignment' = 'group' would split it (use 'direct')")
		}
		if s.cdec, err = newChangelogDecoder(cfg); err != nil {
			return nil, fmt.Errorf("%w '%s': %w", ErrSourceConfig, cfg.Name, err)
		}
		return s, nil
	}
	if s.dec, err = newRowDecoder(cfg); err != nil {
		return nil, fmt.Errorf("%w '%s': %w", ErrSourceConfig, cfg.Name, err)
	}
	return s, nil
}

func (s *Source) logf(format string, args ...any) {
	if s.sc != nil && s.sc.Logf != nil {
		s.sc.Logf("kafka source '%s': "+format, append([]any{s.name}, args...)...)
	}
}

// warnOnce logs a line the first time key is seen.
func (s *Source) warnOnce(key, format string, args ...any) {
	if s.warned[key] {
		return
	}
	s.warned[key] = true
	s.logf(format, args...)
}

// Open connects and starts fetching. state, when not nil, is a Snapshot.
func (s *Source) Open(ctx context.Context, sc *runtime.SourceContext, state []byte) error {
	s.sc = sc
	s.positions = map[topicPartition]int64{}
	s.assigned = map[topicPartition]bool{}
	s.ids = map[topicPartition]int32{}
	s.warned = map[string]bool{}
	if len(state) > 0 {
		var st sourceState
		if err := json.Unmarshal(state, &st); err != nil {
			return fmt.Errorf("%w of '%s': %w", ErrBadState, s.name, err)
		}
		for t, ps := range st.Offsets {
			for p, o := range ps {
				s.positions[topicPartition{t, p}] = o
			}
		}
	}
	opts := []kgo.Opt{kgo.SeedBrokers(s.brokers...)}
	opts = append(opts, s.copts.common...)
	opts = append(opts, s.copts.consumer...)
	opts = append(opts, kgo.ConsumeStartOffset(s.copts.resetOffset))
	if s.copts.readCommitted {
		opts = append(opts, kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	}
	if s.changelog {
		// Transaction markers take offsets too: seeing them lets the
		// position reach the end offset, so that the catch-up completes.
		opts = append(opts, kgo.KeepControlRecords())
	}
	if s.useGroup {
		opts = append(opts, s.copts.group...)
		opts = append(opts,
			kgo.ConsumerGroup(s.group),
			kgo.DisableAutoCommit(),
			kgo.AdjustFetchOffsetsFn(s.adjustOffsets),
			kgo.OnPartitionsAssigned(s.onAssigned),
			kgo.OnPartitionsRevoked(s.onRevoked),
			kgo.OnPartitionsLost(s.onRevoked),
		)
		if s.pattern != nil {
			opts = append(opts, kgo.ConsumeRegex(), kgo.ConsumeTopics(s.pattern.String()))
		} else {
			opts = append(opts, kgo.ConsumeTopics(s.topics...))
		}
	}
	if s.deadTopic != "" {
		// Dead letters are produced by the same client; the producer is
		// idempotent and flushed at every checkpoint.
		opts = append(opts, s.copts.producer...)
	}
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return fmt.Errorf("%w '%s': connecting to %s: %w", ErrSourceConfig, s.name, strings.Join(s.brokers, ","), err)
	}
	s.cl = cl
	s.adm = kadm.NewClient(cl)
	if !s.useGroup {
		dctx, cancel := context.WithCancel(context.Background())
		s.cancel = cancel
		s.wg.Add(1)
		go s.discoverLoop(dctx)
	}
	return nil
}

// startOffset is where a partition without a known position starts.
// initial is true for partitions of the first assignment or discovery.
func (s *Source) startOffset(tp topicPartition, initial bool, fallback kgo.Offset) kgo.Offset {
	if !initial {
		return fallback
	}
	switch s.mode {
	case modeEarliest:
		return kgo.NewOffset().AtStart()
	case modeLatest:
		return kgo.NewOffset().AtEnd()
	case modeTimestamp:
		return kgo.NewOffset().AfterMilli(s.startTS)
	case modeSpecific:
		if o, ok := s.specific[tp.partition]; ok {
			return kgo.NewOffset().At(o)
		}
	}
	return fallback
}

// adjustOffsets runs when the group assigns partitions, after the group's
// committed offsets were fetched: a checkpointed (or already read) position
// wins; then, on the first assignment, the startup mode; on later ones (a
// rebalance) the offset another member committed.
func (s *Source) adjustOffsets(_ context.Context, offsets map[string]map[int32]kgo.Offset) (map[string]map[int32]kgo.Offset, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	initial := !s.initialDone
	s.initialDone = true
	for t, ps := range offsets {
		for p, off := range ps {
			tp := topicPartition{t, p}
			if pos, ok := s.positions[tp]; ok {
				ps[p] = kgo.NewOffset().At(pos)
				continue
			}
			committed := off.EpochOffset().Offset >= 0
			if s.mode == modeGroup || (committed && !initial) {
				continue
			}
			if s.mode == modeSpecific {
				if _, ok := s.specific[p]; !ok {
					continue // "other partitions as group-offsets"
				}
			}
			ps[p] = s.startOffset(tp, true, off)
		}
	}
	return offsets, nil
}

func (s *Source) onAssigned(_ context.Context, _ *kgo.Client, m map[string][]int32) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for t, ps := range m {
		for _, p := range ps {
			s.assigned[topicPartition{t, p}] = true
		}
	}
	s.changed = true
}

func (s *Source) onRevoked(_ context.Context, _ *kgo.Client, m map[string][]int32) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for t, ps := range m {
		for _, p := range ps {
			tp := topicPartition{t, p}
			delete(s.assigned, tp)
			// Another member owns it now and resumes from the offset
			// committed after our last checkpoint; our snapshots stop
			// claiming it.
			delete(s.positions, tp)
		}
	}
	kept := s.pending[:0]
	for _, c := range s.pending {
		if s.assigned[c.tp] {
			kept = append(kept, c)
		}
	}
	s.pending = kept
	s.changed = true
}

func (s *Source) discoverLoop(ctx context.Context) {
	defer s.wg.Done()
	t := time.NewTicker(s.discovery)
	defer t.Stop()
	for {
		s.discover(ctx)
		s.mu.Lock()
		retry := s.changelog && !s.catchReady
		s.mu.Unlock()
		if retry && s.initCatchUp(ctx) != nil {
			// the end offsets could not be listed: try again soon
			select {
			case <-ctx.Done():
				return
			case <-time.After(catchUpRetry):
			}
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// discover finds the partitions to read without a group and adds the new
// ones to the client, each at its start offset.
func (s *Source) discover(ctx context.Context) {
	mctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var md kadm.Metadata
	var err error
	if s.pattern != nil {
		md, err = s.adm.Metadata(mctx)
	} else {
		md, err = s.adm.Metadata(mctx, s.topics...)
	}
	if err != nil {
		if ctx.Err() == nil {
			s.mu.Lock()
			s.warnOnce("metadata:"+err.Error(), "cannot load metadata from %s (retrying): %v", strings.Join(s.brokers, ","), err)
			s.mu.Unlock()
		}
		return
	}
	// group-offsets without membership: the group's committed offsets
	// give the start of partitions the checkpoint does not cover
	var committed kadm.OffsetResponses
	if s.group != "" && !s.initialDone && (s.mode == modeGroup || s.mode == modeSpecific) {
		committed, err = s.adm.FetchOffsets(mctx, s.group)
		if errors.Is(err, kerr.GroupIDNotFound) {
			err = nil // a group that never committed: nothing to resume from
		}
		if err != nil {
			s.mu.Lock()
			s.warnOnce("fetchoffsets:"+err.Error(), "cannot fetch the committed offsets of group '%s' (starting per 'properties.auto.offset.reset'): %v", s.group, err)
			s.mu.Unlock()
		}
	}
	add := map[string]map[int32]kgo.Offset{}
	s.mu.Lock()
	initial := !s.initialDone
	s.initialDone = true
	for name, td := range md.Topics {
		if s.pattern != nil && (td.IsInternal || strings.HasPrefix(name, "__") || !s.pattern.MatchString(name)) {
			continue
		}
		if td.Err != nil {
			s.warnOnce("topic:"+name, "topic '%s' is not readable yet (waiting for it): %v", name, td.Err)
			continue
		}
		for p := range td.Partitions {
			tp := topicPartition{name, p}
			if s.assigned[tp] {
				continue
			}
			var off kgo.Offset
			afterMilli := false
			if pos, ok := s.positions[tp]; ok {
				off = kgo.NewOffset().At(pos)
			} else {
				// A partition that appears after the start is new:
				// read it whole, whatever the startup mode.
				off = kgo.NewOffset().AtStart()
				if initial {
					fallback := s.copts.resetOffset
					if c, ok := committed.Lookup(name, p); ok && c.Err == nil && c.At >= 0 {
						fallback = kgo.NewOffset().At(c.At)
					}
					off = s.startOffset(tp, true, fallback)
					afterMilli = s.mode == modeTimestamp
				}
			}
			if initial && s.changelog {
				if s.catchStarts == nil {
					s.catchStarts = map[topicPartition]startRef{}
				}
				s.catchStarts[tp] = startRef{at: off.EpochOffset().Offset, afterMilli: afterMilli}
			}
			if add[name] == nil {
				add[name] = map[int32]kgo.Offset{}
			}
			add[name][p] = off
			s.assigned[tp] = true
			s.changed = true
		}
	}
	s.mu.Unlock()
	if len(add) > 0 {
		s.cl.AddConsumePartitions(add)
	}
}

// partitionID is the id a partition's batches carry: the partition number
// when one topic is read, else a dense number per (topic, partition).
func (s *Source) partitionID(tp topicPartition) int32 {
	if s.pattern == nil && len(s.topics) == 1 {
		return tp.partition
	}
	id, ok := s.ids[tp]
	if !ok {
		id = int32(len(s.ids))
		s.ids[tp] = id
	}
	return id
}

// reportAssignment tells the driver the partitions read, when they changed.
func (s *Source) reportAssignment() {
	if !s.changed {
		return
	}
	s.changed = false
	if s.sc == nil || s.sc.Partitions == nil {
		return
	}
	tps := make([]topicPartition, 0, len(s.assigned))
	for tp := range s.assigned {
		tps = append(tps, tp)
	}
	sort.Slice(tps, func(i, j int) bool {
		if tps[i].topic != tps[j].topic {
			return tps[i].topic < tps[j].topic
		}
		return tps[i].partition < tps[j].partition
	})
	ids := make([]int32, len(tps))
	for i, tp := range tps {
		ids[i] = s.partitionID(tp)
	}
	s.sc.Partitions(ids)
}

// ErrClosed is returned by Poll after the client was closed.
var ErrClosed = errors.New("kafka source: client closed")

// Poll returns the records of one partition, decoded, or nil after a short
// wait when none arrived.
func (s *Source) Poll(ctx context.Context) (*runtime.Batch, error) {
	s.mu.Lock()
	s.reportAssignment()
	empty := len(s.pending) == 0
	caught := s.checkCaughtUp()
	s.mu.Unlock()
	if caught && s.sc != nil && s.sc.CaughtUp != nil {
		// Called here, at the start of a Poll, so that every batch with
		// the records it covers has already been returned.
		s.sc.CaughtUp()
	}
	if empty {
		pctx, cancel := context.WithTimeout(ctx, pollWait)
		fetches := s.cl.PollFetches(pctx)
		cancel()
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if fetches.IsClientClosed() {
			return nil, ErrClosed
		}
		s.mu.Lock()
		fetches.EachError(func(t string, p int32, err error) {
			if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
				return
			}
			// franz-go retries what can be retried; what reaches us is
			// worth a line in the log, never the end of the stream.
			s.warnOnce(fmt.Sprintf("fetch:%s:%d:%v", t, p, err), "fetching topic '%s' partition %d: %v", t, p, err)
		})
		fetches.EachPartition(func(p kgo.FetchTopicPartition) {
			if len(p.Records) == 0 {
				return
			}
			tp := topicPartition{p.Topic, p.Partition}
			if s.useGroup && !s.assigned[tp] {
				return
			}
			s.pending = append(s.pending, chunk{tp: tp, records: p.Records, hw: p.HighWatermark})
		})
		s.reportAssignment()
		s.mu.Unlock()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.pending) == 0 {
		return nil, nil
	}
	c := &s.pending[0]
	recs := c.records
	if len(recs) > maxBatchRows {
		recs = recs[:maxBatchRows]
		c.records = c.records[maxBatchRows:]
	} else {
		s.pending = s.pending[1:]
	}
	b := s.decodeBatch(ctx, c.tp, recs)
	next := recs[len(recs)-1].Offset + 1
	s.positions[c.tp] = next
	if s.sc != nil && s.sc.Lag != nil && c.hw >= 0 {
		lag := c.hw - next
		if lag < 0 {
			lag = 0
		}
		s.sc.Lag(c.tp.topic, c.tp.partition, lag)
	}
	if len(b.Rows) == 0 {
		return nil, nil
	}
	return b, nil
}

func (s *Source) decodeBatch(ctx context.Context, tp topicPartition, recs []*kgo.Record) *runtime.Batch {
	if s.changelog {
		return s.decodeChangelog(ctx, tp, recs)
	}
	width := s.ncols + len(s.meta)
	slab := make([]types.Value, len(recs)*width)
	rows := make([]types.Row, 0, len(recs))
	for _, r := range recs {
		if r.Value == nil {
			continue // a tombstone carries no row
		}
		row := types.Row(slab[:width:width])
		if err := s.dec.decode(r.Key, r.Value, row); err != nil {
			clear(row)
			s.deadLetter(ctx, r, err)
			continue
		}
		slab = slab[width:]
		for i, m := range s.meta {
			row[s.ncols+i] = metadataValue(r, m)
		}
		rows = append(rows, row)
	}
	return &runtime.Batch{Rows: rows, Partition: s.partitionID(tp)}
}

func metadataValue(r *kgo.Record, m connectors.MetadataColumn) types.Value {
	switch m.Key {
	case metaTopic:
		return types.NewString(r.Topic)
	case metaPartition:
		return types.NewInt(int64(r.Partition))
	case metaOffset:
		return types.NewBigInt(r.Offset)
	case metaTimestamp:
		return types.NewTimestampLTZ(r.Timestamp.UnixMicro())
	case metaKey:
		if r.Key == nil {
			return types.NullValue
		}
		if m.Type.Kind == types.KindString {
			return types.NewString(string(r.Key))
		}
		return types.NewBytes(string(r.Key))
	}
	return types.NullValue
}

// deadLetter reports a record that cannot be decoded and, with a
// dead-letter topic, produces the original there.
func (s *Source) deadLetter(ctx context.Context, r *kgo.Record, err error) {
	err = fmt.Errorf("topic %s partition %d offset %d: %w", r.Topic, r.Partition, r.Offset, err)
	if s.sc != nil && s.sc.DeadLetter != nil {
		s.sc.DeadLetter(ctx, runtime.DeadLetterRecord{
			Source: s.name, Topic: r.Topic, Partition: r.Partition, Offset: r.Offset,
			Key: r.Key, Value: r.Value, Err: err,
		})
	}
	if s.deadTopic == "" {
		return
	}
	dl := &kgo.Record{
		Topic: s.deadTopic,
		Key:   r.Key,
		Value: r.Value,
		Headers: []kgo.RecordHeader{
			{Key: HeaderError, Value: []byte(err.Error())},
			{Key: HeaderTopic, Value: []byte(r.Topic)},
			{Key: HeaderPartition, Value: []byte(strconv.FormatInt(int64(r.Partition), 10))},
			{Key: HeaderOffset, Value: []byte(strconv.FormatInt(r.Offset, 10))},
		},
	}
	s.deadPending = true
	// Not the Poll context: a dead letter must not be dropped because the
	// poll that found it returned.
	s.cl.Produce(context.Background(), dl, func(r *kgo.Record, err error) {
		if err != nil {
			s.mu.Lock()
			s.warnOnce("dlq:"+err.Error(), "producing to dead-letter topic '%s': %v", s.deadTopic, err)
			s.mu.Unlock()
		}
	})
}

// Snapshot returns the next offset of every partition read, after making the
// dead letters produced so far durable.
func (s *Source) Snapshot(ctx context.Context) ([]byte, error) {
	s.mu.Lock()
	flush := s.deadPending
	s.deadPending = false
	s.mu.Unlock()
	if flush {
		if err := s.cl.Flush(ctx); err != nil {
			return nil, fmt.Errorf("kafka source '%s': flushing dead letters to '%s': %w", s.name, s.deadTopic, err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := sourceState{Version: 1, Offsets: map[string]map[int32]int64{}}
	snap := make(map[topicPartition]int64, len(s.positions))
	for tp, o := range s.positions {
		if st.Offsets[tp.topic] == nil {
			st.Offsets[tp.topic] = map[int32]int64{}
		}
		st.Offsets[tp.topic][tp.partition] = o
		snap[tp] = o
	}
	// The runtime takes one checkpoint at a time, so the newest snapshot
	// is the one the next completed checkpoint holds.
	s.lastSnapshot = snap
	return json.Marshal(st)
}

// CheckpointComplete commits the checkpointed offsets to the consumer group,
// for monitoring tools and 'group-offsets' on a fresh start. A failed
// commit is logged, not fatal: the checkpoint, not the group, is the truth.
func (s *Source) CheckpointComplete(ctx context.Context, checkpointID int64) error {
	if s.group == "" {
		return nil
	}
	s.mu.Lock()
	snap := s.lastSnapshot
	s.lastSnapshot = nil
	s.mu.Unlock()
	if len(snap) == 0 {
		return nil
	}
	offs := map[string]map[int32]kgo.EpochOffset{}
	for tp, o := range snap {
		if offs[tp.topic] == nil {
			offs[tp.topic] = map[int32]kgo.EpochOffset{}
		}
		offs[tp.topic][tp.partition] = kgo.EpochOffset{Epoch: -1, Offset: o}
	}
	var commitErr error
	if !s.useGroup {
		// not a member: a plain commit through the admin API, which Kafka
		// accepts for a group without active members
		os := kadm.Offsets{}
		for t, ps := range offs {
			for p, o := range ps {
				os.Add(kadm.Offset{Topic: t, Partition: p, At: o.Offset, LeaderEpoch: -1})
			}
		}
		resp, err := s.adm.CommitOffsets(ctx, s.group, os)
		if err == nil {
			err = resp.Error()
		}
		commitErr = err
	} else {
		s.cl.CommitOffsetsSync(ctx, offs, func(_ *kgo.Client, _ *kmsg.OffsetCommitRequest, resp *kmsg.OffsetCommitResponse, err error) {
			if err != nil {
				commitErr = err
				return
			}
			for _, t := range resp.Topics {
				for _, p := range t.Partitions {
					if e := kerr.ErrorForCode(p.ErrorCode); e != nil && commitErr == nil {
						commitErr = fmt.Errorf("topic %s partition %d: %w", t.Topic, p.Partition, e)
					}
				}
			}
		})
	}
	if commitErr != nil {
		s.logf("committing the offsets of checkpoint %d to group '%s': %v", checkpointID, s.group, commitErr)
	}
	return nil
}

// Close stops fetching and leaves the group (without committing: only
// checkpointed offsets are committed).
func (s *Source) Close() error {
	if s.cancel != nil {
		s.cancel()
		s.wg.Wait()
	}
	if s.cl != nil {
		s.cl.Close()
	}
	return nil
}

// catchUpRetry is how soon a changelog source tries again to list the end
// offsets its catch-up waits for, after a failure.
const catchUpRetry = time.Second

var errNotDiscovered = errors.New("partitions not discovered yet")

// initCatchUp lists the end offsets of the partitions of the first
// discovery and keeps, for each one that starts before its end, the end
// it must reach before the source is caught up (SourceContext.CaughtUp).
// Partitions found later do not hold the catch-up back.
func (s *Source) initCatchUp(ctx context.Context) error {
	s.mu.Lock()
	if !s.initialDone {
		s.mu.Unlock()
		return errNotDiscovered
	}
	starts := make(map[topicPartition]startRef, len(s.catchStarts))
	topicSet := map[string]bool{}
	needLogStart, needMilli := false, false
	for tp, st := range s.catchStarts {
		starts[tp] = st
		topicSet[tp.topic] = true
		switch {
		case st.afterMilli:
			needMilli = true
		case st.at == -2:
			needLogStart = true
		}
	}
	s.mu.Unlock()
	ends := map[topicPartition]int64{}
	if len(starts) > 0 {
		topics := make([]string, 0, len(topicSet))
		for t := range topicSet {
			topics = append(topics, t)
		}
		sort.Strings(topics)
		lctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		fail := func(what string, err error) error {
			if ctx.Err() == nil {
				s.mu.Lock()
				s.warnOnce("catchup:"+err.Error(), "cannot list the %s offsets of %s (retrying; the table is not loaded until then): %v", what, strings.Join(topics, ", "), err)
				s.mu.Unlock()
			}
			return err
		}
		list := s.adm.ListEndOffsets
		if s.copts.readCommitted {
			list = s.adm.ListCommittedOffsets // the last stable offsets
		}
		endL, err := list(lctx, topics...)
		if err != nil {
			return fail("end", err)
		}
		var startL, milliL kadm.ListedOffsets
		if needLogStart {
			if startL, err = s.adm.ListStartOffsets(lctx, topics...); err != nil {
				return fail("start", err)
			}
		}
		if needMilli {
			if milliL, err = s.adm.ListOffsetsAfterMilli(lctx, s.startTS, topics...); err != nil {
				return fail("timestamp", err)
			}
		}
		lookup := func(l kadm.ListedOffsets, tp topicPartition) (int64, error) {
			o, ok := l.Lookup(tp.topic, tp.partition)
			if !ok {
				return 0, fmt.Errorf("no offset listed for topic %s partition %d", tp.topic, tp.partition)
			}
			if o.Err != nil {
				return 0, fmt.Errorf("topic %s partition %d: %w", tp.topic, tp.partition, o.Err)
			}
			return o.Offset, nil
		}
		for tp, st := range starts {
			end, err := lookup(endL, tp)
			if err != nil {
				return fail("end", err)
			}
			start := st.at
			switch {
			case st.afterMilli:
				if start, err = lookup(milliL, tp); err != nil {
					return fail("timestamp", err)
				}
				if start < 0 { // no record at or after the time
					start = end
				}
			case st.at == -2:
				if start, err = lookup(startL, tp); err != nil {
					return fail("start", err)
				}
			case st.at < 0: // the end
				start = end
			}
			if start < end {
				ends[tp] = end
			}
		}
	}
	s.mu.Lock()
	s.catchEnds = ends
	s.catchReady = true
	s.mu.Unlock()
	return nil
}

// checkCaughtUp reports, once, that every partition the catch-up waits for
// has been read to its end. s.mu is held.
func (s *Source) checkCaughtUp() bool {
	if !s.changelog || s.caughtUp || !s.catchReady {
		return false
	}
	for tp, end := range s.catchEnds {
		if pos, ok := s.positions[tp]; ok && pos >= end {
			delete(s.catchEnds, tp)
		}
	}
	if len(s.catchEnds) > 0 {
		return false
	}
	s.caughtUp = true
	return true
}

// decodeChangelog decodes the records of an upsert topic into changelog
// rows: physical columns, metadata columns, operation, record time.
func (s *Source) decodeChangelog(ctx context.Context, tp topicPartition, recs []*kgo.Record) *runtime.Batch {
	nm := s.ncols + len(s.meta)
	width := nm + changelogExtra
	slab := make([]types.Value, len(recs)*width)
	rows := make([]types.Row, 0, len(recs))
	for _, r := range recs {
		if r.Attrs.IsControl() {
			continue // a transaction marker: an offset, no row
		}
		row := types.Row(slab[:width:width])
		op, err := s.cdec.decode(r.Key, r.Value, row)
		if err != nil {
			clear(row)
			s.deadLetter(ctx, r, err)
			continue
		}
		slab = slab[width:]
		for i, m := range s.meta {
			row[s.ncols+i] = metadataValue(r, m)
		}
		row[nm] = types.NewInt(int64(op))
		row[nm+1] = recordTime(r)
		rows = append(rows, row)
	}
	return &runtime.Batch{Rows: rows, Partition: s.partitionID(tp)}
}

// recordTime is a record's timestamp, NULL when the broker has none.
func recordTime(r *kgo.Record) types.Value {
	if r.Timestamp.IsZero() || r.Timestamp.UnixMilli() < 0 {
		return types.NullValue
	}
	return types.NewTimestampLTZ(r.Timestamp.UnixMicro())
}

func containsName(names []string, name string) bool {
	for _, n := range names {
		if strings.EqualFold(n, name) {
			return true
		}
	}
	return false
}
