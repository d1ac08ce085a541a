package main

import (
	"bytes"
	"strings"
	"testing"
)

// FuzzParseArgs: any command line (NUL-separated arguments) parses or
// fails with a usage or unsupported error, for every tool's table; never a
// panic, and every value an option takes comes from the command line.
func FuzzParseArgs(f *testing.F) {
	for _, s := range []string{
		"-n\x00master-drbd0\x00-G\x00-q\x00-l\x00reboot",
		"-qG", "-nx", "-v\x00-INFINITY", "-p\x00-v\x005", "--promotion=drbd0", "--name", "--",
		"-Q\x00-l\x00reboot\x00-v\x00100", "-n\x00pingd\x00-U\x00100\x00-d\x005s", "--locate\x00-r\x00drbd0",
		"-1", "--frobnicate", "-P\x00x", "-\x00--\x00-", "--=x",
	} {
		f.Add(s)
	}
	tables := [][]option{crmAttributeOptions, crmMasterOptions, attrdUpdaterOptions, crmNodeOptions, crmResourceOptions, crmMonOptions}
	f.Fuzz(func(t *testing.T, line string) {
		args := strings.Split(line, "\x00")
		for _, table := range tables {
			opts, _, err := parseArgs(args, table)
			if err != nil {
				switch err.(type) {
				case *usageError, *unsupportedError:
				default:
					t.Fatalf("error of type %T: %v", err, err)
				}
				continue
			}
			for _, o := range opts {
				if o.has && !strings.Contains(line, o.value) {
					t.Fatalf("value %q of %s is not on the command line %q", o.value, o.name, line)
				}
			}
		}
	})
}

// FuzzTools runs every tool in-process with arbitrary arguments and no
// pacerd: each must return an exit code and write only text, never panic.
func FuzzTools(f *testing.F) {
	for _, s := range []string{"crm_attribute\x00-n\x00x\x00-G", "crm_master\x00-v\x001", "attrd_updater\x00-Q",
		"crm_node\x00-l", "crm_resource\x00-W\x00-r\x00x", "crm_mon\x00-1", "pacer-helper\x00crm_node\x00-n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		argv := strings.Split(line, "\x00")
		if len(argv) > 1 && argv[1] == "install" {
			return // writes files (run under any name that is not a tool)
		}
		var out, errb bytes.Buffer
		e := &env{getenv: func(string) string { return "" }, stdout: &out, stderr: &errb, socket: "/nonexistent/pacerd.sock"}
		if rc := run(e, argv); rc < 0 || rc > 255 {
			t.Fatalf("exit code %d", rc)
		}
	})
}
