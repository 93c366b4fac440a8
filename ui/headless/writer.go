package headless

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"unicode/utf16"
	"unicode/utf8"

	"jarvis/crypto"
)

// jsonWriter writes one JSON object per line from many goroutines, and
// flushes when it has nothing more to write so a burst costs few syscalls.
type jsonWriter struct {
	lines chan any
	done  chan struct{}
}

func newJSONWriter(w io.Writer) *jsonWriter {
	j := &jsonWriter{lines: make(chan any, 1024), done: make(chan struct{})}
	go func() {
		defer close(j.done)
		bw := bufio.NewWriterSize(w, 64<<10)
		var line bytes.Buffer
		enc := json.NewEncoder(&line)
		enc.SetEscapeHTML(false)
		for v := range j.lines {
			line.Reset()
			enc.Encode(v)
			writeEscaped(bw, line.Bytes())
			if len(j.lines) == 0 {
				bw.Flush()
			}
		}
		bw.Flush()
	}()
	return j
}

func (j *jsonWriter) write(v any) { j.lines <- v }

// close flushes everything written so far and stops the writer.
func (j *jsonWriter) close() {
	close(j.lines)
	<-j.done
}

// writeEscaped copies a JSON line to w with every C1 control, bidi
// control and invisible character written as a \u escape. They are legal
// in JSON strings, but a person reading the stream in a terminal would
// have C1 controls interpreted and bidi controls reorder the line; the
// escape decodes to the same string for any JSON reader. Outside strings
// a JSON line holds only ASCII, so every such rune is inside one.
func writeEscaped(w *bufio.Writer, line []byte) {
	for len(line) > 0 {
		i := bytes.IndexFunc(line, needsEscape)
		if i < 0 {
			w.Write(line)
			return
		}
		w.Write(line[:i])
		r, size := utf8.DecodeRune(line[i:])
		if r > 0xffff {
			hi, lo := utf16.EncodeRune(r)
			fmt.Fprintf(w, `\u%04x\u%04x`, hi, lo)
		} else {
			fmt.Fprintf(w, `\u%04x`, r)
		}
		line = line[i+size:]
	}
}

// needsEscape reports the runes writeEscaped spells out (tag characters,
// outside the Basic Multilingual Plane, as a surrogate pair).
func needsEscape(r rune) bool {
	return (r >= 0x80 && r <= 0x9f) || crypto.IsInvisible(r)
}
