// Command ferretdb runs FerretDB v1 (MongoDB wire protocol) in the foreground for the local stack.
//
// It embeds github.com/FerretDB/FerretDB/ferretdb rather than building cmd/ferretdb, whose
// binary panics when built from the module proxy (build/version/version.txt is not in the
// module zip; FerretDB issue 2982).
//
//	ferretdb -listen-addr 127.0.0.1:27017 -handler sqlite -sqlite-dir .data/store/ferretdb
//
// It stops cleanly on SIGINT/SIGTERM and logs to stdout.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listenAddr := flag.String("listen-addr", "127.0.0.1:27017", "TCP address to listen on (host:port)")
	handler := flag.String("handler", "sqlite", "backend: sqlite or postgresql")
	sqliteDir := flag.String("sqlite-dir", "data", "directory of the SQLite databases (sqlite handler; created if missing)")
	postgresqlURL := flag.String("postgresql-url", "postgres://127.0.0.1:5432/ferretdb", "PostgreSQL URL (postgresql handler)")
	logLevel := flag.String("log-level", "info", "log level: debug, info, warn or error")
	flag.Parse()

	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fmt.Fprintf(os.Stderr, "ferretdb: bad -log-level %q: %v\n", *logLevel, err)
		os.Exit(2)
	}
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{Level: level}))
	slog.SetDefault(logger)

	cfg := &ferretdb.Config{
		Listener: ferretdb.ListenerConfig{TCP: *listenAddr},
		Logger:   logger,
		Handler:  *handler,
	}

	switch *handler {
	case "sqlite":
		dir, err := filepath.Abs(*sqliteDir)
		if err == nil {
			err = os.MkdirAll(dir, 0o755)
		}
		if err != nil {
			fail(logger, "cannot prepare the SQLite directory", err)
		}
		// The SQLite backend wants a file: URI of an existing directory, ending with "/".
		if !strings.HasSuffix(dir, "/") {
			dir += "/"
		}
		cfg.SQLiteURL = (&url.URL{Scheme: "file", Path: dir}).String()
	case "postgresql":
		cfg.PostgreSQLURL = *postgresqlURL
	default:
		fmt.Fprintf(os.Stderr, "ferretdb: unknown -handler %q (want sqlite or postgresql)\n", *handler)
		os.Exit(2)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	f, err := ferretdb.New(cfg)
	if err != nil {
		fail(logger, "cannot start FerretDB", err)
	}

	logger.Info("FerretDB starting", "addr", *listenAddr, "handler", *handler)

	if err := f.Run(ctx); err != nil {
		fail(logger, "FerretDB stopped with an error", err)
	}

	logger.Info("FerretDB stopped")
}

func fail(logger *slog.Logger, msg string, err error) {
	logger.Error(msg, "error", err)
	os.Exit(1)
}
