package cib_test

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"pacer/crm/cib"
	"pacer/crm/cib/cibxml"
)

// corpusDir holds Pacemaker 2.1.5's scheduler regression inputs: whole CIBs
// that Pacemaker accepts.
const corpusDir = "../../../shared/conformance/pcmk-scheduler/xml"

// Reasons for the corpus CIBs Validate rejects.
const (
	reasonWrongKind = `the test exists to check that an unknown kind is treated as Mandatory; its CIB says ` +
		`validate-with="none", so Pacemaker skips the schema (the expected output starts with "Schema ` +
		`validation of configuration is disabled") and only logs a configuration error`
	reasonDupMonitor = `two recurring monitors with the same interval that differ only in role: Pacemaker ` +
		`2.1.5 logs "Operation X is duplicate of Y (do not use same name and interval combination more ` +
		`than once per resource)" as a configuration error (crm_verify fails) and never schedules the ` +
		`second monitor; Pacemaker Explained says every monitor of a promotable resource needs its own interval`
)

// corpusInvalid lists the corpus CIBs that Pacemaker runs but that are not
// valid configurations: for each, the errors Validate must report (each a
// substring of one error, in order) and why.
var corpusInvalid = map[string]struct {
	reason string
	want   []string
}{
	"order-wrong-kind":            {reasonWrongKind, []string{`rsc_order "order1": attribute "kind": "foo" is not one of Mandatory, Optional or Serialize`}},
	"bug-lf-2606":                 {reasonDupMonitor, []string{`op "rsc3-monitor-unpromoted-5": attribute "interval": duplicates op "rsc3-monitor-promoted-5"`}},
	"promoted-asymmetrical-order": {reasonDupMonitor, []string{`op "rsc1-monitor-unpromoted-5": attribute "interval": duplicates op "rsc1-monitor-promoted-5"`, `op "rsc2-monitor-unpromoted-5": attribute "interval": duplicates op "rsc2-monitor-promoted-5"`}},
	"promoted-notify":             {reasonDupMonitor, []string{`op "fake-monitor-interval-10-role-Unpromoted": attribute "interval": duplicates op "fake-monitor-interval-10-role-Promoted"`}},
	"ticket-promoted-1":           {reasonDupMonitor, []string{`op "rsc1-monitor-unpromoted-5": attribute "interval": duplicates op "rsc1-monitor-promoted-5"`}},
	"ticket-promoted-10":          {reasonDupMonitor, []string{`op "rsc1-monitor-unpromoted-5": attribute "interval": duplicates op "rsc1-monitor-promoted-5"`}},
	"ticket-promoted-11":          {reasonDupMonitor, []string{`op "rsc1-monitor-unpromoted-5": attribute "interval": duplicates op "rsc1-monitor-promoted-5"`}},
	"ticket-promoted-13":          {reasonDupMonitor, []string{`op "rsc1-monitor-unpromoted-5": attribute "interval": duplicates op "rsc1-monitor-promoted-5"`}},
	"ticket-promoted-19":          {reasonDupMonitor, []string{`op "rsc1-monitor-unpromoted-5": attribute "interval": duplicates op "rsc1-monitor-promoted-5"`}},
	"ticket-promoted-21":          {reasonDupMonitor, []string{`op "rsc1-monitor-unpromoted-5": attribute "interval": duplicates op "rsc1-monitor-promoted-5"`}},
	"ticket-promoted-22":          {reasonDupMonitor, []string{`op "rsc1-monitor-unpromoted-5": attribute "interval": duplicates op "rsc1-monitor-promoted-5"`}},
	"ticket-promoted-23":          {reasonDupMonitor, []string{`op "rsc1-monitor-unpromoted-5": attribute "interval": duplicates op "rsc1-monitor-promoted-5"`}},
	"ticket-promoted-3":           {reasonDupMonitor, []string{`op "rsc1-monitor-unpromoted-5": attribute "interval": duplicates op "rsc1-monitor-promoted-5"`}},
	"ticket-promoted-6":           {reasonDupMonitor, []string{`op "rsc1-monitor-unpromoted-5": attribute "interval": duplicates op "rsc1-monitor-promoted-5"`}},
	"ticket-promoted-7":           {reasonDupMonitor, []string{`op "rsc1-monitor-unpromoted-5": attribute "interval": duplicates op "rsc1-monitor-promoted-5"`}},
	"ticket-promoted-8":           {reasonDupMonitor, []string{`op "rsc1-monitor-unpromoted-5": attribute "interval": duplicates op "rsc1-monitor-promoted-5"`}},
	"ticket-rsc-sets-1":           {reasonDupMonitor, []string{`op "rsc5-monitor-unpromoted-5": attribute "interval": duplicates op "rsc5-monitor-promoted-5"`}},
	"ticket-rsc-sets-11":          {reasonDupMonitor, []string{`op "rsc5-monitor-unpromoted-5": attribute "interval": duplicates op "rsc5-monitor-promoted-5"`}},
	"ticket-rsc-sets-12":          {reasonDupMonitor, []string{`op "rsc5-monitor-unpromoted-5": attribute "interval": duplicates op "rsc5-monitor-promoted-5"`}},
	"ticket-rsc-sets-13":          {reasonDupMonitor, []string{`op "rsc5-monitor-unpromoted-5": attribute "interval": duplicates op "rsc5-monitor-promoted-5"`}},
	"ticket-rsc-sets-5":           {reasonDupMonitor, []string{`op "rsc5-monitor-unpromoted-5": attribute "interval": duplicates op "rsc5-monitor-promoted-5"`}},
	"ticket-rsc-sets-6":           {reasonDupMonitor, []string{`op "rsc5-monitor-unpromoted-5": attribute "interval": duplicates op "rsc5-monitor-promoted-5"`}},
}

func TestValidateCorpus(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(corpusDir, "*.xml"))
	if len(files) == 0 {
		if os.Getenv("CI") == "true" {
			t.Fatalf("conformance corpus missing at %s", corpusDir)
		}
		t.Skipf("conformance corpus missing at %s (it lives in ../shared beside the repo)", corpusDir)
	}
	sort.Strings(files)
	seen := map[string]bool{}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".xml")
		seen[name] = true
		t.Run(name, func(t *testing.T) {
			c, err := cibxml.ReadFile(f)
			if err != nil {
				t.Fatalf("read: %v", err)
			}
			err = cib.WithFile(cib.Validate(c), filepath.Base(f))
			exp, invalid := corpusInvalid[name]
			if !invalid {
				if err != nil {
					t.Fatalf("Pacemaker accepts this CIB, Validate does not:\n%v", err)
				}
				return
			}
			errs := cib.ValidationErrors(err)
			if len(errs) != len(exp.want) {
				t.Fatalf("want %d errors (%s); got:\n%v", len(exp.want), exp.reason, err)
			}
			for i, w := range exp.want {
				if !strings.Contains(errs[i].Error(), w) {
					t.Errorf("error %d = %s\nwant it to contain %s", i, errs[i], w)
				}
			}
		})
	}
	for name := range corpusInvalid {
		if !seen[name] {
			t.Errorf("exception %q names no corpus file", name)
		}
	}
}
