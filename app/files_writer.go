package app

import (
	"context"
	"os"
)

// chunkWriter checks and writes the chunks of one incoming transfer on a
// goroutine of its own, so that the file manager goes on taking the next
// chunks, and the network its frames, while one is hashed and written:
// the write waits for the disk (O_DIRECT) or for the page cache, often
// the slowest step of a transfer. The manager owns it: it starts it with
// the transfer's .part file and stops it before that file is closed.
type chunkWriter struct {
	jobs   chan chunkJob
	cancel context.CancelFunc
	done   chan struct{}
}

// chunkJob is one whole chunk to check against its hash and write.
type chunkJob struct {
	gen   int
	index int
	off   int64
	data  []byte
	want  [hashSize]byte
}

// chunkWritten is the writer's answer about one chunk, applied on the
// manager's goroutine.
type chunkWritten struct {
	w     *chunkWriter
	id    TransferID
	gen   int
	index int
	bad   bool  // failed its hash: nothing was written
	err   error // the write failed
}

// startChunkWriter starts the writer of t's chunks into part. It takes at
// most queue jobs before the manager must wait for answers; the manager's
// window keeps it below that.
func (m *fileManager) startChunkWriter(id TransferID, part *os.File, chunkSize, queue int) *chunkWriter {
	ctx, cancel := context.WithCancel(context.Background())
	w := &chunkWriter{jobs: make(chan chunkJob, queue), cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(w.done)
		direct := openDirect(part, chunkSize)
		defer direct.close()
		for {
			select {
			case j := <-w.jobs:
				res := chunkWritten{w: w, id: id, gen: j.gen, index: j.index}
				if res.bad = chunkHash(j.data) != j.want; !res.bad {
					res.err = writeChunkData(direct, part, j.data, j.off)
				}
				m.peers.recycleBulk(j.data)
				if post(ctx, m.core, m.cmds, op[fileManager](res)) != nil {
					return
				}
			case <-ctx.Done():
				return
			}
		}
	}()
	return w
}

// writeChunkData writes b at off: past the page cache where it can.
func writeChunkData(direct *directWriter, part *os.File, b []byte, off int64) error {
	if done, err := direct.writeAt(b, off); done {
		return err
	}
	_, err := part.WriteAt(b, off)
	return err
}

// add queues a chunk; the caller keeps the queue below its capacity.
func (w *chunkWriter) add(j chunkJob) { w.jobs <- j }

// stop ends the writer and waits for it, so the file can be closed. Jobs
// not yet done are dropped: what was not confirmed is fetched again.
func (w *chunkWriter) stop() {
	w.cancel()
	<-w.done
}

func (r chunkWritten) apply(ctx context.Context, m *fileManager) {
	t := m.byID[r.id]
	if t == nil || t.rx == nil || t.rx.writer != r.w {
		return // the transfer ended or restarted meanwhile
	}
	t.rx.writing--
	m.chunkWritten(ctx, t, r)
}
