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
		direct := openDirect(part, directBatch*chunkSize)
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

// directBatch is how many chunks that wait together go to the disk in
// one direct write: the disk takes a MiB at once faster than four times
// 256 KiB, one after the other.
const directBatch = 4

// write writes the chunks that passed their check and tells the manager
// how each one went, in order. Chunks that wait together, each whole and
// following the one before, go to the disk in one write.
func (w *chunkWriter) write(ctx context.Context, m *fileManager, part *os.File, direct *directWriter, checked <-chan chunkWritten) {
	batch := make([]chunkWritten, 0, directBatch)
	for {
		select {
		case res := <-checked:
			batch = append(batch[:0], res)
		case <-ctx.Done():
			return
		}
	more:
		for len(batch) < directBatch {
			select {
			case res := <-checked:
				batch = append(batch, res)
			default:
				break more
			}
		}
		writeRuns(direct, part, batch)
		for i := range batch {
			m.peers.recycleBulk(batch[i].job.data)
			batch[i].job = chunkJob{}
			if post(ctx, m.core, m.cmds, op[fileManager](batch[i])) != nil {
				return
			}
		}
	}
}

// writeRuns writes the good chunks of batch, each run of chunks that
// follow one another in one direct write where it can (past the page
// cache), and sets each one's error.
func writeRuns(direct *directWriter, part *os.File, batch []chunkWritten) {
	for i := 0; i < len(batch); {
		if batch[i].bad {
			i++
			continue
		}
		run := [][]byte{batch[i].job.data}
		j := i + 1
		for ; j < len(batch) && !batch[j].bad && batch[j].job.off == batch[j-1].job.off+int64(len(batch[j-1].job.data)); j++ {
			run = append(run, batch[j].job.data)
		}
		done, err := direct.writeAt(batch[i].job.off, run...)
		for k := i; k < j; k++ {
			batch[k].err = err
			if !done {
				_, batch[k].err = part.WriteAt(batch[k].job.data, batch[k].job.off)
			}
		}
		i = j
	}
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
