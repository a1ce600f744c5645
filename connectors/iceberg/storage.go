package iceberg

// Object stores for warehouses and table locations: iceberg-go opens a
// location through the IO registered for its scheme, and registers none for
// object stores unless its gocloud packages are linked in. Local files
// (file://, plain paths) are built in.
//
// S3 (s3://, s3a://, s3n://) takes the properties s3.endpoint,
// s3.access-key-id, s3.secret-access-key, s3.session-token, s3.region (or
// client.region), s3.force-virtual-addressing (path-style is the default
// when s3.endpoint is set), s3.proxy-uri, s3.connect-timeout; without keys,
// the AWS SDK's default chain (AWS_* variables, ~/.aws, instance roles).
// GCS (gs://, gcs://) takes gcs.endpoint, gcs.keypath / gcs.jsonkey,
// gcs.oauth2.token, gcs.no-auth; without them, Google's application default
// credentials. Catalog properties reach the IO of every table the catalog
// loads; a REST catalog may vend them per table.
import (
	_ "github.com/apache/iceberg-go/io/gocloud/gcs" // registers gs://, gcs://
	_ "github.com/apache/iceberg-go/io/gocloud/s3"  // registers s3://, s3a://, s3n://
)
