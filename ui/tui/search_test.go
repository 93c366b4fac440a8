package tui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"

	"jarvis/app"
	"jarvis/crypto"
)

// Search and SearchProgress make the fake core search its history pages
// as the real one would, for a word anywhere in a message.
func (f *fakeCore) Search(_ context.Context, q app.SearchQuery) ([]app.Message, error) {
	var out []app.Message
	for conv, msgs := range f.history {
		for _, m := range msgs {
			if (q.In == (app.ConversationID{}) || q.In == conv) && strings.Contains(strings.ToLower(m.Text), strings.ToLower(strings.TrimSpace(q.Text))) {
				out = append(out, m)
			}
		}
	}
	return out, nil
}

func (f *fakeCore) SearchProgress() (indexed, total int, ready bool) { return 1, 4, false }

func TestSearchOpensTheMessageWithTheHistoryBeforeIt(t *testing.T) {
	bob := newPeer(t, "Bob")
	s, _ := unlockedUI(t, "Alice")
	alice := befriend(t, s, bob, "Bob")
	ctx := context.Background()
	send := func(text string) {
		if _, err := bob.core.Send(ctx, app.ContactChat(alice), text); err != nil {
			t.Fatal(err)
		}
	}
	send("the day before")
	send("Meet me at the Café Crème at noon")
	for i := range pageSize/2 + 10 { // more than the jump loads after the message
		send(fmt.Sprintf("filler %03d", i))
	}
	s.wait("filler 059")
	s.enter("/clear") // the message is no longer on screen: the jump reads it from the store

	s.key(tcell.KeyCtrlF)
	s.wait("Search all conversations")
	s.typeText("cafe crem")
	s.wait("Bob · Bob · Today")
	s.wait("Meet me at the Café Crème at noon")
	if s.seen("the day before") {
		t.Fatalf("a message without the words is listed:\n%s", s.contents())
	}
	s.key(tcell.KeyEnter)
	s.waitGone("Search all conversations")
	s.wait("Bob: the day before")
	s.wait("Bob: Meet me at the Café Crème at noon")
	s.wait("Bob: filler 000") // and what came after it
	if strings.Contains(s.contents(), "filler 059") {
		t.Fatalf("the newest message is shown, not the one found:\n%s", s.contents())
	}
	for range 3 {
		s.key(tcell.KeyPgDn) // past the end of what the jump loaded: the newest
	}
	s.wait("Bob: filler 059")

	s.key(tcell.KeyCtrlF)
	s.key(tcell.KeyCtrlF) // again: this conversation only
	s.wait("Search in Bob")
	s.typeText("filler 042 ")
	s.wait("1 message")
	s.key(tcell.KeyEsc)
	s.waitGone("Search in Bob")
	s.enter("/search --here nothing like this")
	s.wait("No messages match")
}

func TestSearchDialogFollowsTheQueryAndSaysItIsIndexing(t *testing.T) {
	for _, size := range phoneSizes {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			core, bob, team := teamCore()
			at := time.Now()
			core.history[app.ContactChat(bob)] = []app.Message{{ID: crypto.MessageID{1}, Conversation: app.ContactChat(bob),
				Author: bob, AuthorName: "Bob", Text: "lunch at noon?", At: at, Cursor: 1}}
			core.history[app.GroupChat(team)] = []app.Message{{ID: crypto.MessageID{2}, Conversation: app.GroupChat(team),
				Author: bob, AuthorName: "Bob", Text: "[red]lunch[-] is late", At: at, Cursor: 1}}
			s := startWithCore(t, core, size[0], size[1])
			s.wait("Team")
			s.enter("/open Bob")
			s.wait("lunch at noon?")
			s.enter("/search lunch")
			s.wait("indexing 25%")
			s.wait("2 messages")
			s.wait("#Team · Bob")
			s.wait("[red]lunch[-] is late") // peer markup stays literal
			checkFrame(t, s, "Search all conversations", "#Team · Bob")
			s.typeText(" at")
			s.wait("1 message")
			s.wait("lunch at noon?")
			s.key(tcell.KeyEnter)
			s.waitGone("Search all conversations")
			s.wait("Bob: lunch at noon?")
			s.quit()
		})
	}
}

func TestResultLineHighlightsTheWordsAndKeepsTheFirstInView(t *testing.T) {
	tests := []struct {
		text, query string
		width       int
		want        string
	}{
		{"Meet at the Café", "cafe", 40, "Meet at the [::r]Café[-:-:-]"},
		{"first line\nthe café line\nlast", "cafe", 40, "the [::r]café[-:-:-] line"},
		{"one two three four five six seven eight nine ten cafe", "cafe", 20, "…ten [::r]cafe[-:-:-]"},
		{"I will bring the résumé", "resume", 36, "I will bring the [::r]résumé[-:-:-]"}, // fits: no cut
		{"[red]x[-] cafe", "cafe", 40, "[red[]x[-[] [::r]cafe[-:-:-]"},
	}
	for _, tt := range tests {
		if got := resultLine(tt.text, tt.query, tt.width); got != tt.want {
			t.Errorf("resultLine(%q, %q, %d) = %q, want %q", tt.text, tt.query, tt.width, got, tt.want)
		}
	}
}
