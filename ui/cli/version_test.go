package cli

import (
	"bytes"
	"runtime"
	"strings"
	"testing"

	"jarvis/store"
)

// --version says which build this is, down to the SQLite it stores with.
func TestVersionNamesBuildGoAndSQLite(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := Main("v9.8.7-test", []string{"--version"}, strings.NewReader(""), &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	d := store.Driver()
	for _, want := range []string{
		"jarvis v9.8.7-test\n", "\ncommit ", runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH,
		"sqlite " + d.SQLite + " (driver " + d.Module + " ",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("--version lacks %q:\n%s", want, out.String())
		}
	}
}
