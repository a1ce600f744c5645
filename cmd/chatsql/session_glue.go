package main

import (
	"fmt"

	"github.com/chatsql/chatsql/runtime/session"
)

// openSession opens a runtime/session.Session, which is the engine.
func openSession(cfg engineConfig) (engine, error) {
	s, err := session.New(session.Config{DataDir: cfg.DataDir, Settings: cfg.Settings, Logf: cfg.Logf})
	if err != nil {
		return nil, fmt.Errorf("opening the session: %w", err)
	}
	return s, nil
}

var _ engine = (*session.Session)(nil)
