// Package datagen is a source of realistic synthetic chat traffic (users,
// rooms, languages, the seed's message types, repeated phrases as real chat
// has) for tests, demos and benchmarks. The generator is also a library:
// the playground's --generate and the benchmarks use NewChatGenerator.
package datagen

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/chatsql/chatsql/connectors"
	"github.com/chatsql/chatsql/runtime"
	"github.com/chatsql/chatsql/runtime/types"
)

// Option names; rows-per-second and number-of-rows are Flink's.
const (
	OptRowsPerSecond = "rows-per-second"
	OptNumberOfRows  = "number-of-rows"
	OptSeed          = "seed"
	OptUsers         = "users"
	OptRooms         = "rooms"
	OptStartTime     = "start-time"
	batchSize        = 1024
)

// Spec is the datagen connector's declared surface.
func Spec() connectors.Spec {
	return connectors.Spec{
		Name: "datagen",
		Description: "Synthetic chat traffic: columns named username, text, type, preferredLanguage, timestamp " +
			"(BIGINT epoch seconds), event_time, room, room_id, id and message_id are filled with realistic values; " +
			"other columns get random values of their type.",
		Options: []connectors.Option{
			{Name: OptRowsPerSecond, Type: connectors.OptInt, Default: "10000",
				Description: "Rows per second, in wall-clock time and in simulated event time; 0 means as fast as possible (event time then advances 100 µs per row)."},
			{Name: OptNumberOfRows, Type: connectors.OptInt,
				Description: "Stop after this many rows (the source is then bounded); unbounded by default."},
			{Name: OptSeed, Type: connectors.OptInt,
				Description: "Seed of the generator: the same seed gives the same rows. Random by default."},
			{Name: OptUsers, Type: connectors.OptInt, Default: "1000", Description: "Number of distinct users; a few of them talk a lot."},
			{Name: OptRooms, Type: connectors.OptInt, Default: "50", Description: "Number of chat rooms."},
			{Name: OptStartTime, Type: connectors.OptString,
				Description: "Event time of the first row: epoch milliseconds or a timestamp such as '2024-01-01 00:00:00'. Now by default."},
		},
		Source: true,
	}
}

func init() {
	connectors.Register(connectors.Connector{
		Spec:      Spec(),
		NewSource: func(cfg connectors.Config) (runtime.Source, error) { return NewSource(cfg) },
	})
}

// filler computes one column of a row from a message.
type filler func(m *ChatMessage, r *rand.Rand) types.Value

// Source emits generated rows at the configured rate.
type Source struct {
	cfg     connectors.Config
	gen     *ChatGenerator
	seed    int64
	rate    int64
	limit   int64 // -1: unbounded
	fill    []filler
	width   int
	other   *rand.PCG // per-row values of other columns: seeded by (seed, seq)
	otherR  *rand.Rand
	started time.Time
	base    int64 // rows emitted before this run (restored)
	sleep   func(ctx context.Context, d time.Duration)
}

// NewSource builds a datagen source from validated options.
func NewSource(cfg connectors.Config) (*Source, error) {
	o := cfg.Options
	s := &Source{cfg: cfg, rate: o.Int(OptRowsPerSecond), limit: -1, sleep: sleepCtx}
	if o.Get(OptNumberOfRows) != "" {
		s.limit = max(o.Int(OptNumberOfRows), 0)
	}
	if s.rate < 0 {
		return nil, fmt.Errorf("datagen source '%s': %w: option '%s' must not be negative", cfg.Name, connectors.ErrBadOption, OptRowsPerSecond)
	}
	s.seed = rand.Int64()
	if o.Get(OptSeed) != "" {
		s.seed = o.Int(OptSeed)
	}
	start := time.Now()
	if v := o.Get(OptStartTime); v != "" {
		t, err := parseStart(v)
		if err != nil {
			return nil, fmt.Errorf("datagen source '%s': %w: option '%s': %v", cfg.Name, connectors.ErrBadOption, OptStartTime, err)
		}
		start = t
	}
	users, rooms := 1000, 50
	if o.Get(OptUsers) != "" {
		users = int(o.Int(OptUsers))
	}
	if o.Get(OptRooms) != "" {
		rooms = int(o.Int(OptRooms))
	}
	if users < 1 || rooms < 1 {
		return nil, fmt.Errorf("datagen source '%s': %w: users and rooms must be at least 1", cfg.Name, connectors.ErrBadOption)
	}
	s.gen = NewChatGenerator(s.seed, WithUsers(users), WithRooms(rooms), WithStartTime(start), WithRate(float64(s.rate)))
	s.other = rand.NewPCG(0, 0)
	s.otherR = rand.New(s.other)
	for _, c := range cfg.Schema.Columns {
		s.fill = append(s.fill, fillerFor(c, s.seed))
	}
	s.width = len(cfg.Schema.Columns) + len(cfg.Metadata)
	return s, nil
}

func parseStart(v string) (time.Time, error) {
	v = strings.TrimSpace(v)
	if ms, err := strconv.ParseInt(v, 10, 64); err == nil {
		return time.UnixMilli(ms), nil
	}
	for _, layout := range []string{"2006-01-02 15:04:05.999999", time.RFC3339Nano, "2006-01-02T15:04:05.999999", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("'%s' is neither epoch milliseconds nor a timestamp", v)
}

// fillerFor maps a column to its value by name when the type fits, else to
// a random value of its type.
func fillerFor(c types.Column, seed int64) filler {
	k := c.Type.Kind
	str := k == types.KindString
	switch strings.ToLower(c.Name) {
	case "username", "user", "user_name":
		if str {
			return func(m *ChatMessage, _ *rand.Rand) types.Value { return types.NewString(m.Username) }
		}
	case "text", "message", "content":
		if str {
			return func(m *ChatMessage, _ *rand.Rand) types.Value { return types.NewString(m.Text) }
		}
	case "type", "message_type", "event_type":
		if str {
			return func(m *ChatMessage, _ *rand.Rand) types.Value { return types.NewString(m.Type) }
		}
	case "preferredlanguage", "preferred_language", "language", "lang":
		if str {
			return func(m *ChatMessage, _ *rand.Rand) types.Value { return types.NewString(m.PreferredLanguage) }
		}
	case "room", "room_id", "roomid", "channel":
		switch {
		case str:
			return func(m *ChatMessage, _ *rand.Rand) types.Value { return types.NewString(m.Room) }
		case k == types.KindInt || k == types.KindBigInt:
			return func(m *ChatMessage, _ *rand.Rand) types.Value { return intOf(k, m.RoomID) }
		}
	case "id", "message_id", "msg_id":
		switch {
		case str:
			prefix := "msg-" + strconv.FormatInt(seed, 36) + "-"
			return func(m *ChatMessage, _ *rand.Rand) types.Value {
				return types.NewString(prefix + strconv.FormatInt(m.Seq, 10))
			}
		case k == types.KindInt || k == types.KindBigInt:
			return func(m *ChatMessage, _ *rand.Rand) types.Value { return intOf(k, m.Seq) }
		}
	case "timestamp", "ts", "event_time", "eventtime", "event_ts", "created_at":
		switch k {
		case types.KindBigInt, types.KindInt:
			return func(m *ChatMessage, _ *rand.Rand) types.Value { return intOf(k, m.Timestamp) }
		}
	}
	return randomFiller(c.Type)
}

func intOf(k types.Kind, n int64) types.Value {
	if k == types.KindInt {
		return types.NewInt(n)
	}
	return types.NewBigInt(n)
}

const letters = "abcdefghijklmnopqrstuvwxyz"

// randomFiller gives random values of t; times are the event time.
func randomFiller(t types.Type) filler {
	switch t.Kind {
	case types.KindBoolean:
		return func(_ *ChatMessage, r *rand.Rand) types.Value { return types.NewBool(r.IntN(2) == 1) }
	case types.KindInt:
		return func(_ *ChatMessage, r *rand.Rand) types.Value { return types.NewInt(r.Int64N(1_000_000)) }
	case types.KindBigInt:
		return func(_ *ChatMessage, r *rand.Rand) types.Value { return types.NewBigInt(r.Int64N(1_000_000_000)) }
	case types.KindDouble:
		return func(_ *ChatMessage, r *rand.Rand) types.Value { return types.NewDouble(r.Float64() * 1000) }
	case types.KindDecimal:
		limit := int64(1)
		for i := 0; i < t.Precision && i < 18; i++ {
			limit *= 10
		}
		return func(_ *ChatMessage, r *rand.Rand) types.Value { return types.NewDecimal(r.Int64N(limit), t.Scale) }
	case types.KindTimestamp:
		return func(m *ChatMessage, _ *rand.Rand) types.Value { return types.NewTimestamp(m.EventTime) }
	case types.KindTimestampLTZ:
		return func(m *ChatMessage, _ *rand.Rand) types.Value { return types.NewTimestampLTZ(m.EventTime) }
	case types.KindDate:
		return func(m *ChatMessage, _ *rand.Rand) types.Value {
			return types.NewDate(floorDiv(m.EventTime, 86_400_000_000))
		}
	case types.KindJSON:
		return func(m *ChatMessage, r *rand.Rand) types.Value {
			return types.NewJSON(`{"seq":` + strconv.FormatInt(m.Seq, 10) + `,"score":` + strconv.Itoa(r.IntN(100)) + `}`)
		}
	case types.KindBytes:
		return func(_ *ChatMessage, r *rand.Rand) types.Value {
			var b [8]byte
			for i := range b {
				b[i] = byte(r.Uint32())
			}
			return types.NewBytes(string(b[:]))
		}
	case types.KindString:
		return func(_ *ChatMessage, r *rand.Rand) types.Value {
			var b [8]byte
			for i := range b {
				b[i] = letters[r.IntN(len(letters))]
			}
			return types.NewString(string(b[:]))
		}
	}
	return func(*ChatMessage, *rand.Rand) types.Value { return types.Value{} }
}

// Bounded implements runtime.Bounded: bounded when number-of-rows is set.
func (s *Source) Bounded() bool { return s.limit >= 0 }

// sourceState is the snapshot: the generator's position.
type sourceState struct {
	Generator json.RawMessage `json:"generator"`
}

// Open implements runtime.Source.
func (s *Source) Open(_ context.Context, sc *runtime.SourceContext, state []byte) error {
	if state != nil {
		var st sourceState
		if err := json.Unmarshal(state, &st); err != nil {
			return fmt.Errorf("datagen source '%s': %w: %v", s.cfg.Name, ErrBadGeneratorState, err)
		}
		if err := s.gen.UnmarshalBinary(st.Generator); err != nil {
			return fmt.Errorf("datagen source '%s': %w", s.cfg.Name, err)
		}
	}
	if sc != nil && sc.Partitions != nil {
		sc.Partitions([]int32{0})
	}
	s.started = time.Now()
	s.base = s.gen.Seq()
	return nil
}

// Poll implements runtime.Source: as many rows as the rate allows by now,
// at most one batch; (nil, nil) after a short wait when none are due.
func (s *Source) Poll(ctx context.Context) (*runtime.Batch, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	n := int64(batchSize)
	if s.limit >= 0 {
		n = min(n, s.limit-s.gen.Seq())
		if n <= 0 {
			return nil, runtime.ErrEndOfInput
		}
	}
	if s.rate > 0 {
		due := int64(time.Since(s.started).Seconds()*float64(s.rate)) - (s.gen.Seq() - s.base)
		if due <= 0 {
			// Wait for the next row, but briefly: barriers must not wait.
			wait := min(time.Duration(float64(time.Second)*float64(1-due)/float64(s.rate)), 50*time.Millisecond)
			s.sleep(ctx, wait)
			return nil, nil
		}
		n = min(n, due)
	}
	rows := make([]types.Row, n)
	slab := make([]types.Value, int(n)*s.width)
	for i := range rows {
		m := s.gen.Next()
		s.other.Seed(uint64(s.seed), uint64(m.Seq))
		row := types.Row(slab[i*s.width : (i+1)*s.width : (i+1)*s.width])
		for c, f := range s.fill {
			row[c] = f(&m, s.otherR)
		}
		rows[i] = row
	}
	return &runtime.Batch{Rows: rows}, nil
}

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// Snapshot implements runtime.Source.
func (s *Source) Snapshot(context.Context) ([]byte, error) {
	g, err := s.gen.MarshalBinary()
	if err != nil {
		return nil, fmt.Errorf("datagen source '%s': %w", s.cfg.Name, err)
	}
	return json.Marshal(sourceState{Generator: g})
}

// Close implements runtime.Source.
func (s *Source) Close() error { return nil }

var (
	_ runtime.Source  = (*Source)(nil)
	_ runtime.Bounded = (*Source)(nil)
)
