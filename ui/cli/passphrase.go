package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/term"

	"jarvis/crypto"
)

// errNoPassphrase explains how to give a passphrase when nobody can type.
var errNoPassphrase = errors.New("no passphrase: run in a terminal, or set JARVIS_PASSPHRASE, or pass --passphrase-file FILE")

// passphraseSource finds the passphrase without ever storing it: a file,
// then the environment (meant for automation), then the terminal. Every
// passphrase it returns is a fresh byte slice the caller zeroes after use.
type passphraseSource struct {
	file string
}

// given returns a passphrase supplied by file or environment, if any.
func (s passphraseSource) given() ([]byte, bool, error) {
	if s.file != "" {
		b, err := os.ReadFile(s.file)
		if err != nil {
			return nil, false, fmt.Errorf("read passphrase file: %w", err)
		}
		p := bytes.TrimRight(b, "\r\n")
		if len(p) == 0 {
			clear(b)
			return nil, false, errors.New("the passphrase file is empty")
		}
		return p, true, nil
	}
	return fromEnv()
}

// fromEnv takes JARVIS_PASSPHRASE out of the environment as it reads it,
// so child processes (notify-send) never inherit it. Go keeps the string
// it read until the collector reuses the memory, and the kernel keeps the
// initial environment in /proc/PID/environ (readable by this user and
// root); neither can be cleared from Go, which the README says.
func fromEnv() ([]byte, bool, error) {
	p, ok := os.LookupEnv("JARVIS_PASSPHRASE")
	if !ok {
		return nil, false, nil
	}
	if err := os.Unsetenv("JARVIS_PASSPHRASE"); err != nil {
		return nil, false, fmt.Errorf("clear JARVIS_PASSPHRASE: %w", err)
	}
	if p == "" {
		return nil, false, nil
	}
	return []byte(p), true, nil
}

// read returns the passphrase, prompting on the terminal if needed.
func (s passphraseSource) read(prompt string) ([]byte, error) {
	if p, ok, err := s.given(); ok || err != nil {
		return p, err
	}
	return promptTTY(prompt)
}

// readNew asks twice when a person types a new passphrase.
func (s passphraseSource) readNew() ([]byte, error) {
	if p, ok, err := s.given(); ok || err != nil {
		return p, err
	}
	p, err := promptTTY("New passphrase (it cannot be recovered, so keep it safe): ")
	if err != nil {
		return nil, err
	}
	again, err := promptTTY("Type it again: ")
	defer clear(again)
	switch {
	case err != nil:
		clear(p)
		return nil, err
	case !bytes.Equal(p, again):
		clear(p)
		return nil, errors.New("the passphrases differ; run the command again")
	}
	return p, nil
}

// readStrong is readNew held to init's rules: too short or repeated is an
// error ending in then (what happens now), and a weak one passes with a
// warning on out. The caller clears the passphrase.
func (s passphraseSource) readStrong(then string, out io.Writer) ([]byte, error) {
	pass, err := s.readNew()
	if err != nil {
		return nil, err
	}
	bits, err := crypto.CheckNewPassphrase(pass)
	if err != nil {
		clear(pass)
		return nil, fmt.Errorf("%w; %s", err, then)
	}
	if bits < crypto.WeakPassphraseBits {
		fmt.Fprintln(out, "Warning: this passphrase is weak; anyone who copies your data directory could guess it. A longer one (4 random words) is much safer.")
	}
	return pass, nil
}

// promptTTY reads without echo from the controlling terminal, so stdin
// stays free for the headless protocol.
func promptTTY(prompt string) ([]byte, error) {
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return nil, errNoPassphrase
	}
	defer tty.Close()
	if !term.IsTerminal(int(tty.Fd())) {
		return nil, errNoPassphrase
	}
	fmt.Fprint(tty, prompt)
	p, err := term.ReadPassword(int(tty.Fd()))
	fmt.Fprintln(tty)
	if err != nil {
		return nil, fmt.Errorf("read passphrase: %w", err)
	}
	return p, nil
}
