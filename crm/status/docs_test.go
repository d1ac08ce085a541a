package status_test

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"pacer/crm/status"
)

// jsonFields lists every JSON field name reachable from t.
func jsonFields(t reflect.Type, seen map[reflect.Type]bool, out map[string]bool) {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || seen[t] || t.PkgPath() == "time" {
		return
	}
	seen[t] = true
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous {
			jsonFields(f.Type, seen, out)
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		out[name] = true
		jsonFields(f.Type, seen, out)
	}
}

// TestDocsDescribeEveryField keeps docs/status-json.md true: every field
// of the document is named there, and the schema it names is this one.
func TestDocsDescribeEveryField(t *testing.T) {
	doc, err := os.ReadFile("../../docs/status-json.md")
	if err != nil {
		t.Fatal(err)
	}
	fields := map[string]bool{}
	jsonFields(reflect.TypeOf(status.Report{}), map[reflect.Type]bool{}, fields)
	if len(fields) < 50 {
		t.Fatalf("found only %d fields", len(fields))
	}
	for f := range fields {
		if !strings.Contains(string(doc), "`"+f+"`") && !strings.Contains(string(doc), "."+f+"`") &&
			!strings.Contains(string(doc), "`"+f+",") && !strings.Contains(string(doc), ", `"+f+"`") {
			t.Errorf("docs/status-json.md does not describe field %q", f)
		}
	}
	if !strings.Contains(string(doc), `"`+status.Schema+`"`) {
		t.Errorf("docs/status-json.md does not name schema %s", status.Schema)
	}
}
