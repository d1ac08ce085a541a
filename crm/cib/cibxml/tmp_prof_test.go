package cibxml

import (
	"bytes"
	"os"
	"testing"
)

func BenchmarkTmpReadOnly(b *testing.B) {
	doc, _ := os.ReadFile("testdata/full.xml")
	for i := 0; i < b.N; i++ {
		ReadOptions(bytes.NewReader(doc), "f", Options{})
	}
}
