//go:build bench

package e2e

import (
	"context"
	crand "crypto/rand"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"jarvis/crypto"
	"jarvis/store"
)

// bSearchContacts share the messages of a search account round-robin.
const bSearchContacts = 10

// bSearchAccount is a data directory of sealed 1:1 messages with varied
// text, and the same texts in memory for the references.
type bSearchAccount struct {
	dir      string
	texts    []string // in the order stored
	populate time.Duration
}

// bSearchVocab is a vocabulary of made-up words, some accented, drawn
// with a Zipf law as real words are: a few very common, most rare.
type bSearchVocab struct {
	words []string
	zipf  *rand.Zipf
	rng   *rand.Rand
}

func newBSearchVocab(seed uint64) *bSearchVocab {
	rng := rand.New(rand.NewPCG(seed, 1))
	syll := strings.Fields("ka lo mi ne ru sa te vo bi da fe gu ha ji ko lu ma ni po qui ra si tu va we xo ya zu é è ö ü ñ")
	v := &bSearchVocab{rng: rng}
	seen := map[string]bool{}
	for len(v.words) < 30000 {
		var b strings.Builder
		for range 1 + rng.IntN(4) {
			b.WriteString(syll[rng.IntN(len(syll))])
		}
		if w := b.String(); !seen[w] && len(w) > 2 {
			seen[w] = true
			v.words = append(v.words, w)
		}
	}
	v.zipf = rand.NewZipf(rng, 1.07, 2, uint64(len(v.words)-1))
	return v
}

// text is a message of 4 to 16 words, now and then capitalised.
func (v *bSearchVocab) text() string {
	n := 4 + v.rng.IntN(13)
	ws := make([]string, n)
	for i := range ws {
		ws[i] = v.words[v.zipf.Uint64()]
		if v.rng.IntN(10) == 0 {
			r, size := utf8.DecodeRuneInString(ws[i])
			ws[i] = string(unicode.ToUpper(r)) + ws[i][size:]
		}
	}
	return strings.Join(ws, " ")
}

// bPopulateSearch writes msgs sealed messages through the store, as
// received from bSearchContacts contacts.
func bPopulateSearch(t testing.TB, msgs int) *bSearchAccount {
	t.Helper()
	ctx := context.Background()
	acc := &bSearchAccount{dir: bNewDir(t, "search")}
	t0 := time.Now()
	s := bCreateStore(t, acc.dir, "Searcher")
	defer s.Close()
	base := time.Now().Add(-time.Duration(msgs) * time.Second)
	contacts := make([]crypto.ID, bSearchContacts)
	for i := range contacts {
		id, err := crypto.GenerateIdentity(crand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		c := store.Contact{ID: id.Public().ID(), Keys: id.Public(), Name: fmt.Sprintf("contact %02d", i),
			Addrs: []string{"127.0.0.1:9"}, State: store.ContactAccepted, CreatedAt: base, LastActivity: base}
		if err := s.PutContact(ctx, c); err != nil {
			t.Fatal(err)
		}
		contacts[i] = c.ID
	}
	v := newBSearchVocab(14)
	acc.texts = make([]string, 0, msgs)
	const batch = 5000
	for done := 0; done < msgs; done += batch {
		page := make([]store.Message, min(batch, msgs-done))
		for i := range page {
			var mid crypto.MessageID
			crand.Read(mid[:])
			text := v.text()
			acc.texts = append(acc.texts, text)
			page[i] = store.Message{ID: mid, Contact: contacts[(done+i)%len(contacts)], Text: text,
				SentAt: base.Add(time.Duration(done+i) * time.Second), State: store.StateSeen}
		}
		if _, err := s.AddIncoming(ctx, page); err != nil {
			t.Fatal(err)
		}
	}
	acc.populate = time.Since(t0)
	return acc
}

// bCreateStore makes a store in dir with a new identity called name,
// under the bench passphrase and a cheap KDF.
func bCreateStore(t testing.TB, dir, name string) *store.Store {
	t.Helper()
	s, err := store.Open(filepath.Join(dir, "jarvis.db"))
	if err != nil {
		t.Fatal(err)
	}
	me, err := crypto.GenerateIdentity(crand.Reader)
	if err != nil {
		s.Close()
		t.Fatal(err)
	}
	if err := s.CreateIdentity(context.Background(), []byte(benchPass), bCheapKDF(t), me, name); err != nil {
		s.Close()
		t.Fatal(err)
	}
	return s
}

// bLogReport logs a section's rows, details and notes, for a section run
// alone.
func bLogReport(t *testing.T, r *bReport) {
	for _, x := range r.rows {
		t.Logf("| %s | %s | %s | %s | %s | %s | %s |", x.figure, x.value, x.spread, x.reference, x.ratio, x.target, x.verdict)
	}
	for _, d := range append(r.details, r.notes...) {
		t.Log(d)
	}
}

// bSearchQueries are n three-word queries, each three neighbouring words
// of a stored message picked at random, typed as a user types them: the
// last word without a space after it, so it also matches as a prefix.
func bSearchQueries(texts []string, n int) []string {
	rng := rand.New(rand.NewPCG(7, 7))
	out := make([]string, n)
	for i := range out {
		ws := strings.Fields(texts[rng.IntN(len(texts))])
		j := rng.IntN(len(ws) - 2)
		out[i] = strings.ToLower(strings.Join(ws[j:j+3], " "))
	}
	return out
}
