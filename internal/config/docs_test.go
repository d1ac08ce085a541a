package config

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestDocsExamples keeps docs/configuration.md true: its full example is the
// testdata file, and every pacer.toml it shows loads.
func TestDocsExamples(t *testing.T) {
	doc, err := os.ReadFile("../../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	example, err := os.ReadFile("testdata/pacer.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	var blocks []string
	for _, part := range strings.Split(string(doc), "```toml\n")[1:] {
		block, _, ok := strings.Cut(part, "```")
		if !ok {
			t.Fatal("unterminated toml block")
		}
		blocks = append(blocks, block)
	}
	foundExample, configs := false, 0
	for i, block := range blocks {
		if block == string(example) {
			foundExample = true
		}
		if strings.Contains(block, "[node]") {
			configs++
			if _, err := Parse([]byte(block), "docs block "+strconv.Itoa(i)); err != nil {
				t.Errorf("a pacer.toml in the docs does not load:\n%v\n%s", err, block)
			}
		}
	}
	if !foundExample {
		t.Error("docs/configuration.md does not hold testdata/pacer.example.toml verbatim")
	}
	if configs < 2 {
		t.Errorf("found %d pacer.toml examples in the docs, want the example and the ha.cf one", configs)
	}
}
