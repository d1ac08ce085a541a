package lsb

import "testing"

func TestToOCF(t *testing.T) {
	tests := []struct {
		name   string
		action string
		exit   int
		want   int
	}{
		{"status running", "status", 0, 0},
		{"status dead with pid file", "status", 1, 7},
		{"status dead with lock file", "status", 2, 7},
		{"status not running", "status", 3, 7},
		{"status unknown", "status", 4, 1},
		{"status not installed", "status", 150, 5},
		{"status insufficient privileges", "status", 151, 4},
		{"status other", "status", 5, 1},
		{"status negative", "status", -1, 1},
		{"monitor is status", "monitor", 3, 7},
		{"monitor any case", "Monitor", 1, 7},
		{"start ok", "start", 0, 0},
		{"start generic", "start", 1, 1},
		{"start invalid args", "start", 2, 2},
		{"start unimplemented", "start", 3, 3},
		{"start privileges", "start", 4, 4},
		{"start not installed", "start", 5, 5},
		{"start not configured", "start", 6, 6},
		{"stop not running", "stop", 7, 7},
		{"stop above range", "stop", 8, 1},
		{"restart 150 is not special", "restart", 150, 1},
		{"reload negative", "force-reload", -3, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ToOCF(tt.action, tt.exit); got != tt.want {
				t.Errorf("ToOCF(%q, %d) = %d, want %d", tt.action, tt.exit, got, tt.want)
			}
		})
	}
}
