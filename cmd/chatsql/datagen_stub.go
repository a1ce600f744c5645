//go:build !chatsql_datagen

package main

import "errors"

// newChatSource is a placeholder until connectors/datagen has ChatGenerator.
func newChatSource(seed int64, rate float64) (chatSource, error) {
	return nil, errors.New("the synthetic chat generator is not built yet")
}

// datagenBuilt tells the integration tests to skip until datagen exists.
const datagenBuilt = false
