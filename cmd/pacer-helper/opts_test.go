package main

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestParseArgs(t *testing.T) {
	table := []option{
		{key: "name", short: 'n', longs: []string{"name", "attr-name"}, kind: reqArg},
		{key: "promotion", short: 'p', longs: []string{"promotion"}, kind: optArg},
		{key: "query", short: 'G', longs: []string{"query"}},
		{key: "quiet", short: 'q', longs: []string{"quiet"}},
		{key: "update", short: 'v', longs: []string{"update"}, kind: reqArg},
		{key: "pattern", short: 'P', longs: []string{"pattern"}, kind: reqArg, unsupported: "no"},
	}
	tests := []struct {
		name string
		args string
		want string // key=value (or key) per option, then | and the rest
		err  string
	}{
		{"long with =", "--name=x --query", "name=x query|", ""},
		{"long with separate value", "--name x", "name=x|", ""},
		{"alias", "--attr-name x", "name=x|", ""},
		{"short separate", "-n x -G", "name=x query|", ""},
		{"short attached", "-nx", "name=x|", ""},
		{"bundle", "-qG", "quiet query|", ""},
		{"bundle ending in a value option", "-qnx", "quiet name=x|", ""},
		{"value may start with a dash", "-v -INFINITY", "update=-INFINITY|", ""},
		{"optional value absent before an option", "-p -v 1", "promotion update=1|", ""},
		{"optional value taken", "-p drbd0 -G", "promotion=drbd0 query|", ""},
		{"optional value attached", "-pdrbd0", "promotion=drbd0|", ""},
		{"optional long with =", "--promotion=drbd0", "promotion=drbd0|", ""},
		{"optional long absent at end", "--promotion", "promotion|", ""},
		{"double dash ends options", "-G -- -n", "query|-n", ""},
		{"positional kept", "-G extra", "query|extra", ""},
		{"unknown long", "--nope", "", "unknown option --nope"},
		{"unknown short", "-G -Z", "", "unknown option -Z"},
		{"missing value", "-n", "", "missing value for -n"},
		{"missing long value", "--name", "", "missing value for --name"},
		{"value on a flag", "--query=1", "", "option --query takes no value"},
		{"unsupported named", "--pattern x", "", "option --pattern is not supported by pacer: no"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts, rest, err := parseArgs(strings.Fields(tc.args), table)
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var parts []string
			for _, o := range opts {
				if o.has {
					parts = append(parts, fmt.Sprintf("%s=%s", o.key, o.value))
				} else {
					parts = append(parts, o.key)
				}
			}
			if got := strings.Join(parts, " ") + "|" + strings.Join(rest, " "); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
	_, _, err := parseArgs([]string{"-P", "x"}, table)
	var ue *unsupportedError
	if !errors.As(err, &ue) {
		t.Fatalf("unsupported option gives %T, want *unsupportedError", err)
	}
}

func TestNaturalCompare(t *testing.T) {
	names := []string{"node10", "Node2", "alpha", "node1", "node02x"}
	want := "alpha node1 Node2 node02x node10"
	for i := range names { // insertion sort with naturalCompare
		for j := i; j > 0 && naturalCompare(names[j-1], names[j]) > 0; j-- {
			names[j-1], names[j] = names[j], names[j-1]
		}
	}
	if got := strings.Join(names, " "); got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestPromotionName(t *testing.T) {
	tests := []struct {
		rsc  string
		env  map[string]string
		want string
	}{
		{"", map[string]string{"OCF_RESOURCE_INSTANCE": "drbd0:1"}, "master-drbd0"},
		{"", map[string]string{"OCF_RESOURCE_INSTANCE": "drbd0"}, "master-drbd0"},
		{"", map[string]string{"OCF_RESOURCE_INSTANCE": "ip:2", "OCF_RESKEY_CRM_meta_globally_unique": "true"}, "master-ip:2"},
		{"", map[string]string{"OCF_RESOURCE_INSTANCE": "ip:2", "OCF_RESKEY_CRM_meta_globally_unique": "false"}, "master-ip"},
		{"web:x", nil, "master-web:x"},
		{"db", map[string]string{"OCF_RESOURCE_INSTANCE": "drbd0:1"}, "master-db"},
		{"", nil, ""},
	}
	for _, tc := range tests {
		e := &env{getenv: func(k string) string { return tc.env[k] }}
		if got := promotionName(e, tc.rsc); got != tc.want {
			t.Errorf("promotionName(%q, %v) = %q, want %q", tc.rsc, tc.env, got, tc.want)
		}
	}
}
