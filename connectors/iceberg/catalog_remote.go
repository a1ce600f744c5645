package iceberg

import (
	"fmt"
	"strconv"
	"strings"

	iceberggo "github.com/apache/iceberg-go"
	icebergio "github.com/apache/iceberg-go/io"
)

// javaAliases gives iceberg-go the properties that Iceberg's Java
// implementation (Flink, Spark) spells differently, so that a CREATE
// CATALOG written for Flink works here: S3FileIO's 's3.path-style-access'
// is iceberg-go's 's3.force-virtual-addressing' inverted, and the AWS
// clients' 'client.region' is the Glue client's 'glue.region' (iceberg-go's
// S3 IO reads 'client.region' itself). A property given in iceberg-go's
// spelling wins. Properties both spell the same ('s3.endpoint',
// 's3.access-key-id', 'glue.endpoint', 'rest.signing-region', ...) need
// nothing.
func javaAliases(catalogType string, p iceberggo.Properties) error {
	if v, ok := p["s3.path-style-access"]; ok {
		pathStyle, err := strconv.ParseBool(strings.TrimSpace(v))
		if err != nil {
			return fmt.Errorf("option 's3.path-style-access': '%s' is not true or false", v)
		}
		if _, set := p[icebergio.S3ForceVirtualAddressing]; !set {
			p[icebergio.S3ForceVirtualAddressing] = strconv.FormatBool(!pathStyle)
		}
	}
	if catalogType == "glue" {
		if r := p[icebergio.S3ClientRegion]; r != "" && p["glue.region"] == "" {
			p["glue.region"] = r
		}
	}
	return nil
}
