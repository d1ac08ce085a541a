// Package cibxml reads and writes Pacemaker CIB XML: a whole <cib> (Read,
// ReadFile, ReadOptions, Write) or a bare <configuration> or one of its
// sections, as cibadmin --replace -o resources takes it
// (ReadConfiguration, WriteConfiguration).
//
// # Reading
//
// The reader walks a token stream instead of unmarshalling into mirror
// structs, so children of different kinds keep their order, every element
// gets a cib.Pos (line and column of its '<'), and attributes the model
// has no field for land in Extra in document order. It follows the
// schema's structure (which element may hold which) and leaves values to
// cib.Validate. Errors are *Error and name the file, line, column, element
// and attribute:
//
//	cib.xml:12:5: <rsc_location id="l1">: unexpected element <foo>
//
// Decisions, each so that nothing an administrator wrote is lost:
//
//   - An element the model does not know inside <configuration> or
//     <status> (acls, a newer schema's section, a loose <lrm>) is kept
//     verbatim in Unknown. Anywhere else it is an error: the model would
//     have nowhere to keep it.
//   - An unmodelled attribute goes to Extra. On an element whose model has
//     no Extra (nvpair, operations, resource_ref, tag, ...) it is an error.
//   - A modelled attribute given with an empty value (exit-reason="") is
//     kept in Extra and its field stays "", so it is written back; an
//     nvpair's empty value is NVPair.HasValue instead.
//   - An empty <rsc_defaults/>, <op_defaults/>, <fencing-topology/>,
//     <tags/>, <alerts/>, <operations/>, <storage/>, <tickets/> or
//     <transient_attributes/> sets the matching Has* flag; a non-empty one
//     needs no flag.
//   - Comments, processing instructions and the DOCTYPE are dropped (the
//     model has no place for them). Text inside an unmodelled element is
//     kept (all its pieces joined); text anywhere else is an error.
//   - A repeated attribute, a second <configuration>, <status>,
//     <operations>, <lrm>, <rule> in one set or <lifetime> are errors, not
//     silently merged or dropped. Nesting deeper than Options.MaxDepth
//     (64) is refused with ErrTooDeep; a root other than <cib> with
//     ErrNotCIB.
//   - UTF-8, US-ASCII and ISO-8859-1 documents are read. Literal newlines
//     inside attribute values are kept as newlines (encoding/xml does not
//     apply XML's attribute-value normalisation) and written as &#10;.
//   - Short values are shared: the status section repeats the same
//     feature set, agents and digests thousands of times.
//
// The tokens come from the package's own scanner (scanner.go): a
// streaming tokenizer, over a window of the input it refills, for the XML
// CIBs are written in, which allocates nothing per token and copies an
// attribute value only when the model keeps it. It reads a 370 MB CIB
// about seven times faster than encoding/xml did, allocating little beyond
// the model itself. For anything it does not read (a DOCTYPE, CDATA, an
// encoding other than UTF-8, names outside ASCII) and for every error, the
// reader starts again from the beginning on encoding/xml's RawToken
// (seeking back when the input is an io.Seeker, else replaying what the
// scanner read, which it then keeps in memory), so results, positions and
// error messages are encoding/xml's, byte for byte.
// FuzzTokenizerAgainstEncodingXML holds the scanner to that: what it
// accepts, encoding/xml accepts as the same tokens at the same positions,
// and the model built from them is the same.
//
// Memory: the status section's slices (LRMResource.Ops, LRMOp.Extra) are
// cut from slabs with their capacity clipped, so appending to one never
// touches another. Ops that have equal Extra attributes (nearly all:
// crm-debug-origin="do_update_resource" exit-reason="") share one Extra
// array, read-only: to change an op's Extra, give it a new slice rather
// than assigning to its elements.
//
// # Upgrading
//
// Read upgrades a CIB written for a schema older than pacemaker-3.0 the
// way Pacemaker 2.1.5 does on load; see Upgrade for the list.
// ValidateWith is kept as read. Options.Raw skips the upgrade. Deprecated
// constructs Pacemaker 2.1.5 still reads as they are stay as they are: a
// <master> is KindMaster (the scheduler treats it as a promotable clone),
// <lifetime> rules stay in Constraint.Lifetime, Master/Slave role names and
// master-max style meta attributes are left for the scheduler, which
// accepts both spellings as Pacemaker does.
//
// # Writing
//
// Write prints Pacemaker's usual layout (see Write), and what it writes
// Read reads back to an equal model; a model that could not keep that
// promise is refused with a *WriteError.
package cibxml
