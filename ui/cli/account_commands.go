package cli

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"jarvis/app"
)

// accountFlags are the flags of backup, restore and passwd.
type accountFlags struct {
	noHistory bool   // backup
	force     bool   // restore
	newPass   string // passwd: the new passphrase's file
}

// accountSubFlags registers on fs the flags subcommand cmd takes.
func accountSubFlags(cmd string, fs *flag.FlagSet) *accountFlags {
	f := &accountFlags{}
	switch cmd {
	case "backup":
		fs.BoolVar(&f.noHistory, "no-history", false, "leave messages out: identity, contacts and groups only")
	case "restore":
		fs.BoolVar(&f.force, "force", false, "move a data directory in the way aside to DIR.old-TIMESTAMP first")
	case "passwd":
		fs.StringVar(&f.newPass, "new-passphrase-file", "", "read the new passphrase from FILE (for automation)")
	}
	return f
}

// oneFile returns the single FILE argument of a subcommand, parsing flags
// given after it too ("jarvis backup FILE --no-history").
func oneFile(fs *flag.FlagSet, usage string) (string, error) {
	args := fs.Args()
	if len(args) == 0 {
		return "", errors.New(usage)
	}
	file := args[0]
	if err := fs.Parse(args[1:]); err != nil {
		return "", err
	}
	if fs.NArg() != 0 {
		return "", errors.New(usage)
	}
	return file, nil
}

// dataPath is the data directory o names, or the default one.
func (o *options) dataPath() (string, error) {
	if o.data != "" {
		return o.data, nil
	}
	return defaultDataDir()
}

// openWithPassphrase opens the data directory, which must hold an
// identity, and reads the passphrase without unlocking: backup and passwd
// unwrap the key themselves, so the KDF runs once.
func openWithPassphrase(o *options, prompt string) (*session, []byte, error) {
	s, err := openSession(o)
	if err != nil {
		return nil, nil, err
	}
	exists, err := s.account.Exists(context.Background())
	if err == nil && !exists {
		err = errors.New("no identity here yet; check --data, or create one with: jarvis init --name YOURNAME")
	}
	var pass []byte
	if err == nil {
		pass, err = passphraseSource{file: o.passphraseFile}.read(prompt)
	}
	if err != nil {
		s.close()
		return nil, nil, err
	}
	return s, pass, nil
}

func cmdBackup(o *options, fs *flag.FlagSet, f *accountFlags, stdout io.Writer) error {
	file, err := oneFile(fs, "usage: jarvis backup FILE [--no-history]")
	if err != nil {
		return err
	}
	s, pass, err := openWithPassphrase(o, "Passphrase: ")
	if err != nil {
		return err
	}
	defer s.close()
	defer clear(pass)
	ctx := context.Background()
	if err := s.account.Backup(ctx, pass, file, app.BackupOptions{NoHistory: f.noHistory}); err != nil {
		return backupHint(err)
	}
	what := "identity, contacts, groups and history"
	if f.noHistory {
		what = "identity, contacts and groups"
	}
	fmt.Fprintf(stdout, "Backup of your %s written to %s.\nIt opens with your passphrase as it is now; keep the file somewhere safe.\n", what, file)
	return nil
}

func cmdRestore(o *options, fs *flag.FlagSet, f *accountFlags, stdout io.Writer) error {
	file, err := oneFile(fs, "usage: jarvis restore FILE [--force]")
	if err != nil {
		return err
	}
	dir, err := o.dataPath()
	if err != nil {
		return err
	}
	if _, err := os.Stat(file); err != nil {
		return fmt.Errorf("read backup: %w", err)
	}
	if inUse, err := dataDirInUse(dir); err != nil {
		return err
	} else if inUse && !f.force {
		return fmt.Errorf("%s already holds data; restore with --data NEWDIR, or add --force to move it aside first", dir)
	}
	pass, err := passphraseSource{file: o.passphraseFile}.read("Passphrase of the backup: ")
	if err != nil {
		return err
	}
	defer clear(pass)
	var aside string
	noHistory, err := app.Restore(context.Background(), file, pass, dir, func() (err error) {
		aside, err = makeRoom(dir)
		return err
	})
	if err != nil {
		return backupHint(err)
	}
	if aside != "" {
		fmt.Fprintf(stdout, "Moved the old data directory aside to %s.\n", aside)
	}
	fmt.Fprintf(stdout, "Restored into %s", dir)
	if noHistory {
		fmt.Fprint(stdout, " (the backup holds no history)")
	}
	fmt.Fprintln(stdout, ". Start Jarvis as usual; your contacts reconnect.\n"+
		"If this identity still runs on another device, quit it there: two devices with one identity fight over connections, and this newer one wins.")
	return nil
}

// dataDirInUse reports whether dir holds more than a lock file and a log.
func dataDirInUse(dir string) (bool, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read data directory: %w", err)
	}
	for _, e := range entries {
		if e.Name() != "jarvis.lock" && e.Name() != "jarvis.log" {
			return true, nil
		}
	}
	return false, nil
}

// makeRoom empties the way for a restore into dir: it takes dir's lock,
// so a running Jarvis is never pulled away, then removes a lock file and
// log, or moves a directory in use aside to dir.old-TIMESTAMP, whose path
// it returns.
func makeRoom(dir string) (string, error) {
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	d, err := openDataDir(dir)
	if err != nil {
		return "", err
	}
	defer d.close()
	inUse, err := dataDirInUse(dir)
	if err != nil {
		return "", err
	}
	if !inUse {
		for _, name := range []string{"jarvis.lock", "jarvis.log"} {
			if err := os.Remove(d.file(name)); err != nil && !errors.Is(err, os.ErrNotExist) {
				return "", fmt.Errorf("clear data directory: %w", err)
			}
		}
		return "", nil
	}
	aside := filepath.Clean(dir) + ".old-" + time.Now().UTC().Format("20060102-150405")
	if err := os.Rename(dir, aside); err != nil {
		return "", fmt.Errorf("move the old data directory aside: %w", err)
	}
	return aside, nil
}

func cmdPasswd(o *options, f *accountFlags, stdout io.Writer) error {
	s, old, err := openWithPassphrase(o, "Current passphrase: ")
	if err != nil {
		return err
	}
	defer s.close()
	defer clear(old)
	ctx := context.Background()
	if err := s.account.CheckPassphrase(ctx, old); err != nil {
		return wrongPassphrase(err)
	}
	pass, err := passphraseSource{file: f.newPass}.readStrong("nothing was changed", stdout)
	if err != nil {
		return err
	}
	defer clear(pass)
	if err := s.account.ChangePassphrase(ctx, old, pass); err != nil {
		return wrongPassphrase(err)
	}
	fmt.Fprintln(stdout, "Passphrase changed. Backups made before still open with the old one.")
	return nil
}

func cmdWipe(o *options, stdin io.Reader, stdout io.Writer) error {
	s, err := openSession(o)
	if err != nil {
		return err
	}
	defer s.close()
	ctx := context.Background()
	if err := s.unlock(ctx, o); err != nil {
		return err
	}
	name, err := s.account.Name(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "This deletes the identity %q with its contacts and history from %s, for good.\nType the name to go on: ", name, s.dir.path)
	typed, _ := bufio.NewReader(stdin).ReadString('\n')
	if strings.TrimRight(typed, "\r\n") != name {
		return errors.New("the name differs; nothing was wiped")
	}
	if err := s.account.Wipe(ctx); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "Wiped.")
	return s.afterRun(nil)
}

// afterRun finishes a wipe done from the screen or headless (/wipe): the
// account removed its database, and what the CLI keeps in the data
// directory goes too.
func (s *session) afterRun(err error) error {
	if _, serr := os.Stat(s.dir.file("jarvis.db")); !errors.Is(serr, os.ErrNotExist) {
		return err
	}
	if rerr := s.removeDir(); rerr != nil && err == nil {
		err = fmt.Errorf("the account is destroyed, but %s keeps files Jarvis did not make: %w", s.dir.path, rerr)
	}
	return err
}

// removeDir deletes what Jarvis keeps in the data directory besides the
// database (log, Tor state, lock) and then the directory, if nothing else
// is in it.
func (s *session) removeDir() error {
	s.logFile.Close()
	for _, name := range []string{"jarvis.log", "jarvis.log.1", "tor", "jarvis.lock"} {
		if err := os.RemoveAll(s.dir.file(name)); err != nil {
			return err
		}
	}
	return os.Remove(s.dir.path)
}

func wrongPassphrase(err error) error {
	if errors.Is(err, app.ErrWrongPassphrase) {
		return errors.New("wrong passphrase; nothing was changed. Try again")
	}
	return err
}

// backupHint turns the errors of backup and restore into advice.
func backupHint(err error) error {
	switch {
	case errors.Is(err, app.ErrWrongPassphrase):
		return errors.New("wrong passphrase; nothing was written. Use the passphrase the account had when the backup was made")
	case errors.Is(err, app.ErrDiskFull):
		return errors.New("the disk is full; nothing was written. Free some space and try again")
	case errors.Is(err, app.ErrBackupCorrupt):
		return errors.New("the backup file is damaged or incomplete; nothing was written. Try another copy")
	}
	return err
}
