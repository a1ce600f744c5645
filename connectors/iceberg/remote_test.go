package iceberg

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestJavaAliases: options spelled as Iceberg's Java implementation (and so
// Flink) spells them reach iceberg-go in its spelling; its own spelling
// wins; a bad value is an error naming the option.
func TestJavaAliases(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts map[string]string
		want map[string]string
		err  string
	}{
		{"path style", map[string]string{"catalog-type": "rest", "uri": "http://x", "s3.path-style-access": "true"},
			map[string]string{"s3.force-virtual-addressing": "false"}, ""},
		{"virtual", map[string]string{"catalog-type": "rest", "uri": "http://x", "s3.path-style-access": "false"},
			map[string]string{"s3.force-virtual-addressing": "true"}, ""},
		{"iceberg-go's spelling wins", map[string]string{"catalog-type": "rest", "uri": "http://x", "s3.path-style-access": "true", "s3.force-virtual-addressing": "true"},
			map[string]string{"s3.force-virtual-addressing": "true"}, ""},
		{"glue region", map[string]string{"catalog-type": "glue", "warehouse": "s3://b/w", "client.region": "eu-west-1"},
			map[string]string{"glue.region": "eu-west-1", "client.region": "eu-west-1"}, ""},
		{"glue region given", map[string]string{"catalog-type": "glue", "client.region": "eu-west-1", "glue.region": "us-east-2"},
			map[string]string{"glue.region": "us-east-2"}, ""},
		{"rest keeps client.region", map[string]string{"catalog-type": "rest", "uri": "http://x", "client.region": "eu-west-1"},
			map[string]string{"glue.region": "", "client.region": "eu-west-1"}, ""},
		{"bad bool", map[string]string{"catalog-type": "rest", "uri": "http://x", "s3.path-style-access": "yes please"},
			nil, "option 's3.path-style-access': 'yes please' is not true or false"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := NewCatalogs(t.TempDir())
			defer c.Close()
			err := c.Register("r", tc.opts)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			p := c.Properties("r")
			for k, v := range tc.want {
				if p[k] != v {
					t.Errorf("%s = %q, want %q (properties %v)", k, p[k], v, p)
				}
			}
		})
	}
}

// TestHiveCatalogUnreachable: iceberg-go has a Hive metastore client; a
// catalog whose metastore does not answer fails on use with an error that
// names the catalog and the address, not later or obscurely.
func TestHiveCatalogUnreachable(t *testing.T) {
	c := NewCatalogs(t.TempDir())
	defer c.Close()
	if err := c.Register("hms", map[string]string{"type": "iceberg", "catalog-type": "hive", "uri": "thrift://127.0.0.1:1", "warehouse": t.TempDir()}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err := c.LoadTable(ctx, "hms.db.t")
	if err == nil {
		t.Fatal("a table of an unreachable metastore loaded")
	}
	if msg := err.Error(); !strings.Contains(msg, "hms") || !strings.Contains(msg, "127.0.0.1:1") {
		t.Fatalf("error %q does not name the catalog and the metastore", msg)
	}
	t.Log(err)
}
