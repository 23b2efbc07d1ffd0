// Package config reads .relgate.yaml: which scanners run and how, where
// policies live, and the per-environment thresholds that policies read as
// data.relgate.config.
//
// Go never judges with these thresholds; it only checks their shape. The
// defaults live in Rego (package relgate.lib), where they can be read and
// changed, so every settings field here is omitted when the user left it
// unset.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// FileName is the config file looked for at the root of the target.
const FileName = ".relgate.yaml"

// Config is the whole .relgate.yaml document.
type Config struct {
	// Environment is the default environment when --env is not given.
	Environment string `json:"environment,omitempty" yaml:"environment,omitempty"`
	// Policies are extra policy directories, relative to the config file.
	Policies []string `json:"policies,omitempty" yaml:"policies,omitempty"`
	// Policy sets the policy sandbox.
	Policy *PolicyConfig `json:"policy,omitempty" yaml:"policy,omitempty"`
	// WaiversFile is the waiver file, relative to the repository root
	// (default .relgate-waivers.yaml, optional); --waivers overrides it.
	WaiversFile string `json:"waivers_file,omitempty" yaml:"waivers_file,omitempty"`
	// Scanners chooses which scanners run and for how long.
	Scanners *ScannersConfig `json:"scanners,omitempty" yaml:"scanners,omitempty"`
	// Secrets configures the secrets scanner (gitleaks).
	Secrets *SecretsConfig `json:"secrets,omitempty" yaml:"secrets,omitempty"`
	// Containers lists the images to scan and where their findings point.
	Containers *ContainersConfig `json:"containers,omitempty" yaml:"containers,omitempty"`
	// Migrations configures the database migrations scanner.
	Migrations *MigrationsConfig `json:"migrations,omitempty" yaml:"migrations,omitempty"`
	// Deps configures the dependency scanner (osv-scanner).
	Deps *DepsConfig `json:"deps,omitempty" yaml:"deps,omitempty"`
	// Tests names the test reports and the coverage file.
	Tests *TestsConfig `json:"tests,omitempty" yaml:"tests,omitempty"`
	// Approvals says where the approvals of a release are.
	Approvals *ApprovalsConfig `json:"approvals,omitempty" yaml:"approvals,omitempty"`
	// SLO defines the service-level objectives and where they are measured.
	SLO *SLOConfig `json:"slo,omitempty" yaml:"slo,omitempty"`
	// Release states facts of the release the repository cannot tell.
	Release *ReleaseConfig `json:"release,omitempty" yaml:"release,omitempty"`
	// Defaults are settings for every environment; Environments override them per environment.
	Defaults     *Settings           `json:"defaults,omitempty" yaml:"defaults,omitempty"`
	Environments map[string]Settings `json:"environments,omitempty" yaml:"environments,omitempty"`
	// Custom is free-form data for user policies (data.relgate.config.custom).
	Custom map[string]any `json:"custom,omitempty" yaml:"custom,omitempty"`
}

// PolicyConfig is the policy sandbox. By default policies may not call
// builtins that reach the network or are non-deterministic (http.send,
// net.*, opa.runtime, time.now_ns, rand.*, …); listing one here allows it.
type PolicyConfig struct {
	AllowBuiltins []string `json:"allow_builtins,omitempty" yaml:"allow_builtins,omitempty"`
	// IDPrefixes are the rule id prefixes the team's own policies use (e.g.
	// ACME for ACME001); relgate policy lint accepts them besides the
	// built-in ones.
	IDPrefixes []string `json:"id_prefixes,omitempty" yaml:"id_prefixes,omitempty"`
	// Timeout bounds one evaluation of the policies, e.g. "2m" (default 60s).
	Timeout Duration `json:"timeout,omitempty" yaml:"timeout,omitempty"`
}

// Duration is a time.Duration written as "90s" or "5m".
type Duration time.Duration

// UnmarshalYAML reads a duration string, naming its line when it is wrong.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if err != nil || v < 0 {
		return fmt.Errorf("line %d: invalid duration %q (want e.g. 90s or 5m)", n.Line, n.Value)
	}
	*d = Duration(v)
	return nil
}

// MarshalText writes the duration as time.Duration does.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// Error is a config file that cannot be used, with the file and line.
type Error struct {
	File string
	Line int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// Load reads the config file at path. A missing file is not an error when
// optional is true: the zero Config (all defaults) is returned.
func Load(path string, optional bool) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if optional && errors.Is(err, os.ErrNotExist) {
			return &Config{}, nil
		}
		return nil, &Error{File: path, Msg: fmt.Sprintf("read config: %v", unwrapPath(err))}
	}
	return Parse(path, data)
}

// Parse decodes a config document strictly: unknown keys and wrong types are
// errors naming the file and line.
func Parse(name string, data []byte) (*Config, error) {
	cfg := new(Config)
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(cfg); err != nil && !errors.Is(err, io.EOF) {
		return nil, yamlError(name, err)
	}
	if err := cfg.validate(); err != nil {
		return nil, &Error{File: name, Msg: err.Error()}
	}
	return cfg, nil
}

var (
	lineRE     = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)
	notFoundRE = regexp.MustCompile(`^field (\S+) not found in type \S+$`)
)

// yamlError turns the YAML decoder's messages into "file:line: message".
func yamlError(name string, err error) error {
	var msgs []string
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs = te.Errors
	} else {
		msgs = []string{err.Error()}
	}
	first := &Error{File: name}
	var rest []string
	for i, m := range msgs {
		line := 0
		if sm := lineRE.FindStringSubmatch(m); sm != nil {
			line, _ = strconv.Atoi(sm[1])
			m = sm[2]
		}
		if sm := notFoundRE.FindStringSubmatch(m); sm != nil {
			m = fmt.Sprintf("unknown key %q", sm[1])
		}
		m = strings.TrimPrefix(m, "yaml: ")
		if i == 0 {
			first.Line, first.Msg = line, m
			continue
		}
		rest = append(rest, fmt.Sprintf("line %d: %s", line, m))
	}
	if len(rest) > 0 {
		first.Msg += " (and " + strings.Join(rest, "; ") + ")"
	}
	return first
}

var severities = []string{"critical", "high", "medium", "low", "info"}

func (c *Config) validate() error {
	check := func(where string, s *Settings) error {
		if s == nil {
			return nil
		}
		if s.FailOn != "" && !oneOf(s.FailOn, severities) {
			return fmt.Errorf("%s.fail_on: %q is not one of %s", where, s.FailOn, strings.Join(severities, ", "))
		}
		for sev, n := range s.Budgets {
			if !oneOf(sev, severities) {
				return fmt.Errorf("%s.budgets: %q is not a severity", where, sev)
			}
			if n < 0 {
				return fmt.Errorf("%s.budgets.%s: %d is negative", where, sev, n)
			}
		}
		if s.IaC != nil && s.IaC.DenySeverity != "" && !oneOf(s.IaC.DenySeverity, []string{"critical", "high", "medium", "low", "none"}) {
			return fmt.Errorf("%s.iac.deny_severity: %q is not one of critical, high, medium, low, none", where, s.IaC.DenySeverity)
		}
		if s.ScannerErrors != "" && !oneOf(s.ScannerErrors, []string{"deny", "warn", "ignore"}) {
			return fmt.Errorf("%s.scanner_errors: %q is not one of deny, warn, ignore", where, s.ScannerErrors)
		}
		if e := s.Evidence; e != nil && e.Missing != "" && !oneOf(e.Missing, []string{"deny", "warn", "ignore"}) {
			return fmt.Errorf("%s.evidence.missing: %q is not one of deny, warn, ignore", where, e.Missing)
		}
		if s.Secrets != nil && s.Secrets.InHistory != "" && !oneOf(s.Secrets.InHistory, []string{"deny", "warn", "ignore"}) {
			return fmt.Errorf("%s.secrets.in_history: %q is not one of deny, warn, ignore", where, s.Secrets.InHistory)
		}
		if err := s.Waivers.validate(where + ".waivers"); err != nil {
			return err
		}
		if a := s.Approvals; a != nil {
			if (a.Required != nil && *a.Required < 0) || (a.HotfixRequired != nil && *a.HotfixRequired < 0) {
				return fmt.Errorf("%s.approvals: required and hotfix_required cannot be negative", where)
			}
			if a.Missing != "" && !oneOf(a.Missing, []string{"deny", "warn", "ignore"}) {
				return fmt.Errorf("%s.approvals.missing: %q is not one of deny, warn, ignore", where, a.Missing)
			}
		}
		if r := s.Release; r != nil {
			if err := r.validateContext(where); err != nil {
				return err
			}
		}
		if e := s.SLO; e != nil {
			for k, v := range map[string]string{"fast_burn": e.FastBurn, "errors": e.Errors} {
				if v != "" && !oneOf(v, []string{"deny", "warn", "ignore"}) {
					return fmt.Errorf("%s.slo.%s: %q is not one of deny, warn, ignore", where, k, v)
				}
			}
		}
		if s.Tests != nil && s.Tests.MinCoverage != nil && (*s.Tests.MinCoverage < 0 || *s.Tests.MinCoverage > 100) {
			return fmt.Errorf("%s.tests.min_coverage: %v is not a percentage (0-100)", where, *s.Tests.MinCoverage)
		}
		if err := s.Vulnerabilities.check(where + ".vulnerabilities"); err != nil {
			return err
		}
		return nil
	}
	if err := c.Tests.validate(); err != nil {
		return err
	}
	if err := c.SLO.validate(); err != nil {
		return err
	}
	if r := c.Release; r != nil && r.Strategy != "" && !oneOf(r.Strategy, Strategies) {
		return fmt.Errorf("release.strategy: %q is not one of %s", r.Strategy, strings.Join(Strategies, ", "))
	}
	if a := c.Approvals; a != nil && a.GitHub != nil && a.GitHub.TicketPattern != "" {
		if _, err := regexp.Compile(a.GitHub.TicketPattern); err != nil {
			return fmt.Errorf("approvals.github.ticket_pattern: %w", err)
		}
	}
	if m := c.Migrations; m != nil && m.Dialect != "" && !oneOf(m.Dialect, []string{"postgres", "mysql"}) {
		return fmt.Errorf("migrations.dialect: %q is not one of postgres, mysql", m.Dialect)
	}
	if ct := c.Containers; ct != nil && ct.DBMaxAge < 0 {
		return fmt.Errorf("containers.db_max_age: %s is negative", time.Duration(ct.DBMaxAge))
	}
	if s := c.Secrets; s != nil {
		if s.History != "" && !oneOf(s.History, []string{"all", "since-last-tag", "none"}) {
			return fmt.Errorf("secrets.history: %q is not one of all, since-last-tag, none", s.History)
		}
		if s.Archives < 0 || (s.MaxFileSize != nil && *s.MaxFileSize < 0) || (s.DecodeDepth != nil && *s.DecodeDepth < 0) {
			return fmt.Errorf("secrets: archives, max_file_size and decode_depth cannot be negative")
		}
	}
	if err := check("defaults", c.Defaults); err != nil {
		return err
	}
	for name, s := range c.Environments {
		if err := check("environments."+name, &s); err != nil {
			return err
		}
	}
	return nil
}

func oneOf(s string, set []string) bool {
	for _, v := range set {
		if s == v {
			return true
		}
	}
	return false
}

// unwrapPath drops the *PathError's own path, since Error already names the file.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
