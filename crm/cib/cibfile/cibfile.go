// Package cibfile keeps a CIB in a file, the way crmsh and Pacemaker's
// tools work on CIB_file or a shadow copy: read it, change the model,
// validate the result, bump the epoch and replace the file atomically. A
// change that does not validate never reaches the file, and a file that
// changed underneath (another administrator) is not overwritten.
package cibfile

import (
	"bufio"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"pacer/crm/cib"
	"pacer/crm/cib/cibxml"
)

// ErrChanged means the file's version moved since it was loaded.
var ErrChanged = errors.New("CIB file changed since it was read")

// File is a CIB loaded from a path, with the version it had.
type File struct {
	Path string
	CIB  *cib.CIB
	// version read, for the compare-and-swap at Save
	admin, epoch, updates string
	existed               bool
}

// Load reads path. A missing file gives an empty CIB (pacemaker-3.x schema,
// epoch 0), as `crm_shadow --empty` would, so a configuration can be built
// from nothing offline.
func Load(path string) (*File, error) {
	f := &File{Path: path}
	c, err := cibxml.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		c = Empty()
	case err != nil:
		return nil, err
	default:
		f.existed = true
	}
	f.CIB = c
	f.admin, f.epoch, f.updates = c.AdminEpoch, c.Epoch, c.NumUpdates
	return f, nil
}

// Empty is a CIB with no configuration and no status.
func Empty() *cib.CIB {
	return &cib.CIB{AdminEpoch: "0", Epoch: "0", NumUpdates: "0", ValidateWith: "pacemaker-3.7", CRMFeatureSet: "3.16.2"}
}

// Save validates f.CIB, bumps its epoch (epoch+1, num_updates 0, as
// Pacemaker does for a configuration change) and replaces the file: a
// temporary file in the same directory, written and fsynced, renamed over
// the old one, and the directory fsynced. If the file's version changed
// since Load, nothing is written and ErrChanged is returned.
func (f *File) Save() error {
	if err := cib.Validate(f.CIB); err != nil {
		return cib.WithFile(err, f.Path)
	}
	if err := f.checkUnchanged(); err != nil {
		return err
	}
	epoch, err := strconv.ParseInt(orZero(f.CIB.Epoch), 10, 64)
	if err != nil {
		return fmt.Errorf("%s: epoch %q: %w", f.Path, f.CIB.Epoch, err)
	}
	f.CIB.Epoch = strconv.FormatInt(epoch+1, 10)
	f.CIB.NumUpdates = "0"
	if f.CIB.AdminEpoch == "" {
		f.CIB.AdminEpoch = "0"
	}
	if err := writeAtomic(f.Path, func(w io.Writer) error { return cibxml.Write(w, f.CIB) }); err != nil {
		return err
	}
	f.admin, f.epoch, f.updates, f.existed = f.CIB.AdminEpoch, f.CIB.Epoch, f.CIB.NumUpdates, true
	return nil
}

func orZero(s string) string {
	if s == "" {
		return "0"
	}
	return s
}

func (f *File) checkUnchanged() error {
	admin, epoch, updates, err := readVersion(f.Path)
	if errors.Is(err, fs.ErrNotExist) {
		if f.existed {
			return fmt.Errorf("%s: %w (it was removed)", f.Path, ErrChanged)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("re-read version before write: %w", err)
	}
	if !f.existed || admin != f.admin || epoch != f.epoch || updates != f.updates {
		return fmt.Errorf("%s: %w (version %s.%s.%s, read %s.%s.%s): read it again and redo the change",
			f.Path, ErrChanged, admin, epoch, updates, f.admin, f.epoch, f.updates)
	}
	return nil
}

// readVersion reads only the version triple from the <cib> start tag: the
// compare-and-swap must not cost a second parse of a 40 MB CIB.
func readVersion(path string) (admin, epoch, updates string, err error) {
	fh, err := os.Open(path)
	if err != nil {
		return "", "", "", err
	}
	defer fh.Close()
	d := xml.NewDecoder(bufio.NewReader(fh))
	d.Strict = false
	for {
		tok, err := d.RawToken()
		if err != nil {
			return "", "", "", fmt.Errorf("%s: no <cib> element: %w", path, err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			if se.Name.Local != "cib" {
				return "", "", "", fmt.Errorf("%s: root element <%s>, want <cib>", path, se.Name.Local)
			}
			for _, a := range se.Attr {
				switch a.Name.Local {
				case "admin_epoch":
					admin = a.Value
				case "epoch":
					epoch = a.Value
				case "num_updates":
					updates = a.Value
				}
			}
			return admin, epoch, updates, nil
		}
	}
}

func writeAtomic(path string, write func(io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	mode := fs.FileMode(0o600)
	if st, err := os.Stat(path); err == nil {
		mode = st.Mode().Perm()
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = tmp.Chmod(mode); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	bw := bufio.NewWriterSize(tmp, 1<<16)
	if err = write(bw); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = bw.Flush(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("write %s: fsync: %w", path, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync() // make the rename durable
		d.Close()
	}
	return nil
}
