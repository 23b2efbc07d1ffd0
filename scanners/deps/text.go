package deps

import (
	"bytes"
	"errors"
	"io"
	"os"
	"unicode/utf8"
)

// textSniff is how much of a file is checked for being text.
const textSniff = 1 << 20

// notText finds the files an extractor claimed by their name but could
// not read as text: a binary requirements.txt, a lockfile saved as UTF-16.
// The extractors read such a file as an empty one (or as garbage), so
// without this fact it would look like a project without dependencies. A
// file that is merely not UTF-8 (a Latin-1 comment) counts only when
// nothing was read from it.
func notText(claimed []claimedFile) []fileError {
	var out []fileError
	for _, c := range claimed {
		binary, why := textProblem(c.path)
		if why == "" || !binary && c.packages > 0 {
			continue
		}
		out = append(out, fileError{path: c.path, msg: why + ": its packages could not be read"})
	}
	return out
}

// textProblem says why the file at p is not UTF-8 text, or "" when it is
// (or is not a regular file it can read: those are reported elsewhere).
// binary is true for NUL bytes or a UTF-16 byte order mark, which no
// lockfile format allows.
func textProblem(p string) (binary bool, why string) {
	f, err := os.Open(p)
	if err != nil {
		return false, ""
	}
	defer f.Close()
	if info, err := f.Stat(); err != nil || !info.Mode().IsRegular() {
		return false, ""
	}
	buf := make([]byte, textSniff)
	n, err := io.ReadFull(f, buf)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return false, ""
	}
	buf = buf[:n]
	switch {
	case bytes.HasPrefix(buf, []byte{0xff, 0xfe}) || bytes.HasPrefix(buf, []byte{0xfe, 0xff}):
		return true, "not UTF-8 text (UTF-16)"
	case bytes.IndexByte(buf, 0) >= 0:
		return true, "not a text file (it holds NUL bytes)"
	}
	if n == textSniff {
		buf = trimPartialRune(buf) // the sniff may end inside a character
	}
	if !utf8.Valid(buf) {
		return false, "not UTF-8 text"
	}
	return false, ""
}

// trimPartialRune drops an incomplete character at the end of b.
func trimPartialRune(b []byte) []byte {
	for i := 1; i <= utf8.UTFMax && i <= len(b); i++ {
		if utf8.RuneStart(b[len(b)-i]) {
			if !utf8.FullRune(b[len(b)-i:]) {
				return b[:len(b)-i]
			}
			return b
		}
	}
	return b
}
