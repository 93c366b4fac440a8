package headless

import (
	"time"

	"jarvis/app"
)

// The JSON shapes of the headless protocol; README documents each field.

type errorLine struct {
	Event string `json:"event"`
	Ref   string `json:"ref,omitempty"`
	Op    string `json:"op,omitempty"`
	Error string `json:"error"`
}

type codeLine struct {
	Event string `json:"event"`
	Ref   string `json:"ref,omitempty"`
	Code  string `json:"code"`
}

type readyLine struct {
	Event  string   `json:"event"`
	ID     string   `json:"id"`
	Name   string   `json:"name"`
	Listen string   `json:"listen"`
	Addrs  []string `json:"addrs"`
	Code   string   `json:"code"`
}

type contactJSONT struct {
	ID           string   `json:"id"`
	Name         string   `json:"name"`
	State        string   `json:"state"`
	Verified     bool     `json:"verified"`
	Online       bool     `json:"online"`
	Unread       int      `json:"unread"`
	Addrs        []string `json:"addrs"`
	SafetyNumber string   `json:"safety_number"`
	LastActivity int64    `json:"last_activity"`
	Path         string   `json:"path,omitempty"`      // online only: direct | lan | onion
	PathAddr     string   `json:"path_addr,omitempty"` // where it helps: the direct address, or the onion dialled
	LastSeen     int64    `json:"last_seen,omitempty"` // offline: ms since epoch when its last session ended
}

type contactLine struct {
	Event   string       `json:"event"`
	Ref     string       `json:"ref,omitempty"`
	Contact contactJSONT `json:"contact"`
}

type contactsLine struct {
	Event    string         `json:"event"`
	Ref      string         `json:"ref,omitempty"`
	Contacts []contactJSONT `json:"contacts"`
}

type idLine struct {
	Event string `json:"event"`
	ID    string `json:"id"`
	Name  string `json:"name,omitempty"`
}

type peerLine struct {
	Event    string `json:"event"`
	ID       string `json:"id"`
	Online   bool   `json:"online"`
	Path     string `json:"path,omitempty"`
	PathAddr string `json:"path_addr,omitempty"`
	LastSeen int64  `json:"last_seen,omitempty"`
}

type typingLine struct {
	Event  string `json:"event"`
	ID     string `json:"id"`
	Active bool   `json:"active"`
}

type engineLine struct {
	Event string   `json:"event"`
	Up    bool     `json:"up"`
	Error string   `json:"error,omitempty"`
	Tor   torJSONT `json:"tor"`
}

// torJSONT is our Tor path in an engine line.
type torJSONT struct {
	State    string `json:"state"` // off | starting | bootstrapping | ready | unavailable
	Progress int    `json:"progress"`
	Onion    string `json:"onion,omitempty"` // our onion address, once published
	Error    string `json:"error,omitempty"`
}

func torJSON(st app.TorStatus) torJSONT {
	t := torJSONT{State: string(st.State), Progress: st.Progress, Onion: st.Onion}
	if st.Err != nil {
		t.Error = st.Err.Error()
	}
	return t
}

func millis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func contactJSON(c app.Contact) contactJSONT {
	addrs := c.Addrs
	if addrs == nil {
		addrs = []string{}
	}
	return contactJSONT{
		ID: c.ID.String(), Name: c.Name, State: c.State.String(), Verified: c.Verified, Online: c.Online,
		Unread: c.Unread, Addrs: addrs, SafetyNumber: c.SafetyNumber, LastActivity: millis(c.LastActivity),
		Path: c.Path, PathAddr: c.Remote, LastSeen: millis(c.LastSeen),
	}
}

func contactsJSON(list []app.Contact) []contactJSONT {
	out := make([]contactJSONT, len(list))
	for i, c := range list {
		out[i] = contactJSON(c)
	}
	return out
}

// eventJSON maps a core event to its JSON line, nil for events the
// protocol does not show.
func eventJSON(ev app.Event) any {
	switch ev := ev.(type) {
	case app.Ready:
		s := ev.Self
		return readyLine{Event: "ready", ID: s.ID.String(), Name: s.Name, Listen: s.ListenAddr, Addrs: s.Addrs, Code: s.Code}
	case app.EngineStatus:
		l := engineLine{Event: "engine", Up: ev.Up, Tor: torJSON(ev.Tor)}
		if ev.Err != nil {
			l.Error = ev.Err.Error()
		}
		return l
	case app.Failure:
		return errorLine{Event: "error", Op: ev.Op, Error: ev.Err.Error()}
	case app.MessageReceived:
		return receivedLine(ev.Message)
	case app.MessageStatus:
		return statusLine{Event: "status", ID: ev.ID.String(), To: ev.Conversation.String(), State: ev.State.String()}
	}
	if line := contactEventJSON(ev); line != nil {
		return line
	}
	if line := opEventJSON(ev); line != nil {
		return line
	}
	if line := pairEventJSON(ev); line != nil {
		return line
	}
	if line := searchEventJSON(ev); line != nil {
		return line
	}
	if line := fileEventJSON(ev); line != nil {
		return line
	}
	return groupEventJSON(ev)
}

func contactEventJSON(ev app.Event) any {
	switch ev := ev.(type) {
	case app.ContactRequest:
		return contactLine{Event: "contact_request", Contact: contactJSON(ev.Contact)}
	case app.ContactAdded:
		return contactLine{Event: "contact_added", Contact: contactJSON(ev.Contact)}
	case app.ContactUpdated:
		return contactLine{Event: "contact_updated", Contact: contactJSON(ev.Contact)}
	case app.ContactRejected:
		return idLine{Event: "contact_rejected", ID: ev.ID.String(), Name: ev.Name}
	case app.ContactRemoved:
		return idLine{Event: "contact_removed", ID: ev.ID.String()}
	case app.PeerStatus:
		return peerLine{Event: "peer", ID: ev.ID.String(), Online: ev.Online, Path: ev.Path, PathAddr: ev.Remote, LastSeen: millis(ev.LastSeen)}
	case app.Typing:
		return typingLine{Event: "typing", ID: ev.Contact.String(), Active: ev.Active}
	}
	return nil
}
