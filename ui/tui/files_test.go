package tui

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"jarvis/app"
	"jarvis/crypto"
)

// The fake core's file commands record what was asked.
func (f *fakeCore) SendFile(_ context.Context, to crypto.ID, path string) (app.Transfer, error) {
	f.record("send file " + filepath.Base(path))
	return app.Transfer{Peer: to, Outgoing: true, Name: filepath.Base(path), State: app.TransferOffered}, nil
}
func (f *fakeCore) SendFileToGroup(_ context.Context, g crypto.GroupID, path string) (app.Transfer, error) {
	f.record("send group file " + filepath.Base(path))
	return app.Transfer{Peer: f.self.ID, Group: g, Outgoing: true, Name: filepath.Base(path), State: app.TransferActive}, nil
}
func (f *fakeCore) AcceptFile(_ context.Context, id app.TransferID) error {
	return f.record("accept file " + id.String()[:4])
}
func (f *fakeCore) RejectFile(_ context.Context, id app.TransferID) error {
	return f.record("reject file " + id.String()[:4])
}
func (f *fakeCore) CancelFile(_ context.Context, id app.TransferID) error {
	return f.record("cancel file " + id.String()[:4])
}
func (f *fakeCore) Transfers(context.Context) ([]app.Transfer, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.transfers), nil
}
func (f *fakeCore) Downloads() string { return "/dl" }

func TestATransferLineIsUpdatedInPlaceAt60x20(t *testing.T) {
	core, bob, _ := teamCore()
	s := startWithCore(t, core, 60, 20)
	s.wait("#Team")
	s.enter("/open Bob")
	s.wait("Bob")
	tr := app.Transfer{ID: app.TransferID{0xab, 0xcd}, Peer: bob, Name: "report.pdf", Size: 50_000_000,
		State: app.TransferOffered, Created: time.Now()}
	offerAndGet(t, s, core, tr, "offered: /get to save")
	tr.State, tr.Bytes, tr.Rate = app.TransferActive, 21_000_000, 10_000_000
	core.events <- app.FileProgress{Transfer: tr}
	s.wait("42% 10 MB/s 0:03 left")
	s.waitGone("offered: /get to save")
	if n := strings.Count(s.contents(), "report.pdf 50 MB"); n != 1 {
		t.Fatalf("the transfer shows on %d lines, want one updated in place:\n%s", n, s.contents())
	}
	tr.State, tr.Bytes, tr.Path = app.TransferDone, tr.Size, "/dl/report.pdf"
	core.events <- app.FileDone{Transfer: tr}
	s.wait("saved to /dl/report.pdf")
	s.waitGone("left")
	s.quit()
}

func TestCancelAndRejectActOnTheNewestTransferHere(t *testing.T) {
	core, bob, _ := teamCore()
	s := startWithCore(t, core, 60, 20)
	s.wait("#Team")
	s.enter("/open Bob")
	s.wait("Bob")
	offer := app.Transfer{ID: app.TransferID{0x11, 0x11}, Peer: bob, Name: "a.bin", Size: 10, State: app.TransferOffered}
	core.events <- app.FileOffered{Transfer: offer}
	s.wait("a.bin")
	s.enter("/reject")
	s.wait("Declined a.bin.")
	sent := app.Transfer{ID: app.TransferID{0x22, 0x22}, Peer: bob, Outgoing: true, Name: "b.bin", Size: 10, State: app.TransferActive}
	core.events <- app.FileProgress{Transfer: sent}
	s.wait("b.bin")
	s.enter("/cancel")
	s.wait("Cancelled b.bin.")
	got := core.called()
	if !slices.Contains(got, "reject file 1111") || !slices.Contains(got, "cancel file 2222") {
		t.Fatalf("calls: %v", got)
	}
	s.quit()
}

func TestAFileOfferedInAGroupShowsInTheGroupAndSendsToIt(t *testing.T) {
	core, bob, team := teamCore()
	s := startWithCore(t, core, 60, 20)
	s.wait("#Team")
	s.enter("/open Team")
	s.enter("/send /tmp/plan.pdf")
	s.wait("Offered plan.pdf")
	if !slices.Contains(core.called(), "send group file plan.pdf") {
		t.Fatalf("/send in a group asked the core for %v", core.called())
	}
	offer := app.Transfer{ID: app.TransferID{0x33, 0x33}, Peer: bob, Group: team, Name: "notes.txt", Size: 2000,
		State: app.TransferOffered, Created: time.Now()}
	offerAndGet(t, s, core, offer, "notes.txt (2.0 KB) is offered here")
	s.quit()
}

// offerAndGet shows tr as a new offer, waits for shown, answers /get and
// checks the core was asked to accept it.
func offerAndGet(t *testing.T, s *screenUI, core *fakeCore, tr app.Transfer, shown string) {
	t.Helper()
	core.events <- app.FileOffered{Transfer: tr}
	s.wait(shown)
	s.enter("/get")
	s.wait("Fetching " + tr.Name + " into /dl.")
	if want := "accept file " + tr.ID.String()[:4]; !slices.Contains(core.called(), want) {
		t.Fatalf("/get asked the core for %v, want %q", core.called(), want)
	}
}

func TestSlashSendCompletesPaths(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"report.pdf", "reply.txt", ".hidden", "other"} {
		if err := os.WriteFile(filepath.Join(dir, f), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "reports"), 0o700); err != nil {
		t.Fatal(err)
	}
	table := newCommandTable()
	c := table.completePath("/send " + dir + "/rep")
	if c == nil {
		t.Fatal("no completion")
	}
	want := []string{dir + "/reply.txt", dir + "/report.pdf", dir + "/reports/"}
	if !slices.Equal(c.cands, want) {
		t.Fatalf("candidates %v, want %v", c.cands, want)
	}
	if got := c.next(); got != "/send "+dir+"/reply.txt" {
		t.Fatalf("first Tab gives %q", got)
	}
	if c := table.completePath("/send " + dir + "/."); c == nil || !slices.Contains(c.cands, dir+"/.hidden") {
		t.Fatal("a dot typed does not offer hidden files")
	}
	if c := table.completePath("/open rep"); c != nil {
		t.Fatal("paths offered after a command that takes no path")
	}
	home, _ := os.UserHomeDir()
	if got := expandPath("~/x"); got != filepath.Join(home, "x") {
		t.Fatalf("~/x expands to %q", got)
	}
}

func TestSizesAndTimesReadLikeAPersonWroteThem(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 999: "999 B", 1000: "1.0 KB", 12_345_678: "12 MB", 1 << 30: "1.1 GB"} {
		if got := sizeText(n); got != want {
			t.Errorf("sizeText(%d) = %q, want %q", n, got, want)
		}
	}
	if got := clockText(3*time.Hour + 2*time.Minute + 5*time.Second); got != "3:02:05" {
		t.Errorf("clockText = %q", got)
	}
}

// An offer that was waiting when Jarvis stopped (or the phone killed it)
// can still be taken after the restart: its line comes back with the list.
func TestAnOfferStillWaitingAfterARestartCanBeTaken(t *testing.T) {
	core, bob, _ := teamCore()
	core.transfers = []app.Transfer{
		{ID: app.TransferID{0x44, 0x44}, Peer: bob, Name: "film.mkv", Size: 3 << 30, State: app.TransferOffered},
		{ID: app.TransferID{0x55, 0x55}, Peer: bob, Name: "old.txt", Size: 10, State: app.TransferDone, Path: "/dl/old.txt"},
	}
	s := startWithCore(t, core, 60, 20)
	s.wait("#Team")
	s.enter("/open Bob")
	s.wait("film.mkv")
	if s.seen("old.txt") {
		t.Fatalf("a finished transfer came back as a line:\n%s", s.contents())
	}
	s.enter("/get")
	s.wait("Fetching film.mkv")
	if !slices.Contains(core.called(), "accept file 4444") {
		t.Fatalf("calls: %v", core.called())
	}
	s.quit()
}
