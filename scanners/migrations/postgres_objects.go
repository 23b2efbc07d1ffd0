package migrations

import (
	"fmt"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/relgate/relgate/engine"
)

// Facts of the PostgreSQL statements on objects other than tables: enum
// values, domains, comments, explicit locks; and the identifiers any
// statement names.

// pgMaxIdentifier is NAMEDATALEN-1: PostgreSQL silently truncates a longer
// identifier, so two long names can become one and code that uses the
// full name finds nothing.
const pgMaxIdentifier = 63

// lockModes are LOCK TABLE's modes by libpg_query's number (lockdefs.h).
var lockModes = map[int32]string{
	1: "ACCESS SHARE", 2: "ROW SHARE", 3: lockRowExclusive, 4: lockShareUpdateExcl,
	5: lockShare, 6: lockShareRowExclusive, 7: lockExclusive, 8: lockAccessExclusive,
}

// pgAlterEnum reads ALTER TYPE … ADD VALUE / RENAME VALUE. Objects are the
// type, the value, and the neighbour that BEFORE/AFTER names (ADD) or the
// new name (RENAME).
func pgAlterEnum(c *pg.AlterEnumStmt) engine.Statement {
	typ := names(c.GetTypeName())
	if c.GetOldVal() != "" {
		// Released code that writes the old label fails once it is renamed.
		return engine.Statement{Kind: "rename_enum_value", Objects: []string{typ, c.GetOldVal(), c.GetNewVal()},
			Renames: true, BackwardIncompatible: true}
	}
	s := engine.Statement{Kind: "add_enum_value", Objects: []string{typ, c.GetNewVal()}, Idempotent: c.GetSkipIfNewValExists()}
	if c.GetNewValNeighbor() != "" {
		s.Objects = append(s.Objects, c.GetNewValNeighbor())
	}
	return s
}

// pgCreateDomain reads CREATE DOMAIN; its constraints are facts because a
// domain's CHECK is re-checked against every column of the type whenever
// it changes, and cannot be added NOT VALID to columns later.
func pgCreateDomain(c *pg.CreateDomainStmt) parsed {
	s := engine.Statement{Kind: "create_domain", Objects: []string{names(c.GetDomainname())},
		Types: []string{typeName(c.GetTypeName())}}
	for _, cn := range c.GetConstraints() {
		if k := constraintKind(cn.GetConstraint().GetContype()); k != "" && s.AddsConstraint == "" {
			s.AddsConstraint = k
		}
	}
	return parsed{actions: []engine.Statement{s}}
}

// pgAlterDomain reads ALTER DOMAIN: ADD CONSTRAINT scans every column of
// the domain's type in every table, holding their locks.
func pgAlterDomain(a *pg.AlterDomainStmt) parsed {
	s := engine.Statement{Kind: "alter_domain", Objects: []string{names(a.GetTypeName())}}
	switch a.GetSubtype() {
	case "C":
		c := a.GetDef().GetConstraint()
		s.Kind, s.AddsConstraint, s.NotValid = "alter_domain_add_constraint", constraintKind(c.GetContype()), c.GetSkipValidation()
		if s.NotValid {
			s.Lock = lockShareUpdateExcl
		} else {
			s.Lock = lockShare
		}
	case "X":
		s.Kind, s.Idempotent = "alter_domain_drop_constraint", a.GetMissingOk()
	case "V":
		s.Kind, s.ValidatesConstraint, s.Lock = "alter_domain_validate_constraint", true, lockShareUpdateExcl
	case "O":
		s.Kind, s.AddsConstraint, s.Lock = "alter_domain_set_not_null", constraintNotNull, lockShare
	case "N":
		s.Kind = "alter_domain_drop_not_null"
	}
	return parsed{actions: []engine.Statement{s}}
}

// pgComment reads COMMENT ON: it takes a SHARE UPDATE EXCLUSIVE lock on
// the object, which waits behind any DDL on it.
func pgComment(c *pg.CommentStmt) engine.Statement {
	obj := strings.ToLower(strings.TrimPrefix(c.GetObjtype().String(), "OBJECT_"))
	s := engine.Statement{Kind: "comment", Lock: lockShareUpdateExcl, Idempotent: true, Objects: []string{obj}}
	name := objectName(c.GetObject())
	switch c.GetObjtype() {
	case pg.ObjectType_OBJECT_COLUMN:
		if i := strings.LastIndexByte(name, '.'); i > 0 {
			s.Table, s.Columns = name[:i], []string{name[i+1:]}
		}
	case pg.ObjectType_OBJECT_TABLE, pg.ObjectType_OBJECT_VIEW, pg.ObjectType_OBJECT_MATVIEW,
		pg.ObjectType_OBJECT_INDEX, pg.ObjectType_OBJECT_SEQUENCE, pg.ObjectType_OBJECT_FOREIGN_TABLE:
		s.Table = name
	default:
		s.Objects = append(s.Objects, name)
	}
	return s
}

// defTrue reads a boolean option as PostgreSQL's defGetBoolean does: no
// value is true; true/false, on/off, yes/no, 1/0 otherwise.
func defTrue(d *pg.DefElem) bool {
	a := d.GetArg()
	if a == nil {
		return true
	}
	switch {
	case a.GetInteger() != nil:
		return a.GetInteger().GetIval() != 0
	case a.GetBoolean() != nil:
		return a.GetBoolean().GetBoolval()
	case a.GetAConst() != nil && a.GetAConst().GetIval() != nil:
		return a.GetAConst().GetIval().GetIval() != 0
	case a.GetAConst() != nil && a.GetAConst().GetBoolval() != nil:
		return a.GetAConst().GetBoolval().GetBoolval()
	}
	v := a.GetString_().GetSval()
	if c := a.GetAConst(); c != nil && c.GetSval() != nil {
		v = c.GetSval().GetSval()
	}
	switch strings.ToLower(v) {
	case "false", "off", "no", "0", "f", "n":
		return false
	}
	return true
}

// notNullCheck returns the column of a CHECK (column IS NOT NULL).
func notNullCheck(e *pg.Node) string {
	nt := e.GetNullTest()
	if nt == nil || nt.GetNulltesttype() != pg.NullTestType_IS_NOT_NULL {
		return ""
	}
	if cr := nt.GetArg().GetColumnRef(); cr != nil {
		return names(cr.GetFields())
	}
	return ""
}

// indirection names the part of a column an UPDATE target sets (a.x,
// a[1]): two targets on one composite or array column set different
// parts. An index that is not a constant is told apart by position.
func indirection(ind []*pg.Node, pos int) string {
	var b strings.Builder
	for _, n := range ind {
		switch {
		case n.GetString_() != nil:
			b.WriteString("." + n.GetString_().GetSval())
		case n.GetAIndices() != nil:
			if c := n.GetAIndices().GetUidx().GetAConst(); c != nil && c.GetIval() != nil {
				fmt.Fprintf(&b, "[%d]", c.GetIval().GetIval())
			} else {
				fmt.Fprintf(&b, "[#%d]", pos)
			}
		}
	}
	return b.String()
}

func compactSorted(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return finishTypes(engine.Statement{Types: s}).Types
}
