package scheduler

import "testing"

// TestParamsDigest checks calculate_operation_digest against digests
// Pacemaker recorded: the MD5 of " <parameters .../>\n", attributes
// sorted by name.
func TestParamsDigest(t *testing.T) {
	tests := []struct {
		name   string
		params map[string]string
		want   string
	}{
		{"no parameters", map[string]string{}, "f2317cad3d54cec5d7d7aa7d0bf35cf8"},
		{"recurring timeout only", map[string]string{"CRM_meta_timeout": "20000"}, "4811cef7f7f94e3a35a70be7916cb2fd"},
		{"sorted by name", map[string]string{
			"pcmk_host_list": "rhel7-1 rhel7-2 rhel7-3 rhel7-4 rhel7-5", "key_file": "/etc/pacemaker/fence_xvm.key",
			"multicast_address": "239.255.100.100"}, "422e90c96b7732222706b322138f43c8"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := paramsDigest(tc.params); got != tc.want {
				t.Errorf("digest %s, want %s", got, tc.want)
			}
		})
	}
}

// TestFilterForDigest checks pcmk__filter_op_for_digest: CRM_meta_
// entries go, but a recurring operation keeps its timeout.
func TestFilterForDigest(t *testing.T) {
	p := map[string]string{"CRM_meta_timeout": "20000", "CRM_meta_interval": "10000", "crm_feature_set": "3.0", "fake": "1"}
	filterForDigest(p, true)
	if len(p) != 2 || p["CRM_meta_timeout"] != "20000" || p["fake"] != "1" {
		t.Errorf("recurring: %v", p)
	}
	p = map[string]string{"CRM_meta_timeout": "20000", "fake": "1"}
	filterForDigest(p, false)
	if len(p) != 1 || p["fake"] != "1" {
		t.Errorf("non-recurring: %v", p)
	}
}
