package resources

import "testing"

// TestParamsDigest checks the digest against values Pacemaker recorded;
// the first three are also the scheduler's own test cases, so both sides
// agree byte for byte.
func TestParamsDigest(t *testing.T) {
	tests := []struct {
		name   string
		params map[string]string
		want   string
	}{
		{"no parameters", map[string]string{}, "f2317cad3d54cec5d7d7aa7d0bf35cf8"},
		{"nil map", nil, "f2317cad3d54cec5d7d7aa7d0bf35cf8"},
		{"recurring timeout only", map[string]string{"CRM_meta_timeout": "20000"}, "4811cef7f7f94e3a35a70be7916cb2fd"},
		{"sorted by name", map[string]string{
			"pcmk_host_list": "rhel7-1 rhel7-2 rhel7-3 rhel7-4 rhel7-5", "key_file": "/etc/pacemaker/fence_xvm.key",
			"multicast_address": "239.255.100.100"}, "422e90c96b7732222706b322138f43c8"},
		// cancel-behind-moving-remote.xml, compute-0_last_0.
		{"remote server", map[string]string{"reconnect_interval": "60", "server": "172.17.1.67"}, "90f91ffc0e5f5b76991055c3501e646f"},
		// value-source.xml, rsc1_last_0.
		{"Dummy fake", map[string]string{"fake": "300"}, "740d07f67c20fca411b03996e601119e"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := ParamsDigest(tc.params); got != tc.want {
				t.Errorf("ParamsDigest(%v) = %s, want %s", tc.params, got, tc.want)
			}
		})
	}
}

func TestXMLEscape(t *testing.T) {
	got := xmlEscape("a<b>&\"c'\n\r\td")
	want := `a&lt;b&gt;&amp;&quot;c&apos;\n\r\td`
	if got != want {
		t.Errorf("xmlEscape = %q, want %q", got, want)
	}
	// Escaping changes the digest: a value with a quote must not collide
	// with the same text unescaped.
	if ParamsDigest(map[string]string{"a": `x"`}) == ParamsDigest(map[string]string{"a": "x"}) {
		t.Error("escaped value digests like the plain one")
	}
}

func TestDigestParams(t *testing.T) {
	in := map[string]string{"fake": "1", "CRM_meta_interval": "10000", "CRM_meta_timeout": "5", "id": "x",
		"crm_feature_set": "3", "op-digest": "d", "on_node": "n", "on_node_uuid": "u", "pcmk_external_ip": "ip"}
	got := digestParams(in, 0, 20000)
	if len(got) != 1 || got["fake"] != "1" {
		t.Errorf("one-shot: %v", got)
	}
	got = digestParams(in, 10000, 20000)
	if len(got) != 2 || got["fake"] != "1" || got["CRM_meta_timeout"] != "20000" {
		t.Errorf("recurring: %v", got)
	}
	if in["CRM_meta_timeout"] != "5" {
		t.Error("input map modified")
	}
}

// dummy2020 is ocf:pacemaker:Dummy's meta-data as Pacemaker 2.0.5 shipped
// it (the agent that wrote the corpus entries below), reduced to what the
// digests read: OCF 1.1, reload-agent, fake and fail_start_on reloadable,
// no parameter marked private.
const dummy2020 = `<?xml version="1.0"?>
<resource-agent name="Dummy" version="2.0">
<version>1.1</version>
<parameters>
<parameter name="state" unique-group="state"><content type="string"/></parameter>
<parameter name="passwd"><content type="string"/></parameter>
<parameter name="fake" reloadable="1"><content type="string" default="dummy"/></parameter>
<parameter name="op_sleep"><content type="string" default="0"/></parameter>
<parameter name="fail_start_on" reloadable="1"><content type="string"/></parameter>
<parameter name="envfile"><content type="string"/></parameter>
</parameters>
<actions>
<action name="start" timeout="20s"/>
<action name="reload-agent" timeout="20s"/>
<action name="monitor" timeout="20s" interval="10s"/>
</actions>
</resource-agent>`

// TestComputeDigestsCorpus rebuilds lrm_rsc_op entries of the conformance
// corpus (value-source.xml, dc-fence-ordering.xml) from their parameters
// and the agent's meta-data.
func TestComputeDigestsCorpus(t *testing.T) {
	info, err := parseAgentInfo([]byte(dummy2020))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		params   map[string]string
		interval int64
		want     digests
		lists    bool // compare the lists too (older entries wrote them differently)
	}{
		{"value-source rsc1_last_0", map[string]string{"fake": "300"}, 0, digests{
			op: "740d07f67c20fca411b03996e601119e", restart: "f2317cad3d54cec5d7d7aa7d0bf35cf8",
			forceRestart: "  envfile op_sleep passwd state  ", secure: "740d07f67c20fca411b03996e601119e",
			secureParams: "  passwd  "}, true},
		{"value-source rsc2_last_0", map[string]string{"fake": "400"}, 0, digests{
			op: "e4a0cc96ccaaaa02bea1e0be9c4dee84", restart: "f2317cad3d54cec5d7d7aa7d0bf35cf8",
			forceRestart: "  envfile op_sleep passwd state  ", secure: "e4a0cc96ccaaaa02bea1e0be9c4dee84",
			secureParams: "  passwd  "}, true},
		{"dc-fence-ordering migrator_last_0", map[string]string{"passwd": "whatever"}, 0, digests{
			op: "5de129d7fe42dbcfe537f2c63b1921b6", restart: "5de129d7fe42dbcfe537f2c63b1921b6",
			secure: "f2317cad3d54cec5d7d7aa7d0bf35cf8"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := computeDigests(tc.params, tc.interval, 20000, info)
			if !tc.lists {
				got.forceRestart, got.secureParams = "", ""
			}
			if got != tc.want {
				t.Errorf("digests\n got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

// TestComputeDigestsRecurring: a monitor's op-digest includes its timeout
// (value-source.xml invert-match_monitor_10000); monitors are not
// reloadable, so no restart digest; the secure digest keeps the timeout
// (feature set 3.16 and later).
func TestComputeDigestsRecurring(t *testing.T) {
	info, err := parseAgentInfo([]byte(dummy2020))
	if err != nil {
		t.Fatal(err)
	}
	got := computeDigests(map[string]string{"fake": "200"}, 10000, 20000, info)
	if got.op != "53e49b6c90e7e71546c273e0f220a321" {
		t.Errorf("op-digest %s", got.op)
	}
	if got.restart != "" || got.forceRestart != "" {
		t.Errorf("recurring op has restart digest %+v", got)
	}
	if got.secure != got.op || got.secureParams != "  passwd  " {
		t.Errorf("secure %+v", got)
	}
}

func TestComputeDigestsVariants(t *testing.T) {
	params := map[string]string{"ip": "10.0.0.1", "password": "s3cret", "nic": "eth0"}
	tests := []struct {
		name         string
		meta         string
		forceRestart string
		secureParams string
		secureKeeps  []string
	}{
		{"no reload: no restart digest", `<resource-agent name="a"><version>1.1</version><parameters>
			<parameter name="ip"/><parameter name="password"/></parameters></resource-agent>`,
			"", "  password  ", []string{"ip", "nic"}},
		{"legacy reload: unique params restart", `<resource-agent name="a"><version>1.0</version><parameters>
			<parameter name="ip" unique="1"/><parameter name="nic" unique="0"/></parameters>
			<actions><action name="reload"/></actions></resource-agent>`,
			"  ip  ", "", nil},
		{"reload-agent ignored before OCF 1.1", `<resource-agent name="a"><version>1.0</version><parameters>
			<parameter name="ip"/></parameters><actions><action name="reload-agent"/></actions></resource-agent>`,
			"", "", nil},
		{"private attribute replaces the name list", `<resource-agent name="a"><version>1.1</version><parameters>
			<parameter name="ip" private="1"/><parameter name="password"/><parameter name="nic" reloadable="1"/></parameters>
			<actions><action name="reload-agent"/></actions></resource-agent>`,
			"  password ip  ", "  ip  ", []string{"password", "nic"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			info, err := parseAgentInfo([]byte(tc.meta))
			if err != nil {
				t.Fatal(err)
			}
			d := computeDigests(params, 0, 20000, info)
			if d.forceRestart != tc.forceRestart {
				t.Errorf("force-restart %q, want %q", d.forceRestart, tc.forceRestart)
			}
			if (d.restart != "") != (info.reloadAgent || info.legacyReload) {
				t.Errorf("restart digest %q with reload %v/%v", d.restart, info.reloadAgent, info.legacyReload)
			}
			if d.secureParams != tc.secureParams {
				t.Errorf("secure params %q, want %q", d.secureParams, tc.secureParams)
			}
			if tc.secureParams == "" {
				if d.secure != "" {
					t.Errorf("secure digest %q without secret params", d.secure)
				}
				return
			}
			keep := map[string]string{}
			for _, k := range tc.secureKeeps {
				keep[k] = params[k]
			}
			if want := ParamsDigest(keep); d.secure != want {
				t.Errorf("secure digest %s, want digest of %v (%s)", d.secure, keep, want)
			}
		})
	}
}

func TestComputeDigestsNoMetadata(t *testing.T) {
	d := computeDigests(map[string]string{"a": "1"}, 0, 0, nil)
	if d.op != ParamsDigest(map[string]string{"a": "1"}) || d.restart != "" || d.secure != "" {
		t.Errorf("%+v", d)
	}
}
