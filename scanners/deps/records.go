package deps

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/ossf/osv-schema/bindings/go/osvschema"
	"google.golang.org/protobuf/encoding/protojson"
)

// RecordError is an advisory in a database that osv-scanner would not load.
type RecordError struct {
	// File is the record's name inside the ecosystem's all.zip.
	File string `json:"file"`
	// ID is the record's id, when it could be read.
	ID    string `json:"id,omitempty"`
	Error string `json:"error"`
}

// strictRecord is how osv-scanner's offline matcher decodes a record:
// protojson rejects unknown fields, and the matcher then silently skips the
// whole advisory. Decoding the same way is the only reliable test of
// whether a record will be used.
var strictRecord = protojson.UnmarshalOptions{}

// ValidateRecord decodes one OSV record exactly as osv-scanner does and
// checks the fields matching depends on. It returns the record's id.
func ValidateRecord(data []byte) (string, error) {
	var v osvschema.Vulnerability
	if err := strictRecord.Unmarshal(data, &v); err != nil {
		// protojson's messages carry a random "proto: " or "proto:\u00a0"
		// prefix; keep only the part that says what is wrong.
		msg := strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(err.Error(), "proto:"), "\u00a0"))
		return recordID(data), fmt.Errorf("decode record: %s", msg)
	}
	if v.GetId() == "" {
		return "", errors.New("record has no id")
	}
	if v.GetModified() == nil {
		return v.GetId(), errors.New("record has no modified time")
	}
	if len(v.GetAffected()) == 0 && v.GetWithdrawn() == nil {
		return v.GetId(), errors.New("record lists no affected package")
	}
	return v.GetId(), nil
}

// recordID pulls the id out of a record that failed strict decoding, so
// the report can name the advisory that will be missing.
func recordID(data []byte) string {
	var v osvschema.Vulnerability
	if (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(data, &v) == nil {
		return v.GetId()
	}
	return ""
}

// zipStats is what validating an ecosystem archive found.
type zipStats struct {
	Records int
	Invalid []RecordError
}

// maxRecordSize bounds one advisory's JSON: real ones are kilobytes, and a
// hostile archive must not make validation read gigabytes into memory.
const maxRecordSize = 16 << 20

// validateZip reads every record of an ecosystem archive the way
// osv-scanner will, so that records it would drop are reported, not lost.
func validateZip(path string) (zipStats, error) {
	var st zipStats
	zr, err := zip.OpenReader(path)
	if err != nil {
		return st, fmt.Errorf("open archive: %w", err)
	}
	defer func() { _ = zr.Close() }() // read-only
	for _, f := range zr.File {
		if !strings.HasSuffix(f.Name, ".json") {
			continue
		}
		data, err := readZipFile(f)
		if err != nil {
			// A damaged entry means a damaged archive: osv-scanner would
			// skip it without a word, so the whole download is refused.
			return st, fmt.Errorf("read %s: %w", f.Name, err)
		}
		st.Records++
		if id, err := ValidateRecord(data); err != nil {
			st.Invalid = append(st.Invalid, RecordError{File: f.Name, ID: id, Error: err.Error()})
		}
	}
	if st.Records == 0 {
		return st, errors.New("archive holds no OSV records")
	}
	return st, nil
}

func readZipFile(f *zip.File) ([]byte, error) {
	if f.UncompressedSize64 > maxRecordSize {
		return nil, fmt.Errorf("record is %d bytes, more than the %d allowed", f.UncompressedSize64, maxRecordSize)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer func() { _ = rc.Close() }() // read-only
	data, err := io.ReadAll(io.LimitReader(rc, maxRecordSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxRecordSize {
		return nil, fmt.Errorf("record is more than the %d bytes allowed", maxRecordSize)
	}
	return data, nil
}
