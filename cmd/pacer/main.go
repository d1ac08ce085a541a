// Command pacer is the crm-style command line for a pacer cluster.
package main

import (
	"fmt"
	"os"

	"github.com/urfave/cli/v2"
)

func main() {
	app := &cli.App{
		Name:     "pacer",
		Usage:    "manage a pacer cluster",
		Flags:    []cli.Flag{cibFileFlag()},
		Commands: commands(),
	}
	if err := app.Run(os.Args); err != nil {
		fmt.Fprintln(os.Stderr, "pacer:", err)
		os.Exit(1)
	}
}

// commands are pacer's commands, for main and the tests.
func commands() []*cli.Command {
	return []*cli.Command{
		configureCommand(),
		explainCommand(),
		historyCommand(),
		importCommand(),
		keygenCommand(),
		raCommand(),
		resourceCommand(),
		nodeCommand(),
		reportCommand(),
		simulateCommand(),
		statusCommand(),
	}
}
