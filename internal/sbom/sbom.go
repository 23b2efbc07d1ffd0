// Package sbom writes a CycloneDX 1.5 software bill of materials for a Go
// binary from the build information the Go linker embeds in it (what
// `go version -m` prints): the main module, every module linked in with its
// version and go.sum hash, and the build settings. It reads the binary
// itself, so the SBOM describes exactly what was shipped, for any GOOS/GOARCH.
package sbom

import (
	"debug/buildinfo"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Document is the subset of CycloneDX 1.5 written here.
type Document struct {
	BOMFormat    string      `json:"bomFormat"`
	SpecVersion  string      `json:"specVersion"`
	Version      int         `json:"version"`
	Metadata     Metadata    `json:"metadata"`
	Components   []Component `json:"components"`
	Dependencies []Dep       `json:"dependencies"`
}

// Metadata names the binary the document describes.
type Metadata struct {
	Timestamp  string     `json:"timestamp,omitempty"`
	Component  Component  `json:"component"`
	Properties []Property `json:"properties,omitempty"`
}

// Component is one Go module.
type Component struct {
	Type    string `json:"type"`
	BOMRef  string `json:"bom-ref"`
	Name    string `json:"name"`
	Version string `json:"version,omitempty"`
	PURL    string `json:"purl"`
	Hashes  []Hash `json:"hashes,omitempty"`
}

// Hash is a go.sum hash (h1: is SHA-256 over the module's file list).
type Hash struct {
	Alg     string `json:"alg"`
	Content string `json:"content"`
}

// Property is a build setting (GOOS, GOARCH, CGO_ENABLED, -ldflags, …).
type Property struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Dep says the binary depends on every module linked in.
type Dep struct {
	Ref       string   `json:"ref"`
	DependsOn []string `json:"dependsOn"`
}

// purl is a Go module's package URL (pkg:golang/NAMESPACE/NAME@VERSION).
func purl(path, version string) string {
	p := "pkg:golang/" + strings.ToLower(path)
	if version != "" && version != "(devel)" {
		p += "@" + url.PathEscape(version)
	}
	return p
}

// FromBinary reads the build information of the Go binary at path.
func FromBinary(path, version string, at time.Time) (Document, error) {
	bi, err := buildinfo.ReadFile(path)
	if err != nil {
		return Document{}, fmt.Errorf("read build info of %s: %w", path, err)
	}
	main := Component{Type: "application", Name: bi.Main.Path, Version: version, PURL: purl(bi.Main.Path, version)}
	main.BOMRef = main.PURL
	d := Document{BOMFormat: "CycloneDX", SpecVersion: "1.5", Version: 1,
		Metadata: Metadata{Component: main, Properties: []Property{{Name: "go:version", Value: bi.GoVersion}}}}
	if !at.IsZero() {
		d.Metadata.Timestamp = at.UTC().Format(time.RFC3339)
	}
	for _, s := range bi.Settings {
		d.Metadata.Properties = append(d.Metadata.Properties, Property{Name: "go:build:" + s.Key, Value: s.Value})
	}
	dep := Dep{Ref: main.BOMRef, DependsOn: []string{}}
	for _, m := range bi.Deps {
		if m.Replace != nil {
			m = m.Replace // what was linked is the replacement
		}
		c := Component{Type: "library", Name: m.Path, Version: m.Version, PURL: purl(m.Path, m.Version)}
		c.BOMRef = c.PURL
		// go.sum's h1: is base64 SHA-256; CycloneDX wants hex.
		if h, ok := strings.CutPrefix(m.Sum, "h1:"); ok {
			if raw, err := base64.StdEncoding.DecodeString(h); err == nil && len(raw) == 32 {
				c.Hashes = []Hash{{Alg: "SHA-256", Content: hex.EncodeToString(raw)}}
			}
		}
		d.Components = append(d.Components, c)
		dep.DependsOn = append(dep.DependsOn, c.BOMRef)
	}
	slices.SortFunc(d.Components, func(a, b Component) int { return strings.Compare(a.BOMRef, b.BOMRef) })
	slices.Sort(dep.DependsOn)
	d.Dependencies = []Dep{dep}
	return d, nil
}

// Write encodes the document as indented JSON.
func Write(w io.Writer, d Document) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(d); err != nil {
		return fmt.Errorf("write sbom: %w", err)
	}
	return nil
}
