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

Rotating the key without downtime takes three steps, each done on every node:
  1. pacer keygen --add            (new key accepted, old one still signs)
  2. pacer keygen --primary N      (sign with the new key N)
  3. pacer keygen --remove M       (drop the old key M)
Restart pacerd (or wait for reload support) after each step.

Examples:
  pacer keygen
  pacer keygen --authkey /tmp/authkey --force
  pacer keygen --add`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "authkey", Value: "/etc/pacer/authkey", Usage: "authkey file"},
			&cli.BoolFlag{Name: "force", Usage: "overwrite an existing authkey"},
			&cli.BoolFlag{Name: "add", Usage: "add a new key to the existing authkey (not primary)"},
			&cli.IntFlag{Name: "primary", Usage: "make key `ID` the one that signs"},
			&cli.IntFlag{Name: "remove", Usage: "remove key `ID` (not the primary)"},
		},
		Action: func(c *cli.Context) error {
			path := c.String("authkey")
			edit := c.Bool("add") || c.IsSet("primary") || c.IsSet("remove")
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
				if k, id, err = config.AddKey(k, false); err != nil {
					return err
				}
				fmt.Fprintf(c.App.Writer, "added key %d to %s\n", id, path)
			}
			if c.IsSet("primary") {
				id := heartbeat.KeyID(c.Int("primary"))
				if _, ok := k.Keys[id]; !ok || c.Int("primary") > 255 || c.Int("primary") < 1 {
					return fmt.Errorf("--primary %d: no such key in %s (keys: %v)", c.Int("primary"), path, k.IDs())
				}
				k.Primary = id
				fmt.Fprintf(c.App.Writer, "key %d is now primary in %s\n", id, path)
			}
			if c.IsSet("remove") {
				if c.Int("remove") > 255 || c.Int("remove") < 1 {
					return fmt.Errorf("--remove %d: key ids are 1..255", c.Int("remove"))
				}
				if k, err = config.RemoveKey(k, heartbeat.KeyID(c.Int("remove"))); err != nil {
					return err
				}
				fmt.Fprintf(c.App.Writer, "removed key %d from %s\n", c.Int("remove"), path)
			}
			return config.WriteAuthkey(path, k)
		},
	}
}
