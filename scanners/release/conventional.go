package release

import "strings"

// Conventional is a commit message read as a Conventional Commit
// (https://www.conventionalcommits.org/en/v1.0.0/).
type Conventional struct {
	// Type is the lower-cased type ("feat", "fix", …); empty when the
	// subject is not a conventional commit.
	Type string
	// Scope is the text between the parentheses, as written.
	Scope string
	// Description is the text after ": ".
	Description string
	// Breaking is set by a "!" before the colon or by a BREAKING CHANGE
	// footer.
	Breaking bool
}

// ParseCommitMessage reads a commit's subject (its first line) and body.
//
// The subject must be `type[(scope)][!]: description`: type starts with a
// letter and holds letters, digits, '-' or '_'; the scope is non-empty and
// has no parentheses; colon and space are both required and the
// description is not blank. Anything else leaves Type empty.
//
// A body line starting with "BREAKING CHANGE:" or "BREAKING-CHANGE:"
// (upper case, as the specification requires) marks the commit breaking
// even when its subject is not conventional: a release gate should not
// miss a breaking change because of the subject's spelling.
func ParseCommitMessage(subject, body string) Conventional {
	c := parseSubject(subject)
	if !c.Breaking {
		c.Breaking = hasBreakingFooter(body)
	}
	return c
}

func parseSubject(s string) Conventional {
	i := 0
	for i < len(s) && isTypeByte(s[i], i == 0) {
		i++
	}
	if i == 0 {
		return Conventional{}
	}
	c := Conventional{Type: strings.ToLower(s[:i])}
	rest := s[i:]
	if strings.HasPrefix(rest, "(") {
		end := strings.IndexAny(rest[1:], "()\n")
		if end <= 0 || rest[1+end] != ')' {
			return Conventional{}
		}
		c.Scope = rest[1 : 1+end]
		if strings.TrimSpace(c.Scope) == "" {
			return Conventional{}
		}
		rest = rest[2+end:]
	}
	if strings.HasPrefix(rest, "!") {
		c.Breaking = true
		rest = rest[1:]
	}
	desc, ok := strings.CutPrefix(rest, ": ")
	if !ok {
		return Conventional{}
	}
	c.Description = strings.TrimSpace(desc)
	if c.Description == "" {
		return Conventional{}
	}
	return c
}

func isTypeByte(b byte, first bool) bool {
	switch {
	case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z':
		return true
	case first:
		return false
	default:
		return '0' <= b && b <= '9' || b == '-' || b == '_'
	}
}

// hasBreakingFooter looks at every body line rather than only the final
// trailer block: writers put the footer before sign-offs and issue refs
// often enough that being strict would hide breaking changes.
func hasBreakingFooter(body string) bool {
	for line := range strings.Lines(body) {
		if strings.HasPrefix(line, "BREAKING CHANGE:") || strings.HasPrefix(line, "BREAKING-CHANGE:") {
			return true
		}
	}
	return false
}
