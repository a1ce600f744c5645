package datagen

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/chatsql/chatsql/runtime/types"
)

// The message types of the seed.
const (
	TypeJoined  = "USER_JOINED"
	TypeMessage = "USER_MESSAGE"
	TypeLeft    = "USER_LEFT"
)

// ChatMessage is one synthetic chat event.
type ChatMessage struct {
	Seq               int64 // position in the stream, from 0
	Username          string
	Text              string
	Type              string
	PreferredLanguage string
	Timestamp         int64 // epoch seconds of the event time, as the seed
	EventTime         int64 // microseconds since the epoch
	Room              string
	RoomID            int64
}

// AppendJSON appends the message in the seed's input format, byte for byte:
// {"username":...,"text":...,"type":...,"preferredLanguage":...,"timestamp":...}.
func (m ChatMessage) AppendJSON(buf []byte) []byte {
	buf = append(buf, `{"username":`...)
	buf = types.AppendJSONString(buf, m.Username)
	buf = append(buf, `,"text":`...)
	buf = types.AppendJSONString(buf, m.Text)
	buf = append(buf, `,"type":`...)
	buf = types.AppendJSONString(buf, m.Type)
	buf = append(buf, `,"preferredLanguage":`...)
	buf = types.AppendJSONString(buf, m.PreferredLanguage)
	buf = append(buf, `,"timestamp":`...)
	buf = strconv.AppendInt(buf, m.Timestamp, 10)
	return append(buf, '}')
}

// Option configures a ChatGenerator.
type Option func(*genConfig)

type genConfig struct {
	users, rooms int
	start        time.Time
	rate         float64
}

// WithUsers sets the number of distinct users (default 1000).
func WithUsers(n int) Option { return func(c *genConfig) { c.users = max(n, 1) } }

// WithRooms sets the number of rooms (default 50).
func WithRooms(n int) Option { return func(c *genConfig) { c.rooms = max(n, 1) } }

// WithStartTime sets the event time of the first message (default 2024-01-01T00:00:00Z,
// the seed's timestamp, so that generated streams are reproducible).
func WithStartTime(t time.Time) Option { return func(c *genConfig) { c.start = t } }

// WithRate sets how fast simulated event time advances: rowsPerSecond
// messages per second of event time (default 10000; <= 0 keeps the default).
func WithRate(rowsPerSecond float64) Option {
	return func(c *genConfig) {
		if rowsPerSecond > 0 {
			c.rate = rowsPerSecond
		}
	}
}

type user struct {
	name string
	lang string
	room int
}

// ChatGenerator produces a deterministic stream of chat events for a seed:
// users (a few talk a lot) join a room, talk, leave and come back; texts
// are mostly short repeated phrases, emoji, mentions, links, questions and
// answers, in the users' languages. Not safe for concurrent use.
type ChatGenerator struct {
	cfg      genConfig
	seed     int64
	pcg      *rand.PCG
	rng      *rand.Rand
	userPick *rand.Zipf
	roomPick *rand.Zipf
	phrase   *rand.Zipf
	users    []user
	rooms    []string
	joined   []bool
	seq      int64
	step     int64 // event-time microseconds between messages
	start    int64
}

// NewChatGenerator builds a generator; the same seed and options give the
// same stream.
func NewChatGenerator(seed int64, opts ...Option) *ChatGenerator {
	cfg := genConfig{users: 1000, rooms: 50, start: time.Unix(1704067200, 0), rate: 10000}
	for _, o := range opts {
		o(&cfg)
	}
	g := &ChatGenerator{cfg: cfg, seed: seed, start: cfg.start.UnixMicro()}
	g.step = int64(1e6 / cfg.rate)
	if g.step < 1 {
		g.step = 1
	}
	// The cast (users, rooms, languages) comes from its own stream, so that
	// it is the same whatever state the message stream is in.
	cast := rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15))
	g.rooms = make([]string, cfg.rooms)
	for i := range g.rooms {
		if i < len(roomNames) {
			g.rooms[i] = roomNames[i]
		} else {
			g.rooms[i] = "room-" + strconv.Itoa(i+1)
		}
	}
	roomZipf := rand.NewZipf(cast, 1.2, 2, uint64(cfg.rooms-1))
	seen := map[string]bool{}
	g.users = make([]user, cfg.users)
	for i := range g.users {
		name := userName(cast, i)
		for seen[name] {
			name += strconv.Itoa(cast.IntN(10))
		}
		seen[name] = true
		g.users[i] = user{name: name, lang: pickLanguage(cast), room: int(roomZipf.Uint64())}
	}
	if cfg.users > 0 {
		g.users[0].lang = "es" // the seed's alice reads Spanish
	}
	g.joined = make([]bool, cfg.users)
	g.pcg = rand.NewPCG(uint64(seed), uint64(seed)^0xda3e39cb94b95bdb)
	g.rng = rand.New(g.pcg)
	g.userPick = rand.NewZipf(g.rng, 1.1, 5, uint64(cfg.users-1))
	g.roomPick = rand.NewZipf(g.rng, 1.3, 1, uint64(cfg.rooms-1))
	g.phrase = rand.NewZipf(g.rng, 1.2, 1, uint64(len(shortPhrases)-1))
	return g
}

func userName(r *rand.Rand, i int) string {
	if i < len(firstNames) {
		return firstNames[i]
	}
	first := firstNames[r.IntN(len(firstNames))]
	switch r.IntN(4) {
	case 0:
		return first + strconv.Itoa(r.IntN(100))
	case 1:
		return first + "_" + handleWords[r.IntN(len(handleWords))]
	case 2:
		return handleWords[r.IntN(len(handleWords))] + first
	default:
		return handleWords[r.IntN(len(handleWords))] + handleWords[r.IntN(len(handleWords))] + strconv.Itoa(r.IntN(1000))
	}
}

func pickLanguage(r *rand.Rand) string {
	n := r.IntN(100)
	for _, l := range languages {
		if n < l.weight {
			return l.code
		}
		n -= l.weight
	}
	return "en"
}

// Seq is the number of messages generated so far.
func (g *ChatGenerator) Seq() int64 { return g.seq }

// Next generates the next message.
func (g *ChatGenerator) Next() ChatMessage {
	ui := int(g.userPick.Uint64())
	u := &g.users[ui]
	m := ChatMessage{
		Seq:               g.seq,
		Username:          u.name,
		PreferredLanguage: u.lang,
		EventTime:         g.start + g.seq*g.step,
		RoomID:            int64(u.room),
		Room:              g.rooms[u.room],
	}
	m.Timestamp = floorDiv(m.EventTime, 1_000_000)
	g.seq++
	switch {
	case !g.joined[ui]:
		g.joined[ui] = true
		m.Type, m.Text = TypeJoined, joinTexts[g.rng.IntN(len(joinTexts))]
	case g.rng.IntN(100) < 3:
		g.joined[ui] = false
		m.Type, m.Text = TypeLeft, leaveTexts[g.rng.IntN(len(leaveTexts))]
	default:
		m.Type, m.Text = TypeMessage, g.text(u)
	}
	return m
}

// text picks a message's text: the shares below are what makes the stream
// look like chat (and what a translation cache will feed on).
func (g *ChatGenerator) text(u *user) string {
	book, ok := phrasebooks[u.lang]
	if !ok || g.rng.IntN(100) < 20 { // some users write English anyway
		book = phrasebooks["en"]
	}
	n := g.rng.IntN(100)
	switch {
	case n < 40:
		return shortPhrases[g.phrase.Uint64()]
	case n < 50:
		other := g.users[g.rng.IntN(len(g.users))].name
		return "@" + other + " " + mentionTails[g.rng.IntN(len(mentionTails))]
	case n < 54:
		intro := urlIntros[g.rng.IntN(len(urlIntros))]
		url := urls[g.rng.IntN(len(urls))]
		if intro == "" {
			return url
		}
		return intro + " " + url
	case n < 68:
		return book.ask[g.rng.IntN(len(book.ask))]
	case n < 78:
		return book.answer[g.rng.IntN(len(book.answer))]
	default:
		return book.say[g.rng.IntN(len(book.say))]
	}
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// ErrBadGeneratorState: a snapshot that does not fit this generator.
var ErrBadGeneratorState = errors.New("unreadable datagen generator state")

type genState struct {
	Seed   int64  `json:"seed"`
	Seq    int64  `json:"seq"`
	Start  int64  `json:"start"` // event time of message 0, micros: "now" differs after a restart
	Users  int    `json:"users"`
	RNG    []byte `json:"rng"`
	Joined []byte `json:"joined"` // bitset
}

// MarshalBinary captures the generator's position so that a generator built
// with the same seed and options continues the stream after UnmarshalBinary.
func (g *ChatGenerator) MarshalBinary() ([]byte, error) {
	rng, err := g.pcg.MarshalBinary()
	if err != nil {
		return nil, err
	}
	bits := make([]byte, (len(g.joined)+7)/8)
	for i, j := range g.joined {
		if j {
			bits[i/8] |= 1 << (i % 8)
		}
	}
	return json.Marshal(genState{Seed: g.seed, Seq: g.seq, Start: g.start, Users: len(g.users), RNG: rng, Joined: bits})
}

// UnmarshalBinary restores a position captured by MarshalBinary.
func (g *ChatGenerator) UnmarshalBinary(data []byte) error {
	var st genState
	if err := json.Unmarshal(data, &st); err != nil {
		return fmt.Errorf("%w: %v", ErrBadGeneratorState, err)
	}
	if st.Users != len(g.users) || st.Seed != g.seed || len(st.Joined) != (len(g.joined)+7)/8 {
		return fmt.Errorf("%w: it was taken with seed %d and %d users, this generator has seed %d and %d users",
			ErrBadGeneratorState, st.Seed, st.Users, g.seed, len(g.users))
	}
	if err := g.pcg.UnmarshalBinary(st.RNG); err != nil {
		return fmt.Errorf("%w: %v", ErrBadGeneratorState, err)
	}
	for i := range g.joined {
		g.joined[i] = st.Joined[i/8]&(1<<(i%8)) != 0
	}
	g.seq, g.start = st.Seq, st.Start
	return nil
}
