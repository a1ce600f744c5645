package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// metricsJob runs two jobs in one process: 'shouted', unbounded over
// datagen with a 1 s watermark delay and checkpoints every 200 ms, keeps the
// process (and /metrics) alive; 'copied', bounded over a file with bad
// lines, shows the dead-letter count.
const metricsJob = `
SET 'execution.checkpointing.interval' = '200ms';

CREATE SOURCE chat (
  username          VARCHAR,
  text              VARCHAR,
  preferredLanguage VARCHAR,
  event_time        TIMESTAMP_LTZ(3),
  WATERMARK FOR event_time AS event_time - INTERVAL '1' SECOND
) WITH ('connector' = 'datagen', 'rows-per-second' = '2000');

CREATE SINK shouted WITH ('connector' = 'file', 'path' = 'shouted.jsonl', 'format' = 'json') AS
SELECT username, UPPER(text) AS text FROM chat WHERE preferredLanguage <> 'xx';

CREATE SOURCE msgs (username VARCHAR, text VARCHAR, ` + "`timestamp`" + ` BIGINT)
  WITH ('connector' = 'file', 'path' = 'in.jsonl', 'format' = 'json');

CREATE SINK copied WITH ('connector' = 'file', 'path' = 'copied.jsonl', 'format' = 'json') AS
SELECT username, text FROM msgs;
`

// metricsInput: 3 good lines, 4 bad (3 malformed, 1 wrongly typed).
var metricsInput = []struct {
	line string
	good bool
}{
	{`{"username":"alice","text":"one","timestamp":1704067200}`, true},
	{`{"username":"bob",`, false},
	{`not json at all`, false},
	{`{"username":"carol","text":"two","timestamp":1704067201}`, true},
	{`{"username":"dave","text":"three","timestamp":"soon"}`, false},
	{`["an","array"]`, false},
	{`{"username":"erin","text":"four","timestamp":1704067203}`, true},
}

// TestMetricsScraped scrapes /metrics of a running job twice: rows in/out
// grow per operator, completed checkpoints grow and have durations, the
// watermark lag is there (about the 1 s watermark delay), and the bounded
// job's dead letters equal its bad input lines.
func TestMetricsScraped(t *testing.T) {
	dir := t.TempDir()
	var in strings.Builder
	bad := 0
	for _, l := range metricsInput {
		in.WriteString(l.line + "\n")
		if !l.good {
			bad++
		}
	}
	writeFile(t, filepath.Join(dir, "in.jsonl"), in.String())
	writeFile(t, filepath.Join(dir, "job.sql"), metricsJob)

	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	cmd := exec.Command(binary, "run", "--metrics-addr", addr, "--data-dir", filepath.Join(dir, "data"), "job.sql")
	cmd.Dir, cmd.Env = dir, testEnv(dir)
	var stderr syncBuffer
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()

	// first scrape: once 'copied' has ended and 'shouted' has checkpointed
	var first metricFamilies
	waitFor(t, func() bool {
		first = tryScrape(addr)
		return first != nil &&
			first.value("chatsql_job_up", "job", "copied") == 0 && first.has("chatsql_job_up", "job", "copied") &&
			first.value("chatsql_checkpoints_total", "job", "shouted", "status", "completed") >= 1
	})
	time.Sleep(800 * time.Millisecond) // several checkpoint intervals, ~1600 rows
	second := tryScrape(addr)
	if second == nil {
		t.Fatalf("second scrape failed; stderr:\n%s", stderr.String())
	}

	t.Run("rows per operator grow", func(t *testing.T) {
		ops := second.labelValues("chatsql_operator_rows_in_total", "operator", "job", "shouted")
		if len(ops) < 3 {
			t.Fatalf("operators of 'shouted' = %v, want source, calc and sink", ops)
		}
		kinds := map[string]bool{}
		for _, op := range ops {
			// "<node id>:<kind>:<name>"
			parts := strings.SplitN(op, ":", 3)
			if len(parts) != 3 {
				t.Errorf("operator label %q is not <id>:<kind>:<name>", op)
				continue
			}
			kinds[parts[1]] = true
			series := []string{"chatsql_operator_rows_in_total"}
			if parts[1] != "Sink" { // a sink emits nothing downstream
				series = append(series, "chatsql_operator_rows_out_total")
			}
			for _, name := range series {
				a := first.value(name, "job", "shouted", "operator", op)
				b := second.value(name, "job", "shouted", "operator", op)
				if !(a > 0 && b > a) {
					t.Errorf("%s{operator=%q}: %v then %v, want > 0 and growing", name, op, a, b)
				}
			}
		}
		for _, k := range []string{"Source", "Sink"} {
			if !kinds[k] {
				t.Errorf("no %s among the operators %v", k, ops)
			}
		}
	})

	t.Run("checkpoints grow and have durations", func(t *testing.T) {
		a := first.value("chatsql_checkpoints_total", "job", "shouted", "status", "completed")
		b := second.value("chatsql_checkpoints_total", "job", "shouted", "status", "completed")
		if !(b > a && a >= 1) {
			t.Errorf("completed checkpoints %v then %v over 800 ms at a 200 ms interval, want growth", a, b)
		}
		if f := second.value("chatsql_checkpoints_total", "job", "shouted", "status", "failed"); f != 0 {
			t.Errorf("%v failed checkpoints", f)
		}
		h := second.histogram("chatsql_checkpoint_duration_seconds", "job", "shouted")
		if h == nil || h.GetSampleCount() < 2 || h.GetSampleSum() <= 0 {
			t.Errorf("chatsql_checkpoint_duration_seconds{job=shouted} has no samples: %v", h)
		}
	})

	t.Run("watermark lag", func(t *testing.T) {
		ops := second.labelValues("chatsql_watermark_lag_seconds", "operator", "job", "shouted")
		if len(ops) == 0 {
			t.Fatal("chatsql_watermark_lag_seconds{job=shouted} is missing")
		}
		for _, op := range ops {
			// datagen's event time is now; the watermark trails it by 1 s
			if lag := second.value("chatsql_watermark_lag_seconds", "job", "shouted", "operator", op); lag < 0.9 || lag > 60 {
				t.Errorf("watermark lag of %s = %v s, want about the 1 s watermark delay", op, lag)
			}
		}
	})

	t.Run("dead letters equal bad lines", func(t *testing.T) {
		var n float64
		for _, src := range second.labelValues("chatsql_dead_letter_total", "source", "job", "copied") {
			n += second.value("chatsql_dead_letter_total", "job", "copied", "source", src)
		}
		if n != float64(bad) {
			t.Errorf("chatsql_dead_letter_total{job=copied} = %v, want %d (the bad lines)", n, bad)
		}
		out, err := os.ReadFile(filepath.Join(dir, "copied.jsonl"))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := strings.Count(string(out), "\n"), len(metricsInput)-bad; got != want {
			t.Errorf("copied.jsonl has %d rows, want the %d good ones:\n%s", got, want, out)
		}
	})

	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if err := waitExit(cmd, 20*time.Second); err != nil {
		t.Fatalf("%v; stderr:\n%s", err, stderr.String())
	}
}

// metricFamilies is one parsed scrape.
type metricFamilies map[string]*dto.MetricFamily

// tryScrape fetches and parses /metrics; nil if either fails.
func tryScrape(addr string) metricFamilies {
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		return nil
	}
	return fams
}

// find returns the series of name whose labels include the given
// name/value pairs.
func (m metricFamilies) find(name string, labels ...string) []*dto.Metric {
	fam := m[name]
	if fam == nil {
		return nil
	}
	var out []*dto.Metric
	for _, s := range fam.GetMetric() {
		have := map[string]string{}
		for _, lp := range s.GetLabel() {
			have[lp.GetName()] = lp.GetValue()
		}
		match := true
		for i := 0; i+1 < len(labels); i += 2 {
			if have[labels[i]] != labels[i+1] {
				match = false
			}
		}
		if match {
			out = append(out, s)
		}
	}
	return out
}

func (m metricFamilies) has(name string, labels ...string) bool {
	return len(m.find(name, labels...)) > 0
}

// value sums the counters or gauges of name matching labels (0 if none).
func (m metricFamilies) value(name string, labels ...string) float64 {
	var v float64
	for _, s := range m.find(name, labels...) {
		v += s.GetCounter().GetValue() + s.GetGauge().GetValue() + s.GetUntyped().GetValue()
	}
	return v
}

// histogram returns the first histogram of name matching labels.
func (m metricFamilies) histogram(name string, labels ...string) *dto.Histogram {
	for _, s := range m.find(name, labels...) {
		return s.GetHistogram()
	}
	return nil
}

// labelValues lists the values of label key over name's series matching labels.
func (m metricFamilies) labelValues(name, key string, labels ...string) []string {
	var out []string
	for _, s := range m.find(name, labels...) {
		for _, lp := range s.GetLabel() {
			if lp.GetName() == key {
				out = append(out, lp.GetValue())
			}
		}
	}
	return out
}
