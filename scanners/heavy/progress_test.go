package heavy_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/relgate/relgate/internal/dbfetch"
	"github.com/relgate/relgate/scanners"
)

// TestHelperReportsDownloadProgress: a database update in relgate-scanners,
// asked for progress, sends its progress to relgate as event lines on its
// stderr (which relgate's live display takes out of the stream) and draws
// nothing itself; asked for none, it sends none.
func TestHelperReportsDownloadProgress(t *testing.T) {
	path := helperBinary(t)
	archive, err := os.ReadFile(filepath.Join("..", "..", "testdata", "demo-db", "osv-scalibr", "npm", "all.zip"))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/npm/all.zip" {
			http.NotFound(w, r)
			return
		}
		w.Write(archive)
	}))
	t.Cleanup(srv.Close)
	for _, progress := range []bool{true, false} {
		var out, errOut bytes.Buffer
		req := scanners.DBUpdate{Dir: t.TempDir(), DBDir: t.TempDir(), Sources: []string{"osv"}, Ecosystems: []string{"npm"},
			URL: srv.URL, Helper: path, Progress: progress}
		if err := scanners.UpdateDB(context.Background(), req, &out, &errOut); err != nil {
			t.Fatalf("update: %v\n%s", err, errOut.String())
		}
		var events []dbfetch.Event
		for _, line := range strings.Split(errOut.String(), "\n") {
			if ev, ok := dbfetch.ParseEvent(line); ok {
				events = append(events, ev)
			}
		}
		if strings.ContainsAny(errOut.String(), "\r\x1b") {
			t.Errorf("progress %v: the helper drew on stderr: %q", progress, errOut.String())
		}
		if !progress {
			if len(events) > 0 {
				t.Errorf("no progress asked, events sent: %v", events)
			}
			continue
		}
		if len(events) < 2 {
			t.Fatalf("want a start and an end event, got %v in %q", events, errOut.String())
		}
		first, last := events[0], events[len(events)-1]
		size := int64(len(archive))
		if first.Label != "osv npm" || first.Done != 0 || first.Total != size || !last.End || last.Done != size {
			t.Errorf("events %v, want osv npm from 0 to %d bytes, ended", events, size)
		}
	}
}
