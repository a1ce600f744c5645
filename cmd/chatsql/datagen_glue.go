package main

import (
	"time"

	"github.com/chatsql/chatsql/connectors/datagen"
)

// newChatSource feeds the playground from datagen's chat generator, with
// event times starting now and spaced for the requested rate so that
// `timestamp` follows the wall clock.
func newChatSource(seed int64, rate float64) (chatSource, error) {
	return chatGen{datagen.NewChatGenerator(seed, datagen.WithStartTime(time.Now()), datagen.WithRate(rate))}, nil
}

type chatGen struct{ g *datagen.ChatGenerator }

func (c chatGen) appendNext(buf []byte) []byte { return c.g.Next().AppendJSON(buf) }
