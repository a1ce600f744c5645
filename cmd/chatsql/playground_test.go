package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// countingSource renders numbered seed-format messages.
type countingSource struct{ n int }

func (c *countingSource) appendNext(buf []byte) []byte {
	c.n++
	return fmt.Appendf(buf, `{"username":"u%d","text":"m","type":"CHAT","preferredLanguage":"es","timestamp":%d}`, c.n, 1704067200+c.n)
}

func TestBrokerAndGenerator(t *testing.T) {
	cluster, addr, err := startBroker(0, "")
	if err != nil {
		t.Fatal(err)
	}
	defer cluster.Close()

	// An outside client sees the playground's topics.
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr),
		kgo.ConsumeTopics(topicInput), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	topics, err := kadm.NewClient(cl).ListTopics(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := topics.Names()
	sort.Strings(got)
	want := append([]string(nil), playgroundTopics...)
	sort.Strings(want)
	eq(t, got, want)

	// 500 messages/s for a short while arrive in order.
	genCtx, stopGen := context.WithCancel(ctx)
	genDone := make(chan error, 1)
	go func() { genDone <- generate(genCtx, addr, topicInput, 500, &countingSource{}) }()
	var n int
	for n < 100 && ctx.Err() == nil {
		cl.PollFetches(ctx).EachRecord(func(r *kgo.Record) {
			n++
			if w := fmt.Sprintf(`"username":"u%d"`, n); !strings.Contains(string(r.Value), w) {
				t.Fatalf("record %d = %s, want %s", n, r.Value, w)
			}
		})
	}
	stopGen()
	if err := <-genDone; err != nil {
		t.Fatal(err)
	}
	if n < 100 {
		t.Fatalf("consumed %d records, want >= 100", n)
	}
}

func TestGeneratorRate(t *testing.T) {
	cluster, addr, err := startBroker(0, "")
	if err != nil {
		t.Fatal(err)
	}
	defer cluster.Close()
	src := &countingSource{}
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	if err := generate(ctx, addr, topicInput, 200, src); err != nil {
		t.Fatal(err)
	}
	// 200/s for 0.5 s is 100; allow for scheduling on a busy machine.
	if src.n < 60 || src.n > 110 {
		t.Fatalf("generated %d messages in 0.5s at 200/s, want about 100", src.n)
	}
}

// TestPlaygroundHasEveryQueryTopic: every topic a queries/*.sql file names
// exists in the playground's broker from the start (producers there do not
// create topics on first use, so a sink to a missing topic fails its job).
func TestPlaygroundHasEveryQueryTopic(t *testing.T) {
	files, err := filepath.Glob("../../queries/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("no query files: %v", err)
	}
	have := map[string]bool{}
	for _, tp := range playgroundTopics {
		have[tp] = true
	}
	re := regexp.MustCompile(`'topic'\s*=\s*'([^']+)'`)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			if !have[m[1]] {
				t.Errorf("%s names topic %q, which the playground does not create", filepath.Base(f), m[1])
			}
		}
	}
}
