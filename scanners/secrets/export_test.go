package secrets

import "github.com/relgate/relgate/internal/redact"

// WholeTextDetector is gitleaks' default rules over the whole text, as the
// edge detector ran before it looked only around keywords: the reference
// the windows are checked against.
func WholeTextDetector() (redact.Detector, error) {
	d, err := edge()
	if err != nil {
		return nil, err
	}
	return func(text string) []string { return secretsOf(d, text) }, nil
}
