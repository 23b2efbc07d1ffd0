package scanners

import (
	"os"
	"testing"
	"time"

	"github.com/relgate/relgate/config"
)

// hangEnv makes this test binary, run as the helper, wait a minute instead
// of answering: a helper that is still at work when relgate gives up.
const hangEnv = "RELGATE_TEST_HELPER_HANGS"

func TestMain(m *testing.M) {
	if os.Getenv(hangEnv) == "1" && len(os.Args) == 2 && os.Args[1] == "scan" {
		time.Sleep(time.Minute)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestNewJobsStartsHelperFirst: NewJobs starts the helper before it makes
// the scanners relgate runs itself, so that its start-up overlaps theirs;
// when making one of those fails, the helper is stopped at once, not left
// to finish work nobody will read.
func TestNewJobsStartsHelperFirst(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(hangEnv, "1")
	target := Target{Dir: t.TempDir(), Helper: self}

	jobs, b, err := newJobs([]string{"secrets", "iac", "deps"}, target, nil, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 3 || jobs[0].Name != "secrets" || jobs[1].Name != "iac" || jobs[2].Name != "deps" {
		t.Fatalf("jobs %v, want them in the order asked", jobs)
	}
	if !b.started || b.done == nil {
		t.Fatal("the helper was not started by NewJobs")
	}
	if len(b.names) != 2 {
		t.Errorf("helper asked for %v, want iac and deps", b.names)
	}
	b.abort() // no Run here: stop it

	// secrets.history is checked when the secrets scanner is made, after
	// the helper started.
	bad := &config.Config{Secrets: &config.SecretsConfig{History: "sometimes"}}
	_, b, err = newJobs([]string{"secrets", "deps"}, target, bad, time.Minute)
	if err == nil {
		t.Fatal("no error for secrets.history: sometimes")
	}
	if !b.started {
		t.Fatal("the helper did not start before the secrets scanner was made")
	}
	select {
	case <-b.done:
	case <-time.After(20 * time.Second):
		t.Fatal("the helper still runs after NewJobs failed")
	}

	// Without a scanner for the helper, none starts.
	_, b, err = newJobs([]string{"migrations"}, target, nil, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if b.started || b.done != nil {
		t.Error("a helper started for no scanner of its own")
	}
}
