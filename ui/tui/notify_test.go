package tui

import (
	"slices"
	"testing"
)

func TestNotificationsShowPeerMarkupAsText(t *testing.T) {
	body := `Bob sent you a message: <a href="https://evil.example">click</a> <img src='http://x/y.png'> & more`
	want := `Bob sent you a message: &lt;a href=&quot;https://evil.example&quot;&gt;click&lt;/a&gt; &lt;img src=&#39;http://x/y.png&#39;&gt; &amp; more`
	desktop := (&notifier{tool: "notify-send"}).args("Jarvis", body)
	if got := desktop[len(desktop)-1]; got != want {
		t.Errorf("notify-send body\n got %s\nwant %s", got, want)
	}
	termux := (&notifier{tool: "termux-notification", termux: true}).args("Jarvis", body)
	if !slices.Contains(termux, body) {
		t.Errorf("termux-notification shows plain text and needs no escaping; args %q", termux)
	}
}
