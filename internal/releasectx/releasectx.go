// Package releasectx turns what the config and the flags state about a
// release — the pre-deployment checklist, the decision of the gate it is
// promoted from — into facts of the input document. It checks what can
// be checked (a checklist path exists in the repository, a decision file
// is relgate's) and judges nothing: policies/rules/release_context.rego
// does.
package releasectx

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/relgate/relgate/engine"
)

// Checklist kinds.
const (
	KindFlag = "flag"
	KindLink = "link"
	KindFile = "file"
	KindText = "text"
)

// Checklist turns the stated items into facts, sorted by item. A value
// is a flag (true/false, yes/no), a link (http or https), a file (a path
// in the repository at dir, checked to exist) or free text.
func Checklist(dir string, items map[string]string) []engine.ChecklistItem {
	out := make([]engine.ChecklistItem, 0, len(items))
	for item, raw := range items {
		v := strings.TrimSpace(raw)
		c := engine.ChecklistItem{Item: item, Value: v, Kind: kindOf(v)}
		switch c.Kind {
		case KindFlag:
			c.Value = map[string]string{"true": "true", "yes": "true", "false": "false", "no": "false"}[strings.ToLower(v)]
		case KindFile:
			exists := inRepo(dir, v)
			c.Exists = &exists
		}
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b engine.ChecklistItem) int { return cmp.Compare(a.Item, b.Item) })
	return out
}

func kindOf(v string) string {
	lv := strings.ToLower(v)
	switch {
	case lv == "true" || lv == "false" || lv == "yes" || lv == "no":
		return KindFlag
	case strings.HasPrefix(lv, "https://") || strings.HasPrefix(lv, "http://"):
		return KindLink
	case v != "" && !strings.ContainsAny(v, " \t") && (strings.Contains(v, "/") || path.Ext(v) != ""):
		return KindFile
	}
	return KindText
}

// inRepo reports whether a repository path names a regular file or
// directory inside dir; a path that climbs out of it never does.
func inRepo(dir, p string) bool {
	p = filepath.ToSlash(p)
	if path.IsAbs(p) || !fs.ValidPath(strings.TrimPrefix(path.Clean(p), "./")) {
		return false
	}
	info, err := os.Stat(filepath.Join(dir, filepath.FromSlash(p)))
	return err == nil && (info.Mode().IsRegular() || info.IsDir())
}

// maxDecisionSize bounds a decision file: a json report.
const maxDecisionSize = 64 << 20

// ReadPromotion reads a saved decision (relgate's json report) of the gate
// the release is promoted from. shown is the path as facts name it.
func ReadPromotion(file, shown string) (*engine.Promotion, error) {
	f, err := os.Open(file)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("read decision %s: %w", shown, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxDecisionSize+1))
	if err != nil {
		return nil, fmt.Errorf("read decision %s: %w", shown, err)
	}
	if len(data) > maxDecisionSize {
		return nil, fmt.Errorf("read decision %s: over %d MB", shown, maxDecisionSize>>20)
	}
	var d engine.Decision
	if err := json.Unmarshal(data, &d); err != nil {
		return nil, fmt.Errorf("parse decision %s: %w", shown, err)
	}
	if d.Kind != engine.KindDecision || d.APIVersion != engine.APIVersion {
		return nil, fmt.Errorf("parse decision %s: not a relgate decision (kind %q, apiVersion %q): save the earlier gate's --report json=FILE", shown, d.Kind, d.APIVersion)
	}
	p := &engine.Promotion{File: shown, Environment: d.Environment, Result: d.Result, InputDigest: d.InputDigest}
	if r := d.Release; r != nil {
		p.Version, p.Commit, p.Artifacts, p.Time = r.Version, r.Commit, r.Artifacts, r.Time
	}
	return p, nil
}
