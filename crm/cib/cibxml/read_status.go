package cibxml

import (
	"slices"

	"pacer/crm/cib"
)

func (r *reader) status(e *start, st *cib.Status) error {
	if err := r.noAttrs(e); err != nil {
		return err
	}
	var tickets, fencing bool
	if err := r.children(e, func(ch *start) error {
		switch ch.name {
		case "fencing_history":
			if fencing {
				return r.duplicate(e, ch)
			}
			fencing = true
			if err := r.fencingHistory(ch, st); err != nil {
				return err
			}
		case "node_state":
			n, err := r.nodeState(ch)
			if err != nil {
				return err
			}
			st.Nodes = append(st.Nodes, n)
		case "tickets":
			if tickets {
				return r.duplicate(e, ch)
			}
			tickets = true
			if err := r.tickets(ch, st); err != nil {
				return err
			}
		default:
			// A loose <lrm> (old CIBs) or anything newer: kept verbatim.
			el, err := r.element(ch)
			if err != nil {
				return err
			}
			st.Unknown = append(st.Unknown, el)
		}
		return nil
	}); err != nil {
		return err
	}
	return nil
}

// fencingHistory reads pacer's <fencing_history> of <fence_event>s.
func (r *reader) fencingHistory(e *start, st *cib.Status) error {
	if err := r.noAttrs(e); err != nil {
		return err
	}
	if err := r.children(e, func(ch *start) error {
		if ch.name != "fence_event" {
			return r.unexpected(e, ch)
		}
		var ev cib.FenceEvent
		if err := readAttrs(r, ch, &ev, cib.FenceEventFields, &ev.Extra); err != nil {
			return err
		}
		st.Fencing = append(st.Fencing, ev)
		return r.empty(ch)
	}); err != nil {
		return err
	}
	st.HasFencing = len(st.Fencing) == 0
	return nil
}

func (r *reader) tickets(e *start, st *cib.Status) error {
	if err := r.noAttrs(e); err != nil {
		return err
	}
	if err := r.children(e, func(ch *start) error {
		if ch.name != "ticket_state" {
			return r.unexpected(e, ch)
		}
		id, attrs := r.splitID(ch)
		st.Tickets = append(st.Tickets, cib.TicketState{ID: id, Attrs: attrs})
		if err := r.empty(ch); err != nil {
			return err
		}
		return nil
	}); err != nil {
		return err
	}
	st.HasTickets = len(st.Tickets) == 0
	return nil
}

func (r *reader) nodeState(e *start) (cib.NodeState, error) {
	n := cib.NodeState{Pos: e.pos}
	if err := readAttrs(r, e, &n, cib.NodeStateFields, &n.Extra); err != nil {
		return n, err
	}
	var transient bool
	if err := r.children(e, func(ch *start) error {
		switch ch.name {
		case "transient_attributes":
			if transient {
				return r.duplicate(e, ch)
			}
			transient = true
			if err := r.transient(ch, &n); err != nil {
				return err
			}
		case "lrm":
			if n.LRM != nil {
				return r.duplicate(e, ch)
			}
			lrm, err := r.lrm(ch)
			if err != nil {
				return err
			}
			n.LRM = lrm
		default:
			return r.unexpected(e, ch)
		}
		return nil
	}); err != nil {
		return n, err
	}
	return n, nil
}

func (r *reader) transient(e *start, n *cib.NodeState) error {
	id, err := r.idOnly(e)
	if err != nil {
		return err
	}
	n.TransientID = id
	if err := r.children(e, func(ch *start) error {
		if ch.name != "instance_attributes" {
			return r.unexpected(e, ch)
		}
		if err := r.appendSet(ch, cib.InstanceAttributes, &n.Transient); err != nil {
			return err
		}
		return nil
	}); err != nil {
		return err
	}
	n.HasTransient = len(n.Transient) == 0
	return nil
}

func (r *reader) lrm(e *start) (*cib.LRM, error) {
	lrm := &cib.LRM{}
	if err := readAttrs(r, e, lrm, cib.LRMFields, &lrm.Extra); err != nil {
		return lrm, err
	}
	var resources bool
	for {
		ch, err := r.next(e, nil)
		if err != nil {
			return lrm, err
		}
		if ch == nil {
			return lrm, nil
		}
		if ch.name != "lrm_resources" {
			return lrm, r.unexpected(e, ch)
		}
		if resources {
			return lrm, r.duplicate(e, ch)
		}
		resources = true
		id, err := r.idOnly(ch)
		if err != nil {
			return lrm, err
		}
		lrm.ResourcesID = id
		// Collected in a slice reused from node to node, then copied
		// once at its final size.
		list := r.resources[:0]
		for {
			rc, err := r.next(ch, nil)
			if err != nil {
				return lrm, err
			}
			if rc == nil {
				break
			}
			if rc.name != "lrm_resource" {
				return lrm, r.unexpected(ch, rc)
			}
			list = append(list, cib.LRMResource{})
			if err := r.lrmResource(rc, &list[len(list)-1]); err != nil {
				return lrm, err
			}
		}
		lrm.Resources = exact(list)
		clear(list)
		r.resources = list[:0]
	}
}

// exact is a copy of s at its length, nil when s is empty (as append
// leaves a slice that nothing was appended to).
func exact[E any](s []E) []E {
	if len(s) == 0 {
		return nil
	}
	out := make([]E, len(s))
	copy(out, s)
	return out
}

func (r *reader) lrmResource(e *start, res *cib.LRMResource) error {
	if err := readAttrs(r, e, res, cib.LRMResourceFields, &res.Extra); err != nil {
		return err
	}
	// The ops are read into a slab, where they stay: res.Ops is cut from
	// it, a few hundred resources sharing one allocation.
	first := len(r.ops)
	for {
		ch, err := r.next(e, nil)
		if err != nil {
			return err
		}
		if ch == nil {
			break
		}
		if ch.name != "lrm_rsc_op" {
			return r.unexpected(e, ch)
		}
		if len(r.ops) == cap(r.ops) {
			n := len(r.ops) - first
			ops := make([]cib.LRMOp, n, max(opSlab, 2*n))
			copy(ops, r.ops[first:])
			clear(r.ops[first:])
			r.ops, first = ops, 0
		}
		r.ops = r.ops[:len(r.ops)+1]
		op := &r.ops[len(r.ops)-1]
		if err := readAttrs(r, ch, op, cib.LRMOpFields, &op.Extra); err != nil {
			return err
		}
		r.shareOpExtra(op)
		if err := r.empty(ch); err != nil {
			return err
		}
	}
	if n := len(r.ops); n > first {
		res.Ops = r.ops[first:n:n]
	}
	return nil
}

// shareOpExtra gives op the Extra of the previous op when the two are
// equal, as they nearly always are (crm-debug-origin="do_update_resource"
// exit-reason=""), and gives its own back to the slab.
func (r *reader) shareOpExtra(op *cib.LRMOp) {
	x := op.Extra
	if len(x) == 0 {
		return
	}
	if !slices.Equal(x, r.opExtra) {
		r.opExtra = x
		return
	}
	op.Extra = r.opExtra
	if k := len(r.extras) - len(x); k >= 0 && &r.extras[k] == &x[0] {
		clear(x)
		r.extras = r.extras[:k]
	}
}
