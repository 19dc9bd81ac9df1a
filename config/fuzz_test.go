package config

import (
	"bytes"
	"path/filepath"
	"testing"

	"airudder_exporter/internal/testkit"
)

// FuzzParse: Parse must never panic, and whatever it accepts must satisfy
// every validation rule (checkInvariants). Seeded with every testdata file.
func FuzzParse(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.yml"))
	if err != nil {
		f.Fatal(err)
	}
	if len(files) < 10 {
		f.Fatalf("only %d seed files found", len(files))
	}
	for _, p := range files {
		f.Add(testkit.ReadTestdata(f, filepath.Base(p)))
	}
	f.Add([]byte(""))
	f.Add([]byte("airudder:\n  accounts:\n    - {name: a, app_key: '${HOME}', app_secret: $x}\n"))
	f.Add([]byte("webhooks: {allowed_cidrs: ['::ffff:1.2.3.4', 10.0.0.0/8], dedup_window: 1m}\n"))

	f.Fuzz(func(t *testing.T, data []byte) {
		// *_file fields read whatever path they name; keep the fuzzer away
		// from devices and pseudo-files that never end or block.
		for _, bad := range []string{"dev", "proc", "sys", "fd"} {
			if bytes.Contains(data, []byte(bad)) {
				t.Skip()
			}
		}
		c, err := Parse(data)
		if err != nil {
			if c != nil {
				t.Fatalf("Parse returned a config and error %v", err)
			}
			return
		}
		checkInvariants(t, c)
	})
}
