package config

import (
	"encoding"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"time"
)

// checkTree holds the generic decoding of a file (what toml gives for
// map[string]any) against the Go schema t, before the typed decode. It finds
// unknown keys and wrongly typed values with their exact path, which the
// toml library reports only by dotted name ("link.baud", whichever [[link]]
// it was). Keys are matched case-sensitively: the library would quietly
// accept "Baud" for "baud".
func (d *decoder) checkTree(path string, v any, t reflect.Type) {
	if reflect.PointerTo(t).Implements(textUnmarshalerType) {
		d.checkText(path, v, t)
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			d.typeErr(path, v, "a table")
			return
		}
		fields := tomlFields(t)
		for _, k := range sortedKeys(m) {
			p := joinPath(path, k)
			f, ok := fields[k]
			if !ok {
				d.unknownKey(p, k, fields)
				continue
			}
			d.checkTree(p, m[k], f.Type)
		}
	case reflect.Slice:
		var elems []any
		switch s := v.(type) {
		case []map[string]any:
			for _, e := range s {
				elems = append(elems, e)
			}
		case []any:
			elems = s
		case map[string]any:
			if t.Elem().Kind() == reflect.Struct {
				d.errAt(path, "is a single table, want an array of tables: write [[%s]], not [%s]", path, path)
				return
			}
			d.typeErr(path, v, "an array")
			return
		default:
			d.typeErr(path, v, "an array")
			return
		}
		for i, e := range elems {
			d.checkTree(indexPath(path, i), e, t.Elem())
		}
	case reflect.Map:
		m, ok := v.(map[string]any)
		if !ok {
			d.typeErr(path, v, "a table")
			return
		}
		for _, k := range sortedKeys(m) {
			d.checkTree(joinPath(path, k), m[k], t.Elem())
		}
	case reflect.String:
		if _, ok := v.(string); !ok {
			d.typeErr(path, v, "a string")
		}
	case reflect.Int, reflect.Int64:
		if _, ok := v.(int64); !ok {
			d.typeErr(path, v, "an integer")
		}
	case reflect.Uint64:
		n, ok := v.(int64)
		if !ok {
			d.typeErr(path, v, "an integer")
		} else if n < 0 {
			d.errAt(path, "%d is negative", n)
		}
	case reflect.Int32:
		n, ok := v.(int64)
		if !ok {
			d.typeErr(path, v, "an integer")
		} else if n < math.MinInt32 || n > math.MaxInt32 {
			d.errAt(path, "%d is out of range", n)
		}
	case reflect.Bool:
		if _, ok := v.(bool); !ok {
			d.typeErr(path, v, "a boolean (true or false)")
		}
	default:
		// The schema uses only the kinds above; a new field of another
		// kind must be taught here, and the typed decode still checks it.
	}
}

var textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()

// checkText checks a value decoded through UnmarshalText (Duration), with
// the same conversions the toml library applies.
func (d *decoder) checkText(path string, v any, t reflect.Type) {
	var s string
	switch x := v.(type) {
	case string:
		s = x
	case int64:
		s = fmt.Sprint(x)
	case float64:
		d.errAt(path, "%v: a number of seconds must be a whole number; write fractions as a duration string such as \"1500ms\"", x)
		return
	default:
		d.typeErr(path, v, "a duration (a string such as \"2s\" or a whole number of seconds)")
		return
	}
	u := reflect.New(t).Interface().(encoding.TextUnmarshaler)
	if err := u.UnmarshalText([]byte(s)); err != nil {
		d.errAt(path, "%v", err)
	}
}

func (d *decoder) typeErr(path string, v any, want string) {
	d.errAt(path, "is %s, want %s", tomlTypeName(v), want)
}

func (d *decoder) unknownKey(path, k string, fields map[string]reflect.StructField) {
	if parentPath(path) != "" {
		if _, top := tomlFields(reflect.TypeFor[Config]())[k]; top {
			table := parentPath(path)
			d.errAt(path, "%q is a top-level key, but here it belongs to %s: in TOML a key belongs to the last [table] header above it, so move it above the first header", k, table)
			return
		}
	}
	known := make([]string, 0, len(fields))
	for name := range fields {
		if strings.EqualFold(name, k) {
			d.errAt(path, "unknown key %q (did you mean %q? keys are case-sensitive)", k, name)
			return
		}
		known = append(known, name)
	}
	slices.Sort(known)
	d.errAt(path, "unknown key %q (known here: %s)", k, strings.Join(known, ", "))
}

// tomlFields maps the toml tag names of t's exported fields to the fields.
func tomlFields(t reflect.Type) map[string]reflect.StructField {
	fields := map[string]reflect.StructField{}
	for f := range t.Fields() {
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
		if name == "" {
			name = f.Name
		}
		if name != "-" {
			fields[name] = f
		}
	}
	return fields
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// tomlTypeName names the TOML type of a generically decoded value, with the
// value itself when it is short, for error messages.
func tomlTypeName(v any) string {
	switch x := v.(type) {
	case string:
		if len(x) <= 40 {
			return fmt.Sprintf("the string %q", x)
		}
		return "a string"
	case int64:
		return fmt.Sprintf("the integer %d", x)
	case float64:
		return fmt.Sprintf("the float %v", x)
	case bool:
		return fmt.Sprintf("the boolean %v", x)
	case time.Time:
		return "a date-time"
	case map[string]any:
		return "a table"
	case []map[string]any, []any:
		return "an array"
	default:
		return fmt.Sprintf("a %T", v)
	}
}
