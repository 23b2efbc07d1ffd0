package deps

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// osvAPI stands in for api.osv.dev: /v1/querybatch answers from a fixed
// table of vulnerable package versions, /v1/vulns/<id> serves the fixture
// records. osv-scanner's API address is fixed, so the test reaches the
// server through an HTTP client whose transport redirects every request.
type osvAPI struct {
	srv    *httptest.Server
	mu     sync.Mutex
	hosts  []string
	status int // when set, every request fails with it
}

// vulnerable is what osv.dev would answer for the fixture's packages.
var vulnerable = map[string][]string{
	"npm/lodash/4.17.15":         {"GHSA-35jh-r3h4-6jhm"},
	"npm/lodash/4.17.19":         {"GHSA-35jh-r3h4-6jhm"},
	"npm/lodash/4.17.20":         {"GHSA-35jh-r3h4-6jhm"},
	"Go/golang.org/x/text/0.3.7": {"GO-2022-1059", "GHSA-69ch-w2m2-3vjp"},
	"PyPI/requests/2.30.0":       {"GHSA-j8r2-6x86-q33q"},
	"crates.io/time/0.2.22":      {"RUSTSEC-2020-0071"},
}

func newOSVAPI(t testing.TB) *osvAPI {
	api := &osvAPI{}
	api.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		api.mu.Lock()
		status := api.status
		api.mu.Unlock()
		if status != 0 {
			http.Error(w, "denied", status)
			return
		}
		switch {
		case r.Method == http.MethodPost && r.URL.Path == "/v1/querybatch":
			var req struct {
				Queries []struct {
					Package struct{ Name, Ecosystem string } `json:"package"`
					Version string                           `json:"version"`
				} `json:"queries"`
			}
			if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			type vuln struct {
				ID       string `json:"id"`
				Modified string `json:"modified"`
			}
			type result struct {
				Vulns []vuln `json:"vulns,omitempty"`
			}
			var resp struct {
				Results []result `json:"results"`
			}
			for _, q := range req.Queries {
				var res result
				for _, id := range vulnerable[q.Package.Ecosystem+"/"+q.Package.Name+"/"+q.Version] {
					res.Vulns = append(res.Vulns, vuln{ID: id, Modified: "2024-01-01T00:00:00Z"})
				}
				resp.Results = append(resp.Results, res)
			}
			json.NewEncoder(w).Encode(resp)
		case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/v1/vulns/"):
			id := strings.TrimPrefix(r.URL.Path, "/v1/vulns/")
			files, _ := filepath.Glob(filepath.Join("testdata", "osv", "*", id+".json"))
			if len(files) != 1 {
				http.NotFound(w, r)
				return
			}
			data, _ := os.ReadFile(files[0])
			w.Write(data)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(api.srv.Close)
	return api
}

// client sends every request to the stand-in, recording the host it was
// meant for.
func (a *osvAPI) client() *http.Client {
	target, _ := url.Parse(a.srv.URL)
	return &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		a.mu.Lock()
		a.hosts = append(a.hosts, r.URL.Host)
		a.mu.Unlock()
		r = r.Clone(r.Context())
		r.URL.Scheme, r.URL.Host, r.Host = target.Scheme, target.Host, target.Host
		return http.DefaultTransport.RoundTrip(r)
	})}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestScanOnline(t *testing.T) {
	api := newOSVAPI(t)
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	in, run, err := scan(t, Options{Dir: filepath.Join("testdata", "repo"), HTTPClient: api.client(), Now: func() time.Time { return now }})
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	if got := summaries(in); !slices.Equal(got, wantFixture) {
		t.Errorf("online facts:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantFixture, "\n"))
	}
	if run.Database != "osv.dev API" || run.DBUpdatedAt == nil || !run.DBUpdatedAt.Equal(now) {
		t.Errorf("database %q updated %v", run.Database, run.DBUpdatedAt)
	}
	slices.Sort(api.hosts)
	if hosts := slices.Compact(api.hosts); !slices.Equal(hosts, []string{"api.osv.dev"}) {
		t.Errorf("requests went to %v, want only api.osv.dev", hosts)
	}
}

// An API that refuses the queries is an error, never an empty result.
func TestScanOnlineAPIFailureIsError(t *testing.T) {
	api := newOSVAPI(t)
	api.status = http.StatusForbidden
	in, _, err := scan(t, Options{Dir: filepath.Join("testdata", "repo"), HTTPClient: api.client()})
	if err == nil || !strings.Contains(err.Error(), "403") {
		t.Fatalf("err = %v with %d facts, want the API's refusal", err, len(in.Vulnerabilities))
	}
}
