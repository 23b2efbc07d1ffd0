package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/relgate/relgate/engine"
	"github.com/relgate/relgate/internal/gittest"
	"github.com/relgate/relgate/internal/testtools"
)

// TestCheckFactsCompileSameDecision: check compiles its engine for the
// facts it predicts from the selected scanners (and compiles again when the
// scan breaks the prediction); its decision is byte for byte the decision
// of the engine that compiled every package, judging the saved input.
// Both sides of the bet are run: a clean staged change and a staged secret
// (the prediction holds), a staged migration (it does not), a lockfile
// scan, and the demo with every scanner.
func TestCheckFactsCompileSameDecision(t *testing.T) {
	root := repoRoot(t)
	gittest.Isolate(t)
	clean := gittest.New(t)
	clean.Write("main.go", "package main\n\nfunc main() {}\n")
	clean.Commit("feat: main")
	clean.Write("main.go", "package main\n\n// main does nothing.\nfunc main() {}\n")
	clean.Stage("main.go")

	secret := gittest.New(t)
	secret.Write("README.md", "# service\n")
	secret.Commit("chore: init")
	secret.Write("config/app.env", "REGION=eu-west-1\nAWS_ACCESS_KEY_ID="+fakeAWSKey()+"\n")
	secret.Stage("config/app.env")

	dirty := gittest.New(t)
	dirty.Write("README.md", "# service\n")
	dirty.Commit("chore: init")
	dirty.Write("config/app.env", "REGION=eu-west-1\nAWS_ACCESS_KEY_ID="+fakeAWSKey()+"\n")
	dirty.Write("db/migrations/0001_drop.up.sql", "DROP TABLE users;\n")
	dirty.Write("db/migrations/0001_drop.down.sql", "CREATE TABLE users (id int);\n")
	dirty.Stage("config/app.env", "db/migrations/0001_drop.up.sql", "db/migrations/0001_drop.down.sql")

	lockfile := t.TempDir()
	for _, f := range []string{"package.json", "package-lock.json"} {
		b, err := os.ReadFile(filepath.Join(root, "testdata", "demo", f))
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(lockfile, f), string(b))
	}
	db := filepath.Join(root, demoDB)

	cases := []struct {
		name   string
		dir    string
		args   []string
		held   bool     // the prediction holds: no second compile
		facts  []string // sections that must hold facts, so the case judges them
		slow   bool
		staged bool
	}{
		{"staged clean", clean.Dir, []string{"--staged"}, true, nil, false, true},
		{"staged secret", secret.Dir, []string{"--staged"}, true, []string{"secrets"}, false, true},
		{"staged secret and migration", dirty.Dir, []string{"--staged"}, false, []string{"secrets", "migrations"}, false, true},
		{"lockfile", lockfile, []string{"--scanners", "deps", "--offline", "--db-dir", db, "--env", "staging"}, true, []string{"vulnerabilities"}, false, false},
		{"demo, every scanner", filepath.Join(root, "testdata", "demo"), []string{"--offline"}, true,
			[]string{"secrets", "vulnerabilities", "containers", "misconfigurations", "migrations"}, true, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.slow {
				testtools.Short(t, "the demo with every scanner")
			}
			saved := filepath.Join(t.TempDir(), "input.json")
			args := append([]string{"check", c.dir, "--format", "json", "--save-input", saved}, c.args...)
			code, stdout, stderr := cli(t, args...)
			if code != exitPass && code != exitFail {
				t.Fatalf("check: exit %d\n%s", code, stderr)
			}
			f, err := os.Open(saved)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			in, err := engine.DecodeInputLimit(saved, f, engine.DefaultMaxInputBytes)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range c.facts {
				if reflect.ValueOf(in).Elem().FieldByNameFunc(func(n string) bool { return strings.EqualFold(n, s) }).Len() == 0 {
					t.Errorf("no %s in the scanned facts: the case does not judge them", s)
				}
			}
			var ran []string
			for _, s := range in.Scanners {
				if s.Reason != engine.ReasonNotSelected && s.Reason != engine.ReasonStagedOnly {
					ran = append(ran, s.Name)
				}
			}
			if held := covers(predictFacts(ran, c.staged), in); held != c.held {
				t.Errorf("prediction held = %v, want %v (missed: %v)", held, c.held, uncovered(predictFacts(ran, c.staged), in))
			}

			cfg, _, err := loadConfig("", c.dir)
			if err != nil {
				t.Fatal(err)
			}
			full, err := newEngine(context.Background(), cfg, c.dir, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			d, err := full.Evaluate(context.Background(), in)
			if err != nil {
				t.Fatal(err)
			}
			var want bytes.Buffer
			if err := d.Encode(&want); err != nil {
				t.Fatal(err)
			}
			if stdout != want.String() {
				t.Errorf("check's decision differs from the full engine's:\n%s\nwant\n%s", stdout, want.String())
			}
		})
	}
}

// TestPredictFactsSections: every list section of the input document is
// predicted to hold facts unless sectionFeeders names its scanners, and
// every section named there is one of the document's (a renamed section
// would otherwise be predicted empty for no scanner at all).
func TestPredictFactsSections(t *testing.T) {
	typ := reflect.TypeFor[engine.Input]()
	var lists []string
	for i := range typ.NumField() {
		if typ.Field(i).Type.Kind() == reflect.Slice {
			lists = append(lists, jsonName(typ.Field(i)))
		}
	}
	for s := range sectionFeeders {
		if !slices.Contains(lists, s) {
			t.Errorf("sectionFeeders names %q, not a list section of the input (%v)", s, lists)
		}
	}
	none := predictFacts(nil, false)
	all := predictFacts(slices.Collect(func(yield func(string) bool) {
		for _, fs := range sectionFeeders {
			for _, f := range fs {
				if !yield(f) {
					return
				}
			}
		}
	}), false)
	empty := engine.NewInput()
	for _, s := range lists {
		_, fed := sectionFeeders[s]
		if got := slices.Contains(uncovered(none, withFact(t, empty, s)), s); got != fed {
			t.Errorf("no scanner selected: section %s predicted empty = %v, want %v", s, got, fed)
		}
		if slices.Contains(uncovered(all, withFact(t, empty, s)), s) {
			t.Errorf("every scanner selected: section %s predicted empty", s)
		}
	}
	// --staged bets on a change without a migration, not on one without
	// a secret.
	staged := predictFacts([]string{"secrets", "migrations"}, true)
	if got := uncovered(staged, withFact(t, withFact(t, empty, "secrets"), "migrations")); !slices.Equal(got, []string{stagedBet}) {
		t.Errorf("staged: uncovered %v, want %s alone", got, stagedBet)
	}
}

// withFact returns a copy of in with one (zero) element in the named list
// section.
func withFact(t *testing.T, in *engine.Input, section string) *engine.Input {
	t.Helper()
	out := *in
	v := reflect.ValueOf(&out).Elem()
	for i := range v.NumField() {
		if jsonName(v.Type().Field(i)) == section {
			v.Field(i).Set(reflect.MakeSlice(v.Field(i).Type(), 1, 1))
			return &out
		}
	}
	t.Fatalf("no section %s", section)
	return nil
}
