package lsb

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"strings"
)

// Header is an init script's "### BEGIN INIT INFO" block (LSB core
// specification, "Comment Conventions for Init Scripts"): the fields
// Pacemaker reads to describe the script. Values are trimmed; a field the
// script does not give is "".
type Header struct {
	Provides         string
	RequiredStart    string
	RequiredStop     string
	ShouldStart      string
	ShouldStop       string
	DefaultStart     string
	DefaultStop      string
	ShortDescription string
	// Description may span lines: each following line that starts with
	// "#" and then a tab or two spaces continues it. Lines are joined with
	// "\n", each trimmed.
	Description string
	// Found reports that the script has a BEGIN INIT INFO block at all.
	Found bool
}

const (
	headerBegin = "### BEGIN INIT INFO"
	headerEnd   = "### END INIT INFO"
)

// headerFields maps each single-line field's prefix to where it goes.
// Pacemaker matches "# Name:" exactly, with one space after '#'.
func headerFields(h *Header) []struct {
	prefix string
	dst    *string
} {
	return []struct {
		prefix string
		dst    *string
	}{
		{"# Provides:", &h.Provides},
		{"# Required-Start:", &h.RequiredStart},
		{"# Required-Stop:", &h.RequiredStop},
		{"# Should-Start:", &h.ShouldStart},
		{"# Should-Stop:", &h.ShouldStop},
		{"# Default-Start:", &h.DefaultStart},
		{"# Default-Stop:", &h.DefaultStop},
		{"# Short-Description:", &h.ShortDescription},
	}
}

// maxHeaderLine bounds one line of a script; the rest of a longer line is
// dropped. (Pacemaker reads 1 KiB at a time and would take the rest for
// further lines, which ends the header at the first chunk without '#'.)
const maxHeaderLine = 64 << 10

// ParseHeader reads the LSB header from an init script, as Pacemaker's
// services__get_lsb_metadata does: everything after the first BEGIN INIT
// INFO line up to END INIT INFO or the first line that is not a comment.
// The first occurrence of a field wins. A field on the line right after
// the description is read too (Pacemaker skips that line). It never fails:
// a script without a header (many have none) gives a zero Header.
func ParseHeader(script []byte) Header {
	var h Header
	fields := headerFields(&h)
	seen := map[*string]bool{}
	r := bufio.NewReader(bytes.NewReader(script))
	inHeader, descSeen := false, false
	var line string
	next := func() bool {
		var ok bool
		line, ok = readLine(r)
		return ok
	}
	pending := false // line holds an unprocessed line read by the description loop
	for pending || next() {
		pending = false
		if !inHeader {
			if strings.HasPrefix(line, headerBegin) {
				inHeader, h.Found = true, true
			}
			continue
		}
		matched := false
		for _, f := range fields {
			if !seen[f.dst] && strings.HasPrefix(line, f.prefix) {
				*f.dst = strings.TrimSpace(line[len(f.prefix):])
				seen[f.dst], matched = true, true
				break
			}
		}
		if matched {
			continue
		}
		if !descSeen && strings.HasPrefix(line, "# Description:") {
			descSeen = true
			parts := []string{strings.TrimSpace(line[len("# Description:"):])}
			for next() {
				if strings.HasPrefix(line, "#  ") || strings.HasPrefix(line, "#\t") {
					parts = append(parts, strings.TrimSpace(line[1:]))
					continue
				}
				pending = true
				break
			}
			h.Description = strings.TrimSpace(strings.Join(parts, "\n"))
			continue
		}
		if strings.HasPrefix(line, headerEnd) || !strings.HasPrefix(line, "#") {
			break
		}
	}
	return h
}

// readLine returns the next line without its line ending, cut to
// maxHeaderLine bytes (the rest of a longer line is dropped, so one huge
// line cannot hide the lines after it), and false at the end of input.
func readLine(r *bufio.Reader) (string, bool) {
	var buf []byte
	read := false
	for {
		part, more, err := r.ReadLine()
		if err != nil {
			break
		}
		read = true
		if room := maxHeaderLine - len(buf); room > 0 {
			if len(part) > room {
				part = part[:room]
			}
			buf = append(buf, part...)
		}
		if !more {
			break
		}
	}
	return strings.TrimSuffix(string(buf), "\r"), read
}

// Metadata returns the resource-agent XML Pacemaker synthesises for the
// init script typ (services_lsb.c lsb_metadata_template): no parameters,
// the LSB actions with Pacemaker's advisory timeouts, the short and long
// descriptions from the header (the script's name when absent), and the
// header's dependency fields under <special tag="LSB">. Text is escaped,
// so any header yields well-formed XML.
func Metadata(typ string, h Header) []byte {
	longDesc := h.Description
	if longDesc == "" {
		longDesc = typ
	}
	shortDesc := h.ShortDescription
	if shortDesc == "" {
		shortDesc = typ
	}
	var b bytes.Buffer
	esc := func(s string) string {
		var e bytes.Buffer
		_ = xml.EscapeText(&e, []byte(s)) // writes to a bytes.Buffer cannot fail
		return e.String()
	}
	b.WriteString("<?xml version=\"1.0\"?>\n")
	b.WriteString("<resource-agent name=\"" + esc(typ) + "\" version=\"" + pacemakerAgentVersion + "\">\n")
	b.WriteString("  <version>1.0</version>\n")
	b.WriteString("  <longdesc lang=\"en\">" + esc(longDesc) + "</longdesc>\n")
	b.WriteString("  <shortdesc lang=\"en\">" + esc(shortDesc) + "</shortdesc>\n")
	b.WriteString("  <parameters/>\n")
	b.WriteString("  <actions>\n")
	for _, a := range Actions {
		b.WriteString("    <action name=\"" + a.Name + "\" timeout=\"" + a.Timeout + "\"")
		if a.Interval != "" {
			b.WriteString(" interval=\"" + a.Interval + "\"")
		}
		b.WriteString("/>\n")
	}
	b.WriteString("  </actions>\n")
	b.WriteString("  <special tag=\"LSB\">\n")
	for _, f := range []struct{ tag, val string }{
		{"Provides", h.Provides},
		{"Required-Start", h.RequiredStart},
		{"Required-Stop", h.RequiredStop},
		{"Should-Start", h.ShouldStart},
		{"Should-Stop", h.ShouldStop},
		{"Default-Start", h.DefaultStart},
		{"Default-Stop", h.DefaultStop},
	} {
		b.WriteString("    <" + f.tag + ">" + esc(f.val) + "</" + f.tag + ">\n")
	}
	b.WriteString("  </special>\n")
	b.WriteString("</resource-agent>\n")
	return b.Bytes()
}

// pacemakerAgentVersion is PCMK_DEFAULT_AGENT_VERSION, the version
// Pacemaker gives agents that have none of their own.
const pacemakerAgentVersion = "0.1"

// Action is one action the synthesised meta-data advertises, with
// Pacemaker's timeouts as they appear in the XML (seconds).
type Action struct {
	Name, Timeout, Interval string
}

// Actions are the actions every init script is assumed to have.
var Actions = []Action{
	{Name: "meta-data", Timeout: "5"},
	{Name: "start", Timeout: "15"},
	{Name: "stop", Timeout: "15"},
	{Name: "status", Timeout: "15"},
	{Name: "restart", Timeout: "15"},
	{Name: "force-reload", Timeout: "15"},
	{Name: "monitor", Timeout: "15", Interval: "15"},
}
