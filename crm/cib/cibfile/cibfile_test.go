package cibfile

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"pacer/crm/cib"
)

func primitive(id string) *cib.Resource {
	return &cib.Resource{Kind: cib.KindPrimitive, ID: id, Class: "ocf", Provider: "heartbeat", Type: "Dummy"}
}

func TestSaveBumpsEpochAndRoundTrips(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cib.xml")
	f, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if f.CIB.Epoch != "0" || len(f.CIB.Configuration.Resources) != 0 {
		t.Fatalf("missing file did not give an empty CIB: %+v", f.CIB)
	}
	f.CIB.Configuration.Resources = append(f.CIB.Configuration.Resources, primitive("d1"))
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	g, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if g.CIB.Epoch != "1" || g.CIB.NumUpdates != "0" || len(g.CIB.Configuration.Resources) != 1 {
		t.Fatalf("after save: epoch %s num_updates %s resources %d", g.CIB.Epoch, g.CIB.NumUpdates, len(g.CIB.Configuration.Resources))
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Fatalf("new CIB file mode %v, want 0600", st.Mode().Perm())
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Fatalf("temporary files left behind: %v", entries)
	}
}

func TestInvalidChangeLeavesFileByteIdentical(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cib.xml")
	f, _ := Load(path)
	f.CIB.Configuration.Resources = append(f.CIB.Configuration.Resources, primitive("d1"))
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)

	g, _ := Load(path)
	g.CIB.Configuration.Constraints = append(g.CIB.Configuration.Constraints,
		&cib.Constraint{Kind: cib.KindLocation, ID: "l1", Rsc: "nope", Node: "n1", Score: "100"})
	err := g.Save()
	var ve *cib.ValidationError
	if !errors.As(err, &ve) || ve.File != path {
		t.Fatalf("Save of a dangling reference: %v", err)
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) {
		t.Fatal("a refused change modified the file")
	}
}

func TestSaveRefusesWhenFileChangedUnderneath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cib.xml")
	f, _ := Load(path)
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	a, _ := Load(path)
	b, _ := Load(path)
	a.CIB.Configuration.Resources = append(a.CIB.Configuration.Resources, primitive("from-a"))
	if err := a.Save(); err != nil {
		t.Fatal(err)
	}
	b.CIB.Configuration.Resources = append(b.CIB.Configuration.Resources, primitive("from-b"))
	if err := b.Save(); !errors.Is(err, ErrChanged) {
		t.Fatalf("second writer: %v, want ErrChanged", err)
	}
	c, _ := Load(path)
	if len(c.CIB.Configuration.Resources) != 1 || c.CIB.Configuration.Resources[0].ID != "from-a" {
		t.Fatal("the losing write overwrote the winner")
	}
}
