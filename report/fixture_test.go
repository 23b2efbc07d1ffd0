package report

import (
	"github.com/relgate/relgate/engine"
)

// fixtureRules is a rule catalogue as the engine would return it from the
// policies' METADATA. VULN002 is deliberately missing: its findings must still
// get a (synthesized) SARIF rule.
func fixtureRules() []engine.RuleInfo {
	return []engine.RuleInfo{
		{
			ID: "APR001", Title: "Production release needs approvals", Severity: "high", Package: "relgate.rules.approvals",
			Description: "A production release needs the configured number of approving reviews.",
			Remediation: "Get the missing reviews before releasing.",
		},
		{
			ID: "MIG001", Title: "Migration locks a table", Severity: "medium", Package: "relgate.rules.migrations",
			Description: "The statement takes an ACCESS EXCLUSIVE lock while it rewrites the table.",
			Remediation: "Add the column without a volatile default, then backfill in batches.",
			Tags:        []string{"database", "availability"},
		},
		{
			ID: "SCN001", Title: "A scanner failed", Severity: "high", Package: "relgate.rules.scanners",
			Description: "A scanner reported an error, so its facts are missing or partial.",
			Remediation: "Read the scanner's error in the report and fix its cause.",
		},
		{
			ID: "SEC001", Title: "Leaked secret", Severity: "critical", Package: "relgate.rules.secrets",
			Description:      "A secret is committed to the repository or its history.",
			Remediation:      "Revoke the secret, rotate it, and remove it from history.",
			RelatedResources: []string{"https://owasp.org/Top10/A07_2021-Identification_and_Authentication_Failures/", "https://docs.github.com/en/code-security/secret-scanning"},
			Tags:             []string{"secrets", "cwe-798"},
		},
		{
			ID: "SLO001", Title: "Error budget exhausted", Severity: "low", Package: "relgate.rules.slo",
			Description: "The service has spent its error budget for the window.",
		},
		{
			ID: "VULN001", Title: "Vulnerable dependency", Severity: "high", Package: "relgate.rules.vulnerabilities",
			Description: "A dependency has a known vulnerability with a fixed version available.",
			Remediation: "Upgrade the package to a fixed version.",
		},
	}
}

// fixtureDecision has every kind of finding, a finding without a file, one
// with text that every format must escape, a rule the catalogue lacks, and
// scanner runs of every status. Its findings are deliberately out of order.
func fixtureDecision() *engine.Decision {
	return &engine.Decision{
		APIVersion:  engine.APIVersion,
		Kind:        engine.KindDecision,
		Result:      engine.ResultFail,
		Score:       62.5,
		Environment: "production",
		Violations: []engine.Finding{
			{
				Rule: "VULN001", Title: "Vulnerable dependency", Severity: "high",
				Message:     "golang.org/x/net 0.1.0 has GO-2023-1571 (fixed in 0.7.0)",
				Location:    engine.Location{Path: "go.sum", StartLine: 41, EndLine: 42},
				Fingerprint: "sha256:9d1c0ffee0000000000000000000000000000000000000000000000000000001",
			},
			{
				Rule: "SEC001", Title: "Leaked secret", Severity: "critical",
				Message:     "AWS access key in config | see <docs> & rotate: 100% exposed\nsecond line, ünïcødé ✓ 日本",
				Location:    engine.Location{Path: "deploy/naïve config,v2.yaml", StartLine: 12, EndLine: 12, StartColumn: 7, EndColumn: 27, Commit: "0123456789abcdef0123456789abcdef01234567"},
				Fingerprint: "sha256:5ec0000000000000000000000000000000000000000000000000000000000001",
			},
			{
				Rule: "APR001", Title: "Production release needs approvals", Severity: "high",
				Message:     "1 of 2 required approvals",
				Fingerprint: "sha256:a9900000000000000000000000000000000000000000000000000000000000001",
			},
			{
				Rule: "SCN001", Title: "A scanner failed", Severity: "high",
				Message:     "scanner deps failed: open osv-scalibr/Go/all.zip: no such file or directory",
				Fingerprint: "sha256:5c000000000000000000000000000000000000000000000000000000000000001",
			},
		},
		Warnings: []engine.Finding{
			{
				Rule: "SLO001", Title: "Error budget exhausted", Severity: "low",
				Message:     "checkout-availability has 0% of its error budget left (window 30d)",
				Location:    engine.Location{Path: "slo/checkout.yaml", StartLine: 3},
				Fingerprint: "sha256:5100000000000000000000000000000000000000000000000000000000000001",
			},
			{
				Rule: "MIG001", Title: "Migration locks a table", Severity: "medium",
				Message:     "ALTER TABLE orders ADD COLUMN total numeric DEFAULT random() rewrites orders under ACCESS EXCLUSIVE",
				Location:    engine.Location{Path: "db/migrations/0003_add_total.up.sql", StartLine: 4, EndLine: 6},
				Fingerprint: "sha256:3160000000000000000000000000000000000000000000000000000000000001",
			},
		},
		Waived: []engine.Finding{
			{
				Rule: "VULN002", Title: "Vulnerable base image package", Severity: "medium",
				Message:     "openssl 3.0.2 has CVE-2023-0286 (fixed in 3.0.8)",
				Location:    engine.Location{Path: "Dockerfile", StartLine: 1},
				Fingerprint: "sha256:7620000000000000000000000000000000000000000000000000000000000001",
				Waiver: &engine.Waiver{
					Rule: "VULN002", Scope: engine.WaiverScope{ID: "CVE-2023-0286"}, Reason: "not reachable: TLS is terminated at the proxy",
					Approver: "alice@example.com", Expires: "2026-12-31", Ticket: "SEC-42",
				},
			},
			{
				Rule: "VULN001", Title: "Vulnerable dependency", Severity: "high",
				Message:     "github.com/example/lib 1.2.3 has GHSA-xxxx-yyyy-zzzz",
				Location:    engine.Location{Path: "go.sum", StartLine: 88},
				Fingerprint: "sha256:9d1c0ffee0000000000000000000000000000000000000000000000000000002",
				Waiver:      &engine.Waiver{Rule: "VULN001", Reason: "dev-only tool", Approver: "bob", Expires: "2027-01-15"},
			},
		},
		Objectives: []engine.Objective{
			{Name: "vulnerabilities", Result: "fail", Weight: 2, Key: true},
			{Name: "approvals", Result: "fail", Weight: 1, Key: true},
			{Name: "slo", Result: "warning", Weight: 1},
		},
		Scanners: []engine.ScannerRun{
			{Name: "secrets", Version: "8.30.1", Status: engine.StatusOK, DurationMS: 1234},
			{Name: "deps", Version: "2.5.0", Status: engine.StatusError, Error: "open osv-scalibr/Go/all.zip: no such file or directory", DurationMS: 15},
			{Name: "container", Status: engine.StatusSkipped, Reason: engine.ReasonNoImages, DurationMS: 0},
		},
		InputDigest:  "sha256:1111111111111111111111111111111111111111111111111111111111111111",
		PolicyDigest: "sha256:2222222222222222222222222222222222222222222222222222222222222222",
	}
}

// fixtureOptions are the options the golden files are written with.
func fixtureOptions() Options {
	return Options{Version: "1.2.3", Rules: fixtureRules(), ConfigFile: ".relgate.yaml"}
}

// emptyDecision is a passing decision with no findings.
func emptyDecision() *engine.Decision {
	return &engine.Decision{
		APIVersion: engine.APIVersion, Kind: engine.KindDecision, Result: engine.ResultPass, Score: 100,
		Environment: "staging", Violations: []engine.Finding{}, Warnings: []engine.Finding{}, Waived: []engine.Finding{},
		Objectives: []engine.Objective{}, Scanners: []engine.ScannerRun{},
		InputDigest: "sha256:3333333333333333333333333333333333333333333333333333333333333333",
	}
}
