package main

import (
	"errors"
	"fmt"

	"github.com/relgate/relgate/config"
	"github.com/relgate/relgate/engine"
	"github.com/relgate/relgate/scanners/secrets"
)

// Exit codes. This is the one table; the README repeats it.
const (
	exitPass    = 0 // the gate passed (or warned without --fail-on-warn)
	exitFail    = 1 // the gate failed (or warned with --fail-on-warn)
	exitUsage   = 2 // bad flags, config, policy or input document
	exitRuntime = 3 // something broke before a decision could be made
)

// errGateFailed reports a decision that fails the gate. The report has
// already said why, so it is not printed.
var errGateFailed = errors.New("gate failed")

// gateFailure is a failing gate that exits with the code --exit-code chose
// (trivy's flag): 1 by default, 0 to report without failing the build.
type gateFailure struct{ code int }

func (e *gateFailure) Error() string        { return errGateFailed.Error() }
func (e *gateFailure) Is(target error) bool { return target == errGateFailed }

// checkExitCode refuses codes that would read as another row of the table.
func checkExitCode(code int) error {
	if code < 0 || code > 255 || code == exitUsage || code == exitRuntime {
		return usage(fmt.Errorf("--exit-code %d: want 0, 1 or 4-255 (2 and 3 mean a usage and a runtime error)", code))
	}
	return nil
}

// usageError is a mistake in how relgate was called.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usage(err error) error { return &usageError{err} }

// exitCode maps an error to its exit code, in one place. Errors cobra raises
// itself (unknown flags, commands, arguments) are usage errors.
func exitCode(err error, fromCobra bool) int {
	var (
		ue *usageError
		ce *config.Error
		pe *engine.PolicyError
		ie *engine.InputError
		se *secrets.UsageError // --staged/--base without git or a repository, a bad base
	)
	var xw *exitWith // a command that mirrors another tool's exit codes
	var gf *gateFailure
	switch {
	case err == nil:
		return exitPass
	case errors.As(err, &xw):
		return xw.code
	case errors.As(err, &gf):
		return gf.code
	case errors.Is(err, errGateFailed):
		return exitFail
	case errors.As(err, &ue), errors.As(err, &ce), errors.As(err, &pe), errors.As(err, &ie), errors.As(err, &se):
		return exitUsage
	case fromCobra:
		return exitUsage
	default:
		return exitRuntime
	}
}
