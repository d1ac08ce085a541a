package store

// The state machine: the CIB, plus the raft membership table the store
// keeps next to it (raft ids are allocated here, from a counter that only
// grows, so an id is never reused even after its node was removed).
// Everything in here is deterministic: every node applies the same entries
// to the same state and gets the same result, conflicts included.

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"pacer/crm/cib"
	"pacer/crm/cib/cibxml"
	"pacer/internal/cluster"
)

// Version is a CIB's version triple. A config CAS compares (AdminEpoch,
// Epoch); NumUpdates counts status changes since the last config change.
type Version struct {
	AdminEpoch uint64
	Epoch      uint64
	NumUpdates uint64
}

func (v Version) String() string {
	return fmt.Sprintf("%d.%d.%d", v.AdminEpoch, v.Epoch, v.NumUpdates)
}

// SameConfig reports whether v and o name the same configuration.
func (v Version) SameConfig(o Version) bool {
	return v.AdminEpoch == o.AdminEpoch && v.Epoch == o.Epoch
}

// VersionOf reads c's version; an empty field is 0.
func VersionOf(c *cib.CIB) (Version, error) {
	var v Version
	for _, f := range []struct {
		name string
		s    string
		p    *uint64
	}{{"admin_epoch", c.AdminEpoch, &v.AdminEpoch}, {"epoch", c.Epoch, &v.Epoch}, {"num_updates", c.NumUpdates, &v.NumUpdates}} {
		if f.s == "" {
			continue
		}
		n, err := strconv.ParseUint(f.s, 10, 64)
		if err != nil {
			return Version{}, fmt.Errorf("cib %s %q: %w", f.name, f.s, err)
		}
		*f.p = n
	}
	return v, nil
}

func setVersion(c *cib.CIB, v Version) {
	c.AdminEpoch = strconv.FormatUint(v.AdminEpoch, 10)
	c.Epoch = strconv.FormatUint(v.Epoch, 10)
	c.NumUpdates = strconv.FormatUint(v.NumUpdates, 10)
}

// Member is a node of the raft group as the store records it.
type Member struct {
	ID      uint64           `codec:"i"` // raft id, never reused
	Name    cluster.NodeName `codec:"n"`
	Removed bool             `codec:"r"`
}

// fsm is the state machine. Only the loop goroutine touches it.
type fsm struct {
	cib     *cib.CIB
	ver     Version
	members []Member // by id
	nextID  uint64
	// xml caches the CIB's encoding; nil when the CIB changed since.
	xml []byte
}

// defaultSchema is what an empty CIB declares.
const defaultSchema = "pacemaker-3.7"

func newFSM() *fsm {
	c := &cib.CIB{ValidateWith: defaultSchema}
	setVersion(c, Version{})
	return &fsm{cib: c, nextID: 1}
}

// result is what applying one entry gives back to its proposer.
type result struct {
	ver Version
	id  uint64 // AddNode: the allocated id
	err error
}

// applyConfig is the compare-and-swap: the change applies only if the CIB
// is still at the version the proposer read. local says whether the
// proposer is waiting on this node (only then is a conflict's copy built).
func (f *fsm) applyConfig(e *configEntry, local bool) result {
	newc, _, err := cibxml.ReadOptions(bytes.NewReader(e.XML), "proposed CIB", cibxml.Options{Raw: true})
	if err != nil {
		return result{ver: f.ver, err: fmt.Errorf("%w: config entry: %w", ErrGarbled, err)}
	}
	proposed, err := VersionOf(newc)
	if err != nil {
		return result{ver: f.ver, err: fmt.Errorf("%w: config entry: %w", ErrGarbled, err)}
	}
	if e.AdminEpoch != f.ver.AdminEpoch || e.Epoch != f.ver.Epoch {
		ce := &ConflictError{Expected: Version{AdminEpoch: e.AdminEpoch, Epoch: e.Epoch}, Current: f.ver}
		if local {
			ce.CIB, err = f.copyCIB()
			if err != nil {
				return result{ver: f.ver, err: fmt.Errorf("copy CIB for conflict: %w", err)}
			}
		}
		return result{ver: f.ver, err: ce}
	}
	// Pacemaker: a config change bumps epoch and resets num_updates; only
	// an administrator raises admin_epoch. The status stays this CIB's own.
	next := Version{AdminEpoch: max(f.ver.AdminEpoch, proposed.AdminEpoch), Epoch: f.ver.Epoch + 1}
	newc.Status = f.cib.Status
	setVersion(newc, next)
	f.cib, f.ver, f.xml = newc, next, nil
	return result{ver: next}
}

func (f *fsm) applyStatus(e *statusEntry) result {
	for i := range e.Updates {
		if err := e.Updates[i].check(); err != nil {
			return result{ver: f.ver, err: fmt.Errorf("%w: %w", ErrGarbled, err)}
		}
	}
	for i := range e.Updates {
		applyStatus(f.cib, &e.Updates[i])
	}
	f.ver.NumUpdates++
	setVersion(f.cib, f.ver)
	f.xml = nil
	return result{ver: f.ver}
}

func (f *fsm) member(id uint64) *Member {
	i, ok := slices.BinarySearchFunc(f.members, id, func(m Member, id uint64) int { return compareU64(m.ID, id) })
	if !ok {
		return nil
	}
	return &f.members[i]
}

func compareU64(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (f *fsm) putMember(m Member) {
	i, ok := slices.BinarySearchFunc(f.members, m.ID, func(m Member, id uint64) int { return compareU64(m.ID, id) })
	if ok {
		f.members[i] = m
	} else {
		f.members = slices.Insert(f.members, i, m)
	}
	f.nextID = max(f.nextID, m.ID+1)
}

// applyAddMember allocates the next raft id for name, or takes e.ID when
// set (a configured node id, AddMemberID), which must never have been used
// for another member.
func (f *fsm) applyAddMember(e *memberEntry) result {
	if e.Name == "" {
		return result{ver: f.ver, err: fmt.Errorf("%w: add member without a name", ErrGarbled)}
	}
	for _, m := range f.members {
		if !m.Removed && string(m.Name) == e.Name {
			return result{ver: f.ver, id: m.ID, err: fmt.Errorf("add %s: %w as id %d", e.Name, ErrMemberExists, m.ID)}
		}
	}
	id := f.nextID
	if e.ID != 0 {
		if m := f.member(e.ID); m != nil {
			return result{ver: f.ver, err: fmt.Errorf("add %s as id %d: %w: the id was %s's (removed: %v)",
				e.Name, e.ID, ErrIDUsed, m.Name, m.Removed)}
		}
		if e.ID < f.nextID {
			return result{ver: f.ver, err: fmt.Errorf("add %s as id %d: %w: ids below %d were handed out", e.Name, e.ID, ErrIDUsed, f.nextID)}
		}
		id = e.ID
	}
	f.putMember(Member{ID: id, Name: cluster.NodeName(e.Name)})
	return result{ver: f.ver, id: id}
}

func (f *fsm) applyRemoveMember(e *memberEntry) result {
	m := f.member(e.ID)
	if m == nil || m.Removed {
		return result{ver: f.ver, err: fmt.Errorf("remove %d: %w", e.ID, ErrNoMember)}
	}
	m.Removed = true
	return result{ver: f.ver, id: e.ID}
}

// noteConfChange keeps the member table in step with raft's own
// configuration: a node added by a conf change the table does not know (the
// bootstrap peers) is recorded under the name its context carries.
func (f *fsm) noteConfChange(add bool, id uint64, name []byte) {
	m := f.member(id)
	switch {
	case add && m == nil:
		f.putMember(Member{ID: id, Name: cluster.NodeName(name)})
	case !add && m != nil:
		m.Removed = true
	case !add:
		f.putMember(Member{ID: id, Removed: true})
	}
}

// encodeXML is the CIB as XML, cached until the next change.
func (f *fsm) encodeXML() ([]byte, error) {
	if f.xml == nil {
		var b bytes.Buffer
		if err := cibxml.Write(&b, f.cib); err != nil {
			return nil, fmt.Errorf("encode CIB: %w", err)
		}
		f.xml = b.Bytes()
	}
	return f.xml, nil
}

func (f *fsm) copyCIB() (*cib.CIB, error) {
	x, err := f.encodeXML()
	if err != nil {
		return nil, err
	}
	return decodeCIB(x)
}

func decodeCIB(x []byte) (*cib.CIB, error) {
	c, _, err := cibxml.ReadOptions(bytes.NewReader(x), "stored CIB", cibxml.Options{Raw: true})
	if err != nil {
		return nil, fmt.Errorf("decode CIB: %w", err)
	}
	return c, nil
}

// stateFormat is the first byte of an encoded state (snapshot data and the
// applied state saved with the applied index).
const stateFormat = 1

type fsmState struct {
	CIB     []byte   `codec:"c"` // cibxml
	Members []Member `codec:"m"`
	NextID  uint64   `codec:"n"`
}

// encode is the whole state: the raft snapshot's data and what is saved
// with the applied index.
func (f *fsm) encode() ([]byte, error) {
	x, err := f.encodeXML()
	if err != nil {
		return nil, err
	}
	return encodeEntry(stateFormat, fsmState{CIB: x, Members: f.members, NextID: f.nextID})
}

// restoreFSM decodes what encode produced.
func restoreFSM(b []byte) (*fsm, error) {
	if len(b) == 0 || b[0] != stateFormat {
		return nil, fmt.Errorf("%w: state: unknown format", ErrGarbled)
	}
	var s fsmState
	if err := decodeMsgpack(b[1:], &s); err != nil {
		return nil, fmt.Errorf("state: %w", err)
	}
	c, err := decodeCIB(s.CIB)
	if err != nil {
		return nil, fmt.Errorf("%w: state: %w", ErrGarbled, err)
	}
	v, err := VersionOf(c)
	if err != nil {
		return nil, fmt.Errorf("%w: state: %w", ErrGarbled, err)
	}
	if !slices.IsSortedFunc(s.Members, func(a, b Member) int { return compareU64(a.ID, b.ID) }) {
		return nil, errors.New("state: members not sorted by id")
	}
	f := &fsm{cib: c, ver: v, members: s.Members, nextID: max(s.NextID, 1), xml: s.CIB}
	return f, nil
}
