package iceberg

import (
	"errors"
	"fmt"
	"strings"

	iceberggo "github.com/apache/iceberg-go"

	"github.com/chatsql/chatsql/runtime/types"
)

// IcebergType maps a chatsql type to the Iceberg type a sink creates:
// BOOLEAN boolean, INT int, BIGINT long, DOUBLE double, DECIMAL(p,s)
// decimal(p,s), VARCHAR/STRING string, TIMESTAMP timestamp (no zone),
// TIMESTAMP_LTZ timestamptz, DATE date, JSON string (its text), BYTES binary.
func IcebergType(t types.Type) (iceberggo.Type, error) {
	switch t.Kind {
	case types.KindBoolean:
		return iceberggo.PrimitiveTypes.Bool, nil
	case types.KindInt:
		return iceberggo.PrimitiveTypes.Int32, nil
	case types.KindBigInt:
		return iceberggo.PrimitiveTypes.Int64, nil
	case types.KindDouble:
		return iceberggo.PrimitiveTypes.Float64, nil
	case types.KindDecimal:
		p := t.Precision
		if p == 0 {
			p = 18
		}
		return iceberggo.DecimalTypeOf(p, t.Scale), nil
	case types.KindString, types.KindJSON:
		return iceberggo.PrimitiveTypes.String, nil
	case types.KindTimestamp:
		return iceberggo.PrimitiveTypes.Timestamp, nil
	case types.KindTimestampLTZ:
		return iceberggo.PrimitiveTypes.TimestampTz, nil
	case types.KindDate:
		return iceberggo.PrimitiveTypes.Date, nil
	case types.KindBytes:
		return iceberggo.PrimitiveTypes.Binary, nil
	case types.KindNull:
		return iceberggo.PrimitiveTypes.String, nil // an untyped NULL column: string
	}
	return nil, fmt.Errorf("type %s cannot be stored in Iceberg", t)
}

// IcebergSchema is the Iceberg schema a sink creates for columns: field ids
// 1..n in column order, every field optional except those of key. key names
// the identifier fields (Iceberg's primary key, from PRIMARY KEY (...) NOT
// ENFORCED), which Iceberg wants required and of a primitive type other
// than float and double, as Flink's Iceberg connector makes them.
func IcebergSchema(s types.Schema, key ...string) (*iceberggo.Schema, error) {
	fields := make([]iceberggo.NestedField, 0, len(s.Columns))
	seen := map[string]bool{}
	for i, c := range s.Columns {
		t, err := IcebergType(c.Type)
		if err != nil {
			return nil, fmt.Errorf("column %s: %w", c.Name, err)
		}
		if seen[strings.ToLower(c.Name)] {
			return nil, fmt.Errorf("duplicate column %s", c.Name)
		}
		seen[strings.ToLower(c.Name)] = true
		fields = append(fields, iceberggo.NestedField{ID: i + 1, Name: c.Name, Type: t})
	}
	var ids []int
	for _, k := range key {
		i := s.Index(k)
		if i < 0 {
			return nil, fmt.Errorf("PRIMARY KEY column %s is not a column of the table (columns: %s)", k, strings.Join(s.Names(), ", "))
		}
		if err := CheckIdentifierType(fields[i].Type); err != nil {
			return nil, fmt.Errorf("PRIMARY KEY column %s: %w", k, err)
		}
		if fields[i].Required {
			continue // named twice
		}
		fields[i].Required = true
		ids = append(ids, fields[i].ID)
	}
	return iceberggo.NewSchemaWithIdentifiers(0, ids, fields...), nil
}

// ErrBadIdentifierField: a column cannot be an identifier field.
var ErrBadIdentifierField = errors.New("cannot be an Iceberg identifier field")

// CheckIdentifierType says whether a column of type t can be an identifier
// field: Iceberg allows primitive types but float and double.
func CheckIdentifierType(t iceberggo.Type) error {
	switch t.(type) {
	case iceberggo.Float32Type, iceberggo.Float64Type:
		return fmt.Errorf("a %s column %w (float and double values do not compare exactly)", t, ErrBadIdentifierField)
	case iceberggo.PrimitiveType:
		return nil
	}
	return fmt.Errorf("a %s column %w (only primitive types can)", t, ErrBadIdentifierField)
}

// IdentifierFields names the identifier fields of schema s, in its order.
func IdentifierFields(s *iceberggo.Schema) []string {
	var out []string
	for _, id := range s.IdentifierFieldIDs {
		if n, ok := s.FindColumnName(id); ok {
			out = append(out, n)
		}
	}
	return out
}

// ChatsqlType maps an Iceberg type to the chatsql type its values are read
// (or written) as.
func ChatsqlType(t iceberggo.Type) (types.Type, error) {
	switch x := t.(type) {
	case iceberggo.BooleanType:
		return types.Boolean, nil
	case iceberggo.Int32Type:
		return types.Int, nil
	case iceberggo.Int64Type:
		return types.BigInt, nil
	case iceberggo.Float32Type, iceberggo.Float64Type:
		return types.Double, nil
	case iceberggo.DecimalType:
		if x.Precision() > 18 {
			return types.Type{}, fmt.Errorf("Iceberg %s has more than 18 digits (chatsql's DECIMAL holds 18)", t)
		}
		return types.Decimal(x.Precision(), x.Scale()), nil
	case iceberggo.StringType, iceberggo.UUIDType:
		return types.String, nil
	case iceberggo.TimestampType, iceberggo.TimestampNsType:
		return types.Timestamp, nil
	case iceberggo.TimestampTzType, iceberggo.TimestampTzNsType:
		return types.TimestampLTZ, nil
	case iceberggo.DateType:
		return types.Date, nil
	case iceberggo.BinaryType, iceberggo.FixedType:
		return types.Bytes, nil
	}
	return types.Type{}, fmt.Errorf("Iceberg type %s is not supported by chatsql", t)
}

// ChatsqlSchema maps an Iceberg schema's top-level fields to chatsql columns.
func ChatsqlSchema(s *iceberggo.Schema) (types.Schema, error) {
	out := types.NewSchema()
	for _, f := range s.Fields() {
		t, err := ChatsqlType(f.Type)
		if err != nil {
			return types.Schema{}, fmt.Errorf("column %s: %w", f.Name, err)
		}
		if f.Required {
			t.NotNull = true
		}
		out.Columns = append(out.Columns, types.Column{Name: f.Name, Type: t})
	}
	return out, nil
}
