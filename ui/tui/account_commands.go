package tui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"jarvis/app"
	"jarvis/crypto"
)

// The account commands: /backup, /passwd, /wipe and /export. The first
// three ask for passphrases or a name in a small form dialog.

// formDialog is a dialog with input fields, a status line and two
// buttons. Tab and Shift+Tab move between them; Enter in a field moves on,
// and in the last field submits.
type formDialog struct {
	fields []*lineEdit
	status *tview.TextView
	busy   bool // submitted; the work runs
}

// formSpec says what a form dialog shows.
type formSpec struct {
	name, title, intro string
	labels             []string
	secret             bool   // mask the fields
	ok                 string // the submit button's label
	cancelFirst        bool   // Cancel comes first and has the focus (for destructive acts)
	submit             func(f *formDialog)
}

func (u *UI) showForm(s formSpec) *formDialog {
	u.closeDialog()
	f := &formDialog{status: tview.NewTextView().SetDynamicColors(true).SetWrap(true).SetWordWrap(true)}
	okBtn, cancelBtn := tview.NewButton(s.ok), tview.NewButton("Cancel")
	submit := func() {
		if !f.busy {
			s.submit(f)
		}
	}
	okBtn.SetSelectedFunc(submit)
	cancelBtn.SetSelectedFunc(u.closeDialog)
	var ring []tview.Primitive
	box := tview.NewFlex().SetDirection(tview.FlexRow).AddItem(textBody(s.intro), 0, 1, false)
	for i, label := range s.labels {
		field := newLineEdit(label + " ")
		if s.secret {
			field.SetMask('•')
		}
		last := i == len(s.labels)-1
		field.SetDoneFunc(func(k tcell.Key) {
			switch {
			case k != tcell.KeyEnter:
			case last:
				submit()
			default:
				u.app.SetFocus(f.fields[i+1])
			}
		})
		f.fields = append(f.fields, field)
		ring = append(ring, field)
		box.AddItem(field, 1, 0, false)
	}
	buttons := []*tview.Button{okBtn, cancelBtn}
	if s.cancelFirst {
		buttons = []*tview.Button{cancelBtn, okBtn}
	}
	// Boxes, not nil, as spacers: a Flex leaves a nil item's cells as they
	// were, and the chat under the dialog would show through.
	row := tview.NewFlex().AddItem(tview.NewBox(), 0, 1, false)
	for _, b := range buttons {
		ring = append(ring, b)
		row.AddItem(b, len(b.GetLabel())+4, 0, false).AddItem(tview.NewBox(), 2, 0, false)
	}
	box.AddItem(f.status, 2, 0, false).AddItem(row, 1, 0, false)
	box.SetInputCapture(func(ev *tcell.EventKey) *tcell.EventKey {
		step := map[tcell.Key]int{tcell.KeyTab: 1, tcell.KeyBacktab: -1}[ev.Key()]
		if step == 0 {
			return ev
		}
		for i, p := range ring {
			if p.HasFocus() {
				u.app.SetFocus(ring[(i+step+len(ring))%len(ring)])
				break
			}
		}
		return nil
	})
	box.SetBorder(true).SetTitle(" " + s.title + " ")
	u.pages.AddPage(s.name, centered(box, 64, 9+len(s.labels), nil), true, true)
	u.dialog = s.name
	focus := tview.Primitive(cancelBtn)
	if !s.cancelFirst && len(f.fields) > 0 {
		focus = f.fields[0]
	}
	u.app.SetFocus(focus)
	return f
}

// fail shows a problem in the form and lets the user try again.
func (f *formDialog) fail(u *UI, msg string) {
	f.busy = false
	f.status.SetText(u.theme.paint("red", tview.Escape(msg)))
}

// clearFields empties every field, wiping passphrases from memory.
func (f *formDialog) clearFields() {
	for _, e := range f.fields {
		clear(e.takeSecret())
	}
}

// expandHome lets a file name start with ~/.
func expandHome(path string) string {
	if rest, ok := strings.CutPrefix(path, "~/"); ok {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, rest)
		}
	}
	return path
}

// backupCommand: /backup FILE [--no-history]. It asks for the passphrase,
// then writes the backup in the background with a progress notice.
func backupCommand(u *UI, c call) bool {
	arg, noHistory := strings.CutSuffix(c.arg, " --no-history")
	if !noHistory {
		arg, noHistory = strings.CutPrefix(c.arg, "--no-history ")
	}
	arg = strings.TrimSpace(arg)
	if arg == "" || strings.HasPrefix(arg, "--") {
		u.notice("Usage: " + c.usage())
		return false
	}
	path := expandHome(arg)
	account := u.cfg.Account
	u.showForm(formSpec{
		name: "backup", title: "Backup", labels: []string{"Passphrase"}, secret: true, ok: "Back up",
		intro: "Your passphrase seals the backup; it opens with the passphrase as it is now.",
		submit: func(f *formDialog) {
			pass := f.fields[0].takeSecret()
			u.closeDialog()
			u.notice("Backup: starting…")
			u.async(func(ctx context.Context) func() {
				defer clear(pass)
				err := account.Backup(ctx, pass, path, app.BackupOptions{NoHistory: noHistory, Progress: u.backupProgress()})
				return func() { u.notice(backupOutcome(err, arg)) }
			})
		},
	})
	return true
}

// backupProgress returns a Progress func that shows every tenth of the way.
// It runs on the backup's goroutine, which async counts, so post is safe.
func (u *UI) backupProgress() func(done, total int64) {
	shown := int64(-1)
	return func(done, total int64) {
		if total <= 0 {
			return
		}
		if step := done * 10 / total; step != shown {
			shown = step
			u.post(func() { u.notice(fmt.Sprintf("Backup: %d%% written…", step*10)) })
		}
	}
}

func backupOutcome(err error, file string) string {
	switch {
	case err == nil:
		return "Backup written to " + file + ". Keep it safe; it opens with your passphrase."
	case errors.Is(err, app.ErrWrongPassphrase):
		return "Wrong passphrase; no backup was written. Try /backup again."
	case errors.Is(err, app.ErrDiskFull):
		return "The disk is full; no backup was written. Free some space and try again."
	}
	return "Backup failed, nothing was written: " + err.Error()
}

// passwdCommand: /passwd asks the current passphrase and the new one twice.
func passwdCommand(u *UI, _ call) bool {
	account := u.cfg.Account
	u.showForm(formSpec{
		name: "passwd", title: "Change passphrase", secret: true, ok: "Change",
		labels: []string{"Current   ", "New       ", "New again "},
		intro:  "Only the key that unlocks your data is re-wrapped: this is instant. Backups made before keep the old passphrase.",
		submit: func(f *formDialog) {
			if !f.fields[1].sameText(f.fields[2]) {
				f.fail(u, "The new passphrases differ; type them again.")
				return
			}
			old, pass := f.fields[0].secret(), f.fields[1].secret()
			if _, err := crypto.CheckNewPassphrase(pass); err != nil {
				clear(old)
				clear(pass)
				f.fail(u, err.Error())
				return
			}
			f.busy = true
			f.status.SetText("Changing…")
			u.async(func(ctx context.Context) func() {
				err := account.ChangePassphrase(ctx, old, pass)
				clear(old)
				clear(pass)
				return func() {
					switch {
					case errors.Is(err, app.ErrWrongPassphrase):
						f.fail(u, "The current passphrase is wrong; nothing was changed.")
					case err != nil:
						f.fail(u, err.Error())
					default:
						f.clearFields()
						u.closeDialog()
						u.notice("Passphrase changed. Use the new one from now on.")
					}
				}
			})
		},
	})
	return true
}

// wipeCommand: /wipe asks for our own name, then closes the core, destroys
// the account and quits. Cancel has the focus, so a stray Enter wipes nothing.
func wipeCommand(u *UI, _ call) bool {
	name := u.self.Name
	account := u.cfg.Account
	u.showForm(formSpec{
		name: "wipe", title: "Wipe this identity", labels: []string{"Name"}, ok: "Wipe", cancelFirst: true,
		intro: "This deletes " + peerText(name, false) + " with all contacts, groups and history from this device, for good. " +
			"Type the name to confirm.",
		submit: func(f *formDialog) {
			if f.fields[0].GetText() != name {
				f.fail(u, "The name differs; nothing was wiped.")
				return
			}
			f.busy = true
			f.status.SetText("Wiping…")
			core := u.core
			u.async(func(ctx context.Context) func() {
				err := core.Close()
				if err == nil {
					err = account.Wipe(context.WithoutCancel(ctx))
				}
				return func() {
					if err != nil {
						f.fail(u, "Wipe failed: "+err.Error())
						return
					}
					u.quit()
				}
			})
		},
	})
	return true
}

// exportCommand: /export FILE writes the open conversation as text, or as
// JSON when FILE ends in .json.
func exportCommand(u *UI, c call) bool {
	if c.arg == "" {
		u.notice("Usage: " + c.usage() + " (FILE.json for JSON)")
		return false
	}
	path, conv, me := expandHome(c.arg), c.target, u.self.Name
	u.run(func(ctx context.Context, core appCore) (string, error) {
		n, err := app.ExportConversation(ctx, core, conv, me, path)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("Exported %d messages to %s. It is plain text: delete it when done.", n, c.arg), nil
	})
	return true
}
