package config

import (
	"strings"
	"testing"
)

func TestWaiverSettings(t *testing.T) {
	ok := "waivers_file: ops/waivers.yaml\ndefaults:\n  waivers:\n    expiry_warning_days: 7\n    approver_required: [critical]\n    max_days: {critical: 14}\n    warn_unused: false\n"
	cfg, err := Parse("c.yaml", []byte(ok))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.WaiversFile != "ops/waivers.yaml" || *cfg.Defaults.Waivers.ExpiryWarningDays != 7 || cfg.Defaults.Waivers.MaxDays["critical"] != 14 {
		t.Errorf("parsed %+v", cfg.Defaults.Waivers)
	}
	for doc, want := range map[string]string{
		"environments:\n  prod:\n    waivers:\n      approver_required: [severe]\n": `environments.prod.waivers.approver_required: "severe" is not a severity`,
		"defaults:\n  waivers:\n    max_days: {high: -1}\n":                         "defaults.waivers.max_days.high: -1 is negative",
		"defaults:\n  waivers:\n    expiry_days: 3\n":                               `c.yaml:3: unknown key "expiry_days"`,
	} {
		if _, err := Parse("c.yaml", []byte(doc)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v, want %q", doc, err, want)
		}
	}
}
