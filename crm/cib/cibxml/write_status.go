package cibxml

import "pacer/crm/cib"

func (w *writer) status(st *cib.Status) {
	w.open("status")
	if len(st.Nodes) == 0 && len(st.Tickets) == 0 && !st.HasTickets && len(st.Unknown) == 0 &&
		len(st.Fencing) == 0 && !st.HasFencing {
		w.end()
		return
	}
	w.begin()
	for i := range st.Nodes {
		w.nodeState(&st.Nodes[i])
	}
	if len(st.Tickets) > 0 || st.HasTickets {
		w.open("tickets")
		if len(st.Tickets) == 0 {
			w.end()
		} else {
			w.begin()
			for i := range st.Tickets {
				t := &st.Tickets[i]
				w.open("ticket_state")
				w.attrs(t.ID, t.Attrs)
				w.end()
			}
			w.close("tickets")
		}
	}
	if len(st.Fencing) > 0 || st.HasFencing {
		w.open("fencing_history")
		if len(st.Fencing) == 0 {
			w.end()
		} else {
			w.begin()
			for i := range st.Fencing {
				f := &st.Fencing[i]
				w.open("fence_event")
				writeFields(w, f, cib.FenceEventFields, f.Extra)
				w.end()
			}
			w.close("fencing_history")
		}
	}
	for i := range st.Unknown {
		el := &st.Unknown[i]
		if el.Name == "node_state" || el.Name == "tickets" || el.Name == "fencing_history" {
			w.elem = "status"
			w.fail("unmodelled element <" + el.Name + "> clashes with a modelled one")
			return
		}
		w.element(el)
	}
	w.close("status")
}

func (w *writer) nodeState(n *cib.NodeState) {
	w.open("node_state")
	writeFields(w, n, cib.NodeStateFields, n.Extra)
	transient := n.HasTransient || n.TransientID != "" || len(n.Transient) > 0
	if !transient && n.LRM == nil {
		w.end()
		return
	}
	w.begin()
	if transient {
		w.open("transient_attributes")
		if n.TransientID != "" {
			w.attr("id", n.TransientID)
		}
		if len(n.Transient) == 0 {
			w.end()
		} else {
			w.begin()
			w.nvsets(n.Transient, "instance_attributes")
			w.close("transient_attributes")
		}
	}
	if n.LRM != nil {
		w.lrm(n.LRM)
	}
	w.close("node_state")
}

func (w *writer) lrm(l *cib.LRM) {
	w.open("lrm")
	writeFields(w, l, cib.LRMFields, l.Extra)
	w.begin()
	w.open("lrm_resources")
	if l.ResourcesID != "" {
		w.attr("id", l.ResourcesID)
	}
	if len(l.Resources) == 0 {
		w.end()
	} else {
		w.begin()
		for i := range l.Resources {
			res := &l.Resources[i]
			w.open("lrm_resource")
			writeFields(w, res, cib.LRMResourceFields, res.Extra)
			if len(res.Ops) == 0 {
				w.end()
				continue
			}
			w.begin()
			for j := range res.Ops {
				op := &res.Ops[j]
				w.open("lrm_rsc_op")
				writeFields(w, op, cib.LRMOpFields, op.Extra)
				w.end()
			}
			w.close("lrm_resource")
		}
		w.close("lrm_resources")
	}
	w.close("lrm")
}
