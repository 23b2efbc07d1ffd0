package deps

import "testing"

func TestFindLine(t *testing.T) {
	cases := []struct {
		name, file, text, pkg, version string
		want                           int
	}{
		{"cargo", "Cargo.lock", "[[package]]\nname = \"app\"\ndependencies = [\n \"time\",\n]\n\n[[package]]\nname = \"time\"\nversion = \"0.2.22\"\n", "time", "0.2.22", 8},
		{"cargo, other version of the same crate first", "Cargo.lock", "[[package]]\nname = \"time\"\nversion = \"0.1.44\"\n\n[[package]]\nname = \"time\"\nversion = \"0.2.22\"\n", "time", "0.2.22", 6},
		{"cargo, next entry's version is not this one's", "Cargo.lock", "[[package]]\nname = \"time\"\nversion = \"0.1.0\"\n[[package]]\nname = \"tokio\"\nversion = \"0.2.22\"\n", "time", "0.2.22", 0},
		{"composer, v prefix", "composer.lock", "{\n  \"packages\": [\n    {\n      \"name\": \"guzzlehttp/psr7\",\n      \"version\": \"v1.8.1\",\n", "guzzlehttp/psr7", "1.8.1", 4},
		{"same line", "Gemfile.lock", "GEM\n  specs:\n    rack (2.2.3)\n    rack-test (1.1.0)\n", "rack", "2.2.3", 3},
		{"no version prefix match", "Gemfile.lock", "    rack (2.2.30)\n", "rack", "2.2.3", 0},
		{"absent", "Cargo.lock", "name = \"serde\"\nversion = \"1.0.0\"\n", "time", "0.2.22", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := newLockfile(tc.file, []byte(tc.text)).findLine(tc.pkg, tc.version); got != tc.want {
				t.Errorf("line %d, want %d", got, tc.want)
			}
		})
	}
}

func TestDirect(t *testing.T) {
	gomod := newLockfile("go.mod", []byte("module x\n\nrequire (\n\ta v1.0.0\n\tb v1.0.0 // indirect\n)\n"))
	if d := gomod.direct("a", 4); d == nil || !*d {
		t.Error("go.mod: a should be direct")
	}
	if d := gomod.direct("b", 5); d == nil || *d {
		t.Error("go.mod: b should be indirect")
	}
	cargo := newLockfile("Cargo.lock", []byte("[[package]]\nname = \"app\"\ndependencies = [\n \"time 0.2.22\",\n]\n\n[[package]]\nname = \"time\"\nsource = \"registry+x\"\ndependencies = [\n \"libc\",\n]\n"))
	if d := cargo.direct("time", 0); d == nil || !*d {
		t.Error("Cargo.lock: time should be direct")
	}
	if d := cargo.direct("libc", 0); d == nil || *d {
		t.Error("Cargo.lock: libc should be transitive")
	}
	if d := newLockfile("requirements.txt", []byte("a==1\n")).direct("a", 1); d != nil {
		t.Error("requirements.txt does not say")
	}
	v1 := newLockfile("package-lock.json", []byte(`{"lockfileVersion":1,"dependencies":{"a":{"version":"1.0.0"}}}`))
	if d := v1.direct("a", 1); d != nil {
		t.Error("a v1 package-lock.json does not say")
	}
}
