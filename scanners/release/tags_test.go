package release

import "testing"

func TestTagSelection(t *testing.T) {
	mk := func(name, commit string) tag { return tag{name: name, commit: commit, ver: parseSemver(name)} }
	const head = "h"
	tests := []struct {
		name          string
		tags          []tag
		wantCur       string
		wantPrev      string
		wantAtHeadNum int
	}{
		{"nothing", nil, "", "", 0},
		{"only pre-releases before an untagged HEAD",
			[]tag{mk("v0.1.0-alpha.1", "a"), mk("v0.1.0-beta.1", "b")}, "", "v0.1.0-beta.1", 0},
		{"a pre-release HEAD counts earlier pre-releases",
			[]tag{mk("v1.0.0", "a"), mk("v2.0.0-rc.1", "b"), mk("v2.0.0-rc.2", head)}, "v2.0.0-rc.2", "v2.0.0-rc.1", 1},
		{"a final HEAD skips its own pre-releases",
			[]tag{mk("v1.0.0", "a"), mk("v2.0.0-rc.1", "b"), mk("v2.0.0", head)}, "v2.0.0", "v1.0.0", 1},
		{"previous must be lower than the current version",
			[]tag{mk("v3.0.0", "a"), mk("v1.0.0", "b"), mk("v2.0.0", head)}, "v2.0.0", "v1.0.0", 1},
		{"a version tagged twice is not its own previous release",
			[]tag{mk("v1.0.0", "a"), mk("v1.0.0+rebuild", "b"), mk("v1.0.0+rebuild.2", head)}, "v1.0.0+rebuild.2", "", 1},
		{"equal versions at HEAD prefer the v spelling",
			[]tag{mk("1.2.3", head), mk("v1.2.3", head)}, "v1.2.3", "", 2},
		{"non-SemVer tags are never the previous release",
			[]tag{mk("release-1", "a"), mk("v1.2", "b"), mk("V1.0.0", "c"), mk("v01.0.0", "d")}, "", "", 0},
		{"non-SemVer tags at HEAD: alphabetically first",
			[]tag{mk("zeta", head), mk("alpha", head)}, "alpha", "", 2},
		{"prefixed monorepo tags are tags, not versions",
			[]tag{mk("api/v1.0.0", head)}, "api/v1.0.0", "", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cur, n, ok := currentTag(tt.tags, head)
			if ok != (tt.wantCur != "") || cur.name != tt.wantCur || n != tt.wantAtHeadNum {
				t.Errorf("currentTag = %q, %d, %t; want %q, %d", cur.name, n, ok, tt.wantCur, tt.wantAtHeadNum)
			}
			prev, ok := previousTag(tt.tags, head, cur.ver)
			if ok != (tt.wantPrev != "") || prev.name != tt.wantPrev {
				t.Errorf("previousTag = %q, %t; want %q", prev.name, ok, tt.wantPrev)
			}
		})
	}
}

func TestVersionOf(t *testing.T) {
	for tagName, want := range map[string]string{
		"v1.2.3":         "1.2.3",
		"1.2.3":          "1.2.3",
		"v1.2.3-rc.1+b7": "1.2.3-rc.1+b7",
		"v1.2":           "v1.2",
		"release-7":      "release-7",
		"vv1.2.3":        "vv1.2.3",
	} {
		if got := versionOf(tag{name: tagName, ver: parseSemver(tagName)}); got != want {
			t.Errorf("versionOf(%q) = %q, want %q", tagName, got, want)
		}
	}
}
