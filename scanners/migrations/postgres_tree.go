package migrations

import (
	"regexp"
	"slices"
	"strconv"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/relgate/relgate/engine"
)

// Helpers that read values, names and types out of libpg_query's tree.

// zeroConst is true for a constant that turns a timeout off: 0, '0',
// '0s', '0ms'.
func zeroConst(n *pg.Node) bool {
	c := n.GetAConst()
	switch {
	case c == nil:
		return false
	case c.GetIval() != nil:
		return c.GetIval().GetIval() == 0
	case c.GetSval() != nil:
		return zeroDurationRE.MatchString(strings.TrimSpace(c.GetSval().GetSval()))
	}
	return false
}

var zeroDurationRE = regexp.MustCompile(`^0+(\.0*)?\s*(us|ms|s|min|h|d)?$`)

// volatile is true when an expression calls a function PostgreSQL
// evaluates once per row: adding a column with such a default rewrites the
// table. Functions not known to be immutable or stable are taken as
// volatile, which is what CREATE FUNCTION declares by default.
func volatile(n proto.Message) bool {
	found := false
	walk(n, func(m proto.Message) {
		fc, ok := m.(*pg.FuncCall)
		if !ok {
			return
		}
		name := strings.ToLower(lastName(fc.GetFuncname()))
		if !nonVolatileFuncs[name] {
			found = true
		}
	})
	return found
}

// nonVolatileFuncs are common built-ins marked immutable or stable in
// pg_proc; a default calling only these is evaluated once.
var nonVolatileFuncs = map[string]bool{
	"now": true, "transaction_timestamp": true, "statement_timestamp": true, "current_setting": true,
	"lower": true, "upper": true, "trim": true, "btrim": true, "ltrim": true, "rtrim": true, "length": true,
	"concat": true, "concat_ws": true, "format": true, "md5": true, "replace": true, "substring": true, "substr": true,
	"abs": true, "round": true, "floor": true, "ceil": true, "greatest": true, "least": true,
	"to_char": true, "to_date": true, "to_timestamp": true, "to_number": true, "date_trunc": true, "date_part": true,
	"make_date": true, "make_time": true, "make_timestamp": true, "make_timestamptz": true, "make_interval": true,
	"jsonb_build_object": true, "json_build_object": true, "jsonb_build_array": true, "json_build_array": true,
	"to_jsonb": true, "to_json": true, "array_to_string": true, "string_to_array": true, "array_length": true,
	"timezone": true, "interval": true, "current_date": true, "current_time": true, "localtimestamp": true,
}

// walk calls fn on every message of a protobuf tree.
func walk(m proto.Message, fn func(proto.Message)) {
	if m == nil {
		return
	}
	r := m.ProtoReflect()
	if !r.IsValid() {
		return
	}
	fn(m)
	r.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.Message() == nil || fd.IsMap():
		case fd.IsList():
			l := v.List()
			for i := range l.Len() {
				walk(l.Get(i).Message().Interface(), fn)
			}
		default:
			walk(v.Message().Interface(), fn)
		}
		return true
	})
}

// nodeKind names a statement the facts do not know in detail after its
// node type: GrantStmt → grant.
func nodeKind(n *pg.Node) string {
	r := n.ProtoReflect()
	od := r.Descriptor().Oneofs().ByName("node")
	if od == nil {
		return "unknown"
	}
	fd := r.WhichOneof(od)
	if fd == nil {
		return "unknown"
	}
	return strings.TrimSuffix(string(fd.Name()), "_stmt")
}

func rangeVar(rv *pg.RangeVar) string {
	if rv == nil {
		return ""
	}
	return qualify(rv.GetSchemaname(), rv.GetRelname())
}

func qualify(schema, name string) string {
	if schema == "" {
		return name
	}
	return schema + "." + name
}

func relations(nodes []*pg.Node) []string {
	var out []string
	for _, n := range nodes {
		out = append(out, rangeVar(n.GetRangeVar()))
	}
	return out
}

// setObjects records the objects of a statement: Table is the first, and
// Objects lists them all when there are several.
func setObjects(s *engine.Statement, objs []string) {
	if len(objs) == 0 {
		return
	}
	s.Table = objs[0]
	if len(objs) > 1 {
		s.Objects = objs
	}
}

// objectName reads the name of a DROP/RENAME object: a qualified name
// list, a bare name, a function with arguments or a type.
func objectName(n *pg.Node) string {
	switch {
	case n.GetList() != nil:
		return names(n.GetList().GetItems())
	case n.GetString_() != nil:
		return n.GetString_().GetSval()
	case n.GetObjectWithArgs() != nil:
		return names(n.GetObjectWithArgs().GetObjname())
	case n.GetTypeName() != nil:
		return names(n.GetTypeName().GetNames())
	case n.GetRangeVar() != nil:
		return rangeVar(n.GetRangeVar())
	}
	return ""
}

func names(ns []*pg.Node) string {
	var parts []string
	for _, n := range ns {
		if s := n.GetString_(); s != nil {
			parts = append(parts, s.GetSval())
		}
	}
	return strings.Join(parts, ".")
}

func lastName(ns []*pg.Node) string {
	if len(ns) == 0 {
		return ""
	}
	return ns[len(ns)-1].GetString_().GetSval()
}

// typeName is a column type as PostgreSQL names it internally (int4,
// varchar, timestamptz), with [] for arrays. A varchar keeps its length,
// varchar(100): without one it is text by another name, and only the
// limit is what costs a rewrite to change.
func typeName(t *pg.TypeName) string {
	if t == nil {
		return ""
	}
	name := strings.ToLower(lastName(t.GetNames()))
	if mods := t.GetTypmods(); name == "varchar" && len(mods) > 0 {
		name += "(" + typmod(mods[0]) + ")"
	}
	if len(t.GetArrayBounds()) > 0 {
		name += "[]"
	}
	return name
}

// typmod is a type modifier as written: a number, or ? for an expression
// PostgreSQL would reject when it runs the statement.
func typmod(n *pg.Node) string {
	if c := n.GetAConst(); c != nil && c.GetIval() != nil {
		return strconv.Itoa(int(c.GetIval().GetIval()))
	}
	return "?"
}

// finishTypes sorts a statement's types and drops duplicates.
func finishTypes(s engine.Statement) engine.Statement {
	if len(s.Types) > 0 {
		s.Types = slices.Compact(slices.Sorted(slices.Values(s.Types)))
		s.Types = slices.DeleteFunc(s.Types, func(t string) bool { return t == "" })
	}
	return s
}

// snake turns an enum name such as SetUnLogged into set_un_logged.
func snake(s string) string {
	var b strings.Builder
	for i, r := range s {
		if r >= 'A' && r <= 'Z' {
			if i > 0 {
				b.WriteByte('_')
			}
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}
