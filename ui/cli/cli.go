// Package cli is Jarvis's command line: it parses flags and subcommands,
// opens and locks the data directory, unlocks the account, and hands the
// core to one frontend (the screen or headless).
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"jarvis/app"
	"jarvis/p2p/tor"
	"jarvis/ui/headless"
	"jarvis/ui/tui"
)

const usage = `Jarvis: private chat, peer to peer, in your terminal.

Usage:
  jarvis [flags]                 start the chat screen
  jarvis [flags] --headless      JSON lines on stdin/stdout, no screen
  jarvis [flags] init --name N   create your identity
  jarvis [flags] code            print your link code
  jarvis [flags] add CODE        add a contact while Jarvis is stopped
  jarvis [flags] backup FILE     write an encrypted backup (--no-history: without messages)
  jarvis [flags] restore FILE    restore a backup into the data directory (--force: move the old one aside)
  jarvis [flags] passwd          change the passphrase
  jarvis [flags] wipe            delete the identity and everything with it
  jarvis [flags] pair [CODE]     pair with a device on this network by short code

Flags:
`

// options are the global flags.
type options struct {
	data           string
	listen         string
	advertise      string
	passphraseFile string
	headless       bool
	noBell         bool
	notify         bool
	preview        bool
	showVersion    bool
	tor            string
	torControl     string
	noLAN          bool
	lanPort        int
	downloads      string
	maxFileSize    byteSize
	autoAccept     byteSize
}

func defaultOptions() options {
	return options{listen: fmt.Sprintf("0.0.0.0:%d", app.DefaultPort), notify: true, tor: "auto",
		maxFileSize: app.DefaultMaxFileSize}
}

// register binds the global flags to o, with o's current values as the
// defaults, so flags given before a subcommand survive its own parse.
func (o *options) register(fs *flag.FlagSet) {
	fs.StringVar(&o.data, "data", o.data, "data directory (default $XDG_DATA_HOME/jarvis)")
	fs.StringVar(&o.listen, "listen", o.listen, "TCP address to listen on, HOST:PORT")
	fs.StringVar(&o.advertise, "advertise", o.advertise, "extra reachable HOST:PORT for your link code (comma-separated)")
	fs.StringVar(&o.passphraseFile, "passphrase-file", o.passphraseFile, "read the passphrase from FILE (for automation)")
	fs.BoolVar(&o.headless, "headless", o.headless, "run without a screen: JSON commands on stdin, events on stdout")
	fs.BoolVar(&o.noBell, "no-bell", o.noBell, "do not ring the terminal bell on new messages")
	fs.BoolVar(&o.notify, "notify", o.notify, "desktop/Termux notifications (sender only)")
	fs.BoolVar(&o.preview, "preview", o.preview, "show message text in notifications")
	fs.BoolVar(&o.showVersion, "version", o.showVersion, "print the version, commit, Go and SQLite versions, and exit")
	fs.StringVar(&o.tor, "tor", o.tor, "reach contacts over Tor: auto (when tor is installed), on (tor or nothing), off, or only (onion only: your IP stays hidden from everyone)")
	fs.StringVar(&o.torControl, "tor-control", o.torControl, "use the tor you already run at this control port (HOST:PORT or unix:PATH)")
	fs.BoolVar(&o.noLAN, "no-lan", o.noLAN, "do not look for contacts on the local network (nor announce yourself there)")
	fs.IntVar(&o.lanPort, "lan-port", o.lanPort, "UDP port for finding contacts on the local network (default 7424)")
	fs.StringVar(&o.downloads, "downloads", o.downloads, "save received files in DIR (default $XDG_DOWNLOAD_DIR, else ~/Downloads/Jarvis)")
	fs.Var(&o.maxFileSize, "max-file-size", "largest file to send or accept, like 500M or 8G")
	fs.Var(&o.autoAccept, "auto-accept", "accept files below this size from verified contacts without asking, like 20M (default: always ask)")
}

// torConfig is how the core in data directory dir uses Tor. With --tor on
// and no tor to be had it fails before anything else happens.
func (o *options) torConfig(dir string) (app.TorConfig, error) {
	mode, err := app.ParseTorMode(o.tor)
	if err != nil {
		return app.TorConfig{}, err
	}
	if mode == app.TorOff && o.torControl != "" {
		return app.TorConfig{}, errors.New("--tor off and --tor-control contradict each other; drop one")
	}
	tc := app.TorConfig{Mode: mode, Dir: dir, ControlAddr: o.torControl, TestOnlyTorrc: testOnlyTorrc()}
	if mode.Required() && o.torControl == "" {
		if err := tor.Installed(); err != nil {
			return app.TorConfig{}, fmt.Errorf("--tor %s: %w", o.tor, err)
		}
	}
	return tc, nil
}

// coreConfig is how a core runs on session s with these flags.
func (o *options) coreConfig(s *session, tc app.TorConfig) app.Config {
	return app.Config{Account: s.account, Listen: o.listen, Advertise: o.advertised(), Logger: s.log, Tor: tc,
		Dial: directDialer(resolvConf), LAN: app.LANConfig{Off: o.noLAN, Port: o.lanPort},
		Downloads: o.downloads, MaxFileSize: int64(o.maxFileSize), AutoAcceptBelow: int64(o.autoAccept)}
}

func (o *options) advertised() []string {
	var out []string
	for _, a := range strings.Split(o.advertise, ",") {
		if a = strings.TrimSpace(a); a != "" {
			out = append(out, a)
		}
	}
	return out
}

// Main runs the jarvis command with args (without the program name) and
// returns the process exit code. version is printed by --version.
func Main(version string, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if err := run(version, args, stdin, stdout); err != nil {
		fmt.Fprintln(stderr, "jarvis:", explainDamaged(err))
		return 1
	}
	return 0
}

// explainDamaged turns a damaged database, whatever command met it, into
// what to do: nothing was changed, and a backup brings the account back.
func explainDamaged(err error) error {
	var d *app.DamagedError
	if !errors.As(err, &d) {
		return err
	}
	dir := filepath.Dir(d.Path)
	return fmt.Errorf("the database %s is damaged and cannot be read (%v); Jarvis changed nothing. "+
		"Restore your latest backup with: jarvis --data %s restore --force FILE (the damaged files are moved aside first), "+
		"or move %s away to start a new account", d.Path, d.Cause, dir, dir)
}

func newFlagSet(name string, o *options) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usage)
		fs.PrintDefaults()
	}
	o.register(fs)
	return fs
}

func run(version string, args []string, stdin io.Reader, stdout io.Writer) error {
	o := defaultOptions()
	fs := newFlagSet("jarvis", &o)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if o.showVersion {
		readBuildFacts(version).write(stdout)
		return nil
	}
	rest := fs.Args()
	if len(rest) == 0 {
		return runNode(&o, stdin, stdout)
	}
	sub := newFlagSet("jarvis "+rest[0], &o)
	var name string
	if rest[0] == "init" {
		sub.StringVar(&name, "name", "", "your display name")
	}
	acct := accountSubFlags(rest[0], sub)
	if err := sub.Parse(rest[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	switch rest[0] {
	case "init":
		return cmdInit(&o, name, stdout)
	case "code":
		return cmdCode(&o, stdout)
	case "add":
		if sub.NArg() != 1 {
			return errors.New("usage: jarvis add CODE (quote the code)")
		}
		return cmdAdd(&o, sub.Arg(0), stdout)
	case "backup":
		return cmdBackup(&o, sub, acct, stdout)
	case "restore":
		return cmdRestore(&o, sub, acct, stdout)
	case "passwd":
		return cmdPasswd(&o, acct, stdout)
	case "wipe":
		return cmdWipe(&o, stdin, stdout)
	case "pair":
		if sub.NArg() > 2 { // "1234 5678" typed unquoted is two arguments
			return errors.New("usage: jarvis pair [CODE]: without a code it shows one")
		}
		return cmdPair(&o, strings.Join(sub.Args(), " "), stdout)
	}
	return fmt.Errorf("unknown command %q; see jarvis --help", rest[0])
}

// session is an open data directory with its account and log.
type session struct {
	dir     *dataDir
	account *app.Account
	log     *slog.Logger
	logFile *os.File
}

func openSession(o *options) (*session, error) {
	path := o.data
	if path == "" {
		var err error
		if path, err = defaultDataDir(); err != nil {
			return nil, err
		}
	}
	dir, err := openDataDir(path)
	if err != nil {
		return nil, err
	}
	rotateLog(dir.file("jarvis.log"))
	logFile, err := os.OpenFile(dir.file("jarvis.log"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		dir.close()
		return nil, fmt.Errorf("open log file: %w", err)
	}
	acc, err := app.OpenAccount(app.AccountConfig{Path: dir.file("jarvis.db")})
	if err != nil {
		logFile.Close()
		dir.close()
		return nil, err
	}
	log, err := newLogger(logFile)
	if err != nil {
		acc.Close()
		logFile.Close()
		dir.close()
		return nil, err
	}
	return &session{dir: dir, account: acc, log: log, logFile: logFile}, nil
}

func (s *session) close() {
	s.account.Close()
	s.logFile.Close()
	s.dir.close()
}

// unlock opens the account with a passphrase from file, environment or
// terminal. A wrong one changes nothing.
func (s *session) unlock(ctx context.Context, o *options) error {
	exists, err := s.account.Exists(ctx)
	if err != nil {
		return err
	}
	if !exists {
		// An emptied jarvis.db looks like a new one: say what to do then too.
		return fmt.Errorf("no identity here yet; create one with: jarvis init --name YOURNAME "+
			"(if %s held your account, restore your backup: jarvis --data %s restore --force FILE)", s.dir.path, s.dir.path)
	}
	pass, err := passphraseSource{file: o.passphraseFile}.read("Passphrase: ")
	if err != nil {
		return err
	}
	defer clear(pass)
	if err := s.account.Unlock(ctx, pass); err != nil {
		if errors.Is(err, app.ErrWrongPassphrase) {
			return errors.New("wrong passphrase; nothing was changed. Try again")
		}
		return err
	}
	return nil
}

func cmdInit(o *options, name string, stdout io.Writer) error {
	if name == "" {
		return errors.New("usage: jarvis init --name YOURNAME")
	}
	s, err := openSession(o)
	if err != nil {
		return err
	}
	defer s.close()
	tc, err := o.torConfig(s.dir.path)
	if err != nil {
		return err
	}
	ctx := context.Background()
	if exists, err := s.account.Exists(ctx); err != nil {
		return err
	} else if exists {
		return fmt.Errorf("%s already holds an identity; use --data to make another", s.dir.path)
	}
	pass, err := passphraseSource{file: o.passphraseFile}.readStrong("run init again with a longer one", stdout)
	if err != nil {
		return err
	}
	defer clear(pass)
	if err := s.account.Create(ctx, name, pass); err != nil {
		return err
	}
	code, err := s.account.Code(ctx, o.listen, o.advertised(), tc)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Identity created in %s.\nShare this link code with a friend:\n%s\n", s.dir.path, code)
	return nil
}

func cmdCode(o *options, stdout io.Writer) error {
	s, err := openSession(o)
	if err != nil {
		return err
	}
	defer s.close()
	ctx := context.Background()
	tc, err := o.torConfig(s.dir.path)
	if err != nil {
		return err
	}
	if err := s.unlock(ctx, o); err != nil {
		return err
	}
	code, err := s.account.Code(ctx, o.listen, o.advertised(), tc)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, code)
	return nil
}

func cmdAdd(o *options, code string, stdout io.Writer) error {
	s, err := openSession(o)
	if err != nil {
		return err
	}
	defer s.close()
	ctx := context.Background()
	if err := s.unlock(ctx, o); err != nil {
		return err
	}
	c, err := s.account.AddOffline(ctx, code)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Added %s (%s). The request goes out when Jarvis next runs.\n", c.Name, c.ID.Short())
	return nil
}

// runNode starts the core with the headless frontend or the screen.
func runNode(o *options, stdin io.Reader, stdout io.Writer) error {
	s, err := openSession(o)
	if err != nil {
		return err
	}
	defer s.close()
	tc, err := o.torConfig(s.dir.path)
	if err != nil {
		return err
	}
	newCore := func() (*app.Core, error) { return app.NewCore(o.coreConfig(s, tc)) }
	if o.headless {
		// SIGHUP: the terminal or the Termux session that started us closed.
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
		defer stop()
		if err := s.unlock(ctx, o); err != nil {
			return err
		}
		core, err := newCore()
		if err != nil {
			return listenHint(err, o)
		}
		return s.afterRun(headless.Run(ctx, core, stdin, stdout))
	}
	if err := s.unlockGiven(o); err != nil {
		return err
	}
	hup := catchHangup()
	defer hup.stop()
	return s.afterRun(hup.excuse(tui.Run(tui.Config{
		Account: s.account,
		NewCore: func() (*app.Core, error) {
			c, err := newCore()
			return c, listenHint(err, o)
		},
		Bell:    !o.noBell,
		Notify:  o.notify,
		Preview: o.preview,
		Logger:  s.log,
	}), s.log))
}

// unlockGiven unlocks, before the screen starts, with a passphrase given
// by file or environment.
func (s *session) unlockGiven(o *options) error {
	pass, ok, err := passphraseSource{file: o.passphraseFile}.given()
	if err != nil || !ok {
		return err
	}
	defer clear(pass)
	if exists, _ := s.account.Exists(context.Background()); !exists {
		return nil
	}
	if err := s.account.Unlock(context.Background(), pass); err != nil {
		if errors.Is(err, app.ErrDamaged) {
			return err
		}
		return errors.New("wrong passphrase in JARVIS_PASSPHRASE or --passphrase-file; nothing was changed")
	}
	return nil
}

// maxLogBytes bounds the diagnostics log: a phone has no logrotate.
const maxLogBytes = 4 << 20

// rotateLog keeps one previous log once the current one passes
// maxLogBytes, so the log never grows without bound.
func rotateLog(path string) {
	if fi, err := os.Stat(path); err == nil && fi.Size() > maxLogBytes {
		os.Rename(path, path+".1")
	}
}

// listenHint turns "address in use" into advice.
func listenHint(err error, o *options) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, syscall.EADDRINUSE) {
		return fmt.Errorf("port in %s is taken (another program or Jarvis uses it); start with --listen 0.0.0.0:PORT to pick another", o.listen)
	}
	return err
}
