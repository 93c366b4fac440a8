package tui

import (
	"sync"
	"unicode/utf8"

	"github.com/gdamore/tcell/v2"
	"golang.org/x/text/encoding"
	"golang.org/x/text/runes"
)

// terminalUTF8 is the UTF-8 encoding Jarvis gives tcell. tcell's own
// (v2.13.10) decodes input with a strict validator: a byte that is not
// UTF-8 (a paste from a Latin-1 file, tmux send-keys of a raw byte, line
// noise on a serial link) makes its input loop retry that byte forever, at
// 100% CPU, and no key is read again. This decoder drops such bytes (a
// U+FFFD would not help: tcell reads one back as three Latin-1 keys) and
// passes everything else; output is validated as before.
type terminalUTF8 struct{}

func (terminalUTF8) NewDecoder() *encoding.Decoder {
	return &encoding.Decoder{Transformer: runes.Remove(runes.Predicate(func(r rune) bool { return r == utf8.RuneError }))}
}

func (terminalUTF8) NewEncoder() *encoding.Encoder {
	return &encoding.Encoder{Transformer: encoding.UTF8Validator}
}

// lenientUTF8 registers terminalUTF8 once. tcell's encodings are a package
// table, so this is set before the first screen opens and never changed.
var lenientUTF8 sync.Once

func useLenientUTF8() {
	lenientUTF8.Do(func() {
		for _, name := range []string{"utf-8", "utf8"} {
			tcell.RegisterEncoding(name, terminalUTF8{})
		}
	})
}
