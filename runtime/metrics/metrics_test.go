package metrics

import (
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

func counterValue(t *testing.T, c prometheus.Metric) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	switch {
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	case m.Histogram != nil:
		return float64(m.Histogram.GetSampleCount())
	}
	t.Fatal("unknown metric type")
	return 0
}

func TestJobHandlesFeedPrometheus(t *testing.T) {
	name := fmt.Sprintf("metrics-test-%d", time.Now().UnixNano()) // counters are process-wide
	j := NewJob(name)
	op := j.Operator("1:Calc:c")
	op.RowsIn.Add(512)
	op.RowsIn.Add(0)
	op.RowsOut.Add(500)
	j.DeadLetter("chat").Add(1)
	j.DeadLetter("chat").Add(2)
	j.SetConsumerLag("t", 3, 42)
	j.CheckpointCompleted(10 * time.Millisecond)
	j.CheckpointFailed()
	op.SetWatermark(time.Now().Add(-2 * time.Second).UnixMicro())
	j.SetUp(false)

	tests := []struct {
		name string
		got  float64
		want float64
	}{
		{"rows in", counterValue(t, RowsIn.WithLabelValues(name, "1:Calc:c")), 512},
		{"rows out", counterValue(t, RowsOut.WithLabelValues(name, "1:Calc:c")), 500},
		{"dead letters", counterValue(t, DeadLetters.WithLabelValues(name, "chat")), 3},
		{"lag", counterValue(t, ConsumerLag.WithLabelValues(name, "t", "3")), 42},
		{"completed", counterValue(t, Checkpoints.WithLabelValues(name, "completed")), 1},
		{"failed", counterValue(t, Checkpoints.WithLabelValues(name, "failed")), 1},
		{"up", counterValue(t, JobUp.WithLabelValues(name)), 0},
		{"local rows in", float64(op.RowsIn.Value()), 512},
		{"local dead letters", float64(j.DeadLettered()), 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Fatalf("got %v, want %v", tt.got, tt.want)
			}
		})
	}
	if lag := counterValue(t, WatermarkLag.WithLabelValues(name, "1:Calc:c")); lag < 1.9 || lag > 10 {
		t.Fatalf("watermark lag = %v s, want about 2", lag)
	}
}
