package headless

import (
	"bufio"
	"encoding/json"
	"io"
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
		enc := json.NewEncoder(bw)
		enc.SetEscapeHTML(false)
		for v := range j.lines {
			enc.Encode(v)
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
