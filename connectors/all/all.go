// Package all registers every connector and format: import it for its side
// effects wherever SQL is planned (the CLI, the session, tests).
package all

import (
	_ "github.com/chatsql/chatsql/connectors/datagen" // datagen connector
	_ "github.com/chatsql/chatsql/connectors/file"    // file connector
	_ "github.com/chatsql/chatsql/connectors/format"  // json, csv and raw formats
	_ "github.com/chatsql/chatsql/connectors/iceberg" // iceberg connector (sink)
	_ "github.com/chatsql/chatsql/connectors/kafka"   // kafka connector
	_ "github.com/chatsql/chatsql/connectors/print"   // print connector
)
