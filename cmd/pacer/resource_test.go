package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

// cliApp is pacer's app with the live-cluster commands, writing to
// buffers and returning the exit code instead of exiting.
func cliApp(out, errOut *bytes.Buffer) *cli.App {
	return &cli.App{
		Name: "pacer", Flags: []cli.Flag{cibFileFlag()},
		Commands:       commands(),
		Writer:         out,
		ErrWriter:      errOut,
		ExitErrHandler: func(*cli.Context, error) {},
	}
}

func runCLI(args ...string) (stdout, stderr string, code int) {
	var out, errb bytes.Buffer
	err := cliApp(&out, &errb).Run(append([]string{"pacer"}, args...))
	var ec cli.ExitCoder
	switch {
	case err == nil:
	case errors.As(err, &ec):
		code = ec.ExitCode()
		if m := err.Error(); m != "" {
			fmt.Fprintln(&errb, m)
		}
	default:
		code = 1
		fmt.Fprintln(&errb, err)
	}
	return out.String(), errb.String(), code
}

// Every command and subcommand pacer has (main's list) has --help with
// an example.
func TestEveryCommandHasHelpWithExample(t *testing.T) {
	var walk func(path []string, cmds []*cli.Command)
	n := 0
	walk = func(path []string, cmds []*cli.Command) {
		for _, c := range cmds {
			p := append(append([]string(nil), path...), c.Name)
			if !strings.Contains(c.Description, "Example") || !strings.Contains(c.Description, "pacer ") {
				t.Errorf("pacer %s: no example in its help", strings.Join(p, " "))
			}
			out, errOut, code := runCLI(append(p, "--help")...)
			if code != 0 || !strings.Contains(out, "Example") {
				t.Errorf("pacer %s --help: exit %d, %q %q", strings.Join(p, " "), code, out, errOut)
			}
			n++
			walk(p, c.Subcommands)
		}
	}
	walk(nil, commands())
	if n < 50 {
		t.Fatalf("only %d commands walked", n)
	}
}

// locate and failcount print from the status document: golden output on
// the status corpus (the status as pacerd would send it).
func TestResourceReadCommandsGolden(t *testing.T) {
	tests := []struct {
		cib  string
		args []string
	}{
		{"expire-non-blocked-failure", []string{"resource", "locate", "rsc1"}},
		{"expire-non-blocked-failure", []string{"resource", "failcount", "rsc1"}},
		{"expire-non-blocked-failure", []string{"resource", "failcount", "rsc1", "node1"}},
		{"expire-non-blocked-failure", []string{"resource", "failcount", "rsc2"}},
		{"expire-non-blocked-failure", []string{"resource", "failcount", "rsc1", "node9"}},
		{"expire-non-blocked-failure", []string{"resource", "locate", "nosuch"}},
		{"promoted-role", []string{"resource", "locate", "ms_res_Stateful_1"}},
		{"multiple-monitor-one-failed", []string{"resource", "failcount", "Dummy-test2"}},
		{"multiple-monitor-one-failed", []string{"resource", "locate", "Dummy-test2"}},
		{"clone-no-shuffle", []string{"resource", "locate", "drbd1"}},
		{"clone-no-shuffle", []string{"resource", "locate", "ms-drbd1"}},
		{"clone-no-shuffle", []string{"resource", "locate", "stonith-1"}},
		{"promoted-role", []string{"resource", "locate"}},
	}
	var got bytes.Buffer
	for _, tc := range tests {
		sock := serveStatus(t, &docSource{docs: [][]byte{statusDoc(t, tc.cib)}})
		out, errOut, code := runCLI(append([]string{tc.args[0], "--socket", sock}, tc.args[1:]...)...)
		fmt.Fprintf(&got, "$ pacer %s   # status of %s\n%s", strings.Join(tc.args, " "), tc.cib, out)
		if errOut != "" {
			fmt.Fprintf(&got, "stderr: %s", errOut)
		}
		fmt.Fprintf(&got, "exit %d\n\n", code)
	}
	golden := filepath.Join("testdata", "cli", "resource-read.golden")
	if *update {
		if err := os.WriteFile(golden, got.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -run TestResourceReadCommandsGolden -update)", err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Errorf("output differs from %s (go test -update rewrites it):\n%s", golden, got.String())
	}
}

// Without a pacerd, every live command fails with exit 1 and says how to
// reach one; nothing prompts.
func TestLiveCommandsWithoutPacerd(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "none.sock")
	for _, args := range [][]string{
		{"configure", "--socket", sock, "primitive", "d1", "ocf:pacer:Dummy"},
		{"configure", "--socket", sock, "show"},
		{"configure", "--socket", sock, "edit"},
		{"resource", "--socket", sock, "stop", "d1"},
		{"resource", "--socket", sock, "cleanup", "d1"},
		{"node", "--socket", sock, "standby", "alpha"},
		{"node", "--socket", sock, "attribute", "--lifetime", "reboot", "alpha", "a", "1"},
		{"node", "--socket", sock, "fence", "--force", "alpha"},
	} {
		out, errOut, code := runCLI(args...)
		if code != exitError || !strings.Contains(errOut, "cannot reach pacerd") || out != "" {
			t.Errorf("pacer %s: exit %d, stdout %q, stderr %q", strings.Join(args, " "), code, out, errOut)
		}
	}
	// fence without --force and without a terminal is refused before
	// anything is asked or sent
	if _, errOut, code := runCLI("node", "--socket", sock, "fence", "alpha"); code != exitError || !strings.Contains(errOut, "pass --force") {
		t.Errorf("fence without --force: exit %d %q", code, errOut)
	}
}
