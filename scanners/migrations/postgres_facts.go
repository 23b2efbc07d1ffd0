package migrations

import (
	"cmp"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/relgate/relgate/engine"
)

// PostgreSQL table lock modes, as the documentation names them.
const (
	lockAccessExclusive   = "ACCESS EXCLUSIVE"
	lockExclusive         = "EXCLUSIVE"
	lockShareRowExclusive = "SHARE ROW EXCLUSIVE"
	lockShare             = "SHARE"
	lockShareUpdateExcl   = "SHARE UPDATE EXCLUSIVE"
	lockRowExclusive      = "ROW EXCLUSIVE"
)

// Constraint kinds, the same words in both dialects.
const (
	constraintForeignKey = "foreign_key"
	constraintCheck      = "check"
	constraintUnique     = "unique"
	constraintPrimaryKey = "primary_key"
	constraintExclusion  = "exclusion"
	constraintNotNull    = "not_null"
)

// pgFacts reads the facts of one parsed statement. What each statement
// locks is PostgreSQL's documented behaviour (the "Explicit Locking" and
// ALTER TABLE chapters); nothing here judges whether it is acceptable.
func pgFacts(n *pg.Node) parsed {
	var p parsed
	one := func(s engine.Statement) { p.actions = append(p.actions, s) }
	switch {
	case n.GetCreateStmt() != nil:
		c := n.GetCreateStmt()
		s := engine.Statement{Kind: "create_table", Table: rangeVar(c.GetRelation()), Idempotent: c.GetIfNotExists(),
			Temporary: c.GetRelation().GetRelpersistence() == "t"}
		for _, e := range c.GetTableElts() {
			if cd := e.GetColumnDef(); cd != nil {
				s.Columns = append(s.Columns, cd.GetColname())
				s.Types = append(s.Types, typeName(cd.GetTypeName()))
			}
		}
		if c.GetPartbound() != nil {
			// A new partition locks its parent.
			s.Lock = lockShareUpdateExcl
		}
		one(finishTypes(s))
		p.effect.creates = []string{s.Table}
	case n.GetCreateTableAsStmt() != nil:
		c := n.GetCreateTableAsStmt()
		kind := "create_table_as"
		if c.GetObjtype() == pg.ObjectType_OBJECT_MATVIEW {
			kind = "create_materialized_view"
		}
		t := rangeVar(c.GetInto().GetRel())
		one(engine.Statement{Kind: kind, Table: t, Idempotent: c.GetIfNotExists(), Temporary: c.GetInto().GetRel().GetRelpersistence() == "t"})
		p.effect.creates = []string{t}
	case n.GetIndexStmt() != nil:
		ix := n.GetIndexStmt()
		s := engine.Statement{Kind: "create_index", Table: rangeVar(ix.GetRelation()), Concurrently: ix.GetConcurrent(),
			Idempotent: ix.GetIfNotExists(), Lock: lockShare}
		if ix.GetConcurrent() {
			s.Lock = lockShareUpdateExcl
			p.effect.nonTransactional = true
		}
		for _, e := range ix.GetIndexParams() {
			if name := e.GetIndexElem().GetName(); name != "" {
				s.Columns = append(s.Columns, name)
			}
		}
		if ix.GetIdxname() != "" {
			s.Objects = []string{qualify(ix.GetRelation().GetSchemaname(), ix.GetIdxname())}
			p.effect.creates = []string{s.Objects[0]}
		}
		one(s)
	case n.GetDropStmt() != nil:
		p = pgDrop(n.GetDropStmt())
	case n.GetAlterTableStmt() != nil:
		p = pgAlterTable(n.GetAlterTableStmt())
	case n.GetRenameStmt() != nil:
		p = pgRename(n.GetRenameStmt())
	case n.GetTruncateStmt() != nil:
		s := engine.Statement{Kind: "truncate", Destructive: true, Lock: lockAccessExclusive,
			Cascade: n.GetTruncateStmt().GetBehavior() == pg.DropBehavior_DROP_CASCADE}
		setObjects(&s, relations(n.GetTruncateStmt().GetRelations()))
		one(s)
	case n.GetDeleteStmt() != nil:
		d := n.GetDeleteStmt()
		noWhere := d.GetWhereClause() == nil
		one(engine.Statement{Kind: "delete", Table: rangeVar(d.GetRelation()), Lock: lockRowExclusive,
			DataChangeWithoutWhere: noWhere, Destructive: noWhere})
	case n.GetUpdateStmt() != nil:
		u := n.GetUpdateStmt()
		s := engine.Statement{Kind: "update", Table: rangeVar(u.GetRelation()), Lock: lockRowExclusive,
			DataChangeWithoutWhere: u.GetWhereClause() == nil}
		for i, t := range u.GetTargetList() {
			if name := t.GetResTarget().GetName(); name != "" {
				s.Columns = append(s.Columns, name+indirection(t.GetResTarget().GetIndirection(), i))
			}
		}
		one(s)
	case n.GetInsertStmt() != nil:
		one(engine.Statement{Kind: "insert", Table: rangeVar(n.GetInsertStmt().GetRelation()), Lock: lockRowExclusive})
	case n.GetTransactionStmt() != nil:
		p = pgTransaction(n.GetTransactionStmt())
	case n.GetVariableSetStmt() != nil:
		p = pgSet(n.GetVariableSetStmt())
	case n.GetViewStmt() != nil:
		v := n.GetViewStmt()
		one(engine.Statement{Kind: "create_view", Table: rangeVar(v.GetView()), Idempotent: v.GetReplace()})
	case n.GetCreateSchemaStmt() != nil:
		c := n.GetCreateSchemaStmt()
		one(engine.Statement{Kind: "create_schema", Objects: []string{c.GetSchemaname()}, Idempotent: c.GetIfNotExists()})
	case n.GetCreateExtensionStmt() != nil:
		c := n.GetCreateExtensionStmt()
		one(engine.Statement{Kind: "create_extension", Objects: []string{c.GetExtname()}, Idempotent: c.GetIfNotExists()})
	case n.GetCreateSeqStmt() != nil:
		c := n.GetCreateSeqStmt()
		one(engine.Statement{Kind: "create_sequence", Objects: []string{rangeVar(c.GetSequence())}, Idempotent: c.GetIfNotExists()})
	case n.GetCreateFunctionStmt() != nil:
		c := n.GetCreateFunctionStmt()
		kind := "create_function"
		if c.GetIsProcedure() {
			kind = "create_procedure"
		}
		one(engine.Statement{Kind: kind, Objects: []string{names(c.GetFuncname())}, Idempotent: c.GetReplace()})
	case n.GetCreateTrigStmt() != nil:
		c := n.GetCreateTrigStmt()
		one(engine.Statement{Kind: "create_trigger", Table: rangeVar(c.GetRelation()), Objects: []string{c.GetTrigname()},
			Idempotent: c.GetReplace(), Lock: lockShareRowExclusive})
	case n.GetAlterEnumStmt() != nil:
		one(pgAlterEnum(n.GetAlterEnumStmt()))
	case n.GetVacuumStmt() != nil:
		v := n.GetVacuumStmt()
		s := engine.Statement{Kind: "analyze", Lock: lockShareUpdateExcl}
		if v.GetIsVacuumcmd() {
			s.Kind = "vacuum"
			p.effect.nonTransactional = true
		}
		for _, o := range v.GetOptions() {
			if o.GetDefElem().GetDefname() == "full" && defTrue(o.GetDefElem()) {
				s.RewritesTable, s.Lock = true, lockAccessExclusive
			}
		}
		var rels []string
		for _, r := range v.GetRels() {
			rels = append(rels, rangeVar(r.GetVacuumRelation().GetRelation()))
		}
		setObjects(&s, rels)
		one(s)
	case n.GetClusterStmt() != nil:
		one(engine.Statement{Kind: "cluster", Table: rangeVar(n.GetClusterStmt().GetRelation()), RewritesTable: true, Lock: lockAccessExclusive})
	case n.GetReindexStmt() != nil:
		r := n.GetReindexStmt()
		// REINDEX locks the index ACCESS EXCLUSIVE (and its table SHARE):
		// every query that would use the index waits.
		s := engine.Statement{Kind: "reindex", Table: cmp.Or(rangeVar(r.GetRelation()), r.GetName()), Lock: lockAccessExclusive}
		if r.GetKind() == pg.ReindexObjectType_REINDEX_OBJECT_SYSTEM {
			// The catalogs have no CONCURRENTLY form.
			s.Kind = "reindex_system"
		}
		for _, o := range r.GetParams() {
			if o.GetDefElem().GetDefname() == "concurrently" && defTrue(o.GetDefElem()) {
				s.Concurrently, s.Lock = true, lockShareUpdateExcl
				p.effect.nonTransactional = true
			}
		}
		one(s)
	case n.GetRefreshMatViewStmt() != nil:
		r := n.GetRefreshMatViewStmt()
		s := engine.Statement{Kind: "refresh_materialized_view", Table: rangeVar(r.GetRelation()), Concurrently: r.GetConcurrent(), Lock: lockAccessExclusive}
		if r.GetConcurrent() {
			s.Lock = lockExclusive
		}
		one(s)
	case n.GetCreatedbStmt() != nil:
		one(engine.Statement{Kind: "create_database", Objects: []string{n.GetCreatedbStmt().GetDbname()}})
		p.effect.nonTransactional = true
	case n.GetDropdbStmt() != nil:
		d := n.GetDropdbStmt()
		one(engine.Statement{Kind: "drop_database", Objects: []string{d.GetDbname()}, Destructive: true,
			BackwardIncompatible: true, Idempotent: d.GetMissingOk()})
		p.effect.nonTransactional = true
	case n.GetCreateDomainStmt() != nil:
		p = pgCreateDomain(n.GetCreateDomainStmt())
	case n.GetAlterDomainStmt() != nil:
		p = pgAlterDomain(n.GetAlterDomainStmt())
	case n.GetCommentStmt() != nil:
		one(pgComment(n.GetCommentStmt()))
	case n.GetLockStmt() != nil:
		l := n.GetLockStmt()
		s := engine.Statement{Kind: "lock", Lock: lockModes[l.GetMode()]}
		setObjects(&s, relations(l.GetRelations()))
		one(s)
	case n.GetAlterSystemStmt() != nil:
		one(engine.Statement{Kind: "alter_system"})
		p.effect.nonTransactional = true
	default:
		one(engine.Statement{Kind: nodeKind(n)})
	}
	return p
}

// pgAlterTable gives one action per sub-command.
func pgAlterTable(a *pg.AlterTableStmt) parsed {
	var p parsed
	table := rangeVar(a.GetRelation())
	for _, c := range a.GetCmds() {
		cmd := c.GetAlterTableCmd()
		if cmd == nil {
			continue
		}
		s := engine.Statement{Table: table, Lock: lockAccessExclusive}
		if cmd.GetName() != "" {
			s.Columns = []string{cmd.GetName()}
		}
		switch cmd.GetSubtype() {
		case pg.AlterTableType_AT_AddColumn:
			s = pgAddColumn(s, cmd.GetDef().GetColumnDef())
			s.Idempotent = cmd.GetMissingOk()
		case pg.AlterTableType_AT_DropColumn:
			s.Kind, s.Destructive, s.BackwardIncompatible, s.Idempotent = "drop_column", true, true, cmd.GetMissingOk()
		case pg.AlterTableType_AT_AlterColumnType:
			s.Kind, s.ChangesType, s.RewritesTable, s.BackwardIncompatible, s.Idempotent = "alter_column_type", true, true, true, true
			s.Types = []string{typeName(cmd.GetDef().GetColumnDef().GetTypeName())}
		case pg.AlterTableType_AT_SetNotNull:
			s.Kind, s.AddsConstraint, s.BackwardIncompatible, s.Idempotent = "set_not_null", constraintNotNull, true, true
		case pg.AlterTableType_AT_DropNotNull:
			s.Kind, s.Idempotent = "drop_not_null", true
		case pg.AlterTableType_AT_ColumnDefault:
			if d := cmd.GetDef(); d != nil {
				s.Kind, s.AddsDefault, s.VolatileDefault, s.Idempotent = "set_default", true, volatile(d), true
			} else {
				s.Kind, s.BackwardIncompatible, s.Idempotent = "drop_default", true, true
			}
		case pg.AlterTableType_AT_AddConstraint:
			s = pgAddConstraint(s, cmd.GetDef().GetConstraint())
		case pg.AlterTableType_AT_ValidateConstraint:
			s.Kind, s.ValidatesConstraint, s.Lock, s.Idempotent = "validate_constraint", true, lockShareUpdateExcl, true
			s.Columns, s.Objects = nil, []string{cmd.GetName()}
		case pg.AlterTableType_AT_DropConstraint:
			s.Kind, s.Idempotent = "drop_constraint", cmd.GetMissingOk()
			s.Columns, s.Objects = nil, []string{cmd.GetName()}
		case pg.AlterTableType_AT_SetLogged:
			s.Kind, s.RewritesTable = "set_logged", true
		case pg.AlterTableType_AT_SetUnLogged:
			s.Kind, s.RewritesTable = "set_unlogged", true
		case pg.AlterTableType_AT_SetTableSpace:
			s.Kind, s.RewritesTable = "set_tablespace", true
		case pg.AlterTableType_AT_SetAccessMethod:
			s.Kind, s.RewritesTable = "set_access_method", true
		case pg.AlterTableType_AT_AttachPartition:
			s.Kind, s.Lock = "attach_partition", lockShareUpdateExcl
			s.Objects = []string{rangeVar(cmd.GetDef().GetPartitionCmd().GetName())}
		case pg.AlterTableType_AT_DetachPartition:
			pc := cmd.GetDef().GetPartitionCmd()
			s.Kind, s.Concurrently = "detach_partition", pc.GetConcurrent()
			s.Objects = []string{rangeVar(pc.GetName())}
			if pc.GetConcurrent() {
				s.Lock = lockShareUpdateExcl
				p.effect.nonTransactional = true
			}
		default:
			s.Kind = snake(strings.TrimPrefix(cmd.GetSubtype().String(), "AT_"))
			s.Lock = alterLock(cmd.GetSubtype())
		}
		p.actions = append(p.actions, finishTypes(s))
	}
	if len(p.actions) == 0 {
		p.actions = []engine.Statement{{Kind: "alter_table", Table: table, Lock: lockAccessExclusive}}
	}
	return p
}

// alterLock is the lock of the ALTER TABLE forms not handled one by one:
// ACCESS EXCLUSIVE unless the documentation names a weaker one.
func alterLock(t pg.AlterTableType) string {
	switch t {
	case pg.AlterTableType_AT_SetStatistics, pg.AlterTableType_AT_ClusterOn, pg.AlterTableType_AT_DropCluster,
		pg.AlterTableType_AT_SetRelOptions, pg.AlterTableType_AT_ResetRelOptions, pg.AlterTableType_AT_SetOptions,
		pg.AlterTableType_AT_ResetOptions:
		return lockShareUpdateExcl
	case pg.AlterTableType_AT_EnableTrig, pg.AlterTableType_AT_DisableTrig, pg.AlterTableType_AT_EnableTrigAll,
		pg.AlterTableType_AT_DisableTrigAll, pg.AlterTableType_AT_EnableTrigUser, pg.AlterTableType_AT_DisableTrigUser,
		pg.AlterTableType_AT_EnableAlwaysTrig, pg.AlterTableType_AT_EnableReplicaTrig:
		return lockShareRowExclusive
	}
	return lockAccessExclusive
}

// pgAddColumn reads ADD COLUMN: whether existing rows must be filled
// (a volatile default, an identity or stored generated column rewrites the
// table) and whether NOT NULL comes without a value for them.
func pgAddColumn(s engine.Statement, cd *pg.ColumnDef) engine.Statement {
	s.Kind = "add_column"
	s.Columns = []string{cd.GetColname()}
	typ := typeName(cd.GetTypeName())
	s.Types = []string{typ}
	notNull, hasDefault, filled := cd.GetIsNotNull(), false, false
	if strings.HasSuffix(typ, "serial") {
		// serial is an integer with DEFAULT nextval(): volatile.
		hasDefault, s.VolatileDefault = true, true
	}
	for _, cn := range cd.GetConstraints() {
		c := cn.GetConstraint()
		switch c.GetContype() {
		case pg.ConstrType_CONSTR_NOTNULL:
			notNull = true
		case pg.ConstrType_CONSTR_DEFAULT:
			hasDefault = true
			s.VolatileDefault = s.VolatileDefault || volatile(c.GetRawExpr())
		case pg.ConstrType_CONSTR_IDENTITY:
			hasDefault, s.VolatileDefault = true, true
		case pg.ConstrType_CONSTR_GENERATED:
			filled, s.RewritesTable = true, true
		case pg.ConstrType_CONSTR_PRIMARY:
			notNull, s.AddsConstraint = true, constraintPrimaryKey
		default:
			if k := constraintKind(c.GetContype()); k != "" {
				s.AddsConstraint, s.NotValid = k, c.GetSkipValidation()
			}
			if c.GetContype() == pg.ConstrType_CONSTR_CHECK {
				s.NotNullCheck = notNullCheck(c.GetRawExpr())
			}
		}
	}
	s.AddsDefault = hasDefault
	s.RewritesTable = s.RewritesTable || s.VolatileDefault
	s.NotNullWithoutDefault = notNull && !hasDefault && !filled
	// Released code that inserts without the new column fails on it.
	s.BackwardIncompatible = s.NotNullWithoutDefault
	return s
}

func pgAddConstraint(s engine.Statement, c *pg.Constraint) engine.Statement {
	s.Kind = "add_constraint"
	s.AddsConstraint = constraintKind(c.GetContype())
	s.NotValid = c.GetSkipValidation()
	s.UsingIndex = c.GetIndexname() != ""
	s.Columns = nil
	for _, k := range append(c.GetKeys(), c.GetFkAttrs()...) {
		s.Columns = append(s.Columns, k.GetString_().GetSval())
	}
	if c.GetConname() != "" {
		s.Objects = []string{c.GetConname()}
	}
	if s.AddsConstraint == constraintCheck {
		s.NotNullCheck = notNullCheck(c.GetRawExpr())
	}
	if s.AddsConstraint == constraintForeignKey {
		// Both tables are locked against writes while rows are checked.
		s.Lock = lockShareRowExclusive
		s.Objects = append(s.Objects, rangeVar(c.GetPktable()))
	}
	return s
}

func constraintKind(t pg.ConstrType) string {
	switch t {
	case pg.ConstrType_CONSTR_FOREIGN:
		return constraintForeignKey
	case pg.ConstrType_CONSTR_CHECK:
		return constraintCheck
	case pg.ConstrType_CONSTR_UNIQUE:
		return constraintUnique
	case pg.ConstrType_CONSTR_PRIMARY:
		return constraintPrimaryKey
	case pg.ConstrType_CONSTR_EXCLUSION:
		return constraintExclusion
	case pg.ConstrType_CONSTR_NOTNULL:
		return constraintNotNull
	}
	return ""
}

func pgDrop(d *pg.DropStmt) parsed {
	var p parsed
	obj := strings.ToLower(strings.TrimPrefix(d.GetRemoveType().String(), "OBJECT_"))
	if obj == "matview" {
		obj = "materialized_view"
	}
	s := engine.Statement{Kind: "drop_" + obj, Idempotent: d.GetMissingOk(), Cascade: d.GetBehavior() == pg.DropBehavior_DROP_CASCADE}
	var objs []string
	for _, o := range d.GetObjects() {
		objs = append(objs, objectName(o))
	}
	setObjects(&s, objs)
	switch d.GetRemoveType() {
	case pg.ObjectType_OBJECT_TABLE, pg.ObjectType_OBJECT_SCHEMA, pg.ObjectType_OBJECT_FOREIGN_TABLE:
		s.Destructive, s.BackwardIncompatible, s.Lock = true, true, lockAccessExclusive
	case pg.ObjectType_OBJECT_VIEW, pg.ObjectType_OBJECT_MATVIEW, pg.ObjectType_OBJECT_SEQUENCE:
		s.BackwardIncompatible, s.Lock = true, lockAccessExclusive
	case pg.ObjectType_OBJECT_FUNCTION, pg.ObjectType_OBJECT_PROCEDURE, pg.ObjectType_OBJECT_ROUTINE,
		pg.ObjectType_OBJECT_TYPE, pg.ObjectType_OBJECT_DOMAIN:
		s.BackwardIncompatible = true
	case pg.ObjectType_OBJECT_INDEX:
		s.Concurrently, s.Lock = d.GetConcurrent(), lockAccessExclusive
		if d.GetConcurrent() {
			s.Lock = lockShareUpdateExcl
			p.effect.nonTransactional = true
		}
	}
	p.actions = []engine.Statement{s}
	return p
}

func pgRename(r *pg.RenameStmt) parsed {
	var p parsed
	obj := strings.ToLower(strings.TrimPrefix(r.GetRenameType().String(), "OBJECT_"))
	s := engine.Statement{Kind: "rename_" + obj, Renames: true, Idempotent: false, Lock: lockAccessExclusive}
	old := rangeVar(r.GetRelation())
	if old == "" {
		old = objectName(r.GetObject())
	}
	s.Table = old
	switch r.GetRenameType() {
	case pg.ObjectType_OBJECT_COLUMN:
		s.Columns = []string{r.GetSubname()}
		s.Objects = []string{r.GetSubname(), r.GetNewname()}
		s.BackwardIncompatible = true
	case pg.ObjectType_OBJECT_TABLE, pg.ObjectType_OBJECT_VIEW, pg.ObjectType_OBJECT_MATVIEW, pg.ObjectType_OBJECT_SCHEMA:
		s.Objects = []string{old, qualify(r.GetRelation().GetSchemaname(), r.GetNewname())}
		s.BackwardIncompatible = true
		p.effect.renames = [][2]string{{s.Objects[0], s.Objects[1]}}
	case pg.ObjectType_OBJECT_INDEX:
		s.Objects = []string{old, r.GetNewname()}
		s.Lock = lockShareUpdateExcl
	default:
		s.Objects = []string{old, r.GetNewname()}
		s.Lock = ""
		if r.GetRelation() != nil {
			s.Lock = lockAccessExclusive
		}
		s.Columns = nil
		if r.GetSubname() != "" {
			s.Objects[0] = r.GetSubname()
		}
	}
	p.actions = []engine.Statement{s}
	return p
}

func pgTransaction(t *pg.TransactionStmt) parsed {
	var p parsed
	kind := strings.ToLower(strings.TrimPrefix(t.GetKind().String(), "TRANS_STMT_"))
	switch t.GetKind() {
	case pg.TransactionStmtKind_TRANS_STMT_BEGIN, pg.TransactionStmtKind_TRANS_STMT_START:
		kind, p.effect.txn = "begin", "begin"
	case pg.TransactionStmtKind_TRANS_STMT_COMMIT, pg.TransactionStmtKind_TRANS_STMT_ROLLBACK,
		pg.TransactionStmtKind_TRANS_STMT_PREPARE:
		p.effect.txn = "commit"
	}
	p.actions = []engine.Statement{{Kind: kind}}
	return p
}

func pgSet(v *pg.VariableSetStmt) parsed {
	var p parsed
	name := strings.ToLower(v.GetName())
	s := engine.Statement{Kind: "set", Idempotent: true}
	if name != "" {
		s.Objects = []string{name}
	}
	var t toggle
	switch v.GetKind() {
	case pg.VariableSetKind_VAR_SET_VALUE:
		t = turnedOn
		if args := v.GetArgs(); len(args) == 1 && zeroConst(args[0]) {
			t = turnedOff // 0 disables the timeout
		}
	case pg.VariableSetKind_VAR_SET_DEFAULT, pg.VariableSetKind_VAR_RESET:
		s.Kind, t = "reset", turnedOff
	case pg.VariableSetKind_VAR_RESET_ALL:
		s.Kind = "reset"
		p.effect.lockTimeout, p.effect.statementTimeout = turnedOff, turnedOff
	}
	switch name {
	case "lock_timeout":
		p.effect.lockTimeout = t
	case "statement_timeout":
		p.effect.statementTimeout = t
	}
	p.effect.local = v.GetIsLocal()
	p.actions = []engine.Statement{s}
	return p
}
