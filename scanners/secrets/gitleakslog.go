package secrets

import (
	"encoding/json"
	"strings"
	"sync"
	"sync/atomic"
)

// gitStderr receives gitleaks' error-level log events and nothing below
// them (debug and trace events carry plaintext secrets). Two kinds matter:
// git's own standard error, which gitleaks logs as "[git] …" before failing
// with a bare "stderr is not empty", and problems it logs and then skips
// past (an archive member it could not open), which are counted so that
// nothing is dropped without a trace.
var gitStderr = &logSink{}

type logSink struct {
	mu    sync.Mutex
	lines []string
	// skipped counts error events other than git's standard error.
	skipped atomic.Int64
}

// maxGitLines bounds how much of git's standard error is kept for a message.
const maxGitLines = 5

func (s *logSink) Write(p []byte) (int, error) {
	var ev struct {
		Message string `json:"message"`
	}
	if err := json.Unmarshal(p, &ev); err != nil {
		return len(p), nil
	}
	if line, ok := strings.CutPrefix(ev.Message, "[git] "); ok {
		s.mu.Lock()
		s.lines = append(s.lines, line)
		if len(s.lines) > maxGitLines {
			s.lines = s.lines[len(s.lines)-maxGitLines:]
		}
		s.mu.Unlock()
		return len(p), nil
	}
	s.skipped.Add(1)
	return len(p), nil
}

// takeGitLines returns and forgets git's standard error lines seen so far.
func (s *logSink) takeGitLines() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := strings.Join(s.lines, "; ")
	s.lines = nil
	return out
}
