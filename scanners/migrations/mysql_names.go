package migrations

import (
	"unicode/utf8"

	"github.com/pingcap/tidb/pkg/parser/ast"
)

// myNameLimit is MySQL's limit for the names of databases, tables,
// columns, indexes, constraints, views and user variables: 64 characters,
// not bytes. Past it MySQL refuses the statement (error 1059, "Identifier
// name … is too long"), unlike PostgreSQL, which truncates. The TiDB
// parser accepts any length, so the names are read from its tree.
const myNameLimit = 64

// myLongNames are the names of a MySQL statement longer than MySQL
// accepts, sorted and without repeats. Aliases (256) and labels (16) have
// limits of their own and are not read.
func myLongNames(n ast.Node) []string {
	v := &nameVisitor{}
	n.Accept(v)
	return compactSorted(v.long)
}

type nameVisitor struct{ long []string }

func (v *nameVisitor) add(names ...string) {
	for _, s := range names {
		if utf8.RuneCountInString(s) > myNameLimit {
			v.long = append(v.long, s)
		}
	}
}

// Enter reads the names each kind of node carries; the nodes under it
// (a column's name under its definition, a foreign key's table under the
// constraint) are visited on their own.
func (v *nameVisitor) Enter(n ast.Node) (ast.Node, bool) {
	switch x := n.(type) {
	case *ast.TableName:
		v.add(x.Schema.O, x.Name.O)
	case *ast.ColumnName:
		v.add(x.Schema.O, x.Table.O, x.Name.O)
	case *ast.Constraint:
		v.add(x.Name)
	case *ast.CreateIndexStmt:
		v.add(x.IndexName)
	case *ast.DropIndexStmt:
		v.add(x.IndexName)
	case *ast.AlterTableSpec:
		v.add(x.Name, x.IndexName.O, x.FromKey.O, x.ToKey.O)
	case *ast.CreateDatabaseStmt:
		v.add(x.Name.O)
	case *ast.DropDatabaseStmt:
		v.add(x.Name.O)
	case *ast.AlterDatabaseStmt:
		v.add(x.Name.O)
	case *ast.CreateViewStmt:
		for _, c := range x.Cols {
			v.add(c.O)
		}
	case *ast.VariableExpr:
		if !x.IsSystem {
			v.add(x.Name)
		}
	case *ast.VariableAssignment:
		if !x.IsSystem {
			v.add(x.Name)
		}
	}
	return n, false
}

func (v *nameVisitor) Leave(n ast.Node) (ast.Node, bool) { return n, true }
