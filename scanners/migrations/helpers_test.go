package migrations

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/relgate/relgate/engine"
)

// scan runs the scanner over opts and returns the document it filled.
func scan(t testing.TB, opts Options) (*engine.Input, engine.ScannerRun) {
	t.Helper()
	in := engine.NewInput()
	run, err := New(opts).Scan(context.Background(), in)
	if err != nil {
		t.Fatalf("scan %s: %v", opts.Dir, err)
	}
	return in, run
}

var (
	engines   = map[string]*engine.Engine{}
	enginesMu sync.Mutex
)

// getEngine builds (once per config) the engine with the built-in policies.
func getEngine(t testing.TB, cfg map[string]any) *engine.Engine {
	t.Helper()
	key := fmt.Sprint(cfg)
	enginesMu.Lock()
	defer enginesMu.Unlock()
	if e, ok := engines[key]; ok {
		return e
	}
	opts := engine.Options{}
	if cfg != nil {
		opts.Config = cfg // a nil map would be the JSON null, not "no config"
	}
	e, err := engine.New(context.Background(), opts)
	if err != nil {
		t.Fatalf("build engine: %v", err)
	}
	engines[key] = e
	return e
}

// decide evaluates the built-in policies over in, in the environment, with
// the config document (nil for defaults).
func decide(t testing.TB, in *engine.Input, env string, cfg map[string]any) *engine.Decision {
	t.Helper()
	in.Release.Environment = env
	in.Release.Time = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	d, err := getEngine(t, cfg).Evaluate(context.Background(), in)
	if err != nil {
		t.Fatalf("evaluate: %v", err)
	}
	return d
}

// migFindings lists a decision's MIG findings as "RULE path:line" (with
// "waived " or "warn " before waived findings and warnings), sorted.
func migFindings(d *engine.Decision) []string {
	var out []string
	add := func(prefix string, fs []engine.Finding) {
		for _, f := range fs {
			if strings.HasPrefix(f.Rule, "MIG") {
				out = append(out, fmt.Sprintf("%s%s %s:%d", prefix, f.Rule, f.Location.Path, f.Location.StartLine))
			}
		}
	}
	add("", d.Violations)
	add("warn ", d.Warnings)
	add("waived ", d.Waived)
	slices.Sort(out)
	return out
}

// statement returns the statement of kind at line in the migration at path.
func statement(t testing.TB, in *engine.Input, path, direction, kind string, line int) engine.Statement {
	t.Helper()
	for _, m := range in.Migrations {
		if m.Path != path || m.Direction != direction {
			continue
		}
		for _, s := range m.Statements {
			if s.Kind == kind && s.Line == line {
				return s
			}
		}
		t.Fatalf("%s (%s): no %s statement at line %d; have %v", path, direction, kind, line, kinds(m))
	}
	t.Fatalf("no migration %s (%s)", path, direction)
	return engine.Statement{}
}

func kinds(m engine.Migration) []string {
	var out []string
	for _, s := range m.Statements {
		out = append(out, fmt.Sprintf("%s@%d", s.Kind, s.Line))
	}
	return out
}

func migration(t testing.TB, in *engine.Input, path, direction string) engine.Migration {
	t.Helper()
	for _, m := range in.Migrations {
		if m.Path == path && m.Direction == direction {
			return m
		}
	}
	t.Fatalf("no migration %s (%s) among %d", path, direction, len(in.Migrations))
	return engine.Migration{}
}
