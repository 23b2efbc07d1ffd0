package secrets

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	toml "github.com/pelletier/go-toml/v2"
	"github.com/rs/zerolog"
	"github.com/spf13/viper"
	gitleaksconfig "github.com/zricethezav/gitleaks/v8/config"
	"github.com/zricethezav/gitleaks/v8/logging"
	gitleaksregexp "github.com/zricethezav/gitleaks/v8/regexp"

	relconfig "github.com/relgate/relgate/config"
)

// ConfigFileName is the gitleaks config a repository carries at its root.
const ConfigFileName = ".gitleaks.toml"

// IgnoreFileName lists gitleaks fingerprints to ignore, at the repository root.
const IgnoreFileName = ".gitleaksignore"

// Environment variables a gitleaks user sets to choose the config.
const (
	envConfigPath = "GITLEAKS_CONFIG"
	envConfigTOML = "GITLEAKS_CONFIG_TOML"
)

// gitleaks keeps its config state in globals: viper's default instance, and
// a counter of how deep [extend] went that is never reset, so a second
// config that extends another is silently not extended (or not validated).
// Each distinct config is therefore translated once per process and kept;
// loads are serialised.
var loaded struct {
	sync.Mutex
	configs map[string]gitleaksconfig.Config
	// extended names the config that used [extend]; gitleaks cannot
	// translate a second one correctly in the same process.
	extended string
	// translations counts the configs translated, for tests.
	translations int
}

// silenceGitleaks turns gitleaks' own logger off for good: at debug and
// trace level it writes the plaintext secret of every finding it skips
// (allowlists, .gitleaksignore, low entropy). relgate logs what it needs
// itself, without secrets.
var silenceGitleaks = sync.OnceFunc(func() {
	logging.Logger = zerolog.New(gitStderr).Level(zerolog.ErrorLevel)
})

// configSource is where the gitleaks config comes from: a file, the
// GITLEAKS_CONFIG_TOML variable, or gitleaks' built-in default.
type configSource struct {
	// name is shown in errors: a path, "$GITLEAKS_CONFIG_TOML" or "default".
	name string
	data []byte
	// dir resolves a relative [extend] path; empty for the default.
	dir string
}

// findConfig picks the config as the gitleaks CLI does — an explicit path,
// then $GITLEAKS_CONFIG, then $GITLEAKS_CONFIG_TOML, then the target's
// .gitleaks.toml — and falls back to gitleaks' default rules.
func findConfig(dir, explicit string) (configSource, error) {
	path := explicit
	if path == "" {
		path = os.Getenv(envConfigPath)
	}
	if path == "" {
		if s := os.Getenv(envConfigTOML); s != "" {
			return configSource{name: "$" + envConfigTOML, data: []byte(s), dir: dir}, nil
		}
		candidate := filepath.Join(dir, ConfigFileName)
		if _, err := os.Stat(candidate); err != nil {
			return configSource{name: "default", data: []byte(gitleaksconfig.DefaultConfig)}, nil
		}
		path = candidate
	}
	if !filepath.IsAbs(path) {
		path = filepath.Join(dir, path)
	}
	data, err := os.ReadFile(path) //nolint:gosec // G703: reading the config the user names is the point
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return configSource{}, &relconfig.Error{File: path, Msg: fmt.Sprintf("read gitleaks config: %v", err)}
	}
	return configSource{name: path, data: data, dir: filepath.Dir(path)}, nil
}

// loadConfig translates a gitleaks config, once per process per content.
// Every problem is a *config.Error naming the file and, where it can be
// found, the line.
func loadConfig(src configSource) (gitleaksconfig.Config, error) {
	silenceGitleaks()
	key := configKey(src)
	loaded.Lock()
	defer loaded.Unlock()
	cfg, ok := loaded.configs[key]
	if !ok {
		var extends bool
		var err error
		if cfg, extends, err = translate(src); err != nil {
			return gitleaksconfig.Config{}, err
		}
		loaded.translations++
		if extends {
			loaded.extended = src.name
		}
		if loaded.configs == nil {
			loaded.configs = map[string]gitleaksconfig.Config{}
		}
		loaded.configs[key] = cfg
	}
	// The detector skips the config file itself, by this path.
	cfg.Path = ""
	if src.name != "default" && !strings.HasPrefix(src.name, "$") {
		cfg.Path = src.name
	}
	return cfg, nil
}

// configKey identifies a config's translation: the content decides the
// rules; an [extend] path is read relative to the file, so its directory
// counts too.
func configKey(src configSource) string {
	key := fmt.Sprintf("%x", sha256.Sum256(src.data))
	if bytes.Contains(src.data, []byte("path")) {
		key += "\x00" + src.dir
	}
	return key
}

// translated returns the config's translation if this process made it
// already, without making it.
func translated(src configSource) (gitleaksconfig.Config, bool) {
	loaded.Lock()
	defer loaded.Unlock()
	cfg, ok := loaded.configs[configKey(src)]
	return cfg, ok
}

func translate(src configSource) (cfg gitleaksconfig.Config, extends bool, err error) {
	v := viper.New()
	v.SetConfigType("toml")
	if err := v.ReadConfig(bytes.NewReader(src.data)); err != nil {
		return cfg, false, tomlError(src, err)
	}
	var vc gitleaksconfig.ViperConfig
	if err := v.Unmarshal(&vc); err != nil {
		return cfg, false, &relconfig.Error{File: src.name, Msg: fmt.Sprintf("decode gitleaks config: %v", err)}
	}
	extends = vc.Extend.UseDefault || vc.Extend.Path != ""
	if extends {
		if loaded.extended != "" {
			return cfg, false, &relconfig.Error{File: src.name, Msg: fmt.Sprintf(
				"gitleaks can extend only one config per process and %s was already loaded; run relgate once per gitleaks config", loaded.extended)}
		}
		if p := vc.Extend.Path; p != "" && !filepath.IsAbs(p) && src.dir != "" {
			vc.Extend.Path = filepath.Join(src.dir, p)
		}
	}
	cfg, err = translateRecovering(&vc)
	if errors.Is(err, errBadPattern) {
		// gitleaks compiles every pattern with MustCompile. Compiling
		// them all twice would cost a third of the pre-commit path, so
		// the bad one is looked for only once Translate has panicked.
		if perr := checkPatterns(src, &vc); perr != nil {
			return cfg, false, perr
		}
	}
	if err != nil {
		return cfg, false, &relconfig.Error{File: src.name, Line: errorLine(src.data, err.Error()), Msg: err.Error()}
	}
	return cfg, extends, nil
}

// errBadPattern marks a pattern gitleaks could not compile.
var errBadPattern = errors.New("invalid pattern")

// translateRecovering runs gitleaks' Translate, which panics on a pattern
// that does not compile.
func translateRecovering(vc *gitleaksconfig.ViperConfig) (cfg gitleaksconfig.Config, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("translate gitleaks config: %w: %v", errBadPattern, p)
		}
	}()
	cfg, err = vc.Translate()
	if err != nil {
		return cfg, fmt.Errorf("translate gitleaks config: %w", err)
	}
	return cfg, nil
}

// tomlError turns the TOML parser's error into "file:line: message".
func tomlError(src configSource, err error) error {
	var de *toml.DecodeError
	if errors.As(err, &de) {
		row, col := de.Position()
		return &relconfig.Error{File: src.name, Line: row, Msg: fmt.Sprintf("parse gitleaks config: column %d: %s", col, de.Error())}
	}
	var se *toml.StrictMissingError
	if errors.As(err, &se) {
		return &relconfig.Error{File: src.name, Msg: fmt.Sprintf("parse gitleaks config: %s", se.Error())}
	}
	return &relconfig.Error{File: src.name, Msg: fmt.Sprintf("parse gitleaks config: %v", err)}
}

// checkPatterns compiles every rule and allowlist pattern with the engine
// gitleaks uses and reports the first bad one with the line it is on.
func checkPatterns(src configSource, vc *gitleaksconfig.ViperConfig) error {
	bad := func(what, pattern string, err error) error {
		line := lineOf(src.data, pattern)
		return &relconfig.Error{File: src.name, Line: line, Msg: fmt.Sprintf("%s: invalid pattern: %v", what, err)}
	}
	check := func(what, pattern string) (err error) {
		if pattern == "" {
			return nil
		}
		defer func() {
			if p := recover(); p != nil {
				err = bad(what, pattern, fmt.Errorf("%v", p))
			}
		}()
		gitleaksregexp.MustCompile(pattern)
		return nil
	}
	for _, r := range vc.Rules {
		what := fmt.Sprintf("rule %q", r.ID)
		if err := check(what+" regex", r.Regex); err != nil {
			return err
		}
		if err := check(what+" path", r.Path); err != nil {
			return err
		}
		lists := r.Allowlists
		if r.AllowList != nil {
			lists = append(lists, r.AllowList)
		}
		for _, a := range lists {
			for _, p := range append(append([]string{}, a.Regexes...), a.Paths...) {
				if err := check(what+" allowlist", p); err != nil {
					return err
				}
			}
		}
	}
	globals := vc.Allowlists
	if vc.AllowList != nil { //nolint:staticcheck // SA1019: gitleaks still reads the old [allowlist] form
		globals = append(globals, vc.AllowList) //nolint:staticcheck // SA1019: as above
	}
	for _, a := range globals {
		for _, p := range append(append([]string{}, a.Regexes...), a.Paths...) {
			if err := check("allowlist", p); err != nil {
				return err
			}
		}
	}
	return nil
}

// lineOf is the 1-based line where needle first appears in data, or 0.
func lineOf(data []byte, needle string) int {
	if needle == "" {
		return 0
	}
	i := bytes.Index(data, []byte(needle))
	if i < 0 {
		return 0
	}
	return bytes.Count(data[:i], []byte("\n")) + 1
}

// ruleIDRE finds the rule a gitleaks error message is about ("<id>: …").
var ruleIDRE = regexp.MustCompile(`^(?:translate gitleaks config: )?(?:\[\[allowlists\]\] target rule ID ')?([A-Za-z0-9_.-]+)(?:'|:)`)

// errorLine locates the rule a translation error names, at its id line.
func errorLine(data []byte, msg string) int {
	m := ruleIDRE.FindStringSubmatch(msg)
	if m == nil {
		return 0
	}
	re, err := regexp.Compile(`(?m)^\s*id\s*=\s*['"]{1,3}` + regexp.QuoteMeta(m[1]) + `['"]`)
	if err != nil {
		return 0
	}
	loc := re.FindIndex(data)
	if loc == nil {
		return 0
	}
	return bytes.Count(data[:loc[0]], []byte("\n")) + 1
}
