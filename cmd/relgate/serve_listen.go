package main

import (
	"log/slog"
	"net"
	"os"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/relgate/relgate/server"
)

// limitFlags binds the server's limits. Their defaults are the server's,
// so that a test and the command start the same server.
func limitFlags(f *pflag.FlagSet, o *serveOptions) {
	d := server.DefaultLimits()
	f.Int64Var(&o.maxBody, "max-body", server.DefaultMaxBody, "largest request body in bytes (413 above it)")
	f.IntVar(&o.limits.MaxConns, "max-conns", d.MaxConns, "open connections at most; more wait in the kernel's accept queue")
	f.IntVar(&o.limits.MaxInFlight, "max-in-flight", d.MaxInFlight, "API requests handled at once; more are answered 503 with Retry-After")
	f.Int64Var(&o.limits.MaxInFlightBytes, "max-in-flight-bytes", 0, "request body bytes handled at once; more are answered 503 (default: the larger of 16 MiB and --max-body)")
	f.IntVar(&o.limits.MaxHeaderBytes, "max-header-bytes", d.MaxHeaderBytes, "largest request line and headers in bytes (431 above it)")
	f.DurationVar(&o.limits.ReadHeaderTimeout, "read-header-timeout", d.ReadHeaderTimeout, "time for the TLS handshake and the request headers (slow clients are cut off)")
	f.DurationVar(&o.limits.ReadTimeout, "read-timeout", d.ReadTimeout, "time to read a whole request")
	f.DurationVar(&o.limits.WriteTimeout, "write-timeout", d.WriteTimeout, "time to judge a request and write the answer")
	f.DurationVar(&o.limits.IdleTimeout, "idle-timeout", d.IdleTimeout, "how long a kept-alive connection may wait for its next request")
}

// inContainer reports whether relgate runs in a container, where a
// loopback address cannot be reached from outside: Kubernetes sets
// KUBERNETES_SERVICE_HOST in every pod, Docker creates /.dockerenv and
// Podman /run/.containerenv.
func inContainer(getenv func(string) string, exists func(string) bool) bool {
	return getenv("KUBERNETES_SERVICE_HOST") != "" || exists("/.dockerenv") || exists("/run/.containerenv")
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// listenAddr is --addr, or by default loopback only: an unauthenticated
// server is not put on the network by accident. In a container loopback is
// unreachable, so there the default is every interface.
func (o *serveOptions) listenAddr(container bool) string {
	switch {
	case o.addr != "":
		return o.addr
	case container:
		return ":8443"
	default:
		return "127.0.0.1:8443"
	}
}

func authMode(token, clientCerts bool) string {
	var modes []string
	if token {
		modes = append(modes, "bearer-token")
	}
	if clientCerts {
		modes = append(modes, "client-certificate")
	}
	if len(modes) == 0 {
		return "off"
	}
	return strings.Join(modes, "+")
}

// logListening is the one line an operator reads to know what answers.
func logListening(addr net.Addr, p *prepared) {
	records := p.o.records
	if records == "" {
		records = "none"
	}
	l := p.limits
	slog.Info("relgate serve listening", "addr", addr.String(), "tls", "1.2+", "auth", p.auth,
		"policy_digest", p.s.PolicyDigest(), "records", records, "mode", p.o.mode,
		"max_conns", l.MaxConns, "max_in_flight", l.MaxInFlight, "max_in_flight_bytes", l.MaxInFlightBytes, "max_body", p.maxBody)
	if p.auth == "off" && !isLoopback(addr) {
		slog.Warn("the API has no authentication and listens beyond loopback; set --token-file or --client-ca")
	}
}

func logStopped(addr net.Addr, start time.Time, err error) {
	if err != nil {
		slog.Error("relgate serve stopped", "addr", addr.String(), "uptime", time.Since(start).Round(time.Second).String(), "err", err)
		return
	}
	slog.Info("relgate serve stopped", "addr", addr.String(), "uptime", time.Since(start).Round(time.Second).String())
}

func isLoopback(addr net.Addr) bool {
	if tcp, ok := addr.(*net.TCPAddr); ok {
		return tcp.IP.IsLoopback()
	}
	return false
}
