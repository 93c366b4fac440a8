package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestThePassphraseIsTakenOutOfTheEnvironmentOnceRead(t *testing.T) {
	t.Setenv("JARVIS_PASSPHRASE", "correct horse battery staple")
	p, ok, err := passphraseSource{}.given()
	if err != nil || !ok || string(p) != "correct horse battery staple" {
		t.Fatalf("given() = %q, %v, %v", p, ok, err)
	}
	if v, set := os.LookupEnv("JARVIS_PASSPHRASE"); set {
		t.Fatalf("JARVIS_PASSPHRASE is still set (%q): child processes would inherit it", v)
	}
	if _, ok, _ := (passphraseSource{}).given(); ok {
		t.Fatal("a second read still found a passphrase")
	}
}

func TestInitRefusesAShortOrRepeatedPassphraseAndWarnsOnAWeakOne(t *testing.T) {
	tests := []struct {
		pass    string
		refused bool
		warned  bool
	}{
		{"short", true, false},
		{"aaaaaaaaaaaa", true, false},
		{"password", false, true},
		{"correct horse battery staple", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.pass, func(t *testing.T) {
			dir := t.TempDir()
			file := filepath.Join(t.TempDir(), "pass")
			if err := os.WriteFile(file, []byte(tt.pass+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			err := run("test", []string{"--data", dir, "--passphrase-file", file, "init", "--name", "Ada"}, nil, &out)
			if tt.refused {
				if err == nil || !strings.Contains(err.Error(), "run init again") {
					t.Fatalf("init with %q: err %v, want a refusal that says what to do", tt.pass, err)
				}
				if _, statErr := os.Stat(filepath.Join(dir, "jarvis.db")); statErr == nil {
					assertNoIdentity(t, dir)
				}
				return
			}
			if err != nil {
				t.Fatalf("init with %q: %v", tt.pass, err)
			}
			if warned := strings.Contains(out.String(), "weak"); warned != tt.warned {
				t.Errorf("init with %q warned=%v, want %v:\n%s", tt.pass, warned, tt.warned, out.String())
			}
		})
	}
}

// assertNoIdentity fails if a refused init left an identity behind.
func assertNoIdentity(t *testing.T, dir string) {
	t.Helper()
	o := defaultOptions()
	o.data = dir
	s, err := openSession(&o)
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	if exists, err := s.account.Exists(t.Context()); err != nil || exists {
		t.Fatalf("a refused passphrase still created an identity (exists=%v, err=%v)", exists, err)
	}
}
