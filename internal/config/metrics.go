package config

import (
	"net"
	"strconv"
)

// MetricsConfig is the [metrics] table: pacerd's Prometheus endpoint,
// off unless Listen is set.
type MetricsConfig struct {
	// Listen is the "host:port" pacerd serves /metrics on, e.g.
	// "127.0.0.1:9664"; empty (the default) serves nothing. The
	// endpoint has no authentication: bind it to loopback or a
	// management network.
	Listen string `toml:"listen"`
}

// metrics checks the [metrics] table.
func (v *validator) metrics() {
	l := v.c.Metrics.Listen
	if l == "" {
		return
	}
	host, port, err := net.SplitHostPort(l)
	if err != nil {
		v.errf("metrics.listen", "%q: want host:port, e.g. 127.0.0.1:9664 (%v)", l, err)
		return
	}
	if p, err := strconv.ParseUint(port, 10, 16); err != nil || p == 0 {
		v.errf("metrics.listen", "%q: port %q must be a number from 1 to 65535", l, port)
	}
	if host != "" && host != "localhost" && net.ParseIP(host) == nil {
		v.errf("metrics.listen", "%q: host %q must be an IP address or localhost (empty: every address)", l, host)
	}
}
