package approvals

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/relgate/relgate/engine"
)

// maxChangeRecordSize bounds the change record: it is a short form.
const maxChangeRecordSize = 1 << 20

// Risks a change record may state.
var risks = []string{"low", "medium", "high", "critical"}

// changeRecord is the change record file, for teams whose approvals live
// in a change-management process rather than in pull requests:
//
//	ticket: CHG-1234
//	title: Release 1.4.0 of the shop
//	author: dave
//	risk: medium
//	rollback_plan: https://wiki.example.com/shop/rollback
//	approvers:
//	  - name: alice
//	    at: 2026-11-20T10:00:00Z
//	    role: change-manager
type changeRecord struct {
	Ticket       string     `yaml:"ticket"`
	Title        string     `yaml:"title"`
	Author       string     `yaml:"author"`
	Risk         string     `yaml:"risk"`
	RollbackPlan string     `yaml:"rollback_plan"`
	Approvers    []approver `yaml:"approvers"`
}

type approver struct {
	Name string
	At   time.Time
	Role string
}

// UnmarshalYAML reads one approver strictly, naming the line of what is wrong.
func (a *approver) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: an approver is a mapping with name, at and role", n.Line)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if v.Kind != yaml.ScalarNode {
			return fmt.Errorf("line %d: approver %s must be a string", v.Line, k.Value)
		}
		switch k.Value {
		case "name":
			a.Name = strings.TrimSpace(v.Value)
		case "role":
			a.Role = strings.TrimSpace(v.Value)
		case "at":
			t, err := time.Parse(time.RFC3339, v.Value)
			if err != nil {
				return fmt.Errorf("line %d: approver time %q is not RFC 3339 (e.g. 2026-11-20T10:00:00Z)", v.Line, v.Value)
			}
			a.At = t.UTC()
		default:
			return fmt.Errorf("line %d: unknown approver key %q (want name, at, role)", k.Line, k.Value)
		}
	}
	if a.Name == "" {
		return fmt.Errorf("line %d: approver without a name", n.Line)
	}
	if a.At.IsZero() {
		return fmt.Errorf("line %d: approver %s has no time (at): when did they approve?", n.Line, a.Name)
	}
	return nil
}

// readChangeRecord reads and checks a change record file.
func readChangeRecord(path string) (*changeRecord, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read change record %s: %w", path, unwrapPath(err))
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxChangeRecordSize+1))
	if err != nil {
		return nil, fmt.Errorf("read change record %s: %w", path, err)
	}
	if len(data) > maxChangeRecordSize {
		return nil, fmt.Errorf("read change record %s: over 1 MB", path)
	}
	rec, err := parseChangeRecord(data)
	if err != nil {
		return nil, fmt.Errorf("parse change record %s: %w", path, err)
	}
	return rec, nil
}

func parseChangeRecord(data []byte) (*changeRecord, error) {
	rec := new(changeRecord)
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(rec); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("empty change record")
		}
		return nil, errors.New(strings.TrimPrefix(err.Error(), "yaml: "))
	}
	rec.Ticket = strings.TrimSpace(rec.Ticket)
	rec.Risk = strings.ToLower(strings.TrimSpace(rec.Risk))
	if rec.Risk != "" && !slices.Contains(risks, rec.Risk) {
		return nil, fmt.Errorf("risk %q is not one of %s", rec.Risk, strings.Join(risks, ", "))
	}
	return rec, nil
}

// apply adds the record's facts; a pull request's author, when there is
// one, is read later and wins.
func (r *changeRecord) apply(a *engine.Approvals) {
	a.Sources = append(a.Sources, SourceChangeRecord)
	a.ChangeTicket, a.Risk, a.RollbackPlan = r.Ticket, r.Risk, strings.TrimSpace(r.RollbackPlan)
	if r.Author != "" {
		a.Author = strings.TrimSpace(r.Author)
	}
	for _, ap := range r.Approvers {
		a.Approvers = append(a.Approvers, ap.Name)
		a.Reviews = append(a.Reviews, engine.Review{User: ap.Name, State: "APPROVED", At: ap.At, Source: SourceChangeRecord, Role: ap.Role})
	}
}
