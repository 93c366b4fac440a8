package cli

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"jarvis/store"
)

// commit is the git commit the Makefile stamps with -ldflags
// "-X jarvis/ui/cli.commit=…"; like main.version only the linker writes
// it. Without it the Go toolchain's own VCS stamp is used, which git
// worktrees and -buildvcs=false builds lack.
var commit string

// buildFacts is what `jarvis --version` prints: enough to tell two
// downloads apart and to say which SQLite a bug report ran on.
type buildFacts struct {
	version  string // from git describe, stamped by the Makefile
	commit   string // vcs.revision, "unknown" outside a git checkout
	modified bool   // built from a tree with uncommitted changes
	goVer    string // runtime.Version() and the target
	driver   store.DriverInfo
	driverV  string // the driver module's version from the build
}

func readBuildFacts(version string) buildFacts {
	f := buildFacts{
		version: version,
		commit:  commit,
		goVer:   fmt.Sprintf("%s %s/%s", runtime.Version(), runtime.GOOS, runtime.GOARCH),
		driver:  store.Driver(),
		driverV: "unknown",
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return f
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			if f.commit == "" {
				f.commit = s.Value
			}
		case "vcs.modified":
			f.modified = s.Value == "true"
		}
	}
	for _, d := range bi.Deps {
		if d.Path != f.driver.Module {
			continue
		}
		if d.Replace != nil {
			d = d.Replace
		}
		f.driverV = d.Version
	}
	return f
}

func (f buildFacts) write(w io.Writer) {
	commit := f.commit
	if commit == "" {
		commit = "unknown"
	}
	if f.modified {
		commit += " (with uncommitted changes)"
	}
	fmt.Fprintf(w, "jarvis %s\ncommit %s\ngo     %s\nsqlite %s (driver %s %s)\n",
		f.version, commit, f.goVer, f.driver.SQLite, f.driver.Module, f.driverV)
}
