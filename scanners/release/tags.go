package release

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/Masterminds/semver/v3"
)

// tag is a tag reachable from HEAD, peeled to the commit it marks.
type tag struct {
	name   string
	commit string
	// ver is the tag read as SemVer (an optional leading "v", then
	// MAJOR.MINOR.PATCH[-pre][+build] exactly); nil when it is not.
	ver *semver.Version
}

// parseSemver reads "v1.2.3" or "1.2.3" strictly: "v1.2" or "release-1.2.3"
// are tags, not versions.
func parseSemver(name string) *semver.Version {
	v, err := semver.StrictNewVersion(strings.TrimPrefix(name, "v"))
	if err != nil {
		return nil
	}
	return v
}

// versionOf is the version a tag stands for: without its "v" when it is
// SemVer, else the tag itself.
func versionOf(t tag) string {
	if t.ver != nil {
		return strings.TrimPrefix(t.name, "v")
	}
	return t.name
}

// reachableTags lists the tags whose commit is head or an ancestor of it.
// Ref names cannot hold NUL or newline, so the output splits safely.
func reachableTags(ctx context.Context, dir, head string) ([]tag, error) {
	out, err := git(ctx, dir, "for-each-ref", "--merged="+head,
		"--format=%(objectname)%00%(*objectname)%00%(refname)", "refs/tags/")
	if err != nil {
		return nil, fmt.Errorf("list tags: %w", err)
	}
	var tags []tag
	for line := range bytes.Lines(out) {
		f := bytes.Split(bytes.TrimSuffix(line, []byte("\n")), []byte{0})
		if len(f) != 3 {
			return nil, fmt.Errorf("list tags: unexpected line %q", line)
		}
		commit := string(f[1]) // an annotated tag, peeled
		if commit == "" {
			commit = string(f[0]) // a lightweight tag
		}
		name := strings.TrimPrefix(string(f[2]), "refs/tags/")
		tags = append(tags, tag{name: name, commit: commit, ver: parseSemver(name)})
	}
	return tags, nil
}

// higher orders tags by SemVer precedence, then by name so that equal
// versions ("v1.0.0", "1.0.0", "v1.0.0+build.2") still pick one tag
// deterministically: the alphabetically last wins, which prefers the
// usual "v" spelling and the later build.
func higher(a, b tag) bool {
	if c := a.ver.Compare(b.ver); c != 0 {
		return c > 0
	}
	return a.name > b.name
}

// currentTag picks the tag at HEAD: the highest SemVer one, else the
// alphabetically first. ok is false when HEAD is untagged.
func currentTag(tags []tag, head string) (best tag, n int, ok bool) {
	var plain []string
	for _, t := range tags {
		if t.commit != head {
			continue
		}
		n++
		if t.ver == nil {
			plain = append(plain, t.name)
			continue
		}
		if !ok || higher(t, best) {
			best, ok = t, true
		}
	}
	if !ok && len(plain) > 0 {
		best, ok = tag{name: slices.Min(plain), commit: head}, true
	}
	return best, n, ok
}

// previousTag picks the previous release: the highest SemVer tag
// reachable from HEAD but not at it, and lower than the current version
// when HEAD has one. Pre-releases count only when HEAD is itself a
// pre-release or no final release exists, so that the range for v1.1.0
// starts at v1.0.0 rather than at v1.1.0-rc.1.
func previousTag(tags []tag, head string, current *semver.Version) (tag, bool) {
	var best tag
	var bestPre tag
	var found, foundPre bool
	for _, t := range tags {
		if t.ver == nil || t.commit == head {
			continue
		}
		if current != nil && t.ver.Compare(current) >= 0 {
			continue
		}
		if t.ver.Prerelease() != "" && (current == nil || current.Prerelease() == "") {
			if !foundPre || higher(t, bestPre) {
				bestPre, foundPre = t, true
			}
			continue
		}
		if !found || higher(t, best) {
			best, found = t, true
		}
	}
	if !found && foundPre {
		return bestPre, true
	}
	return best, found
}
