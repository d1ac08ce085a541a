package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/urfave/cli/v2"

	"pacer/heartbeat"
	"pacer/internal/config"
)

func keygenCommand() *cli.Command {
	return &cli.Command{
		Name:  "keygen",
		Usage: "write a new cluster authkey, or add a key to rotate",
		Description: `Writes a new authkey (one 256-bit key, id 1) with mode 0600. Copy the same
file to every node.

Rotating the key without downtime takes three steps; after each, copy the
file to every node and reload pacerd there (SIGHUP: systemctl reload pacerd):
  1. pacer keygen --add            (new key accepted everywhere, old one still signs)
  2. pacer keygen --primary        (sign with the newest key)
  3. pacer keygen --remove M       (drop the old key M)

Examples:
  pacer keygen
  pacer keygen --authkey /tmp/authkey --force
  pacer keygen --add`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "authkey", Value: "/etc/pacer/authkey", Usage: "authkey file"},
			&cli.BoolFlag{Name: "force", Usage: "replace an existing authkey"},
			&cli.BoolFlag{Name: "add", Usage: "add a fresh key under the next free id (the primary is kept unless --primary)"},
			&cli.BoolFlag{Name: "primary", Usage: "make the newest key (the one --add added last) primary"},
			&cli.IntFlag{Name: "remove", Usage: "remove key `ID` (never the primary)"},
		},
		Action: func(c *cli.Context) error {
			path := c.String("authkey")
			edit := c.Bool("add") || c.Bool("primary") || c.IsSet("remove")
			if !edit {
				if _, err := os.Stat(path); err == nil && !c.Bool("force") {
					return fmt.Errorf("%s exists: use --force to replace it (every node needs the new key), or --add to rotate", path)
				} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
					return err
				}
				k, err := config.NewAuthkey()
				if err != nil {
					return err
				}
				if err := config.WriteAuthkey(path, k); err != nil {
					return err
				}
				fmt.Fprintf(c.App.Writer, "wrote %s (key 1, primary); copy it to every node with mode 0600\n", path)
				return nil
			}
			k, err := config.LoadAuthkey(path)
			if err != nil {
				return err
			}
			if c.Bool("add") {
				var id heartbeat.KeyID
				if k, id, err = config.AddKey(k, c.Bool("primary")); err != nil {
					return err
				}
				fmt.Fprintf(c.App.Writer, "added key %d to %s\n", id, path)
			} else if c.Bool("primary") {
				id, ok := config.NewestKey(k)
				if !ok {
					return fmt.Errorf("%s holds no key", path)
				}
				if k, err = config.SetPrimary(k, id); err != nil {
					return err
				}
			}
			if c.Bool("primary") {
				fmt.Fprintf(c.App.Writer, "key %d is primary in %s\n", k.Primary, path)
			}
			if c.IsSet("remove") {
				id := c.Int("remove")
				if id < 1 || id > 255 {
					return fmt.Errorf("--remove %d: key ids are 1..255", id)
				}
				if k, err = config.RemoveKey(k, heartbeat.KeyID(id)); err != nil {
					return err
				}
				fmt.Fprintf(c.App.Writer, "removed key %d from %s\n", id, path)
			}
			if err := config.WriteAuthkey(path, k); err != nil {
				return err
			}
			fmt.Fprintln(c.App.Writer, "copy it to every node, then reload pacerd there (SIGHUP) before the next step")
			return nil
		},
	}
}
