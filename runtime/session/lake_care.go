package session

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/apache/iceberg-go/catalog"
	"github.com/apache/iceberg-go/table"

	"github.com/chatsql/chatsql/connectors/iceberg"
	"github.com/chatsql/chatsql/planner"
	"github.com/chatsql/chatsql/planner/diag"
	"github.com/chatsql/chatsql/planner/parser"
)

// callProcedure is CALL [catalog.]system.procedure(args): Iceberg's
// table-care procedures (rewrite_data_files, rewrite_manifests,
// expire_snapshots). Wrong arguments are errors at the argument, when the
// statement is planned.
func (s *Session) callProcedure(st *state, src *diag.Source, x *parser.CallStmt) (action, error) {
	parts := x.Procedure.Parts
	cat := iceberg.DefaultCatalog
	if len(parts) == 3 {
		cat, parts = strings.ToLower(parts[0]), parts[1:]
	}
	if len(parts) != 2 || !strings.EqualFold(parts[0], "system") {
		return nil, diag.Errorf(src, x.Procedure.Pos, diag.Semantic, "procedures are called as CALL <catalog>.system.<procedure>(...), not '%s'", x.Procedure.String()).
			WithHint("CALL lake.system.rewrite_data_files('chat.messages')")
	}
	if !st.lake.Has(cat) {
		return nil, diag.Errorf(src, x.Procedure.Pos, diag.UnknownName, "unknown catalog '%s'", cat).WithHint("SHOW CATALOGS lists them")
	}
	name := strings.ToLower(parts[1])
	var proc *iceberg.Procedure
	var names []string
	for i := range iceberg.Procedures {
		names = append(names, iceberg.Procedures[i].Name)
		if iceberg.Procedures[i].Name == name {
			proc = &iceberg.Procedures[i]
		}
	}
	if proc == nil {
		e := diag.Errorf(src, x.Procedure.Pos, diag.UnknownName, "unknown procedure system.%s", name)
		if m := closest(name, names); m != "" {
			return nil, e.WithHint("did you mean %s?", m)
		}
		return nil, e.WithHint("procedures: %s", strings.Join(names, ", "))
	}
	args := iceberg.CallArgs{Values: map[string]string{}, Maps: map[string][]string{}}
	argPos := map[string]int{} // where each parameter's argument is written
	for i, a := range x.Args {
		key := a.Name
		if key == "" {
			if i >= len(proc.Params) {
				return nil, diag.Errorf(src, a.Pos, diag.Semantic, "%s takes %d arguments (%s)", name, len(proc.Params), strings.Join(proc.Params, ", "))
			}
			key = proc.Params[i]
		}
		if _, twice := argPos[key]; twice {
			return nil, diag.Errorf(src, a.Pos, diag.Semantic, "%s: the argument %s is given twice", name, key)
		}
		argPos[key] = a.Pos
		if a.IsMap {
			args.Maps[key] = a.Map
		} else {
			args.Values[key] = a.Value
		}
	}
	// a wrong argument is an error where it is written, before anything runs
	callErr := func(err error) error {
		pos := x.Start
		if ae := (*iceberg.ArgError)(nil); errors.As(err, &ae) {
			if p, ok := argPos[ae.Param]; ok {
				pos = p
			}
		}
		return diag.Errorf(src, pos, diag.Semantic, "CALL %s: %v", x.Procedure.String(), err)
	}
	if err := iceberg.CheckCall(cat, name, args); err != nil {
		return nil, callErr(err)
	}
	return func(ctx context.Context) (Result, error) {
		r, err := s.lake.Call(ctx, cat, name, args)
		if err != nil {
			return Result{}, callErr(err)
		}
		return Result{Kind: ResultTable, Columns: r.Columns, Rows: [][]string{r.Row}}, nil
	}, nil
}

// alterTable is ALTER TABLE <iceberg table> ADD [COLUMN] ...: schema
// evolution; or SET (...) / RESET (...): table properties. The table is a qualified name (catalog.namespace.table or
// namespace.table) or a CREATE TABLE with 'connector' = 'iceberg'.
func (s *Session) alterTable(st *state, src *diag.Source, x *parser.AlterTableStmt) (action, error) {
	name := x.Table.String()
	cat, ident := "", []string(nil)
	if obj, ok := st.catalog.Lookup(name); ok {
		rel, isRel := obj.(*planner.Relation)
		if !isRel || !strings.EqualFold(rel.Connector, "iceberg") {
			return nil, diag.Errorf(src, x.Table.Pos, diag.Unsupported, "ALTER TABLE changes Iceberg tables; '%s' is not one", name).
				WithHint("a declared table's columns are its CREATE TABLE: drop and create it again")
		}
		cat = strings.ToLower(strings.TrimSpace(rel.Options["catalog"]))
		if cat == "" {
			cat = iceberg.DefaultCatalog
		}
		ident = strings.Split(rel.Options["table"], ".")
	} else {
		var lake bool
		if cat, ident, lake = planner.LakeTableName(x.Table.Parts); !lake {
			return nil, diag.Errorf(src, x.Table.Pos, diag.UnknownName, "unknown table '%s'", name).
				WithHint("name an Iceberg table as catalog.namespace.table")
		}
		if len(x.Table.Parts) >= 3 && !st.lake.Has(cat) {
			return nil, diag.Errorf(src, x.Table.Pos, diag.UnknownName, "unknown catalog '%s'", x.Table.Parts[0]).WithHint("SHOW CATALOGS lists them")
		}
	}
	for _, o := range append(append([]parser.Option(nil), x.SetProperties...), x.ResetProperties...) {
		if err := iceberg.UserProperty(o.Key); err != nil {
			return nil, diag.Errorf(src, o.KeyPos, diag.Semantic, "ALTER TABLE %s: %v", name, err)
		}
	}
	for _, c := range x.AddColumns {
		if c.Type.NotNull {
			return nil, diag.Errorf(src, c.Name.Pos, diag.Unsupported, "an added column is optional: NOT NULL cannot hold for the rows already written").
				WithHint("drop NOT NULL")
		}
		if _, err := iceberg.IcebergType(c.Type); err != nil {
			return nil, diag.Errorf(src, c.TypePos, diag.Semantic, "column %s: %v", c.Name.String(), err)
		}
	}
	return func(ctx context.Context) (Result, error) {
		c, err := s.lake.Get(ctx, cat)
		if err != nil {
			return Result{}, err
		}
		t, err := c.LoadTable(ctx, table.Identifier(ident))
		if errors.Is(err, catalog.ErrNoSuchTable) || errors.Is(err, catalog.ErrNoSuchNamespace) {
			return Result{}, diag.Errorf(src, x.Table.Pos, diag.UnknownName, "Iceberg table %s.%s does not exist", cat, strings.Join(ident, "."))
		}
		if err != nil {
			return Result{}, err
		}
		if len(x.SetProperties) > 0 || len(x.ResetProperties) > 0 {
			set := map[string]string{}
			var reset, names []string
			for _, o := range x.SetProperties {
				set[o.Key] = o.Value
				names = append(names, o.Key)
			}
			for _, o := range x.ResetProperties {
				reset = append(reset, o.Key)
				names = append(names, o.Key)
			}
			if err := iceberg.SetProperties(ctx, t, set, reset); err != nil {
				pos := x.Table.Pos
				if len(x.SetProperties) > 0 {
					pos = x.SetProperties[0].KeyPos
				} else if len(x.ResetProperties) > 0 {
					pos = x.ResetProperties[0].KeyPos
				}
				return Result{}, diag.Errorf(src, pos, diag.Semantic, "ALTER TABLE %s: %v", name, err)
			}
			verb := "set"
			if len(x.SetProperties) == 0 {
				verb = "reset"
			}
			return Result{Kind: ResultMessage, Message: fmt.Sprintf("Iceberg table %s.%s: %s %s.", cat, strings.Join(ident, "."), verb, strings.Join(names, ", "))}, nil
		}
		var added []string
		for _, col := range x.AddColumns {
			if err := iceberg.AddColumn(ctx, t, col.Name.String(), col.Type); err != nil {
				return Result{}, diag.Errorf(src, col.Name.Pos, diag.Semantic, "ALTER TABLE %s: %v", name, err)
			}
			added = append(added, col.Name.String())
		}
		return Result{Kind: ResultMessage, Message: fmt.Sprintf("Iceberg table %s.%s: added %s.", cat, strings.Join(ident, "."), strings.Join(added, ", "))}, nil
	}, nil
}
