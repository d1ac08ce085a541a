package crmsh

import (
	"bufio"
	"io"
	"strings"

	"pacer/crm/cib"
)

// Print writes c as `crm configure show` does (crmsh 4.x layout): one
// statement per object, continuation lines ending in a backslash and
// indented by a tab. Statements come in crmsh's order of kinds (nodes,
// resources, tags, constraints, fencing_topology, property, rsc_defaults,
// op_defaults, alerts) but, unlike crmsh, keep the configuration's order
// within a kind, and a resource's children come right before it, so
// ParseConfiguration rebuilds c exactly. The status section has no crm
// syntax and is not printed.
//
// Print fails, writing nothing, on what crm syntax cannot express even
// with pacer's extensions: nested rules, lifetime rules, an alert select
// pacer does not know. Such errors wrap ErrUnprintable.
func Print(w io.Writer, c *cib.Configuration) error {
	if c == nil {
		return nil
	}
	return printObjects(w, configObjects(c))
}

// PrintObject writes one statement. Ids are left out where ParseLine would
// generate the same ones for this statement alone.
func PrintObject(w io.Writer, o Object) error {
	if o == nil {
		return nil
	}
	return printObjects(w, []Object{o})
}

func printObjects(w io.Writer, objs []Object) error {
	pr := newPrinter(objs)
	var b strings.Builder
	for _, o := range objs {
		st, err := pr.object(o)
		if err != nil {
			return err
		}
		st.write(&b)
	}
	bw := bufio.NewWriter(w)
	if _, err := bw.WriteString(b.String()); err != nil {
		return err
	}
	return bw.Flush()
}

type printer struct {
	ids *idWalker
}

// newPrinter predicts, for every id of objs, whether the parser would
// generate it; see ids.go.
func newPrinter(objs []Object) *printer {
	g := &idWalker{mode: modeReserve, used: map[string]bool{}, count: map[string]int{}}
	for _, o := range objs {
		g.object(o)
	}
	g.mode = modePredict
	g.used, g.next = map[string]bool{}, nil
	g.elide = map[*string]bool{}
	g.none = map[*string]bool{}
	for _, o := range objs {
		g.object(o)
	}
	return &printer{ids: g}
}

// idWord is the word that gives an element its id, if one is needed:
// `$id=<id>`, or `$-id` when the model has none where the parser would
// make one up.
func (pr *printer) idWord(id *string) (string, bool) {
	switch {
	case pr.ids.elide[id]:
		return "", false
	case pr.ids.none[id]:
		return "$-id", true
	case *id == "":
		return "", false
	}
	return "$id=" + quoteValue(*id), true
}

// stmt is one printed statement: lines of words, the first the head.
type stmt struct {
	lines  [][]string
	indent []int
}

func (s *stmt) add(indent int, words ...string) {
	s.lines = append(s.lines, words)
	s.indent = append(s.indent, indent)
}

// words is the whole statement as one list, for reading it back.
func (s *stmt) words() []string {
	var out []string
	for _, l := range s.lines {
		out = append(out, l...)
	}
	return out
}

func (s *stmt) write(b *strings.Builder) {
	for i, l := range s.lines {
		if i > 0 {
			b.WriteString(" \\\n")
			for j := 0; j < s.indent[i]; j++ {
				b.WriteByte('\t')
			}
		}
		b.WriteString(strings.Join(l, " "))
	}
	b.WriteByte('\n')
}

// insert puts words into line l after position at.
func insert(line []string, at int, words ...string) []string {
	if len(words) == 0 {
		return line
	}
	out := make([]string, 0, len(line)+len(words))
	out = append(out, line[:at]...)
	out = append(out, words...)
	return append(out, line[at:]...)
}

func (pr *printer) object(o Object) (*stmt, error) {
	switch o := o.(type) {
	case *NodeObject:
		return pr.node(&o.Node)
	case *ResourceObject:
		return pr.resource(o)
	case *ConstraintObject:
		return pr.constraint(o.Constraint)
	case *SetObject:
		return pr.setObject(o)
	case *FencingObject:
		return pr.fencing(o)
	case *TagObject:
		return pr.tag(o)
	case *AlertObject:
		return pr.alert(o)
	case *XMLObject:
		var b strings.Builder
		writeElement(&b, &o.Element)
		st := &stmt{}
		st.add(0, "xml", b.String())
		return st, nil
	}
	return nil, &printError{object: "object", msg: "unknown object type"}
}
