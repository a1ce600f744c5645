package kafka

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"

	"github.com/chatsql/chatsql/connectors"
)

// ErrProperty is wrapped by every error about a 'properties.*' option.
var ErrProperty = errors.New("unsupported Kafka client property")

// Brokers returns the bootstrap servers for a connector config: the option,
// else the session setting kafka.brokers, else DefaultBrokers.
func Brokers(cfg connectors.Config) []string {
	s := cfg.Options.Get(optBootstrap)
	if s == "" && cfg.Settings != nil {
		s = cfg.Settings[SettingBrokers]
	}
	if strings.TrimSpace(s) == "" {
		s = DefaultBrokers
	}
	var out []string
	for _, b := range strings.Split(s, ",") {
		if b = strings.TrimSpace(b); b != "" {
			out = append(out, b)
		}
	}
	return out
}

// clientOpts are the kgo options that 'properties.*' map to, split by role
// so that a producer-only property does not reach a consumer.
type clientOpts struct {
	common   []kgo.Opt
	consumer []kgo.Opt
	group    []kgo.Opt
	producer []kgo.Opt
	// resetOffset is where group-offsets starts without a committed offset.
	resetOffset kgo.Offset
	// readCommitted is set by isolation.level=read_committed.
	readCommitted bool
	// acksSet records whether 'acks' was given, so the sink can complain
	// when it contradicts an idempotent producer.
	acks string
}

// propertyNames lists the supported 'properties.*' keys, for error hints.
var propertyNames = []string{
	"bootstrap.servers", "group.id", "client.id", "session.timeout.ms", "heartbeat.interval.ms",
	"rebalance.timeout.ms", "max.poll.interval.ms", "request.timeout.ms", "auto.offset.reset",
	"isolation.level", "fetch.max.bytes", "max.partition.fetch.bytes", "fetch.max.wait.ms",
	"linger.ms", "batch.size", "compression.type", "acks", "retries", "delivery.timeout.ms",
	"security.protocol", "ssl.ca.location", "ssl.endpoint.identification.algorithm",
	"sasl.mechanism", "sasl.username", "sasl.password", "sasl.jaas.config",
}

var jaasField = regexp.MustCompile(`(username|password)\s*=\s*"([^"]*)"`)

// parseProperties maps the 'properties.*' options to franz-go options.
func parseProperties(opts connectors.Options) (clientOpts, error) {
	co := clientOpts{resetOffset: kgo.NewOffset().AtStart()}
	props := opts.WithPrefix(optProperties)
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	sort.Strings(keys) // deterministic: the first bad property is always the same
	var (
		protocol          = "plaintext"
		mechanism         string
		user, pass        string
		caFile            string
		skipHostnameCheck bool
	)
	bad := func(k, v, msg string) error {
		return fmt.Errorf("%w: 'properties.%s' = '%s': %s", ErrProperty, k, v, msg)
	}
	for _, k := range keys {
		v := strings.TrimSpace(props[k])
		ms := func() (time.Duration, error) {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				return 0, bad(k, v, "expected a number of milliseconds")
			}
			return time.Duration(n) * time.Millisecond, nil
		}
		num := func() (int32, error) {
			n, err := strconv.ParseInt(v, 10, 32)
			if err != nil || n <= 0 {
				return 0, bad(k, v, "expected a positive integer")
			}
			return int32(n), nil
		}
		switch k {
		case "bootstrap.servers", "group.id":
			// Read by Brokers and the source directly.
		case "client.id":
			co.common = append(co.common, kgo.ClientID(v))
		case "session.timeout.ms":
			d, err := ms()
			if err != nil {
				return co, err
			}
			co.group = append(co.group, kgo.SessionTimeout(d))
		case "heartbeat.interval.ms":
			d, err := ms()
			if err != nil {
				return co, err
			}
			co.group = append(co.group, kgo.HeartbeatInterval(d))
		case "rebalance.timeout.ms", "max.poll.interval.ms":
			d, err := ms()
			if err != nil {
				return co, err
			}
			co.group = append(co.group, kgo.RebalanceTimeout(d))
		case "request.timeout.ms":
			d, err := ms()
			if err != nil {
				return co, err
			}
			co.common = append(co.common, kgo.RequestTimeoutOverhead(d))
		case "auto.offset.reset":
			switch strings.ToLower(v) {
			case "earliest", "smallest":
				co.resetOffset = kgo.NewOffset().AtStart()
			case "latest", "largest":
				co.resetOffset = kgo.NewOffset().AtEnd()
			default:
				return co, bad(k, v, "allowed: earliest, latest")
			}
		case "isolation.level":
			switch strings.ToLower(v) {
			case "read_committed":
				co.readCommitted = true
			case "read_uncommitted":
			default:
				return co, bad(k, v, "allowed: read_uncommitted, read_committed")
			}
		case "fetch.max.bytes":
			n, err := num()
			if err != nil {
				return co, err
			}
			co.consumer = append(co.consumer, kgo.FetchMaxBytes(n))
		case "max.partition.fetch.bytes":
			n, err := num()
			if err != nil {
				return co, err
			}
			co.consumer = append(co.consumer, kgo.FetchMaxPartitionBytes(n))
		case "fetch.max.wait.ms":
			d, err := ms()
			if err != nil {
				return co, err
			}
			co.consumer = append(co.consumer, kgo.FetchMaxWait(d))
		case "linger.ms":
			d, err := ms()
			if err != nil {
				return co, err
			}
			co.producer = append(co.producer, kgo.ProducerLinger(d))
		case "batch.size":
			n, err := num()
			if err != nil {
				return co, err
			}
			co.producer = append(co.producer, kgo.ProducerBatchMaxBytes(n))
		case "compression.type":
			var c kgo.CompressionCodec
			switch strings.ToLower(v) {
			case "none":
				c = kgo.NoCompression()
			case "gzip":
				c = kgo.GzipCompression()
			case "snappy":
				c = kgo.SnappyCompression()
			case "lz4":
				c = kgo.Lz4Compression()
			case "zstd":
				c = kgo.ZstdCompression()
			default:
				return co, bad(k, v, "allowed: none, gzip, snappy, lz4, zstd")
			}
			co.producer = append(co.producer, kgo.ProducerBatchCompression(c))
		case "acks":
			switch strings.ToLower(v) {
			case "all", "-1", "1", "0":
				co.acks = strings.ToLower(v)
			default:
				return co, bad(k, v, "allowed: all, 1, 0")
			}
		case "retries":
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return co, bad(k, v, "expected a non-negative integer")
			}
			co.producer = append(co.producer, kgo.RecordRetries(n))
		case "delivery.timeout.ms":
			d, err := ms()
			if err != nil {
				return co, err
			}
			co.producer = append(co.producer, kgo.RecordDeliveryTimeout(d))
		case "security.protocol":
			protocol = strings.ToLower(v)
			switch protocol {
			case "plaintext", "ssl", "sasl_plaintext", "sasl_ssl":
			default:
				return co, bad(k, v, "allowed: PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL")
			}
		case "ssl.ca.location":
			caFile = v
		case "ssl.endpoint.identification.algorithm":
			skipHostnameCheck = v == "" || strings.EqualFold(v, "none")
		case "sasl.mechanism":
			mechanism = strings.ToUpper(v)
			switch mechanism {
			case "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512":
			default:
				return co, bad(k, v, "allowed: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512")
			}
		case "sasl.username":
			user = v
		case "sasl.password":
			pass = v
		case "sasl.jaas.config":
			for _, m := range jaasField.FindAllStringSubmatch(v, -1) {
				if m[1] == "username" && user == "" {
					user = m[2]
				}
				if m[1] == "password" && pass == "" {
					pass = m[2]
				}
			}
		default:
			hint := ""
			if m := connectors.Closest(k, propertyNames); m != "" {
				hint = fmt.Sprintf("; did you mean 'properties.%s'?", m)
			}
			return co, fmt.Errorf("%w: 'properties.%s'%s (supported: %s)", ErrProperty, k, hint, strings.Join(propertyNames, ", "))
		}
	}
	if protocol == "ssl" || protocol == "sasl_ssl" {
		tc := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: skipHostnameCheck} //nolint:gosec // the user turned host name checks off
		if caFile != "" {
			pem, err := os.ReadFile(caFile)
			if err != nil {
				return co, fmt.Errorf("%w: 'properties.ssl.ca.location': %w", ErrProperty, err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return co, fmt.Errorf("%w: 'properties.ssl.ca.location' = '%s': no PEM certificate in it", ErrProperty, caFile)
			}
			tc.RootCAs = pool
		}
		co.common = append(co.common, kgo.DialTLSConfig(tc))
	}
	if protocol == "sasl_plaintext" || protocol == "sasl_ssl" {
		if mechanism == "" {
			mechanism = "PLAIN"
		}
		if user == "" {
			return co, fmt.Errorf("%w: security.protocol %s needs 'properties.sasl.username' (or sasl.jaas.config)", ErrProperty, strings.ToUpper(protocol))
		}
		switch mechanism {
		case "PLAIN":
			co.common = append(co.common, kgo.SASL(plain.Auth{User: user, Pass: pass}.AsMechanism()))
		case "SCRAM-SHA-256":
			co.common = append(co.common, kgo.SASL(scram.Auth{User: user, Pass: pass}.AsSha256Mechanism()))
		case "SCRAM-SHA-512":
			co.common = append(co.common, kgo.SASL(scram.Auth{User: user, Pass: pass}.AsSha512Mechanism()))
		}
	}
	return co, nil
}

// splitList splits a ';'-separated option value, dropping empty parts.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ";") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// parseSpecificOffsets parses 'partition:0,offset:42;partition:1,offset:300'.
func parseSpecificOffsets(s string) (map[int32]int64, error) {
	out := map[int32]int64{}
	for _, part := range splitList(s) {
		var p, o int64 = -1, -1
		for _, kv := range strings.Split(part, ",") {
			k, v, ok := strings.Cut(strings.TrimSpace(kv), ":")
			if !ok {
				return nil, fmt.Errorf("'%s': expected 'partition:N,offset:M'", part)
			}
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil || n < 0 {
				return nil, fmt.Errorf("'%s': '%s' is not a non-negative integer", part, v)
			}
			switch strings.TrimSpace(strings.ToLower(k)) {
			case "partition":
				p = n
			case "offset":
				o = n
			default:
				return nil, fmt.Errorf("'%s': unknown key '%s' (expected partition and offset)", part, k)
			}
		}
		if p < 0 || o < 0 || p > 1<<31-1 {
			return nil, fmt.Errorf("'%s': expected 'partition:N,offset:M'", part)
		}
		out[int32(p)] = o
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no offsets in '%s'", s)
	}
	return out, nil
}
