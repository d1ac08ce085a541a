package crmsh

import (
	"strings"
	"unicode"
)

// quoteValue is crmsh's quote_wrap: values of [\w.-]+ stay bare, anything
// else is double-quoted. pacer also escapes backslashes, which crmsh does
// not, so that a value with a backslash reads back unchanged.
func quoteValue(s string) string {
	if s != "" && noQuotes(s) {
		return s
	}
	return dquote(s)
}

func dquote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
	return b.String()
}

// noQuotes is crmsh's test for values that need no quotes: [\w.-]+.
func noQuotes(s string) bool {
	for _, r := range s {
		if r != '_' && r != '.' && r != '-' && !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

// reserved are words the grammar reads as keywords when bare. A name that
// happens to be one is quoted, which makes it a plain word.
var reserved = map[string]bool{}

func init() {
	for _, w := range []string{
		"params", "meta", "utilization", "operations", "op", "op_params", "op_meta", "rule",
		"attributes", "and", "or", "date", "defined", "not_defined", "resource",
		"docker", "podman", "rkt", "network", "storage", "primitive", "port-mapping", "storage-mapping",
		"_rsc_set_", "(", ")", "[", "]", "{", "}",
	} {
		reserved[w] = true
	}
}

// quoteWord quotes a name (an id, a node, an attribute) only when the
// lexer or the grammar would otherwise misread it: empty, with blanks,
// quotes or backslashes, a reserved word, or brackets at its ends.
func quoteWord(s string) string {
	if s == "" || reserved[strings.ToLower(s)] || strings.ContainsAny(s, " \t\r\n\v\f'\"\\=") {
		return dquote(s)
	}
	switch s[0] {
	case '(', '[', '{', '$', '@':
		return dquote(s)
	}
	switch s[len(s)-1] {
	case ')', ']', '}':
		return dquote(s)
	}
	return s
}

// quoteLight quotes only what the lexer needs quoted: for words no
// keyword is expected at (an expression's value).
func quoteLight(s string) string {
	if s == "" || strings.ContainsAny(s, " \t\r\n\v\f'\"\\") {
		return dquote(s)
	}
	return s
}

// nv is name=value with the value quoted as crmsh does.
func nv(name, value string) string {
	return quoteName(name) + "=" + quoteValue(value)
}

// quoteName quotes an attribute name containing blanks or quotes; it is
// followed by '=' so keywords need no care.
func quoteName(s string) string {
	if strings.ContainsAny(s, " \t\r\n\v\f'\"\\") {
		return dquote(s)
	}
	return s
}
