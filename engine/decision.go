package engine

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"time"
)

// Decision results.
const (
	ResultPass = "pass"
	ResultWarn = "warn"
	ResultFail = "fail"
)

// Decision is what relgate answers for one input document. Its JSON form is
// the json report; field names are stable.
type Decision struct {
	APIVersion   string       `json:"apiVersion"`
	Kind         string       `json:"kind"`
	Result       string       `json:"result"`
	Score        float64      `json:"score"`
	Environment  string       `json:"environment"`
	Violations   []Finding    `json:"violations"`
	Warnings     []Finding    `json:"warnings"`
	Waived       []Finding    `json:"waived"`
	Objectives   []Objective  `json:"objectives"`
	Scanners     []ScannerRun `json:"scanners"`
	InputDigest  string       `json:"input_digest"`
	PolicyDigest string       `json:"policy_digest"`
	// Release says what was judged, so that a later gate can check the
	// same artifact is promoted (--staging-decision).
	Release *DecisionRelease `json:"release,omitempty"`
}

// DecisionRelease identifies the release a decision judged.
type DecisionRelease struct {
	Version   string     `json:"version,omitempty"`
	Commit    string     `json:"commit,omitempty"`
	Artifacts []Artifact `json:"artifacts,omitempty"`
	Time      *time.Time `json:"time,omitempty"`
}

// KindPreExisting is the kind the decision gives a deny turned into a
// warning because its finding was already there on the base (--base).
const KindPreExisting = "pre-existing"

// Finding is one policy result: a violation, a warning, or a waived finding.
type Finding struct {
	Rule        string   `json:"rule"`
	Title       string   `json:"title"`
	Severity    string   `json:"severity"`
	Message     string   `json:"message"`
	Location    Location `json:"location"`
	Fingerprint string   `json:"fingerprint"`
	// Waiver is set on waived findings: who accepted it, why, and until when.
	Waiver *Waiver `json:"waiver,omitempty"`
	// Known marks a deny that was already in the baseline (--baseline): it
	// is reported as a warning and does not fail the gate.
	Known bool `json:"known,omitempty"`
	// PreExisting marks a deny of a PR-mode run (--base) whose finding was
	// already there on the base: it is reported as a warning.
	PreExisting bool `json:"pre_existing,omitempty"`
	// Details are the structured fields of a finding where its rule gives
	// them (vulnerabilities: package, versions, CVE, CWE, image, layer), so
	// tools need not parse the message. Nil when the rule gives none (a
	// pointer keeps Finding comparable).
	*Details
}

// Details are a finding's structured fields, as trivy's JSON has them.
type Details struct {
	Package          string   `json:"package,omitempty"`
	InstalledVersion string   `json:"installed_version,omitempty"`
	FixedVersion     string   `json:"fixed_version,omitempty"`
	CVE              string   `json:"cve,omitempty"`
	Aliases          []string `json:"aliases,omitempty"`
	Image            string   `json:"image,omitempty"`
	Layer            string   `json:"layer,omitempty"`
	CWE              []string `json:"cwe,omitempty"`
}

// Objective is one weighted area of the score (Keptn-style: pass 1,
// warning 0.5, fail 0).
type Objective struct {
	Name   string  `json:"name"`
	Result string  `json:"result"`
	Weight float64 `json:"weight"`
	Key    bool    `json:"key"`
}

// releaseOf is the identity of the judged release; nil when the input
// names nothing to identify it by.
func releaseOf(r *Release) *DecisionRelease {
	if r.Version == "" && r.Commit == "" && len(r.Artifacts) == 0 {
		return nil
	}
	dr := &DecisionRelease{Version: r.Version, Commit: r.Commit, Artifacts: slices.Clone(r.Artifacts)}
	if !r.Time.IsZero() {
		t := r.Time
		dr.Time = &t
	}
	return dr
}

// Failed reports whether the gate failed.
func (d *Decision) Failed() bool { return d.Result == ResultFail }

// Encode writes the decision's JSON form, indented and newline-terminated.
func (d *Decision) Encode(w io.Writer) error {
	data, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return fmt.Errorf("encode decision: %w", err)
	}
	_, err = w.Write(append(data, '\n'))
	return err
}

// sort orders findings for presentation: most severe first, then by rule,
// place and fingerprint, so identical inputs give identical bytes.
func (d *Decision) sort() {
	for _, fs := range []*[]Finding{&d.Violations, &d.Warnings, &d.Waived} {
		nonNil(fs)
		slices.SortStableFunc(*fs, compareFindings)
	}
	nonNil(&d.Objectives)
	nonNil(&d.Scanners)
	slices.SortStableFunc(d.Objectives, func(a, b Objective) int { return cmp.Compare(a.Name, b.Name) })
}

func compareFindings(a, b Finding) int {
	return cmp.Or(cmp.Compare(SeverityRank(a.Severity), SeverityRank(b.Severity)), cmp.Compare(a.Rule, b.Rule),
		compareLocation(a.Location, b.Location), cmp.Compare(a.Fingerprint, b.Fingerprint), cmp.Compare(a.Message, b.Message))
}
