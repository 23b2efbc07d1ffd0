package secrets

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/zricethezav/gitleaks/v8/detect"
	"github.com/zricethezav/gitleaks/v8/report"
	"github.com/zricethezav/gitleaks/v8/sources"

	"github.com/relgate/relgate/engine"
	"github.com/relgate/relgate/internal/redact"
)

// Where a secret was found.
const (
	WhereTree    = "tree"
	WhereChange  = "change"
	WhereHistory = "history"
)

// Run record counters.
// StatRules counts the gitleaks rules the scan ran with.
const StatRules = "rules"

const (
	statFiles       = "files_scanned"
	statBytes       = "bytes_scanned"
	statCommits     = "commits_scanned"
	statSize        = "skipped_size"
	statBinary      = "skipped_binary"
	statArchive     = "skipped_archive"
	statSymlink     = "skipped_symlink"
	statSpecial     = "skipped_special"
	statAllowlisted = "skipped_allowlisted"
	statSkipped     = "skipped_paths"
	statUnreadable  = "skipped_unreadable"
	statIgnored     = "ignored_findings"
	statErrors      = "gitleaks_errors"
)

// previewChars is the most of a secret its preview shows.
const previewChars = 4

// collector runs gitleaks over fragments and keeps the facts of what it
// finds. It is safe for concurrent use.
type collector struct {
	d  *detect.Detector
	mu sync.Mutex
	// secrets are the facts kept so far.
	secrets []engine.Secret
	stats   map[string]int64
	commits map[string]bool
	// errBase is gitleaks' count of logged errors when the scan began.
	errBase int64
	// redactor learns each secret before it is stripped; may be nil.
	redactor *redact.Redactor
}

func newCollector(d *detect.Detector) *collector {
	return &collector{d: d, stats: map[string]int64{}, commits: map[string]bool{}, errBase: gitStderr.skipped.Load()}
}

func (c *collector) count(key string) {
	c.mu.Lock()
	c.stats[key]++
	c.mu.Unlock()
}

func (c *collector) stat(key string) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stats[key]
}

func (c *collector) statsMap() map[string]int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := maps.Clone(c.stats)
	out[statCommits] = int64(len(c.commits))
	if n := gitStderr.skipped.Load() - c.errBase; n > 0 {
		out[statErrors] = n
	}
	return out
}

// fragment detects secrets in one fragment. Each finding becomes a fact
// while the secret is still at hand; the finding is then stripped of the
// secret and handed to gitleaks' AddFinding, which gives it its
// fingerprint and drops it when .gitleaksignore lists it.
func (c *collector) fragment(ctx context.Context, fr sources.Fragment, where string) {
	if fr.CommitSHA != "" {
		c.mu.Lock()
		c.commits[fr.CommitSHA] = true
		c.mu.Unlock()
	}
	if len(fr.Raw) == 0 && fr.FilePath == "" {
		return
	}
	// DetectContext takes v8's deprecated Fragment type; v9 drops it.
	for _, f := range c.d.DetectContext(ctx, detect.Fragment(fr)) { //nolint:staticcheck // SA1019: the only type v8.30.1 accepts
		// gitleaks counts columns from the newline before the line, so
		// they are one too high on every line of a fragment but its first.
		if f.StartLine > fr.StartLine && f.StartColumn > 1 {
			f.StartColumn--
		}
		if f.EndLine > fr.StartLine && f.EndColumn > 1 {
			f.EndColumn--
		}
		fact := newFact(f, where)
		c.redactor.Add(f.Secret)
		f.Secret, f.Match, f.Line, f.Fragment = "REDACTED", "", "", nil
		c.mu.Lock()
		n := len(c.d.Findings())
		c.d.AddFinding(f)
		if all := c.d.Findings(); len(all) > n {
			fact.Fingerprint = cleanPath(all[n].Fingerprint)
			c.secrets = append(c.secrets, fact)
		} else {
			c.stats[statIgnored]++
		}
		c.mu.Unlock()
	}
}

// newFact describes a finding without its secret.
func newFact(f report.Finding, where string) engine.Secret {
	s := engine.Secret{
		RuleID:      f.RuleID,
		Description: f.Description,
		Location: engine.Location{
			Path:        cleanPath(f.File),
			StartLine:   f.StartLine,
			EndLine:     f.EndLine,
			StartColumn: f.StartColumn,
			EndColumn:   f.EndColumn,
			Commit:      f.Commit,
		},
		Entropy: math.Round(float64(f.Entropy)*1000) / 1000,
		Where:   where,
	}
	if f.Commit != "" {
		s.Author, s.Date = f.Author, f.Date
	}
	// A path-only rule (a keystore file, say) matches a file, not a
	// value: there is nothing to hash or preview.
	if f.Secret != "" {
		s.SecretHash = Hash(f.Secret)
		s.Redacted = Preview(f.Secret)
	}
	if len(f.Tags) > 0 {
		s.Tags = slices.Compact(slices.Sorted(slices.Values(f.Tags)))
	}
	return s
}

// HashPrefix starts every secret_hash. A bare 64-digit hex string next to
// the word "secret" is what gitleaks' generic-api-key rule reports, so a
// saved input document would itself trip gitleaks on the next run; the
// colon of the prefix ends the value that rule looks for.
const HashPrefix = "sha256:"

// Hash is a secret's secret_hash: its sha256, prefixed.
func Hash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return HashPrefix + hex.EncodeToString(sum[:])
}

// Preview shows the start of a secret — at most four characters, and at
// most a quarter of a short secret — followed by a mask that does not
// reveal its length.
func Preview(secret string) string {
	n := utf8.RuneCountInString(secret)
	show := min(previewChars, n/4)
	var b strings.Builder
	for _, r := range []rune(secret)[:show] {
		if r < 0x20 || r == 0x7f {
			r = '?'
		}
		b.WriteRune(r)
	}
	b.WriteString("****")
	return b.String()
}

// cleanPath makes a path valid UTF-8 for the document, writing each byte
// that is not as \xNN (as git quotes such names).
func cleanPath(p string) string {
	if utf8.ValidString(p) {
		return p
	}
	var b strings.Builder
	for len(p) > 0 {
		r, size := utf8.DecodeRuneInString(p)
		if r == utf8.RuneError && size <= 1 {
			fmt.Fprintf(&b, `\x%02x`, p[0])
			p = p[1:]
			continue
		}
		b.WriteString(p[:size])
		p = p[size:]
	}
	return b.String()
}

// facts returns the findings, sorted, without history findings of a secret
// that is also in the tree or the change: "history" means only in older
// commits.
func (c *collector) facts() []engine.Secret {
	c.mu.Lock()
	defer c.mu.Unlock()
	current := map[string]bool{}
	for _, s := range c.secrets {
		if s.Where != WhereHistory && s.SecretHash != "" {
			current[s.RuleID+"\x00"+s.SecretHash] = true
		}
	}
	out := make([]engine.Secret, 0, len(c.secrets))
	seen := map[string]bool{}
	for _, s := range c.secrets {
		if s.Where == WhereHistory && current[s.RuleID+"\x00"+s.SecretHash] {
			continue
		}
		// gitleaks' fingerprint names a line, which may hold several
		// secrets of one rule: a duplicate is the same secret at the same
		// place, found twice (overlapping scans of one commit).
		key := fmt.Sprint(s.Fingerprint, s.Location.StartColumn, s.Location.EndLine, s.Location.EndColumn, s.SecretHash)
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b engine.Secret) int {
		return cmp.Or(
			cmp.Compare(a.Location.Path, b.Location.Path),
			cmp.Compare(a.Location.StartLine, b.Location.StartLine),
			cmp.Compare(a.Location.StartColumn, b.Location.StartColumn),
			cmp.Compare(a.RuleID, b.RuleID),
			cmp.Compare(a.Location.Commit, b.Location.Commit),
			cmp.Compare(a.Fingerprint, b.Fingerprint),
		)
	})
	return out
}
