package daemon

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"pacer/internal/cluster"
)

const epochFile = "boot-epoch"

// NextBootEpoch returns a boot epoch greater than every earlier one of this
// node and records it in dataDir. It starts from the wall clock in
// nanoseconds, so even a node whose data dir was wiped gets an epoch above
// its last run (unless the clock went back), and never falls below the
// recorded one plus one (so a clock stepped back cannot reuse an epoch).
func NextBootEpoch(dataDir string, now time.Time) (cluster.BootEpoch, error) {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return 0, fmt.Errorf("boot epoch: create data dir %s: %w", dataDir, err)
	}
	path := filepath.Join(dataDir, epochFile)
	epoch := uint64(now.UnixNano())
	if b, err := os.ReadFile(path); err == nil {
		prev, perr := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
		if perr != nil {
			return 0, fmt.Errorf("boot epoch: %s: %w", path, perr)
		}
		if prev >= epoch {
			epoch = prev + 1
		}
	} else if !os.IsNotExist(err) {
		return 0, fmt.Errorf("boot epoch: %w", err)
	}
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return 0, fmt.Errorf("boot epoch: %w", err)
	}
	_, werr := fmt.Fprintf(f, "%d\n", epoch)
	serr := f.Sync()
	cerr := f.Close()
	if werr != nil || serr != nil || cerr != nil {
		return 0, fmt.Errorf("boot epoch: write %s: %v %v %v", tmp, werr, serr, cerr)
	}
	if err := os.Rename(tmp, path); err != nil {
		return 0, fmt.Errorf("boot epoch: %w", err)
	}
	return cluster.BootEpoch(epoch), nil
}
