package server

import (
	"bytes"
	"net/http"
	"strconv"

	"github.com/relgate/relgate/internal/redact"
)

// redactResponses masks secrets in a response body before it leaves: a
// decision quotes the facts it was sent (a commit subject, a parser error),
// and what a client sent is not for every reader of the response (logs of
// a CI job, an admission review stored by the API server). The body is
// masked whole, so gitleaks' rules see each value in its context.
func redactResponses(next http.Handler, r *redact.Redactor) http.Handler {
	if r == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		bw := &bufferedWriter{header: w.Header()}
		next.ServeHTTP(bw, req)
		body := r.Bytes(bw.body.Bytes())
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		if bw.code == 0 {
			bw.code = http.StatusOK
		}
		w.WriteHeader(bw.code)
		_, _ = w.Write(body)
	})
}

// bufferedWriter keeps a response until it is masked.
type bufferedWriter struct {
	header http.Header
	code   int
	body   bytes.Buffer
}

func (b *bufferedWriter) Header() http.Header { return b.header }

func (b *bufferedWriter) WriteHeader(code int) {
	if b.code == 0 {
		b.code = code
	}
}

func (b *bufferedWriter) Write(p []byte) (int, error) {
	if b.code == 0 {
		b.code = http.StatusOK
	}
	return b.body.Write(p)
}
