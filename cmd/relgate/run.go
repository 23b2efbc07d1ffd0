package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/relgate/relgate/internal/redact"
)

// run is the whole program: it parses args, runs one command and returns
// the exit code. Nothing else in relgate calls os.Exit.
func run(args []string, stdout, stderr io.Writer) int {
	app := &app{stdout: stdout, stderr: stderr, logLevel: "warn", redactor: newRedactor()}
	root := app.rootCommand()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	cmd, err := root.ExecuteC()
	if err == nil {
		return exitPass
	}
	// Errors from our own commands pass through app.fail; anything else
	// came from cobra's parsing.
	code := exitCode(err, !app.ran)
	if !errors.Is(err, errGateFailed) {
		fmt.Fprintf(stderr, "relgate: %s\n", app.redactor.String(oneLine(err.Error())))
		if code == exitUsage && !app.ran && cmd != nil {
			fmt.Fprintf(stderr, "Run '%s --help' for usage.\n", cmd.CommandPath())
		}
	}
	return code
}

// app holds what every command shares: the output writers and the global
// flags. There is no package-level state.
type app struct {
	stdout, stderr io.Writer
	logLevel       string
	quiet          bool // no progress, and only errors in the log
	ran            bool // a command's RunE started: errors are ours, not cobra's
	// redactor masks secrets in everything relgate writes.
	redactor *redact.Redactor
}

func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:           "relgate",
		Short:         "A policy-as-code release gate",
		Long:          "relgate gathers the facts of a release (secrets, dependencies, images, migrations, release metadata),\njudges them with Rego policies and answers pass, warn or fail.",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if err := bindEnv(cmd.Flags()); err != nil {
				return err
			}
			if a.quiet && !cmd.Flags().Changed("log-level") {
				a.logLevel = "error"
			}
			return a.setupLogging()
		},
	}
	root.PersistentFlags().StringVar(&a.logLevel, "log-level", a.logLevel, "log level on stderr: debug, info, warn, error")
	root.PersistentFlags().BoolVarP(&a.quiet, "quiet", "q", false, "no progress display, and only errors in the log (unless --log-level says otherwise)")
	root.Version = version
	root.SetVersionTemplate("relgate {{.Version}}\n")
	root.AddCommand(a.checkCommand(), a.scanCommand(), a.evalCommand(), a.versionCommand(), a.dbCommand(), a.policyCommand())
	root.AddCommand(a.attestCommand(), a.serveCommand())
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usage(err) })
	return root
}

func (a *app) setupLogging() error {
	var level slog.Level
	if err := level.UnmarshalText([]byte(a.logLevel)); err != nil {
		return usage(fmt.Errorf("--log-level: unknown level %q (want debug, info, warn or error)", a.logLevel))
	}
	// The text handler writes each record in one Write: each log line is
	// masked whole.
	h := slog.NewTextHandler(a.redactor.Writer(a.stderr), &slog.HandlerOptions{Level: level})
	slog.SetDefault(slog.New(h))
	return nil
}

// bindEnv lets RELGATE_<FLAG> set any flag not given on the command line:
// flags win over the environment, which wins over the config file.
// List flags take comma-separated values.
func bindEnv(flags *pflag.FlagSet) error {
	var err error
	flags.VisitAll(func(f *pflag.Flag) {
		if err != nil || f.Changed {
			return
		}
		name := "RELGATE_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		v, ok := os.LookupEnv(name)
		if !ok {
			return
		}
		values := []string{v}
		if _, isList := f.Value.(pflag.SliceValue); isList {
			values = strings.Split(v, ",")
		}
		for _, v := range values {
			if e := flags.Set(f.Name, strings.TrimSpace(v)); e != nil {
				err = usage(fmt.Errorf("%s: %w", name, e))
				return
			}
		}
	})
	return err
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
