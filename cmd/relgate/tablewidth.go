package main

import (
	"io"
	"os"
	"strconv"
	"strings"

	"golang.org/x/term"
)

// tableWidth is the width the table report on w fits: COLUMNS when it is a
// positive number (the override, as in most CLIs), else the terminal's
// width when w is one, else 0 — the report's default for a pipe or a file
// (report.DefaultTableWidth).
func tableWidth(w io.Writer) int {
	if n, err := strconv.Atoi(strings.TrimSpace(os.Getenv("COLUMNS"))); err == nil && n > 0 {
		return n
	}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		if cols, _, err := term.GetSize(int(f.Fd())); err == nil && cols > 0 {
			return cols
		}
	}
	return 0
}
