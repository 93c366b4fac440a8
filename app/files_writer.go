package app

import (
	"context"
	"os"
	"sync"
)

// chunkWriter checks and writes the chunks of one incoming transfer on
// goroutines of its own, so that the file manager goes on taking the next
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
	bad   bool     // failed its hash: nothing was written
	err   error    // the write failed
	job   chunkJob // between the two stages only
}

// startChunkWriter starts the writer of t's chunks into part: one
// goroutine hashes each chunk while another writes the one before, since a
// direct write mostly waits for the disk. It takes at most queue jobs
// before the manager must wait for answers; the manager's window keeps it
// below that.
func (m *fileManager) startChunkWriter(id TransferID, part *os.File, chunkSize, queue int) *chunkWriter {
	ctx, cancel := context.WithCancel(context.Background())
	w := &chunkWriter{jobs: make(chan chunkJob, queue), cancel: cancel, done: make(chan struct{})}
	checked := make(chan chunkWritten, queue)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		w.check(ctx, id, checked)
	}()
	go func() {
		defer wg.Done()
		direct := openDirect(part, chunkSize)
		defer direct.close()
		w.write(ctx, m, part, direct, checked)
	}()
	go func() {
		wg.Wait()
		close(w.done)
	}()
	return w
}

// check hashes each chunk queued, in order, and passes it on to write.
func (w *chunkWriter) check(ctx context.Context, id TransferID, checked chan<- chunkWritten) {
	for {
		select {
		case j := <-w.jobs:
			res := chunkWritten{w: w, id: id, gen: j.gen, index: j.index, job: j}
			res.bad = chunkHash(j.data) != j.want
			select {
			case checked <- res:
			case <-ctx.Done():
				return
			}
		case <-ctx.Done():
			return
		}
	}
}

// write writes each chunk that passed its check and tells the manager how
// each one went, in order.
func (w *chunkWriter) write(ctx context.Context, m *fileManager, part *os.File, direct *directWriter, checked <-chan chunkWritten) {
	for {
		select {
		case res := <-checked:
			if !res.bad {
				res.err = writeChunkData(direct, part, res.job.data, res.job.off)
			}
			m.peers.recycleBulk(res.job.data)
			res.job = chunkJob{}
			if post(ctx, m.core, m.cmds, op[fileManager](res)) != nil {
				return
			}
		case <-ctx.Done():
			return
		}
	}
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
