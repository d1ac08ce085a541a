package cibxml

import "pacer/crm/cib"

func (r *reader) status(e *start, st *cib.Status) error {
	if err := r.noAttrs(e); err != nil {
		return err
	}
	var tickets bool
	if err := r.children(e, func(ch *start) error {
		switch ch.name {
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

func (r *reader) tickets(e *start, st *cib.Status) error {
	if err := r.noAttrs(e); err != nil {
		return err
	}
	if err := r.children(e, func(ch *start) error {
		if ch.name != "ticket_state" {
			return r.unexpected(e, ch)
		}
		id, attrs := splitID(ch)
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
		ch, ok, err := r.next(e, nil)
		if err != nil {
			return lrm, err
		}
		if !ok {
			return lrm, nil
		}
		if ch.name != "lrm_resources" {
			return lrm, r.unexpected(e, &ch)
		}
		if resources {
			return lrm, r.duplicate(e, &ch)
		}
		resources = true
		id, err := r.idOnly(&ch)
		if err != nil {
			return lrm, err
		}
		lrm.ResourcesID = id
		for {
			rc, ok, err := r.next(&ch, nil)
			if err != nil {
				return lrm, err
			}
			if !ok {
				break
			}
			if rc.name != "lrm_resource" {
				return lrm, r.unexpected(&ch, &rc)
			}
			res, err := r.lrmResource(&rc)
			if err != nil {
				return lrm, err
			}
			lrm.Resources = append(lrm.Resources, res)
		}
	}
}

func (r *reader) lrmResource(e *start) (cib.LRMResource, error) {
	res := cib.LRMResource{}
	if err := readAttrs(r, e, &res, cib.LRMResourceFields, &res.Extra); err != nil {
		return res, err
	}
	if err := r.children(e, func(ch *start) error {
		if ch.name != "lrm_rsc_op" {
			return r.unexpected(e, ch)
		}
		var op cib.LRMOp
		if err := readAttrs(r, ch, &op, cib.LRMOpFields, &op.Extra); err != nil {
			return err
		}
		res.Ops = append(res.Ops, op)
		if err := r.empty(ch); err != nil {
			return err
		}
		return nil
	}); err != nil {
		return res, err
	}
	return res, nil
}
