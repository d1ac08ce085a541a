// Command pacerd is the pacer daemon, one per node.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/urfave/cli/v2"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"pacer/internal/config"
	"pacer/internal/daemon"
)

func main() {
	app := &cli.App{
		Name:  "pacerd",
		Usage: "the pacer cluster daemon (one per node)",
		Description: "Runs heartbeats, membership and the replicated CIB for this node as configured in pacer.toml.\n" +
			"Example: pacerd --config /etc/pacer/pacer.toml --log-format json",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "config", Aliases: []string{"c"}, Value: "/etc/pacer/pacer.toml", Usage: "configuration file", EnvVars: []string{"PACER_CONFIG"}},
			&cli.StringFlag{Name: "log-format", Usage: "console or json (overrides [log] format)"},
			&cli.StringFlag{Name: "log-level", Usage: "debug, info, warn or error (overrides [log] level)"},
			&cli.StringFlag{Name: "socket", Usage: "control socket path (overrides socket in the configuration)"},
			&cli.BoolFlag{Name: "witness", Usage: "run as a witness: a raft voter that hosts no resources (the tie-breaker of a two-node cluster; sets witness in [node])"},
			&cli.DurationFlag{Name: "stats-interval", Value: daemon.DefaultStatsInterval, Usage: "how often dropped-frame counters are summarised in the log"},
		},
		Action: run,
	}
	if err := app.Run(os.Args); err != nil {
		fmt.Fprintln(os.Stderr, "pacerd:", err)
		os.Exit(1)
	}
}

func run(c *cli.Context) error {
	cfg, err := config.Load(c.String("config"))
	if err != nil {
		return err
	}
	if f := c.String("log-format"); f != "" {
		cfg.Log.Format = f
	}
	if l := c.String("log-level"); l != "" {
		cfg.Log.Level = l
	}
	if s := c.String("socket"); s != "" {
		cfg.Socket = s
		if err := cfg.Validate(); err != nil {
			return fmt.Errorf("--socket: %w", err)
		}
	}
	if c.Bool("witness") {
		cfg.Node.Witness = true
		if err := cfg.Validate(); err != nil {
			return fmt.Errorf("--witness: %w", err)
		}
	}
	lg, err := newLogger(cfg.Log.Format, cfg.Log.Level)
	if err != nil {
		return err
	}
	defer func() { _ = lg.Sync() }()
	keys, err := config.LoadAuthkey(cfg.Authkey)
	if err != nil {
		return err
	}
	d, err := daemon.New(cfg, daemon.Deps{Logger: lg, Keyring: keys, StatsInterval: c.Duration("stats-interval")})
	if err != nil {
		return err
	}
	// SIGTERM or SIGINT stops cleanly: the cluster stops or moves this
	// node's resources first, within shutdown_timeout, and the peers
	// record the node cleanly down instead of fencing it. A second signal
	// stops at once.
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	term := make(chan os.Signal, 2)
	signal.Notify(term, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(term)
	go func() {
		select {
		case <-ctx.Done():
			return
		case s := <-term:
			lg.Info("signal received: stopping cleanly (a second signal stops at once)", zap.String("signal", s.String()),
				zap.Duration("shutdown_timeout", cfg.ShutdownTimeout.Duration))
			d.Leave()
		}
		select {
		case <-ctx.Done():
		case s := <-term:
			lg.Warn("second signal: stopping at once; the peers will declare this node dead", zap.String("signal", s.String()))
			stop()
		}
	}()
	// SIGHUP re-reads the authkey, for key rotation without a restart.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				k, err := config.LoadAuthkey(cfg.Authkey)
				if err == nil {
					err = d.SetKeyring(k)
				}
				if err != nil {
					lg.Error("authkey reload refused; keeping the keys in use", zap.Error(err))
				}
			}
		}
	}()
	return d.Run(ctx)
}

// newLogger builds the root logger: JSON for machines, console for people.
func newLogger(format, level string) (*zap.Logger, error) {
	lvl, err := zapcore.ParseLevel(level)
	if err != nil {
		return nil, fmt.Errorf("log level %q: %w", level, err)
	}
	var zc zap.Config
	switch format {
	case "json":
		zc = zap.NewProductionConfig()
		zc.EncoderConfig.TimeKey = "ts"
		zc.EncoderConfig.EncodeTime = zapcore.RFC3339NanoTimeEncoder
		zc.EncoderConfig.EncodeDuration = zapcore.StringDurationEncoder
		zc.Sampling = nil // every decision line matters; drops are already summarised
	case "console", "":
		zc = zap.NewDevelopmentConfig()
		zc.Development = false
		zc.DisableStacktrace = true
		zc.EncoderConfig.EncodeTime = zapcore.TimeEncoderOfLayout("2006-01-02T15:04:05.000Z07:00")
	default:
		return nil, fmt.Errorf("log format %q: want console or json", format)
	}
	zc.Level = zap.NewAtomicLevelAt(lvl)
	zc.OutputPaths = []string{"stderr"}
	zc.ErrorOutputPaths = []string{"stderr"}
	return zc.Build()
}
