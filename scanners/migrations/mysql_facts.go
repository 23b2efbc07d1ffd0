package migrations

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/mysql"
	"github.com/pingcap/tidb/pkg/parser/types"

	"github.com/relgate/relgate/engine"
)

// MySQL's LOCK clause values. Without a clause, Lock is what MySQL 8.0's
// online DDL takes for the operation (the "Online DDL Operations" tables):
// NONE when reads and writes go on, SHARED when writes wait (the table is
// copied), EXCLUSIVE when everything waits. Every DDL also takes an
// exclusive metadata lock, if only briefly, which is why Lock is never
// empty for DDL on a table.
const (
	myLockNone      = "NONE"
	myLockShared    = "SHARED"
	myLockExclusive = "EXCLUSIVE"
)

// myFacts reads the facts of one MySQL statement.
func myFacts(n ast.StmtNode) parsed {
	var p parsed
	_, p.effect.implicitCommit = n.(ast.DDLNode)
	one := func(s engine.Statement) { p.actions = append(p.actions, s) }
	switch st := n.(type) {
	case *ast.CreateTableStmt:
		s := engine.Statement{Kind: "create_table", Table: tableName(st.Table), Idempotent: st.IfNotExists}
		cs := tableCharset(st.Options)
		p.effect.columns = map[string]colDef{}
		for _, c := range st.Cols {
			s.Columns = append(s.Columns, c.Name.Name.O)
			s.Types = append(s.Types, myType(c.Tp))
			p.effect.columns[columnKey(s.Table, c.Name.Name.O)] = myColumn(c, cs)
		}
		one(finishTypes(s))
		p.effect.creates = []string{s.Table}
	case *ast.CreateIndexStmt:
		s := engine.Statement{Kind: "create_index", Table: tableName(st.Table), Idempotent: st.IfNotExists,
			Objects: []string{st.IndexName}, Lock: myLockNone}
		for _, k := range st.IndexPartSpecifications {
			if k.Column != nil {
				s.Columns = append(s.Columns, k.Column.Name.O)
			}
		}
		lockAlg(&s, st.LockAlg)
		one(s)
	case *ast.DropIndexStmt:
		s := engine.Statement{Kind: "drop_index", Table: tableName(st.Table), Idempotent: st.IfExists,
			Objects: []string{st.IndexName}, Lock: myLockNone}
		lockAlg(&s, st.LockAlg)
		one(s)
	case *ast.DropTableStmt:
		s := engine.Statement{Kind: "drop_table", Idempotent: st.IfExists, BackwardIncompatible: true, Lock: myLockExclusive}
		if st.IsView {
			s.Kind = "drop_view"
		} else {
			s.Destructive = true
		}
		var names []string
		for _, t := range st.Tables {
			names = append(names, tableName(t))
		}
		setObjects(&s, names)
		one(s)
	case *ast.DropDatabaseStmt:
		one(engine.Statement{Kind: "drop_database", Objects: []string{st.Name.O}, Idempotent: st.IfExists,
			Destructive: true, BackwardIncompatible: true, Lock: myLockExclusive})
	case *ast.CreateDatabaseStmt:
		one(engine.Statement{Kind: "create_database", Objects: []string{st.Name.O}, Idempotent: st.IfNotExists})
	case *ast.TruncateTableStmt:
		one(engine.Statement{Kind: "truncate", Table: tableName(st.Table), Destructive: true, Lock: myLockExclusive})
	case *ast.RenameTableStmt:
		for _, t := range st.TableToTables {
			old, nw := tableName(t.OldTable), tableName(t.NewTable)
			one(engine.Statement{Kind: "rename_table", Table: old, Objects: []string{old, nw}, Renames: true,
				BackwardIncompatible: true, Lock: myLockExclusive})
			p.effect.renames = append(p.effect.renames, [2]string{old, nw})
		}
	case *ast.AlterTableStmt:
		p.actions, p.effect.renames, p.effect.columns, p.effect.retypes = myAlterTable(st)
	case *ast.CreateViewStmt:
		one(engine.Statement{Kind: "create_view", Table: tableName(st.ViewName), Idempotent: st.OrReplace})
	case *ast.OptimizeTableStmt:
		s := engine.Statement{Kind: "optimize_table", RewritesTable: true, Lock: myLockNone}
		var names []string
		for _, t := range st.Tables {
			names = append(names, tableName(t))
		}
		setObjects(&s, names)
		one(s)
	case *ast.DeleteStmt:
		noWhere := st.Where == nil
		one(engine.Statement{Kind: "delete", Table: firstTable(st.TableRefs), DataChangeWithoutWhere: noWhere, Destructive: noWhere})
	case *ast.UpdateStmt:
		s := engine.Statement{Kind: "update", Table: firstTable(st.TableRefs), DataChangeWithoutWhere: st.Where == nil}
		for _, a := range st.List {
			s.Columns = append(s.Columns, a.Column.Name.O)
		}
		one(s)
	case *ast.InsertStmt:
		one(engine.Statement{Kind: "insert", Table: firstTable(st.Table)})
	case *ast.BeginStmt:
		one(engine.Statement{Kind: "begin"})
		p.effect.txn = "begin"
	case *ast.CommitStmt:
		one(engine.Statement{Kind: "commit"})
		p.effect.txn = "commit"
	case *ast.RollbackStmt:
		if st.SavepointName != "" {
			one(engine.Statement{Kind: "rollback_to"})
			break
		}
		one(engine.Statement{Kind: "rollback"})
		p.effect.txn = "commit"
	case *ast.SetStmt:
		p = mySet(st)
	default:
		kind := strings.TrimSuffix(snake(strings.TrimPrefix(fmt.Sprintf("%T", n), "*ast.")), "_stmt")
		one(engine.Statement{Kind: kind})
	}
	return p
}

// myAlterTable gives one action per specification. LOCK and ALGORITHM
// clauses are not actions: they apply to every other specification.
func myAlterTable(st *ast.AlterTableStmt) (acts []engine.Statement, renames [][2]string, cols map[string]colDef, retypes []retype) {
	table := tableName(st.Table)
	lock, algorithm := "", ""
	for _, sp := range st.Specs {
		switch sp.Tp {
		case ast.AlterTableLock:
			lock = sp.LockType.String()
		case ast.AlterTableAlgorithm:
			algorithm = sp.Algorithm.String()
		}
	}
	for _, sp := range st.Specs {
		s := engine.Statement{Table: table, Lock: myLockNone}
		switch sp.Tp {
		case ast.AlterTableLock, ast.AlterTableAlgorithm:
			continue
		case ast.AlterTableAddColumns:
			for _, c := range sp.NewColumns {
				cols = setColumn(cols, columnKey(table, c.Name.Name.O), myColumn(c, ""))
				a := myAddColumn(s, c, exprDefaultRE.MatchString(st.Text()))
				a.Idempotent = sp.IfNotExists
				acts = append(acts, a)
			}
			for _, c := range sp.NewConstraints {
				acts = append(acts, myAddConstraint(s, c))
			}
			continue
		case ast.AlterTableAddConstraint:
			s = myAddConstraint(s, sp.Constraint)
		case ast.AlterTableDropColumn:
			s.Kind, s.Destructive, s.BackwardIncompatible, s.Idempotent = "drop_column", true, true, sp.IfExists
			s.Columns = []string{sp.OldColumnName.Name.O}
		case ast.AlterTableModifyColumn, ast.AlterTableChangeColumn:
			// MODIFY and CHANGE restate the whole column definition: the
			// type may change, and the table is copied to apply it.
			c := sp.NewColumns[0]
			s.Kind, s.ChangesType, s.BackwardIncompatible, s.RewritesTable, s.Lock = "alter_column_type", true, true, true, myLockShared
			s.Columns = []string{c.Name.Name.O}
			s.Types = []string{myType(c.Tp)}
			oldKey := columnKey(table, c.Name.Name.O)
			if sp.OldColumnName != nil {
				oldKey = columnKey(table, sp.OldColumnName.Name.O)
			}
			def := myColumn(c, "")
			if !hasOption(c, ast.ColumnOptionAutoIncrement) && !hasOption(c, ast.ColumnOptionGenerated) {
				retypes = append(retypes, retype{action: len(acts), oldKey: oldKey, newKey: columnKey(table, c.Name.Name.O), def: def})
			}
			cols = setColumn(cols, columnKey(table, c.Name.Name.O), def)
			if sp.OldColumnName != nil && !strings.EqualFold(sp.OldColumnName.Name.O, c.Name.Name.O) {
				s.Renames = true
				s.Columns = []string{sp.OldColumnName.Name.O}
				s.Objects = []string{sp.OldColumnName.Name.O, c.Name.Name.O}
			}
		case ast.AlterTableRenameColumn:
			s.Kind, s.Renames, s.BackwardIncompatible = "rename_column", true, true
			s.Columns = []string{sp.OldColumnName.Name.O}
			s.Objects = []string{sp.OldColumnName.Name.O, sp.NewColumnName.Name.O}
		case ast.AlterTableRenameTable:
			nw := tableName(sp.NewTable)
			s.Kind, s.Renames, s.BackwardIncompatible, s.Lock = "rename_table", true, true, myLockExclusive
			s.Objects = []string{table, nw}
			renames = append(renames, [2]string{table, nw})
		case ast.AlterTableAlterColumn:
			c := sp.NewColumns[0]
			s.Columns = []string{c.Name.Name.O}
			s.Kind, s.BackwardIncompatible, s.Idempotent = "drop_default", true, true
			// The grammar gives SET DEFAULT as an option holding the
			// expression (of no option type) and DROP DEFAULT as none.
			for _, o := range c.Options {
				if o.Expr != nil {
					s.Kind, s.BackwardIncompatible, s.AddsDefault = "set_default", false, true
					s.VolatileDefault = myVolatile(o.Expr)
				}
			}
		case ast.AlterTableDropIndex:
			s.Kind, s.Idempotent, s.Objects = "drop_index", sp.IfExists, []string{sp.Name}
		case ast.AlterTableDropPrimaryKey:
			s.Kind, s.RewritesTable, s.Objects = "drop_constraint", true, []string{"PRIMARY"}
		case ast.AlterTableDropForeignKey:
			s.Kind, s.Idempotent, s.Objects = "drop_constraint", sp.IfExists, []string{sp.Name}
		case ast.AlterTableRenameIndex:
			s.Kind, s.Renames, s.Objects = "rename_index", true, []string{sp.FromKey.O, sp.ToKey.O}
		case ast.AlterTableForce:
			s.Kind, s.RewritesTable = "rebuild", true
		case ast.AlterTableOption:
			s.Kind = "table_options"
			for _, o := range sp.Options {
				// Changing the engine or converting the character set
				// copies every row.
				if o.Tp == ast.TableOptionEngine || o.Tp == ast.TableOptionCharset {
					s.RewritesTable, s.Lock = true, myLockShared
				}
			}
		default:
			s.Kind = "alter_table"
		}
		acts = append(acts, finishTypes(s))
	}
	for i := range acts {
		if algorithm != "" {
			acts[i].Algorithm = algorithm
			switch algorithm {
			case "COPY":
				acts[i].RewritesTable, acts[i].Lock = true, myLockShared
			case "INPLACE", "INSTANT":
				// MySQL refuses the statement rather than copy the table.
				acts[i].RewritesTable = false
			}
		}
		if lock != "" && lock != "DEFAULT" {
			acts[i].Lock = lock
			acts[i].Concurrently = lock == myLockNone
		}
	}
	if len(acts) == 0 {
		acts = []engine.Statement{{Kind: "alter_table", Table: table, Lock: myLockNone, Algorithm: algorithm}}
	}
	return acts, renames, cols, retypes
}

func setColumn(cols map[string]colDef, k string, d colDef) map[string]colDef {
	if cols == nil {
		cols = map[string]colDef{}
	}
	cols[k] = d
	return cols
}

func hasOption(c *ast.ColumnDef, tp ast.ColumnOptionType) bool {
	for _, o := range c.Options {
		if o.Tp == tp {
			return true
		}
	}
	return false
}

// exprDefaultRE finds DEFAULT (expression), MySQL 8's expression default,
// which the TiDB parser keeps without its parentheses.
var exprDefaultRE = regexp.MustCompile(`(?i)\bDEFAULT\s*\(`)

// myAddColumn reads ADD COLUMN. parenDefault says the statement writes a
// parenthesised DEFAULT somewhere: with a function call it is an
// expression default, which MySQL cannot add in place.
func myAddColumn(s engine.Statement, c *ast.ColumnDef, parenDefault bool) engine.Statement {
	s.Kind = "add_column"
	s.Columns = []string{c.Name.Name.O}
	s.Types = []string{myType(c.Tp)}
	notNull, hasDefault, filled := false, false, false
	for _, o := range c.Options {
		switch o.Tp {
		case ast.ColumnOptionNotNull:
			notNull = true
		case ast.ColumnOptionPrimaryKey:
			notNull, s.AddsConstraint, s.RewritesTable = true, constraintPrimaryKey, true
		case ast.ColumnOptionDefaultValue:
			hasDefault = true
			s.VolatileDefault = s.VolatileDefault || myVolatile(o.Expr)
			if f, ok := o.Expr.(*ast.FuncCallExpr); ok && (parenDefault || !nowFuncs[f.FnName.L]) {
				// An expression default is computed for every existing
				// row: the table is copied while writes wait.
				s.RewritesTable, s.Lock = true, myLockShared
			}
		case ast.ColumnOptionAutoIncrement:
			filled, s.VolatileDefault, s.RewritesTable, s.Lock = true, true, true, myLockShared
		case ast.ColumnOptionGenerated:
			filled = true
			if o.Stored {
				s.RewritesTable, s.Lock = true, myLockShared
			}
		case ast.ColumnOptionUniqKey:
			s.AddsConstraint = constraintUnique
		case ast.ColumnOptionReference:
			s.AddsConstraint, s.Lock, s.RewritesTable = constraintForeignKey, myLockShared, true
		case ast.ColumnOptionCheck:
			s.AddsConstraint, s.NotValid = constraintCheck, !o.Enforced
		}
	}
	s.AddsDefault = hasDefault
	s.RewritesTable = s.RewritesTable || s.VolatileDefault
	s.NotNullWithoutDefault = notNull && !hasDefault && !filled
	s.BackwardIncompatible = s.NotNullWithoutDefault
	return s
}

func myAddConstraint(s engine.Statement, c *ast.Constraint) engine.Statement {
	s.Kind = "add_constraint"
	if c.Name != "" {
		s.Objects = []string{c.Name}
	}
	for _, k := range c.Keys {
		if k.Column != nil {
			s.Columns = append(s.Columns, k.Column.Name.O)
		}
	}
	switch c.Tp {
	case ast.ConstraintPrimaryKey:
		// A new primary key rebuilds the clustered index: every row moves.
		s.AddsConstraint, s.RewritesTable = constraintPrimaryKey, true
	case ast.ConstraintUniq, ast.ConstraintUniqKey, ast.ConstraintUniqIndex:
		s.AddsConstraint = constraintUnique
	case ast.ConstraintForeignKey:
		// With foreign_key_checks on, only the COPY algorithm adds a
		// foreign key: existing rows are checked while writes wait.
		s.AddsConstraint, s.Lock, s.RewritesTable = constraintForeignKey, myLockShared, true
		if c.Refer != nil {
			s.Objects = append(s.Objects, tableName(c.Refer.Table))
		}
	case ast.ConstraintCheck:
		s.AddsConstraint, s.NotValid = constraintCheck, !c.Enforced
		if c.Enforced {
			s.Lock, s.RewritesTable = myLockShared, true
		}
	default:
		s.Kind = "create_index"
		s.Idempotent = c.IfNotExists
	}
	return s
}

func lockAlg(s *engine.Statement, la *ast.IndexLockAndAlgorithm) {
	if la == nil {
		return
	}
	if la.AlgorithmTp != ast.AlgorithmTypeDefault {
		s.Algorithm = la.AlgorithmTp.String()
		if la.AlgorithmTp == ast.AlgorithmTypeCopy {
			s.RewritesTable, s.Lock = true, myLockShared
		}
	}
	if l := la.LockTp.String(); l != "" && l != "DEFAULT" {
		s.Lock, s.Concurrently = l, l == myLockNone
	}
}

func mySet(st *ast.SetStmt) parsed {
	var p parsed
	s := engine.Statement{Kind: "set", Idempotent: true}
	for _, v := range st.Variables {
		name := strings.ToLower(v.Name)
		s.Objects = append(s.Objects, name)
		t := turnedOn
		if myOff(v.Value) {
			t = turnedOff
		}
		switch name {
		case "lock_wait_timeout":
			p.effect.lockTimeout = t
		case "max_execution_time":
			p.effect.statementTimeout = t
		case "foreign_key_checks":
			p.effect.fkChecks = t
		}
	}
	p.actions = []engine.Statement{s}
	return p
}

// myOff is true for a value that switches a setting off: 0, OFF, FALSE.
func myOff(e ast.ExprNode) bool {
	var v string
	switch x := e.(type) {
	case ast.ValueExpr:
		v = fmt.Sprint(x.GetValue())
	case *ast.ColumnNameExpr:
		v = x.Name.Name.L
	case *ast.DefaultExpr:
		return false
	default:
		return false
	}
	v = strings.ToLower(strings.TrimSpace(v))
	return v == "0" || v == "off" || v == "false"
}

// myVolatile is true when a default expression calls a function that
// yields a different value per row, so existing rows cannot share one.
func myVolatile(e ast.ExprNode) bool {
	if e == nil {
		return false
	}
	v := &funcVisitor{}
	e.Accept(v)
	for _, f := range v.names {
		switch f {
		case "uuid", "uuid_short", "rand", "random_bytes", "sysdate", "uuid_to_bin":
			return true
		}
	}
	return false
}

// nowFuncs are the CURRENT_TIMESTAMP spellings MySQL accepts as a plain
// (not expression) default of a temporal column.
var nowFuncs = map[string]bool{"current_timestamp": true, "now": true, "localtime": true, "localtimestamp": true}

type funcVisitor struct{ names []string }

func (v *funcVisitor) Enter(n ast.Node) (ast.Node, bool) {
	if f, ok := n.(*ast.FuncCallExpr); ok {
		v.names = append(v.names, f.FnName.L)
	}
	return n, false
}

func (v *funcVisitor) Leave(n ast.Node) (ast.Node, bool) { return n, true }

type tableVisitor struct{ first string }

func (v *tableVisitor) Enter(n ast.Node) (ast.Node, bool) {
	if t, ok := n.(*ast.TableName); ok && v.first == "" {
		v.first = tableName(t)
	}
	return n, v.first != ""
}

func (v *tableVisitor) Leave(n ast.Node) (ast.Node, bool) { return n, true }

// firstTable names the first table a DML statement's table clause names.
func firstTable(n ast.Node) string {
	if n == nil {
		return ""
	}
	v := &tableVisitor{}
	n.Accept(v)
	return v.first
}

func tableName(t *ast.TableName) string {
	if t == nil {
		return ""
	}
	return qualify(t.Schema.O, t.Name.O)
}

// myType is a column type as MySQL names it (int, varchar, datetime).
func myType(ft *types.FieldType) string {
	if ft == nil {
		return ""
	}
	name := types.TypeToStr(ft.GetType(), ft.GetCharset())
	if name == "" {
		return ""
	}
	if mysql.HasUnsignedFlag(ft.GetFlag()) {
		name += " unsigned"
	}
	return strings.ToLower(name)
}
