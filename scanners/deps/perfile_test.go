package deps

import (
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// A malformed pom.xml or pnpm-lock.yaml is a fact about its own file; the
// valid lockfiles beside it are still scanned (VUL007: the rest stands).
func TestMalformedPomAndPnpmAreFileErrors(t *testing.T) {
	dir := copyTree(t, filepath.Join("testdata", "repo"), "")
	write(t, filepath.Join(dir, "pnpm", "pnpm-lock.yaml"), "lockfileVersion: '9.0'\npackages: [\n  {{ not yaml\n")
	write(t, filepath.Join(dir, "java", "pom.xml"), "<project><dependencies><dependency><groupId>a</groupId>")
	in, run, err := scan(t, Options{Dir: dir, Offline: true, DBDir: fixtureDB(t)})
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	if got := summaries(in); !slices.Equal(got, wantFixture) {
		t.Errorf("facts:\n%s\nwant every vulnerable package still found", strings.Join(got, "\n"))
	}
	if want := []string{"java/pom.xml", "pnpm/pnpm-lock.yaml"}; !slices.Equal(errorPaths(run), want) {
		t.Errorf("file errors %v, want one for each of %v", run.Errors, want)
	}
	for _, e := range run.Errors {
		if strings.Contains(e.Message, dir) || strings.Contains(e.Message, strings.TrimPrefix(dir, "/")) {
			t.Errorf("%s: message %q carries the machine path", e.Path, e.Message)
		}
	}
}

// A malformed Gemfile.lock is a fact about its own file, whether its
// extractor returns the error or only logs it without naming the file
// ("Invalid spec line") and goes on; the lockfiles beside it, walked
// before and after it, are still scanned, and the fact names it and no
// other file.
func TestMalformedGemfileLockIsAFileError(t *testing.T) {
	dir := copyTree(t, filepath.Join("testdata", "repo"), "")
	write(t, filepath.Join(dir, "ruby", "Gemfile.lock"), "GEM\n  remote: https://rubygems.org/\n  specs:\n    rails\n\nPLATFORMS\n  ruby\n")
	write(t, filepath.Join(dir, "ruby-early", "Gemfile.lock"), "    rack (2.0.0)\nGEM\n")
	in, run, err := scan(t, Options{Dir: dir, Offline: true, DBDir: fixtureDB(t)})
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	if got := summaries(in); !slices.Equal(got, wantFixture) {
		t.Errorf("facts:\n%s\nwant every vulnerable package still found", strings.Join(got, "\n"))
	}
	want := map[string]string{
		"ruby/Gemfile.lock":       "Invalid spec line: rails",
		"ruby-early/Gemfile.lock": "specs entry before a section declaration",
	}
	if got := errorPaths(run); !slices.Equal(got, slices.Sorted(maps.Keys(want))) {
		t.Fatalf("file errors %v, want one for each of %v", run.Errors, slices.Sorted(maps.Keys(want)))
	}
	for _, e := range run.Errors {
		if !strings.Contains(e.Message, want[e.Path]) || strings.Contains(e.Message, strings.TrimPrefix(dir, "/")) {
			t.Errorf("%s: message %q, want it to say %q without the machine path", e.Path, e.Message, want[e.Path])
		}
	}
	if run.Status != "" {
		t.Errorf("status %q, want ok: the rest of the scan stands", run.Status)
	}
}

// A lockfile an extractor claims by its name but cannot read as text is a
// fact naming it, never zero packages and silence: a binary
// requirements.txt, one saved as UTF-16, a Latin-1 one with nothing
// readable, and binary go.mod, Cargo.lock and package-lock.json.
func TestUnreadableTextLockfilesAreFileErrors(t *testing.T) {
	dir := copyTree(t, filepath.Join("testdata", "repo"), "")
	elf := "\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x3e\x00requests==2.30.0\n"
	write(t, filepath.Join(dir, "bin", "requirements.txt"), elf)
	var utf16 []byte
	utf16 = append(utf16, 0xff, 0xfe)
	for _, r := range "requests==2.30.0\r\n" {
		utf16 = append(utf16, byte(r), 0)
	}
	write(t, filepath.Join(dir, "utf16", "requirements.txt"), string(utf16))
	write(t, filepath.Join(dir, "latin1", "requirements.txt"), "# d\xe9pendances\n\xe9t\xe9\n")
	write(t, filepath.Join(dir, "bingo", "go.mod"), elf)
	write(t, filepath.Join(dir, "binrs", "Cargo.lock"), elf)
	write(t, filepath.Join(dir, "binjs", "package-lock.json"), elf)
	in, run, err := scan(t, Options{Dir: dir, Offline: true, DBDir: fixtureDB(t)})
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	if got := summaries(in); !slices.Equal(got, wantFixture) {
		t.Errorf("facts:\n%s\nwant every vulnerable package still found", strings.Join(got, "\n"))
	}
	want := []string{"bin/requirements.txt", "bingo/go.mod", "binjs/package-lock.json", "binrs/Cargo.lock", "latin1/requirements.txt", "utf16/requirements.txt"}
	if got := errorPaths(run); !slices.Equal(got, want) {
		t.Errorf("file errors %v, want one for each of %v", run.Errors, want)
	}
	for _, e := range run.Errors {
		if e.Message == "" || strings.Contains(e.Message, strings.TrimPrefix(dir, "/")) {
			t.Errorf("%s: message %q should say what is wrong without the machine path", e.Path, e.Message)
		}
	}
}

// A requirements.txt that is valid UTF-8, or Latin-1 with packages read
// from it, is not an error; one with NUL bytes always is.
func TestTextProblem(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		content  string
		packages int
		bad      bool
	}{
		{"requests==2.30.0\n", 1, false},
		{"", 0, false},
		{"# caf\xe9\nrequests==2.30.0\n", 1, false},
		{"# caf\xe9\n", 0, true},
		{"requests==2.30.0\n\x00", 1, true},
		{"\xff\xfer\x00", 1, true},
		{strings.Repeat("a", textSniff-1) + "\xc3\xa9", 0, false}, // a character across the sniff's end
	}
	for i, tc := range cases {
		p := filepath.Join(dir, strconv.Itoa(i))
		write(t, p, tc.content)
		got := notText([]claimedFile{{path: p, packages: tc.packages}})
		if (len(got) > 0) != tc.bad {
			t.Errorf("case %d (%q…): %v, want bad=%v", i, tc.content[:min(len(tc.content), 20)], got, tc.bad)
		}
	}
}
