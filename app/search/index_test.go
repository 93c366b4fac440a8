package search

import (
	"slices"
	"testing"
	"time"

	"jarvis/crypto"
	"jarvis/store"
)

var (
	alice = crypto.ID{1}
	bob   = crypto.ID{2}
	chat  = store.ContactChat(alice)
	team  = store.GroupChat(crypto.GroupID{9})
	t0    = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
)

// doc0 makes message n of conv, n minutes after t0.
func doc0(n byte, conv store.ConversationID, author crypto.ID, text string) Doc {
	return Doc{ID: crypto.MessageID{n}, Conversation: conv, Author: author,
		At: t0.Add(time.Duration(n) * time.Minute), Cursor: int64(n), Text: text}
}

func sample() *Index {
	x := New()
	x.Fill([]Doc{
		doc0(1, chat, alice, "Meet me at the Café tomorrow"),
		doc0(2, chat, alice, "the cafe was closed"),
		doc0(3, team, bob, "CAFÉ CRÈME for everyone"),
		doc0(4, team, alice, "cafeteria lunch, anyone?"),
		doc0(5, team, bob, "Über-cool: naïve résumé"),
		doc0(6, chat, bob, "東京で会いましょう"),
		doc0(7, chat, alice, "unrelated words only"),
	})
	return x
}

func ids(hits []Hit) []byte {
	out := make([]byte, len(hits))
	for i, h := range hits {
		out[i] = h.ID[0]
	}
	return out
}

func TestSearchFindsAndRanks(t *testing.T) {
	tests := []struct {
		name  string
		q     Query
		want  []byte
		whole []bool
	}{
		{"case and accents fold, whole words first, newest first", Query{Text: "cafe"}, []byte{3, 2, 1, 4}, []bool{true, true, true, false}},
		{"accented query finds plain text", Query{Text: "CAFÉ "}, []byte{3, 2, 1}, nil},
		{"every word must match", Query{Text: "cafe closed"}, []byte{2}, nil},
		{"the last word is a prefix while typing", Query{Text: "the caf"}, []byte{2, 1}, nil},
		{"a finished last word is whole", Query{Text: "the caf "}, nil, nil},
		{"earlier words are whole words", Query{Text: "caf closed"}, nil, nil},
		{"only this conversation", Query{Text: "cafe", In: team}, []byte{3, 4}, nil},
		{"an unknown conversation finds nothing", Query{Text: "cafe", In: store.ContactChat(crypto.ID{7})}, nil, nil},
		{"limit keeps the newest when none is whole", Query{Text: "caf", Limit: 2}, []byte{4, 3}, nil},
		{"accents in the text", Query{Text: "uber naive resume"}, []byte{5}, nil},
		{"ideographs match one by one", Query{Text: "東京"}, []byte{6}, nil},
		{"no words, no results", Query{Text: " ,.! "}, nil, nil},
		{"a missing word finds nothing", Query{Text: "cafe zebra"}, nil, nil},
	}
	x := sample()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := x.Search(tt.q)
			if !slices.Equal(ids(got), tt.want) {
				t.Fatalf("Search(%+v) = %v, want %v", tt.q, ids(got), tt.want)
			}
			for i, w := range tt.whole {
				if got[i].Whole != w {
					t.Errorf("hit %d whole = %v, want %v", i, got[i].Whole, w)
				}
			}
		})
	}
}

func TestSearchHitCarriesWhereToFindTheMessage(t *testing.T) {
	got := sample().Search(Query{Text: "creme"})
	want := Hit{ID: crypto.MessageID{3}, Conversation: team, Author: bob, At: t0.Add(3 * time.Minute), Cursor: 3, Whole: true}
	if len(got) != 1 || !got[0].At.Equal(want.At) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	got[0].At = want.At
	if got[0] != want {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}

func TestIndexFollowsChanges(t *testing.T) {
	x := sample()
	x.Reserve(100) // room made after messages are in keeps them
	x.Put(doc0(8, chat, bob, "a new cafe opened"))
	if got := ids(x.Search(Query{Text: "cafe opened"})); !slices.Equal(got, []byte{8}) {
		t.Fatalf("new message: %v", got)
	}
	x.Put(doc0(2, chat, alice, "the bar was closed")) // an edit
	if got := ids(x.Search(Query{Text: "cafe "})); !slices.Equal(got, []byte{8, 3, 1}) {
		t.Fatalf("after the edit, cafe: %v", got)
	}
	if got := ids(x.Search(Query{Text: "bar closed"})); !slices.Equal(got, []byte{2}) {
		t.Fatalf("after the edit, bar: %v", got)
	}
	if !x.Edit(crypto.MessageID{8}, "a new bar opened") || x.Edit(crypto.MessageID{99}, "cafe") {
		t.Fatal("Edit of an indexed message failed, or of an unknown one succeeded")
	}
	if got := x.Search(Query{Text: "bar opened"}); len(got) != 1 || got[0].ID != (crypto.MessageID{8}) || got[0].Cursor != 8 {
		t.Fatalf("after Edit: %+v", got)
	}
	x.Put(doc0(8, chat, bob, "a new cafe opened")) // edited back
	x.Remove(crypto.MessageID{3})                  // a delete
	x.Fill([]Doc{doc0(3, team, bob, "cafe"), doc0(1, chat, alice, "stale copy")})
	if got := ids(x.Search(Query{Text: "cafe "})); !slices.Equal(got, []byte{8, 1}) {
		t.Fatalf("after the delete and a stale fill: %v", got)
	}
	x.RemoveConversation(chat)
	if got := ids(x.Search(Query{Text: "cafe"})); !slices.Equal(got, []byte{4}) {
		t.Fatalf("after removing the chat: %v", got)
	}
	if x.Len() != 2 {
		t.Fatalf("Len = %d, want 2", x.Len())
	}
}

func TestPrefixFindsWordsAddedAfterTheDictionaryWasSorted(t *testing.T) {
	x := New()
	var docs []Doc
	for i := range 600 { // past the merge threshold, so some words are sorted and some fresh
		docs = append(docs, Doc{ID: crypto.MessageID{byte(i), byte(i >> 8)}, Conversation: chat, Author: alice,
			At: t0, Text: "word" + string(rune('a'+i%26)) + string(rune('a'+i/26))})
	}
	x.Fill(docs)
	if got := x.Search(Query{Text: "word", Limit: MaxLimit}); len(got) != 500 {
		t.Fatalf("prefix found %d, want the limit 500", len(got))
	}
	if got := x.Search(Query{Text: "wordzw "}); len(got) != 1 {
		t.Fatalf("the last word added: %d hits", len(got))
	}
}

func TestHighlights(t *testing.T) {
	tests := []struct {
		text, query string
		want        [][2]int
	}{
		{"Meet at the Café!", "cafe", [][2]int{{12, 17}}},
		{"Meet at the Café!", "meet caf", [][2]int{{0, 4}, {12, 17}}},
		{"nothing here", "cafe", nil},
		{"東京で", "京", [][2]int{{3, 6}}},
	}
	for _, tt := range tests {
		if got := Highlights(tt.text, tt.query); !slices.Equal(got, tt.want) {
			t.Errorf("Highlights(%q, %q) = %v, want %v", tt.text, tt.query, got, tt.want)
		}
	}
}
