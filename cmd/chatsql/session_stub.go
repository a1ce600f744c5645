//go:build !chatsql_session

package main

import "errors"

// openSession is a placeholder until runtime/session implements New.
func openSession(cfg engineConfig) (engine, error) {
	return nil, errors.New("chatsql: the SQL session is not built yet")
}
