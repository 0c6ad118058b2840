package main

import (
	"testing"
	"time"
)

func TestRetentionSettings(t *testing.T) {
	t.Parallel()
	env := map[string]string{"DRIVEWAY_RUN_RETENTION": "30d", "DRIVEWAY_EVENT_RETENTION": "720h", "DRIVEWAY_DELIVERY_RETENTION": "1h"}
	cfg := defaultConfig()
	if err := loadRetention(&cfg, func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	want := Retention{Runs: 30 * 24 * time.Hour, Events: 720 * time.Hour, Deliveries: time.Hour}
	if cfg.Retention != want {
		t.Fatalf("retention %+v, want %+v", cfg.Retention, want)
	}
	for _, bad := range []string{"0d", "59m", "3651d", "-1d", "1.5d", "d", "week"} {
		cfg := defaultConfig()
		if err := loadRetention(&cfg, func(k string) string { return map[string]string{"DRIVEWAY_RUN_RETENTION": bad}[k] }); err == nil {
			t.Errorf("DRIVEWAY_RUN_RETENTION=%q accepted as %v", bad, cfg.Retention.Runs)
		}
	}
}
