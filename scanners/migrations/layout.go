package migrations

import (
	"bufio"
	"bytes"
	"cmp"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/relgate/relgate/internal/skip"
)

// Directions of a migration.
const (
	directionUp   = "up"
	directionDown = "down"
)

// Tools whose layouts relgate recognises.
const (
	ToolGolangMigrate = "golang-migrate"
	ToolGoose         = "goose"
	ToolFlyway        = "flyway"
	ToolDbmate        = "dbmate"
	ToolSqitch        = "sqitch"
	ToolPlain         = "sql"
)

var (
	golangMigrateRE = regexp.MustCompile(`^([0-9]+)_(.*)\.(up|down)\.sql$`)
	flywayRE        = regexp.MustCompile(`^([VU])([0-9]+(?:[._][0-9]+)*)__(.*)\.sql$`)
	flywayRepeatRE  = regexp.MustCompile(`^R__(.*)\.sql$`)
	numberedRE      = regexp.MustCompile(`^([0-9]+)[_-]?(.*)\.sql$`)
)

// file is one migration script found on disk.
type file struct {
	path       string // repo-relative, with '/'
	tool       string
	version    string
	name       string
	direction  string // up or down for one-direction files; empty for goose and dbmate
	repeatable bool
	downPath   string // the down file of an up file
	noTx       bool   // the tool is told not to wrap it in a transaction
	order      []string
	tooBig     bool   // over maxFileSize: not read
	unread     string // why the file was not read (a link outside the root)
	assumeTx   *bool  // Options.AssumeInTransaction
}

// dirLayout is a migrations directory and what is in it.
type dirLayout struct {
	dir     string // repo-relative
	tool    string
	files   []file
	ignored int    // .sql files there that the tool would not run
	dialect string // a hint from the tool's own configuration
}

// skipDirs are never searched for migrations when detecting them.
var skipDirs = map[string]bool{".git": true, "node_modules": true, "vendor": true, "testdata": true, "target": true, "dist": true}

// findDirs returns the migrations directories under root: the configured
// ones, or those detected by their layout.
func findDirs(root string, configured []string, skipped *skip.Paths) ([]dirLayout, error) {
	if len(configured) > 0 {
		var out []dirLayout
		for _, d := range configured {
			d = path.Clean(filepath.ToSlash(d))
			// --skip-dirs wins over the config: d, or a directory above
			// it, is left out when a file in d would be.
			if skipped.File(path.Join(d, "_")) {
				continue
			}
			l, err := readDir(root, d, true)
			if err != nil {
				return nil, err
			}
			out = append(out, l)
		}
		return out, nil
	}
	var out []dirLayout
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		name := d.Name()
		if p != root && (skipDirs[name] || strings.HasPrefix(name, ".")) {
			return filepath.SkipDir
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if p != root && skipped.Dir(rel) {
			return filepath.SkipDir
		}
		l, err := readDir(root, rel, false)
		if err != nil {
			return err
		}
		if l.tool != "" {
			out = append(out, l)
			if l.tool == ToolSqitch {
				return filepath.SkipDir
			}
		}
		return nil
	})
	return out, err
}

// readDir recognises the layout of one directory. explicit says the user
// named it, so ordered SQL files there count as plain migrations whatever
// the directory is called.
func readDir(root, dir string, explicit bool) (dirLayout, error) {
	l := dirLayout{dir: dir}
	abs := filepath.Join(root, filepath.FromSlash(dir))
	if _, err := os.Stat(filepath.Join(abs, "sqitch.plan")); err == nil {
		return readSqitch(root, dir)
	}
	entries, err := os.ReadDir(abs)
	if err != nil {
		return l, err
	}
	// Reads made while recognising the layout go through os.Root, which
	// refuses a symbolic link that leaves the scanned root; the scripts
	// themselves are checked against it when they are read (scanDir), so
	// that a link outside is a fact about its file rather than a file
	// silently missing.
	r, err := os.OpenRoot(root)
	if err != nil {
		return l, err
	}
	defer func() { _ = r.Close() }()
	var sqls []string
	links := map[string]bool{}
	for _, e := range entries {
		if !strings.HasSuffix(strings.ToLower(e.Name()), ".sql") {
			continue
		}
		switch {
		case e.Type().IsRegular():
			sqls = append(sqls, e.Name())
		case e.Type()&fs.ModeSymlink != 0:
			sqls = append(sqls, e.Name())
			links[e.Name()] = true
		}
	}
	if len(sqls) == 0 {
		return l, nil
	}
	rel := func(n string) string { return path.Join(dir, n) }
	switch {
	case slices.ContainsFunc(sqls, golangMigrateRE.MatchString):
		l.tool = ToolGolangMigrate
		downs := map[string]string{}
		for _, n := range sqls {
			if m := golangMigrateRE.FindStringSubmatch(n); m != nil && m[3] == directionDown {
				downs[m[1]] = rel(n)
			}
		}
		for _, n := range sqls {
			m := golangMigrateRE.FindStringSubmatch(n)
			if m == nil {
				l.ignored++
				continue
			}
			f := file{path: rel(n), tool: l.tool, version: m[1], name: m[2], direction: m[3], order: versionKey(m[1])}
			if m[3] == directionUp {
				f.downPath = downs[m[1]]
			}
			l.files = append(l.files, f)
		}
	case slices.ContainsFunc(sqls, func(n string) bool { return flywayRE.MatchString(n) || flywayRepeatRE.MatchString(n) }):
		l.tool = ToolFlyway
		undos := map[string]string{}
		for _, n := range sqls {
			if m := flywayRE.FindStringSubmatch(n); m != nil && m[1] == "U" {
				undos[flywayVersion(m[2])] = rel(n)
			}
		}
		for _, n := range sqls {
			f := file{path: rel(n), tool: l.tool, direction: directionUp}
			switch m := flywayRE.FindStringSubmatch(n); {
			case m != nil:
				f.version, f.name = flywayVersion(m[2]), strings.ReplaceAll(m[3], "_", " ")
				f.order = versionKey(f.version)
				if m[1] == "U" {
					f.direction = directionDown
				} else {
					f.downPath = undos[f.version]
				}
			case flywayRepeatRE.MatchString(n):
				// Repeatable migrations run after every versioned one.
				f.repeatable, f.name = true, strings.ReplaceAll(flywayRepeatRE.FindStringSubmatch(n)[1], "_", " ")
				f.order = []string{"~", f.name}
			default:
				l.ignored++
				continue
			}
			f.noTx = flywayNoTransaction(r, rel(n)+".conf")
			l.files = append(l.files, f)
		}
	default:
		tool := ""
		for _, n := range sqls {
			switch t := markerTool(r, rel(n)); {
			case t == ToolGoose || (t == ToolDbmate && tool == ""):
				tool = t
			}
		}
		if tool == "" && (explicit || looksLikeMigrations(dir, sqls)) {
			tool = ToolPlain
		}
		l.tool = tool
		if tool == "" {
			return l, nil
		}
		for _, n := range sqls {
			f := file{path: rel(n), tool: tool, order: []string{n}}
			if m := numberedRE.FindStringSubmatch(n); m != nil {
				f.version, f.name, f.order = m[1], m[2], versionKey(m[1])
			} else if tool != ToolPlain {
				l.ignored++ // goose and dbmate only run numbered files
				continue
			} else {
				f.name = strings.TrimSuffix(n, ".sql")
			}
			if tool == ToolPlain {
				f.direction = directionUp
			}
			l.files = append(l.files, f)
		}
	}
	sortFiles(l.files)
	return l, nil
}

// looksLikeMigrations: a directory detected without configuration holds
// plain migrations when it is named so and its files are numbered.
func looksLikeMigrations(dir string, sqls []string) bool {
	base := strings.ToLower(path.Base(dir))
	if !strings.Contains(base, "migrat") {
		return false
	}
	return slices.ContainsFunc(sqls, numberedRE.MatchString)
}

// markerTool reads the start of a file for goose's or dbmate's markers.
func markerTool(r *os.Root, rel string) string {
	f, err := r.Open(filepath.FromSlash(rel))
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		l := bytes.TrimSpace(sc.Bytes())
		switch {
		case bytes.HasPrefix(l, []byte("-- +goose ")):
			return ToolGoose
		case bytes.HasPrefix(l, []byte("-- migrate:")):
			return ToolDbmate
		}
	}
	return ""
}

// flywayNoTransaction reads a per-script Flyway configuration file.
func flywayNoTransaction(r *os.Root, rel string) bool {
	data, err := r.ReadFile(filepath.FromSlash(rel))
	if err != nil {
		return false
	}
	for l := range strings.SplitSeq(string(data), "\n") {
		k, v, ok := strings.Cut(l, "=")
		if ok && strings.TrimSpace(k) == "executeInTransaction" && strings.EqualFold(strings.TrimSpace(v), "false") {
			return true
		}
	}
	return false
}

func flywayVersion(v string) string { return strings.ReplaceAll(v, "_", ".") }

// versionKey orders versions numerically part by part: each part is
// padded so that string comparison is numeric comparison.
func versionKey(v string) []string {
	var key []string
	for p := range strings.FieldsFuncSeq(v, func(r rune) bool { return r == '.' || r == '_' }) {
		p = strings.TrimLeft(p, "0")
		key = append(key, strings.Repeat("0", max(0, 40-len(p)))+p)
	}
	return key
}

func sortFiles(fs []file) {
	slices.SortStableFunc(fs, func(a, b file) int {
		return cmp.Or(slices.Compare(a.order, b.order), cmp.Compare(b.direction, a.direction), cmp.Compare(a.path, b.path))
	})
}

// readSqitch reads a Sqitch project: deploy/ and revert/ scripts in the
// order of sqitch.plan, and the engine from sqitch.conf.
func readSqitch(root, dir string) (dirLayout, error) {
	l := dirLayout{dir: dir, tool: ToolSqitch}
	r, err := os.OpenRoot(root)
	if err != nil {
		return l, err
	}
	defer func() { _ = r.Close() }()
	plan, err := r.ReadFile(filepath.FromSlash(path.Join(dir, "sqitch.plan")))
	if err != nil {
		return l, fmt.Errorf("read %s: %w", path.Join(dir, "sqitch.plan"), err)
	}
	if conf, err := r.ReadFile(filepath.FromSlash(path.Join(dir, "sqitch.conf"))); err == nil {
		for line := range strings.SplitSeq(string(conf), "\n") {
			k, v, ok := strings.Cut(line, "=")
			if ok && strings.TrimSpace(k) == "engine" {
				switch strings.TrimSpace(v) {
				case "pg":
					l.dialect = Postgres
				case "mysql":
					l.dialect = MySQL
				}
			}
		}
	}
	n := 0
	for line := range strings.SplitSeq(string(plan), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "%") || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "@") {
			continue
		}
		name := strings.Fields(line)[0]
		n++
		seq := fmt.Sprintf("%012d", n)
		deploy := path.Join(dir, "deploy", name+".sql")
		if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(deploy))); err != nil {
			continue
		}
		f := file{path: deploy, tool: ToolSqitch, name: name, direction: directionUp, order: []string{seq}}
		revert := path.Join(dir, "revert", name+".sql")
		if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(revert))); err == nil {
			f.downPath = revert
			l.files = append(l.files, file{path: revert, tool: ToolSqitch, name: name, direction: directionDown, order: []string{seq}})
		}
		l.files = append(l.files, f)
	}
	sortFiles(l.files)
	return l, nil
}
