// Package tui is Jarvis's terminal front end: tview screens for creating and
// unlocking an identity, chatting with contacts, and locking the screen.
package tui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"jarvis/app"
)

// Config is what main hands the UI.
type Config struct {
	Account *app.Account              // opened, maybe without identity yet, maybe locked
	NewCore func() (*app.Core, error) // builds the core once the account is unlocked
	Screen  tcell.Screen              // nil → the real terminal
	Bell    bool                      // ring the terminal bell on messages
	Notify  bool                      // call notify-send / termux-notification if present
	Preview bool                      // include message text in notifications
	Logger  *slog.Logger

	// afterDraw, for tests, sees the screen after every draw on the UI
	// goroutine.
	afterDraw func(tcell.Screen)
	// noColor overrides NO_COLOR detection, for tests.
	noColor bool
	// coreStarted, for tests, sees the core when it starts.
	coreStarted func(appCore)
	// screenReady, for tests, runs once Screen is initialised (to size it).
	screenReady func(tcell.Screen)
}

// UI is the running front end. Every field is owned by the UI goroutine
// (tview's event loop) unless noted.
type UI struct {
	cfg        Config
	log        *slog.Logger
	dialogHost // app, pages and the open dialog
	screen     tcell.Screen
	term       *focusScreen // the real terminal; nil when a test supplies the screen
	theme      theme

	// Lifecycle. ctx ends when quitting starts; wg counts worker
	// goroutines, which may post updates until they return.
	ctx      context.Context
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	quitting bool
	quitDone chan struct{}
	runErr   error

	core     appCore
	self     app.Self
	engineUp bool
	tor      app.TorStatus    // our Tor path, for the status bar and /status
	sends    chan sendRequest // to the sender goroutine, in order
	expiry   chan time.Time   // from the UI goroutine to the pump: tick at this time
	notifier *notifier

	convList              // the conversations, their order, the open one
	commands commandTable // the slash commands

	main   *mainView
	locked bool
	lock   *lockView

	firstRun bool
	helpSeen bool // help was opened: the status bar stops pointing at it
	busy     bool // a create/unlock is running
	tampered bool // stored data failed its integrity check; say so in the list
	pairing  pairState
	search   *searchState // the search dialog, while it is open
	// elsewhere: a contact took this identity's session to another device
	// (a restored copy); said in the status bar until a restart.
	elsewhere bool
}

// Run shows the UI until the user quits. It returns after every goroutine
// it started has stopped and the core (if any) is closed.
func Run(cfg Config) error {
	if cfg.Account == nil || cfg.NewCore == nil {
		return errors.New("ui: Account and NewCore are required")
	}
	u := newUI(cfg)
	defer u.cancel()
	pending, err := u.firstScreen()
	if err != nil {
		return err
	}
	return u.loop(pending)
}

// firstScreen shows the create or unlock screen, or, if the account is
// already unlocked, returns the core to start.
func (u *UI) firstScreen() (appCore, error) {
	exists, err := u.cfg.Account.Exists(u.ctx)
	switch {
	case err != nil:
		return nil, fmt.Errorf("read account: %w", err)
	case !exists:
		u.showCreate()
	case u.cfg.Account.Unlocked():
		core, err := u.cfg.NewCore()
		if err != nil {
			return nil, fmt.Errorf("start jarvis: %w", err)
		}
		return core, nil
	default:
		u.showUnlock()
	}
	return nil, nil
}

// loop runs the event loop until the user quits; pending, if set, is
// started once the loop runs.
func (u *UI) loop(pending appCore) error {
	// The core and its pump start from the running event loop, so no
	// goroutine can wait on a loop that never ran. beforeDraw holds the
	// application lock, hence the hop through a goroutine.
	u.app.SetBeforeDrawFunc(func(s tcell.Screen) bool {
		u.screen = s
		if pending != nil && !u.quitting {
			core := pending
			pending = nil
			u.core = core // quit closes it even if it never starts
			u.wg.Add(1)
			go func() {
				defer u.wg.Done()
				u.post(func() { u.startCore(core) })
			}()
		}
		u.layoutFor(s.Size())
		return false
	})
	if u.cfg.afterDraw != nil {
		u.app.SetAfterDrawFunc(u.cfg.afterDraw)
	}
	if err := u.attachScreen(); err != nil {
		return err
	}
	err := u.app.Run()
	if u.quitting {
		<-u.quitDone
	} else {
		// The loop ended without quit (a screen failure): nothing can
		// serve updates any more, so stop what we can.
		u.cancel()
		if pending != nil {
			pending.Close()
		}
		if u.core != nil {
			u.core.Close()
		}
	}
	if err != nil {
		return fmt.Errorf("terminal: %w", err)
	}
	return u.runErr
}

// attachScreen hands tview the screen a test supplied, or the terminal.
func (u *UI) attachScreen() error {
	if s := u.cfg.Screen; s != nil {
		u.app.SetScreen(s)
		if u.cfg.screenReady != nil {
			u.cfg.screenReady(s)
		}
		return nil
	}
	term, err := openTerminal()
	if err != nil {
		return fmt.Errorf("open the terminal: %w", err)
	}
	u.term = term
	u.app.SetScreen(term) // initialises it
	term.EnableMouse()
	term.EnablePaste()
	term.EnableFocus()
	return nil
}

// terminalColours makes tview draw on the terminal's own background, its
// theme light or dark, instead of forcing black. tview's styles are a
// package global, so they are set once, before any UI draws.
var terminalColours sync.Once

func newUI(cfg Config) *UI {
	terminalColours.Do(func() { tview.Styles.PrimitiveBackgroundColor = tcell.ColorDefault })
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	ctx, cancel := context.WithCancel(context.Background())
	u := &UI{
		cfg:        cfg,
		log:        log,
		dialogHost: dialogHost{app: tview.NewApplication(), pages: tview.NewPages()},
		theme:      newTheme(cfg.noColor),
		ctx:        ctx,
		cancel:     cancel,
		quitDone:   make(chan struct{}),
		convList:   newConvList(),
		commands:   newCommandTable(),
	}
	u.dialogHost.size = u.screenSize
	u.dialogHost.refocus = u.refocus
	u.notifier = newNotifier(cfg.Notify, log)
	u.app.SetRoot(u.pages, true).EnableMouse(true).EnablePaste(true)
	u.app.SetInputCapture(u.captureKey)
	u.app.SetMouseCapture(u.captureMouse)
	return u
}

// screenSize is the terminal's size once known, or a classic 80×24.
func (u *UI) screenSize() (w, h int) {
	if u.screen == nil {
		return 80, 24
	}
	return u.screen.Size()
}

// refocus gives the focus back to the lock screen's passphrase field or
// the input line, whichever is showing.
func (u *UI) refocus() {
	switch {
	case u.locked && u.lock != nil:
		u.app.SetFocus(u.lock.field)
	case u.main != nil:
		u.app.SetFocus(u.main.input)
		u.markCurrentRead() // what the dialog covered is in view again
	}
}

// async runs work on a new goroutine and applies the function it returns
// on the UI goroutine. work must honour ctx; it must not touch widgets.
func (u *UI) async(work func(ctx context.Context) func()) {
	if u.quitting {
		return
	}
	u.wg.Add(1)
	go func() {
		defer u.wg.Done()
		apply := work(u.ctx)
		if apply != nil {
			u.post(apply)
		}
	}()
}

// post runs f on the UI goroutine and redraws. Only worker goroutines
// counted in wg, and the pump, call it: quit keeps the loop running until
// they are done, so the call always returns.
func (u *UI) post(f func()) {
	u.app.QueueUpdateDraw(func() {
		if !u.quitting {
			f()
		}
	})
}

// startCore starts the core, the event pump and the sender, and shows the
// main screen.
func (u *UI) startCore(core appCore) {
	u.core = core
	u.self = core.Self()
	u.tor = core.TorStatus() // EngineStatus brings every change after this
	u.sends = make(chan sendRequest, 256)
	u.expiry = make(chan time.Time, 1)
	core.Start()
	if u.cfg.coreStarted != nil {
		u.cfg.coreStarted(core)
	}
	u.wg.Add(2)
	go func() {
		defer u.wg.Done()
		u.pump(core.Events())
	}()
	go func() {
		defer u.wg.Done()
		u.sender(core)
	}()
	u.showMain()
	u.loadConversations()
}

// pump is the one goroutine that turns core events into screen updates.
// It also ticks when a typing indicator or notice is due to expire (see
// expireAt), and not otherwise.
func (u *UI) pump(events <-chan app.Event) {
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	var next time.Time // when timer fires; zero when it is not armed
	for {
		select {
		case <-u.ctx.Done():
			return
		case ev, ok := <-events:
			if !ok {
				return
			}
			batch := nextEvents(ev, events, maxEventBatch)
			u.post(func() { u.handleEvents(batch) })
		case t := <-u.expiry:
			if next.IsZero() || t.Before(next) {
				next = t
				timer.Reset(max(time.Until(t), 0) + expirySlack)
			}
		case <-timer.C:
			next = time.Time{}
			u.post(u.tick)
		}
	}
}

// expirySlack lets a tick land just after what it expires, never a hair
// before it (which would leave it shown until the next event).
const expirySlack = 50 * time.Millisecond

// quit starts an orderly shutdown: the loop keeps serving updates while
// workers finish, then the core closes and the loop stops.
func (u *UI) quit() {
	if u.quitting {
		return
	}
	u.quitting = true
	u.cancel()
	core, kept := u.core, u.keep()
	go func() {
		u.wg.Wait()
		if core != nil {
			u.saveKept(core, kept)
			if err := core.Close(); err != nil {
				u.log.Error("close core", "err", err)
			}
		}
		u.app.Stop()
		close(u.quitDone)
	}()
}

// layoutFor adapts the main screen to the terminal size, laying the
// chat out again for a new one.
func (u *UI) layoutFor(w, h int) {
	if u.main != nil && u.main.resize(w, h) {
		u.renderAll()
	}
}
