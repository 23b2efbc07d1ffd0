package approvals

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// fakeToken is made up for the tests; a real one never appears in them.
const fakeToken = "ghs_relgateTestToken0000000000000000000000"

// reply is one replayed GitHub response.
type reply struct {
	status  int
	file    string   // testdata/github/<file>
	pages   []string // paginated bodies, served with Link headers
	headers map[string]string
}

// fakeGitHub is a local stand-in for api.github.com that replays recorded
// response bodies with GitHub's status codes, rate-limit headers and Link
// pagination. It checks the token like the real API does.
type fakeGitHub struct {
	*httptest.Server
	mu     sync.Mutex
	routes map[string]reply
	hits   map[string]int
}

func newGitHub(t *testing.T, overrides map[string]reply) *fakeGitHub {
	t.Helper()
	g := &fakeGitHub{routes: map[string]reply{
		"/repos/acme/shop/pulls/42":                                                                    {file: "pull-42.json"},
		"/repos/acme/shop/pulls/42/reviews":                                                            {pages: []string{"reviews-42-page1.json", "reviews-42-page2.json", "reviews-42-page3.json"}},
		"/repos/acme/shop/pulls/42/files":                                                              {pages: []string{"files-42-page1.json", "files-42-page2.json"}},
		"/repos/acme/shop/git/commits/c0ffee1234567890abcdef1234567890abcdef12":                        {file: "git-commit-head.json"},
		"/repos/acme/shop/branches/main/protection/required_pull_request_reviews":                      {file: "protection-main.json"},
		"/orgs/acme/teams/payments/members":                                                            {file: "team-payments-members.json"},
		"/repos/acme/shop/commits/9f1c2ab7e3d0c4b5a6f7e8d9c0b1a2f3e4d5c6b7/pulls":                      {file: "commit-pulls.json"},
		"/repos/acme/shop/pulls/404":                                                                   {status: 404, file: "error-404.json"},
		"/repos/acme/shop/pulls/404/reviews":                                                           {status: 404, file: "error-404.json"},
		"/repos/acme/shop/branches/feature%2Fgroup-discounts/protection/required_pull_request_reviews": {status: 404, file: "error-404.json"},
	}, hits: map[string]int{}}
	for k, v := range overrides {
		g.routes[k] = v
	}
	g.Server = httptest.NewServer(http.HandlerFunc(g.serve))
	t.Cleanup(g.Close)
	return g
}

func (g *fakeGitHub) serve(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	g.hits[r.URL.EscapedPath()]++
	rt, ok := g.routes[r.URL.EscapedPath()]
	g.mu.Unlock()
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("X-GitHub-Media-Type", "github.v3; format=json")
	h.Set("X-GitHub-Request-Id", "0B6C:3E1F:1A2B3C:1D2E3F:6744A1B2")
	h.Set("X-RateLimit-Limit", "5000")
	h.Set("X-RateLimit-Remaining", "4987")
	h.Set("X-RateLimit-Reset", "1795000000")
	h.Set("X-RateLimit-Used", "13")
	h.Set("X-RateLimit-Resource", "core")
	if r.Header.Get("Authorization") != "Bearer "+fakeToken {
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write(fixture("error-401.json"))
		return
	}
	if !ok {
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write(fixture("error-404.json"))
		return
	}
	for k, v := range rt.headers {
		h.Set(k, v)
	}
	status := rt.status
	if status == 0 {
		status = http.StatusOK
	}
	body := []byte(nil)
	switch {
	case rt.pages != nil:
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		page = max(page, 1)
		if page > len(rt.pages) {
			body = []byte("[]")
			break
		}
		if rt.pages[page-1] == "" {
			body = []byte("[]")
		} else {
			body = fixture(rt.pages[page-1])
		}
		var links []string
		link := func(p int, rel string) {
			links = append(links, fmt.Sprintf(`<%s%s?per_page=100&page=%d>; rel="%s"`, g.URL, r.URL.EscapedPath(), p, rel))
		}
		if page > 1 {
			link(page-1, "prev")
			link(1, "first")
		}
		if page < len(rt.pages) {
			link(page+1, "next")
			link(len(rt.pages), "last")
		}
		if len(links) > 0 {
			h.Set("Link", strings.Join(links, ", "))
		}
	default:
		body = fixture(rt.file)
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func (g *fakeGitHub) hitCount(path string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.hits[path]
}

func fixture(name string) []byte {
	data, err := os.ReadFile(filepath.Join("testdata", "github", name))
	if err != nil {
		panic(err)
	}
	return data
}
