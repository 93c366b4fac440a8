//go:build soak

package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// relProbeResult is what one start of a damaged account showed.
type relProbeResult struct {
	exited bool     // ended before its ready line
	stderr string   // what it said then
	errors []string // error lines while it ran
	texts  []string // the chat's history, oldest first
}

// relProbe starts a node on a (damaged) data directory and, if it comes
// up, reads the whole chat with peer and quits. Nothing here fails the
// test: the caller judges.
func relProbe(t *testing.T, s relSpec, peer string) relProbeResult {
	t.Helper()
	var r relProbeResult
	cmd := s.command("--headless")
	var stderr syncBuffer
	cmd.Stderr = &stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killer := time.AfterFunc(2*time.Minute, func() { cmd.Process.Kill() })
	defer killer.Stop()
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	next := func() (relEvent, bool) {
		for sc.Scan() {
			var e relEvent
			if json.Unmarshal(sc.Bytes(), &e) == nil {
				if e.Event == "error" {
					r.errors = append(r.errors, e.Error)
				}
				return e, true
			}
		}
		return relEvent{}, false
	}
	for {
		e, ok := next()
		if !ok {
			cmd.Wait()
			r.exited, r.stderr = true, stderr.String()
			return r
		}
		if e.Event == "ready" {
			break
		}
	}
	before := int64(0)
	for page := 0; ; page++ {
		ref := fmt.Sprint("h", page)
		fmt.Fprintf(stdin, `{"cmd":"history","with":%q,"limit":1000,"before":%d,"ref":%q}`+"\n", peer, before, ref)
		var got relEvent
		for {
			e, ok := next()
			if !ok {
				cmd.Wait()
				r.stderr = stderr.String()
				return r
			}
			if e.Ref == ref {
				got = e
				break
			}
		}
		var texts []string
		for _, m := range got.Msgs {
			texts = append(texts, m.Text)
		}
		r.texts = append(texts, r.texts...)
		if got.Event != "history" || len(got.Msgs) < 1000 {
			break
		}
		before = got.Msgs[0].Cursor
	}
	fmt.Fprintln(stdin, `{"cmd":"quit"}`)
	for _, ok := next(); ok; _, ok = next() {
	}
	cmd.Wait()
	r.stderr = stderr.String()
	return r
}

// verdict classifies a probe against the history before the damage: what
// the person sees, an example line, and whether that is acceptable.
func (r relProbeResult) verdict(db string, want []string) (kind, example string, ok bool) {
	switch {
	case strings.Contains(r.stderr, "panic:") || strings.Contains(r.stderr, "goroutine "):
		return "**panic**", firstLine(r.stderr), false
	case r.exited && strings.Contains(r.stderr, filepath.Dir(db)) && strings.Contains(r.stderr, "restore"):
		return "clear error at start, naming the file (or its folder) and the restore command", firstLine(r.stderr), true
	case r.exited:
		return "**other error at start**", firstLine(r.stderr), false
	case strings.Join(r.texts, "\n") == strings.Join(want, "\n") && len(r.errors) == 0:
		return "opened, history intact (the bit fell in unused space)", "", true
	case len(r.errors) > 0:
		return "opened, the damage reported on an error line", firstLine(r.errors[0]), true
	}
	return "**opened, history changed without an error**", fmt.Sprintf("%d of %d messages, %s", len(r.texts), len(want), relFirstDiff(r.texts, want)), false
}

// relFirstDiff says where two histories part.
func relFirstDiff(got, want []string) string {
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			return fmt.Sprintf("#%d is %q, was %q", i, got[i], want[i])
		}
	}
	return "the same up to the shorter"
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	if len(line) > 160 {
		line = line[:160] + "…"
	}
	return line
}
