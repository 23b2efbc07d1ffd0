package skip_test

import (
	"encoding/json"
	"testing"

	"github.com/relgate/relgate/internal/skip"
)

func TestPaths(t *testing.T) {
	p, err := skip.New([]string{"./testdata", "**/node_modules", " ", "services/*/fixtures/"}, []string{"**/*.min.js", "/config/local.env"})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		rel       string
		dir, file bool
	}{
		{"testdata", true, false},
		{"a/testdata", false, false}, // trivy: a name without ** is rooted
		{"testdata/x/y.json", false, true},
		{"web/node_modules", true, false},
		{"web/node_modules/lodash/package.json", false, true},
		{"services/api/fixtures", true, false},
		{"services/api/fixtures/package-lock.json", false, true},
		{"services/api/src/package-lock.json", false, false},
		{"static/app.min.js", false, true},
		{"config/local.env", false, true},
		{"config/prod.env", false, false},
	}
	for _, c := range cases {
		if got := p.Dir(c.rel); got != c.dir {
			t.Errorf("Dir(%q) = %v, want %v", c.rel, got, c.dir)
		}
		if got := p.File(c.rel); got != c.file {
			t.Errorf("File(%q) = %v, want %v", c.rel, got, c.file)
		}
	}
	if got := p.Dirs(); len(got) != 3 || got[0] != "testdata" || got[2] != "services/*/fixtures" {
		t.Errorf("Dirs() = %q", got)
	}

	var none *skip.Paths
	if !none.Empty() || none.Dir("a") || none.File("a/b") {
		t.Error("nil Paths must skip nothing")
	}
	for _, bad := range [][2][]string{{{"a/[b"}, nil}, {nil, {"{x"}}, {{"."}, nil}, {{"/"}, nil}} {
		if _, err := skip.New(bad[0], bad[1]); err == nil {
			t.Errorf("New(%q, %q): want an error", bad[0], bad[1])
		}
	}
}

// TestPathsTravelToTheHelper: relgate sends the patterns to
// relgate-scanners as JSON; they must arrive whole, and bad ones refused.
func TestPathsTravelToTheHelper(t *testing.T) {
	p, err := skip.New([]string{"vendor", "**/testdata"}, []string{"**/*.min.js"})
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var q skip.Paths
	if err := json.Unmarshal(data, &q); err != nil {
		t.Fatal(err)
	}
	if !q.Dir("vendor") || !q.Dir("a/testdata") || !q.File("web/app.min.js") || q.File("web/app.js") {
		t.Fatalf("patterns lost on the way: %s -> %+v", data, q)
	}
	if err := json.Unmarshal([]byte(`{"dirs":["."]}`), &q); err == nil {
		t.Fatal("a pattern that skips everything was accepted from JSON")
	}
}
