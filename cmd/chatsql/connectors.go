package main

// The binary registers every connector and format; the session and planner
// find them by name.
import (
	_ "github.com/chatsql/chatsql/connectors/datagen" // datagen connector
	_ "github.com/chatsql/chatsql/connectors/file"    // file connector
	_ "github.com/chatsql/chatsql/connectors/format"  // json, csv and raw formats
	_ "github.com/chatsql/chatsql/connectors/kafka"   // kafka connector
	_ "github.com/chatsql/chatsql/connectors/print"   // print connector
)
