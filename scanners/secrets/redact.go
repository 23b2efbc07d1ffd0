package secrets

import (
	"sync"

	gitleaksconfig "github.com/zricethezav/gitleaks/v8/config"
	"github.com/zricethezav/gitleaks/v8/detect"

	"github.com/relgate/relgate/internal/redact"
)

// edge is the detector the redaction step runs over every output: gitleaks'
// default rules, translated once per process (the translation is shared
// with a scan that uses them).
var edge = sync.OnceValues(func() (*detect.Detector, error) {
	cfg, err := loadConfig(configSource{name: "default", data: []byte(gitleaksconfig.DefaultConfig)})
	if err != nil {
		return nil, err
	}
	d := detect.NewDetector(cfg)
	// An output is text relgate wrote: nothing in it is encoded on
	// purpose, and an inline "gitleaks:allow" in a fact (a commit
	// subject, say) must not keep a token in a report.
	d.MaxDecodeDepth = 0
	d.IgnoreGitleaksAllow = true
	return d, nil
})

// Detector returns a redact.Detector that finds secrets in text with
// gitleaks' default rules — the rules a gitleaks run over relgate's output
// (a saved input committed by mistake, a report in a CI log) would apply.
func Detector() (redact.Detector, error) {
	d, err := edge()
	if err != nil {
		return nil, err
	}
	return func(text string) []string {
		var out []string
		for _, f := range d.DetectString(text) {
			if f.Secret != "" {
				out = append(out, f.Secret)
			}
		}
		return out
	}, nil
}
