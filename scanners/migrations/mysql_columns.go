package migrations

import (
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/mysql"
)

// MySQL stores a VARCHAR's length in one byte up to 255 bytes and in two
// above: growing a VARCHAR is done in place while the prefix stays the
// same size, and copies the table when it crosses 255 bytes (the "Online
// DDL Operations" tables, "Extending VARCHAR column size").
const varcharPrefixLimit = 255

// colDef is what the migrations before a statement say about a MySQL
// column: its type and, for VARCHAR, its size in bytes.
type colDef struct {
	typ   string
	bytes int
	// chars and perChar make bytes; explicit says the definition named
	// its charset, so a later MODIFY without one keeps the old perChar.
	chars, perChar int
	explicit       bool
}

// catalog follows MySQL column definitions through a directory's
// migrations, in the order the tool applies them.
type catalog map[string]colDef

func columnKey(table, col string) string { return tableKey(table) + "." + strings.ToLower(col) }

// myColumn describes a column definition.
func myColumn(c *ast.ColumnDef, tableCharset string) colDef {
	d := colDef{typ: myType(c.Tp)}
	if c.Tp != nil && c.Tp.GetType() == mysql.TypeVarchar && c.Tp.GetFlen() > 0 {
		d.chars, d.perChar, d.explicit = c.Tp.GetFlen(), charsetBytes(c.Tp.GetCharset(), tableCharset), c.Tp.GetCharset() != ""
		d.bytes = d.chars * d.perChar
	}
	return d
}

// charsetBytes is the most bytes a character takes: the column's charset,
// else the table's, else MySQL 8's default utf8mb4.
func charsetBytes(col, table string) int {
	cs := strings.ToLower(col)
	if cs == "" {
		cs = strings.ToLower(table)
	}
	switch cs {
	case "latin1", "ascii", "binary":
		return 1
	case "utf8", "utf8mb3":
		return 3
	case "ucs2", "utf16":
		return 4
	}
	return 4
}

// inPlaceWidening is true when a MODIFY/CHANGE only lengthens a VARCHAR
// without crossing the length-prefix boundary.
func inPlaceWidening(old, nw colDef) bool {
	if old.typ != "varchar" || nw.typ != "varchar" || old.bytes == 0 || nw.bytes < old.bytes {
		return false
	}
	return (old.bytes <= varcharPrefixLimit) == (nw.bytes <= varcharPrefixLimit)
}

// widenings says which actions of a statement only widen a VARCHAR. A
// new definition without a charset keeps the column's (a MODIFY without
// CHARACTER SET converts to the table's, which the column already had),
// and is corrected in defs, the columns the statement defines.
func widenings(rs []retype, cols catalog, defs map[string]colDef) map[int]bool {
	if len(rs) == 0 || cols == nil {
		return nil
	}
	out := map[int]bool{}
	for _, r := range rs {
		old, ok := cols[r.oldKey]
		if !ok {
			continue
		}
		if !r.def.explicit && old.perChar > 0 && r.def.chars > 0 {
			r.def.perChar, r.def.bytes = old.perChar, r.def.chars*old.perChar
			defs[r.newKey] = r.def
		}
		if inPlaceWidening(old, r.def) {
			out[r.action] = true
		}
	}
	return out
}

// tableCharset is the DEFAULT CHARSET of a CREATE TABLE.
func tableCharset(opts []*ast.TableOption) string {
	for _, o := range opts {
		if o.Tp == ast.TableOptionCharset {
			return o.StrValue
		}
	}
	return ""
}
