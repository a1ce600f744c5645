package format

import (
	"fmt"

	"github.com/chatsql/chatsql/connectors"
	"github.com/chatsql/chatsql/runtime/types"
)

func init() {
	Register(Factory{
		Name: "raw",
		NewDecoder: func(s types.Schema, _ connectors.Options) (Decoder, error) {
			if err := checkRawSchema(s); err != nil {
				return nil, err
			}
			return rawDecoder{kind: s.Columns[0].Type.Kind}, nil
		},
		NewEncoder: func(s types.Schema, _ connectors.Options) (Encoder, error) {
			if err := checkRawSchema(s); err != nil {
				return nil, err
			}
			return rawEncoder{}, nil
		},
	})
}

// ErrRawSchema: the raw format needs exactly one VARCHAR or BYTES column.
var ErrRawSchema = fmt.Errorf("the raw format needs exactly one VARCHAR or BYTES column")

func checkRawSchema(s types.Schema) error {
	if len(s.Columns) != 1 {
		return fmt.Errorf("%w, got %d columns", ErrRawSchema, len(s.Columns))
	}
	if k := s.Columns[0].Type.Kind; k != types.KindString && k != types.KindBytes {
		return fmt.Errorf("%w, column '%s' is %s", ErrRawSchema, s.Columns[0].Name, s.Columns[0].Type)
	}
	return nil
}

// rawDecoder makes the whole record the value of the single column.
type rawDecoder struct{ kind types.Kind }

func (d rawDecoder) Decode(data []byte, row types.Row) error {
	if d.kind == types.KindBytes {
		row[0] = types.NewBytes(string(data))
	} else {
		row[0] = types.NewString(string(data))
	}
	return nil
}

// rawEncoder writes the single column's bytes as they are (NULL: nothing).
type rawEncoder struct{}

func (rawEncoder) Encode(buf []byte, row types.Row) ([]byte, error) {
	return append(buf, row[0].Str()...), nil
}
