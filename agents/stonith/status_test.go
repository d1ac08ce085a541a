package stonith

import "testing"

func TestPowerFromStatus(t *testing.T) {
	tests := []struct {
		exit int
		want Power
		text string
	}{
		{0, PowerOn, "on"},
		{2, PowerOff, "off"},
		{1, PowerUnknown, "unknown"},
		{3, PowerUnknown, "unknown"},
		{8, PowerUnknown, "unknown"}, // fence-agents' EC_STATUS
		{-1, PowerUnknown, "unknown"},
	}
	for _, tt := range tests {
		got := PowerFromStatus(tt.exit)
		if got != tt.want || got.String() != tt.text {
			t.Errorf("PowerFromStatus(%d) = %v (%s), want %v (%s)", tt.exit, got, got, tt.want, tt.text)
		}
	}
}
