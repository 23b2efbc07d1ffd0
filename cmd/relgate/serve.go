package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/relgate/relgate/engine"
	"github.com/relgate/relgate/internal/redact"
	"github.com/relgate/relgate/server"
)

// serveOptions are relgate serve's flags.
type serveOptions struct {
	addr, cert, key, clientCA, tokenFile string
	config, environments, records        string
	policies, keys                       []string
	maxAge, grace                        time.Duration
	mode, failurePolicy                  string
	maxBody                              int64
	limits                               server.Limits
	registry                             registryServeOptions
}

func (a *app) serveCommand() *cobra.Command {
	var o serveOptions
	cmd := &cobra.Command{
		Use:   "serve --tls-cert FILE --tls-key FILE",
		Short: "Serve decisions (POST /v1/decision) and a Kubernetes admission webhook (POST /v1/admission) over HTTPS",
		Long: "serve compiles the policies once and answers until SIGINT or SIGTERM (graceful shutdown);\n" +
			"SIGHUP recompiles the policies and re-reads the decision records without dropping requests.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a.ran = true
			if !cmd.Flags().Changed("log-level") {
				// A server says when it listens and when it stops.
				a.logLevel = "info"
				if err := a.setupLogging(); err != nil {
					return err
				}
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			// Every flag is checked and the policies compiled before the
			// socket opens: a bad flag never leaves a half-started server.
			p, err := o.prepare(ctx, a.redactor)
			if err != nil {
				return err
			}
			addr := o.listenAddr(inContainer(os.Getenv, fileExists))
			ln, err := new(net.ListenConfig).Listen(ctx, "tcp", addr)
			if err != nil {
				return fmt.Errorf("listen %s: %w", addr, err)
			}
			return a.serveOn(ctx, p, ln)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.addr, "addr", "", "address to listen on (default 127.0.0.1:8443, or :8443 in a container)")
	f.StringVar(&o.cert, "tls-cert", "", "PEM serving certificate (required)")
	f.StringVar(&o.key, "tls-key", "", "PEM serving key (required)")
	f.StringVar(&o.clientCA, "client-ca", "", "PEM CA bundle: require client certificates signed by it (mTLS)")
	f.StringVar(&o.tokenFile, "token-file", "", "file holding a bearer token every API request must present")
	f.StringVar(&o.config, "config", "", "config file (default ./.relgate.yaml)")
	f.StringArrayVar(&o.policies, "policy", nil, "extra policy directory, file or bundle (repeatable)")
	f.StringVar(&o.records, "records", "", "directory of signed decision records (relgate check --attest)")
	f.StringArrayVar(&o.keys, "key", nil, "PEM public key decision records must be signed with (repeatable)")
	f.DurationVar(&o.maxAge, "max-age", 7*24*time.Hour, "refuse decision records older than this (0: any age)")
	f.StringVar(&o.mode, "mode", server.ModeEnforce, "admission mode: enforce, or warn (dry run: admit with warnings)")
	f.StringVar(&o.failurePolicy, "failure-policy", "allow", "answer for kinds relgate reads no images from: allow (with a warning) or deny")
	f.StringVar(&o.environments, "environments", "", "YAML file mapping namespaces to environments (default, namespaces, exempt)")
	f.DurationVar(&o.grace, "grace", 20*time.Second, "how long shutdown waits for requests in flight")
	limitFlags(f, &o)
	o.registry.bind(cmd)
	return cmd
}

// serve runs the server on ln until ctx ends; SIGHUP reloads.
func (a *app) serve(ctx context.Context, o *serveOptions, ln net.Listener) error {
	p, err := o.prepare(ctx, a.redactor)
	if err != nil {
		_ = ln.Close()
		return err
	}
	return a.serveOn(ctx, p, ln)
}

// prepared is a server ready to listen.
type prepared struct {
	o       *serveOptions
	s       *server.Server
	tlsCfg  *tls.Config
	auth    string
	limits  server.Limits
	maxBody int64
}

// prepare checks every flag and compiles the policies.
func (o *serveOptions) prepare(ctx context.Context, redactor *redact.Redactor) (*prepared, error) {
	cfg, err := o.serverConfig(redactor)
	if err != nil {
		return nil, err
	}
	tlsCfg, err := o.tlsConfig()
	if err != nil {
		return nil, err
	}
	s, err := server.New(ctx, *cfg)
	if err != nil {
		return nil, err
	}
	auth := authMode(cfg.Token != "", tlsCfg.ClientCAs != nil)
	return &prepared{o: o, s: s, tlsCfg: tlsCfg, auth: auth, limits: cfg.Limits, maxBody: cfg.MaxBody}, nil
}

// serveOn serves on ln until ctx ends; SIGHUP reloads.
func (a *app) serveOn(ctx context.Context, p *prepared, ln net.Listener) error {
	defer func() { _ = ln.Close() }() // the server closes it on shutdown; this covers early returns
	o, s, tlsCfg := p.o, p.s, p.tlsCfg
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				if err := s.Reload(ctx); err != nil {
					slog.Error("reload failed; still serving the previous policies", "err", err)
				} else {
					slog.Info("reloaded policies and decision records")
				}
			}
		}
	}()
	logListening(ln.Addr(), p)
	start := time.Now()
	err := s.Serve(ctx, ln, tlsCfg, o.grace)
	logStopped(ln.Addr(), start, err)
	return err
}

func (o *serveOptions) serverConfig(redactor *redact.Redactor) (*server.Config, error) {
	if o.cert == "" || o.key == "" {
		return nil, usage(errors.New("--tls-cert and --tls-key are required: the API server calls webhooks over HTTPS only"))
	}
	if o.mode != server.ModeEnforce && o.mode != server.ModeWarn {
		return nil, usage(fmt.Errorf("--mode: unknown mode %q (want enforce or warn)", o.mode))
	}
	if o.failurePolicy != "allow" && o.failurePolicy != "deny" {
		return nil, usage(fmt.Errorf("--failure-policy: %q (want allow or deny)", o.failurePolicy))
	}
	if o.records != "" && len(o.keys) == 0 {
		return nil, usage(errors.New("--records needs --key: records are trusted only by signature"))
	}
	if o.records != "" {
		fi, err := os.Stat(o.records)
		if err != nil {
			return nil, usage(fmt.Errorf("--records %s: %w", o.records, unwrapPathError(err)))
		}
		if !fi.IsDir() {
			return nil, usage(fmt.Errorf("--records %s: not a directory", o.records))
		}
	}
	fromRegistry, err := o.registry.config(o.records, len(o.keys))
	if err != nil {
		return nil, err
	}
	keys, err := loadVerifiers(o.keys)
	if err != nil {
		return nil, usage(err)
	}
	maxBody := o.maxBody
	if maxBody == 0 {
		maxBody = server.DefaultMaxBody
	}
	if maxBody < 0 {
		return nil, usage(errors.New("--max-body: must not be negative"))
	}
	limits, err := o.limits.WithDefaults(maxBody)
	if err != nil {
		return nil, usage(err)
	}
	var token string
	if o.tokenFile != "" {
		data, err := os.ReadFile(o.tokenFile)
		if err != nil {
			return nil, usage(fmt.Errorf("--token-file: %w", unwrapPathError(err)))
		}
		if token = strings.TrimSpace(string(data)); token == "" {
			return nil, usage(errors.New("--token-file: the file is empty"))
		}
	}
	var envs server.Environments
	if o.environments != "" {
		data, err := os.ReadFile(o.environments)
		if err != nil {
			return nil, usage(fmt.Errorf("--environments: %w", unwrapPathError(err)))
		}
		dec := yaml.NewDecoder(strings.NewReader(string(data)))
		dec.KnownFields(true)
		if err := dec.Decode(&envs); err != nil {
			return nil, usage(fmt.Errorf("--environments %s: %w", o.environments, err))
		}
	}
	wd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	return &server.Config{
		NewEngine: func(ctx context.Context) (*engine.Engine, error) {
			// Re-read the config on every reload, as SIGHUP promises.
			cfg, _, err := loadConfig(o.config, wd)
			if err != nil {
				return nil, err
			}
			return newEngine(ctx, cfg, wd, o.policies, nil)
		},
		Token:    token,
		MaxBody:  maxBody,
		Limits:   limits,
		Redactor: redactor,
		Admission: server.Admission{
			RecordsDir: o.records, Keys: keys, MaxAge: o.maxAge, Mode: o.mode,
			FailurePolicy: o.failurePolicy, Environments: envs, Registry: fromRegistry,
		},
	}, nil
}

func (o *serveOptions) tlsConfig() (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(o.cert, o.key)
	if err != nil {
		return nil, usage(fmt.Errorf("load TLS certificate: %w", err))
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
	if o.clientCA != "" {
		data, err := os.ReadFile(o.clientCA)
		if err != nil {
			return nil, usage(fmt.Errorf("--client-ca: %w", unwrapPathError(err)))
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(data) {
			return nil, usage(errors.New("--client-ca: no PEM certificate"))
		}
		cfg.ClientCAs, cfg.ClientAuth = pool, tls.RequireAndVerifyClientCert
	}
	return cfg, nil
}
