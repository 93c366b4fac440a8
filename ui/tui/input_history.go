package tui

// maxInputHistory caps the lines one conversation remembers.
const maxInputHistory = 100

// inputHistory is what was sent or run from the input line in one
// conversation, for Up and Down as in a shell or irssi. It lives in memory
// only: nothing typed is written anywhere by it.
type inputHistory struct {
	lines []string
	at    int    // the line shown; len(lines) for the one being typed
	draft string // the line being typed, kept while walking back
}

// add remembers a line just sent, and goes back to a fresh one.
func (h *inputHistory) add(line string) {
	if n := len(h.lines); n == 0 || h.lines[n-1] != line {
		h.lines = append(h.lines, line)
	}
	if len(h.lines) > maxInputHistory {
		h.lines = h.lines[len(h.lines)-maxInputHistory:]
	}
	h.at, h.draft = len(h.lines), ""
}

// back returns the line before the one shown, given the text on the
// line now; false at the oldest.
func (h *inputHistory) back(current string) (string, bool) {
	if h.at == 0 {
		return "", false
	}
	if h.at >= len(h.lines) {
		h.at, h.draft = len(h.lines), current
	}
	h.at--
	return h.lines[h.at], true
}

// forward returns the line after the one shown (at the end, the draft);
// false when already there.
func (h *inputHistory) forward() (string, bool) {
	if h.at >= len(h.lines) {
		return "", false
	}
	h.at++
	if h.at == len(h.lines) {
		return h.draft, true
	}
	return h.lines[h.at], true
}

// walkHistory puts the previous (delta < 0) or next line of the open
// conversation's history on the input line.
func (u *UI) walkHistory(delta int) {
	h := &u.main.history
	if conv := u.convs[u.cur]; conv != nil {
		h = &conv.history
	}
	var line string
	var ok bool
	if delta < 0 {
		line, ok = h.back(u.main.input.GetText())
	} else {
		line, ok = h.forward()
	}
	if ok {
		u.main.input.SetText(line)
	}
}
