package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"pacer/crm/cib"
	"pacer/crm/cib/cibedit"
	"pacer/crm/cib/crmsh"
)

func configureEditCommand() *cli.Command {
	return &cli.Command{
		Name:  "edit",
		Usage: "edit the whole configuration in crm syntax with $VISUAL or $EDITOR (default vi)",
		Description: "Opens the configuration as `configure show` prints it. On save it is parsed, validated and\n" +
			"written with the compare-and-swap on the version that was opened: if someone else changed the\n" +
			"configuration meanwhile, nothing is written and the exit status is 3. A file that does not parse\n" +
			"or validate is shown with its errors and opened again on a terminal; without one the command\n" +
			"fails (exit 1) and nothing changes. Saving the file unchanged changes nothing.\n\n" +
			"Examples:\n  pacer configure edit\n  EDITOR=nano pacer configure edit\n" +
			"  pacer --cib-file cib.xml configure edit",
		Action: configureEdit,
	}
}

// editorCommand is the user's editor: $VISUAL, $EDITOR or vi. It may carry
// arguments ("code --wait"), so it runs through sh with the file as $1.
func editorCommand() string {
	for _, v := range []string{"VISUAL", "EDITOR"} {
		if e := strings.TrimSpace(os.Getenv(v)); e != "" {
			return e
		}
	}
	return "vi"
}

func runEditor(editor, path string) error {
	cmd := exec.Command("/bin/sh", "-c", editor+` "$1"`, "sh", path)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("editor %q: %w", editor, err)
	}
	return nil
}

func configureEdit(c *cli.Context) error {
	if c.Args().Len() > 0 {
		return exitFor("configure edit", fmt.Errorf("unexpected argument %q", c.Args().First()))
	}
	tty := isTerminal(os.Stdin) && isTerminal(os.Stdout)
	ctx, cancel := context.WithCancel(ctxOf(c))
	defer cancel()
	cc, err := loadCIB(ctx, c)
	if err != nil {
		return exitFor("configure edit", err)
	}
	defer cc.Close()
	var orig bytes.Buffer
	if err := crmsh.Print(&orig, &cc.CIB.Configuration); err != nil {
		return exitFor("configure edit", err)
	}
	dir, err := os.MkdirTemp("", "pacer-edit-")
	if err != nil {
		return exitFor("configure edit", err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "configuration.crm")
	header := fmt.Sprintf("# pacer configure edit: %s, version %s. Lines starting with # are ignored.\n", cc.Name, cc.version())
	if err := os.WriteFile(path, append([]byte(header), orig.Bytes()...), 0o600); err != nil {
		return exitFor("configure edit", err)
	}
	editor := editorCommand()
	base := cc.CIB.Configuration
	for {
		if err := runEditor(editor, path); err != nil {
			return exitFor("configure edit", fmt.Errorf("%w; nothing was changed", err))
		}
		text, err := os.ReadFile(path)
		if err != nil {
			return exitFor("configure edit", err)
		}
		if bytes.Equal(stripComments(text), stripComments(orig.Bytes())) {
			fmt.Fprintln(c.App.ErrWriter, "configuration unchanged; nothing written")
			return nil
		}
		perr := func() error {
			loaded, err := crmsh.ParseConfiguration(text, path)
			if err != nil {
				return err
			}
			cc.CIB.Configuration = base
			cibedit.LoadReplace(cc.CIB, loaded)
			return cc.validate()
		}()
		if perr == nil {
			ver, err := cc.save(ctx)
			return changed(c, "configure edit", ver, err)
		}
		cc.CIB.Configuration = base
		printProblems(c.App.ErrWriter, perr)
		if !tty {
			return cli.Exit("pacer configure edit: the edited configuration has errors (above); nothing was changed", exitError)
		}
		fmt.Fprint(c.App.ErrWriter, "Edit again? [Y/n] ")
		ans, rerr := bufio.NewReader(os.Stdin).ReadString('\n')
		// End of input is no answer: without this a closed terminal
		// would reopen the editor forever.
		if a := strings.ToLower(strings.TrimSpace(ans)); a == "n" || a == "no" || (rerr != nil && a == "") {
			return cli.Exit("pacer configure edit: abandoned; nothing was changed", exitError)
		}
	}
}

func printProblems(w io.Writer, err error) {
	if errs := cib.ValidationErrors(err); len(errs) > 0 {
		for _, e := range errs {
			fmt.Fprintln(w, e)
		}
		return
	}
	var joined interface{ Unwrap() []error }
	if errors.As(err, &joined) {
		for _, e := range joined.Unwrap() {
			fmt.Fprintln(w, e)
		}
		return
	}
	fmt.Fprintln(w, err)
}

// stripComments drops comment and blank lines, to tell an edit from a
// save of the file as it was.
func stripComments(b []byte) []byte {
	var out bytes.Buffer
	for _, l := range bytes.Split(b, []byte("\n")) {
		t := bytes.TrimSpace(l)
		if len(t) == 0 || t[0] == '#' {
			continue
		}
		out.Write(t)
		out.WriteByte('\n')
	}
	return out.Bytes()
}
