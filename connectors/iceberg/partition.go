package iceberg

import (
	"fmt"
	"strconv"
	"strings"

	iceberggo "github.com/apache/iceberg-go"
)

// PartitionField is one parsed partition expression: a transform of a
// column, as in PARTITIONED BY (days(event_time), bucket(16, username)).
type PartitionField struct {
	Transform string // identity, year, month, day, hour, bucket, truncate, void
	Column    string
	Param     int // bucket count or truncate width
}

// String renders the field in the SQL form ParsePartitioning reads.
func (f PartitionField) String() string {
	switch f.Transform {
	case "identity":
		return f.Column
	case "bucket", "truncate":
		return fmt.Sprintf("%s(%d, %s)", f.Transform, f.Param, f.Column)
	}
	return fmt.Sprintf("%ss(%s)", f.Transform, f.Column)
}

// name is the partition field's name, as Spark and Flink name them
// (event_time_day, username_bucket, ...).
func (f PartitionField) name() string {
	switch f.Transform {
	case "identity":
		return f.Column
	case "truncate":
		return f.Column + "_trunc"
	}
	return f.Column + "_" + f.Transform
}

func (f PartitionField) transform() iceberggo.Transform {
	switch f.Transform {
	case "year":
		return iceberggo.YearTransform{}
	case "month":
		return iceberggo.MonthTransform{}
	case "day":
		return iceberggo.DayTransform{}
	case "hour":
		return iceberggo.HourTransform{}
	case "bucket":
		return iceberggo.BucketTransform{NumBuckets: f.Param}
	case "truncate":
		return iceberggo.TruncateTransform{Width: f.Param}
	case "void":
		return iceberggo.VoidTransform{}
	}
	return iceberggo.IdentityTransform{}
}

var transformNames = map[string]string{
	"identity": "identity",
	"year":     "year", "years": "year",
	"month": "month", "months": "month",
	"day": "day", "days": "day", "date": "day",
	"hour": "hour", "hours": "hour", "date_hour": "hour",
	"bucket": "bucket", "truncate": "truncate", "void": "void",
}

// ParsePartitioning reads a comma-separated list of partition expressions:
// col, identity(col), years(col), months(col), days(col), hours(col) (the
// singular forms too), bucket(N, col), truncate(W, col), void(col). Spark's
// argument order; Flink's bucket(col, N) is accepted too.
func ParsePartitioning(s string) ([]PartitionField, error) {
	var out []PartitionField
	for _, part := range splitTop(s) {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		open := strings.IndexByte(part, '(')
		if open < 0 {
			out = append(out, PartitionField{Transform: "identity", Column: unquote(part)})
			continue
		}
		if !strings.HasSuffix(part, ")") {
			return nil, fmt.Errorf("bad partition expression '%s'", part)
		}
		fn := strings.ToLower(strings.TrimSpace(part[:open]))
		tr, ok := transformNames[fn]
		if !ok {
			return nil, fmt.Errorf("unknown partition transform '%s' (identity, years, months, days, hours, bucket(N, col), truncate(W, col))", fn)
		}
		args := strings.Split(part[open+1:len(part)-1], ",")
		for i := range args {
			args[i] = strings.TrimSpace(args[i])
		}
		f := PartitionField{Transform: tr}
		switch tr {
		case "bucket", "truncate":
			if len(args) != 2 {
				return nil, fmt.Errorf("%s takes two arguments: %s(N, column)", fn, fn)
			}
			n, err := strconv.Atoi(args[0])
			col := args[1]
			if err != nil { // Flink's bucket(col, N)
				n, err = strconv.Atoi(args[1])
				col = args[0]
			}
			if err != nil || n <= 0 {
				return nil, fmt.Errorf("%s needs a positive number: %s(N, column)", fn, fn)
			}
			f.Param, f.Column = n, unquote(col)
		default:
			if len(args) != 1 || args[0] == "" {
				return nil, fmt.Errorf("%s takes one column: %s(column)", fn, fn)
			}
			f.Column = unquote(args[0])
		}
		out = append(out, f)
	}
	return out, nil
}

func unquote(s string) string { return strings.Trim(strings.TrimSpace(s), "`\"") }

// splitTop splits s at commas outside parentheses.
func splitTop(s string) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

// PartitionSpec builds the Iceberg partition spec of fields over schema.
func PartitionSpec(fields []PartitionField, schema *iceberggo.Schema) (*iceberggo.PartitionSpec, error) {
	var opts []iceberggo.PartitionOption
	for _, f := range fields {
		src, ok := schema.FindFieldByNameCaseInsensitive(f.Column)
		if !ok {
			return nil, fmt.Errorf("partition column '%s' is not a column of the table", f.Column)
		}
		if !f.transform().CanTransform(src.Type) {
			return nil, fmt.Errorf("partition transform %s cannot apply to column %s of type %s", f, src.Name, src.Type)
		}
		f.Column = src.Name
		opts = append(opts, iceberggo.AddPartitionFieldByName(src.Name, f.name(), f.transform(), schema, nil))
	}
	spec, err := iceberggo.NewPartitionSpecOpts(opts...)
	if err != nil {
		return nil, err
	}
	return &spec, nil
}
