package engine

// RuleInfo is what a rule's METADATA block says about it. SARIF rules, the
// policy catalogue and the table report are written from it.
type RuleInfo struct {
	ID               string   `json:"id"`
	Title            string   `json:"title"`
	Description      string   `json:"description,omitempty"`
	Severity         string   `json:"severity"`
	Remediation      string   `json:"remediation,omitempty"`
	Package          string   `json:"package"`
	RelatedResources []string `json:"related_resources,omitempty"`
	Tags             []string `json:"tags,omitempty"`
	// File and Line locate the rule's source, for policy authors.
	File string `json:"file,omitempty"`
	Line int    `json:"line,omitempty"`
}
