package cibxml

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzRead: Read never panics, and whatever it accepts Write prints and
// Read reads back to an equal model, with and without the upgrade.
func FuzzRead(f *testing.F) {
	for _, tc := range readErrorCases {
		f.Add([]byte(tc.doc))
	}
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	// The smallest corpus CIBs (about 1.5 KB), when the corpus is there.
	// Seeds stay small on purpose: Go minimises every new interesting
	// input for up to a minute, and a 10 KB seed would spend a short
	// fuzz run minimising instead of fuzzing.
	files, _ := filepath.Glob(filepath.Join(corpusDir, "*.xml"))
	sort.Slice(files, func(i, j int) bool { return size(files[i]) < size(files[j]) })
	if len(files) > 8 {
		files = files[:8]
	}
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		for _, raw := range []bool{true, false} {
			c1, _, err := ReadOptions(bytes.NewReader(doc), "fuzz.xml", Options{Raw: raw})
			if err != nil {
				if c1 != nil {
					t.Fatalf("model returned with error %v", err)
				}
				return
			}
			var out bytes.Buffer
			if err := Write(&out, c1); err != nil {
				t.Fatalf("Read accepted it but Write refuses: %v", err)
			}
			c2, _, err := ReadOptions(bytes.NewReader(out.Bytes()), "written.xml", Options{Raw: raw})
			if err != nil {
				t.Fatalf("cannot re-read the output: %v\n%s", err, out.Bytes())
			}
			if d := cmp.Diff(c1, c2, ignorePos); d != "" {
				t.Fatalf("model changed by write+read (raw=%v):\n%s\noutput:\n%s", raw, d, out.Bytes())
			}
		}
	})
}

func size(path string) int64 {
	st, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return st.Size()
}

// fuzzSeeds are one small document per family of constructs.
var fuzzSeeds = []string{
	`<cib validate-with="pacemaker-3.7" epoch="1" num_updates="0" admin_epoch="0"><configuration><crm_config><cluster_property_set id="o"><nvpair id="o1" name="stonith-enabled" value="false"/><nvpair id="o2" name="x" value=""/><nvpair id="o3" name="y"/></cluster_property_set></crm_config><nodes><node id="1" uname="n1" type="member"><instance_attributes id="n1a"><nvpair id="n1s" name="standby" value="on"/></instance_attributes></node></nodes><resources><primitive id="p" class="ocf" provider="pacemaker" type="Dummy"><operations><op id="p-m" name="monitor" interval="10s"/></operations></primitive></resources><constraints><rsc_location id="l" rsc="p" node="n1" score="INFINITY"/></constraints></configuration><status/></cib>`,
	`<cib validate-with="pacemaker-3.0"><configuration><resources><group id="g"><primitive id="a" class="lsb" type="a"/></group><clone id="c"><meta_attributes id="cm"><nvpair id="cm1" name="interleave" value="true"/></meta_attributes><group id="cg"><primitive id="b" class="ocf" provider="x" type="b"/></group></clone><master id="ms"><primitive id="d" class="ocf" provider="linbit" type="drbd"/></master><template id="t" class="ocf" provider="h" type="apache"/><primitive id="u" template="t"><operations/></primitive></resources></configuration></cib>`,
	`<cib><configuration><resources><bundle id="b"><docker image="i" replicas="2"/><network control-port="3121"><port-mapping id="pm" port="80"/></network><storage><storage-mapping id="sm" source-dir="/a" target-dir="/b"/></storage><primitive id="bp" class="ocf" provider="h" type="apache"/></bundle></resources></configuration></cib>`,
	`<cib><configuration><constraints><rsc_location id="l" rsc-pattern="^a" role="Started"><rule id="r" score="-INFINITY" boolean-op="or"><expression id="e" attribute="#uname" operation="eq" value="n"/><date_expression id="d" operation="in_range" start="2024-01-01"><duration id="du" months="1"/></date_expression><date_expression id="ds" operation="date_spec"><date_spec id="dss" hours="9-17"/></date_expression><rsc_expression id="re" class="ocf" type="Dummy"/><op_expression id="oe" name="monitor"/><rule id="nr" score="0"><expression id="ne" attribute="a" operation="defined"/></rule></rule><lifetime><rule id="lr" score="0"/></lifetime></rsc_location><rsc_colocation id="c" score="INFINITY"><resource_set id="s1" sequential="false"><resource_ref id="a"/><resource_ref id="b"/></resource_set></rsc_colocation><rsc_order id="o" first="a" then="b" kind="Optional"/><rsc_ticket id="t" rsc="a" ticket="T" loss-policy="stop"/></constraints></configuration></cib>`,
	`<cib><configuration><rsc_defaults><meta_attributes id="rd"><nvpair id="rd1" name="resource-stickiness" value="1"/></meta_attributes></rsc_defaults><op_defaults/><fencing-topology><fencing-level id="f" index="1" target="n" devices="d"/></fencing-topology><tags><tag id="t"><obj_ref id="a"/></tag></tags><alerts><alert id="a" path="/x"><select><select_nodes/></select><recipient id="r" value="v"/></alert></alerts><acls><acl_role id="r"><acl_permission id="p" kind="read" xpath="/cib"/></acl_role></acls><x>text<y/></x></configuration></cib>`,
	`<cib><configuration/><status><node_state id="1" uname="n" in_ccm="true" crmd="online" join="member" expected="member"><transient_attributes id="1"><instance_attributes id="s1"><nvpair id="s1a" name="fail-count-a" value="1"/></instance_attributes></transient_attributes><lrm id="1"><lrm_resources><lrm_resource id="a" class="ocf" provider="p" type="D"><lrm_rsc_op id="a_last_0" operation_key="a_start_0" operation="start" call-id="1" rc-code="0" op-status="0" interval="0" exit-reason=""/></lrm_resource></lrm_resources></lrm></node_state><tickets><ticket_state id="T" granted="true"/></tickets><lrm id="loose"/></status></cib>`,
	`<cib><configuration/><status><fencing_history><fence_event id="fence-n2-1" target="n2" action="off" state="failed" origin="n1" executor="n1" reason="r" error="e" started="2026-11-24T01:00:00.000Z" completed="2026-11-24T01:00:01.000Z" attempts="2"/><fence_event id="fence-n2-2" target="n2" action="off" state="success" devices="a b"/></fencing_history></status></cib>`,
	`<cib><configuration/><status><fencing_history/></status></cib>`,
	`<cib validate-with="pacemaker-2.4"><configuration><crm_config><cluster_property_set id="o"><nvpair id="o1" name="default-resource-stickiness" value="1"/><nvpair id="o2" name="stonith_enabled" value="1"/></cluster_property_set></crm_config><nodes><node id="1" uname="n" type="normal"/></nodes><resources><primitive id="p" class="ocf" provider="x" type="y"><operations><op id="s" name="start" interval="0" requires="nothing"/></operations></primitive></resources><constraints><rsc_colocation id="c" rsc="a" with-rsc="b" score="1" score-attribute="x"/></constraints></configuration></cib>`,
}
