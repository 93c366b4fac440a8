package headless

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// lineFor is a JSON line for cmd that gives every field it needs.
func lineFor(c command, skip string) []byte {
	m := map[string]any{"cmd": c.name}
	for _, f := range c.needs {
		if f != skip {
			m[f] = "x"
		}
	}
	b, _ := json.Marshal(m)
	return b
}

// recording is a headless whose handlers only record which entry ran.
func recording() (*headless, *string) {
	h := &headless{commands: newCommands()}
	ran := new(string)
	for i := range h.commands.list {
		name := h.commands.list[i].name
		h.commands.list[i].run = func(*headless, context.Context, request) error {
			*ran = name
			return nil
		}
	}
	return h, ran
}

func TestEveryCommandDispatchesToItsOwnEntry(t *testing.T) {
	for _, c := range commandTable() {
		t.Run(c.name, func(t *testing.T) {
			h, ran := recording()
			var r request
			if err := json.Unmarshal(lineFor(c, ""), &r); err != nil {
				t.Fatal(err)
			}
			if err := h.dispatch(context.Background(), r); err != nil {
				t.Fatalf("a line with every needed field failed: %v", err)
			}
			if *ran != c.name {
				t.Errorf("ran %q, want %q", *ran, c.name)
			}
		})
	}
}

func TestAMissingFieldSaysWhatToSend(t *testing.T) {
	for _, c := range commandTable() {
		for _, f := range c.needs {
			t.Run(c.name+" without "+f, func(t *testing.T) {
				h, ran := recording()
				var r request
				if err := json.Unmarshal(lineFor(c, f), &r); err != nil {
					t.Fatal(err)
				}
				err := h.dispatch(context.Background(), r)
				if err == nil || *ran != "" {
					t.Fatalf("dispatched without %q (err %v)", f, err)
				}
				want := c.name + ` needs "` + f + `"; send ` + c.example()
				if err.Error() != want {
					t.Errorf("error %q, want %q", err, want)
				}
				for _, need := range c.needs {
					if !strings.Contains(err.Error(), `"`+need+`":`) {
						t.Errorf("error %q does not show field %q", err, need)
					}
				}
			})
		}
	}
}

func TestUnknownOrMissingCmdPointsToHelp(t *testing.T) {
	tests := []struct {
		name, cmd string
		want      []string
	}{
		{"an unknown cmd", "sned", []string{`unknown command "sned"`, "send, read", `{"cmd":"help"}`}},
		{"no cmd", "", []string{`missing "cmd"`, `{"cmd":"help"}`}},
		{"a cmd in the wrong case", "Send", []string{`unknown command "Send"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, ran := recording()
			err := h.dispatch(context.Background(), request{Cmd: tt.cmd, To: "x", Text: "x"})
			if err == nil || *ran != "" {
				t.Fatalf("dispatched %q (err %v)", tt.cmd, err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestHistoryTakesIDForWith(t *testing.T) {
	h, ran := recording()
	if err := h.dispatch(context.Background(), request{Cmd: "history", ID: "bob"}); err != nil || *ran != "history" {
		t.Fatalf("history with \"id\": ran %q, err %v", *ran, err)
	}
}

func TestQuitEndsTheSession(t *testing.T) {
	h := &headless{commands: newCommands()}
	if err := h.dispatch(context.Background(), request{Cmd: "quit"}); !errors.Is(err, errQuit) {
		t.Fatalf("quit returned %v", err)
	}
}

func TestHelpListsEachCommandOnceAsTheTableSays(t *testing.T) {
	var buf bytes.Buffer
	h := &headless{commands: newCommands(), out: newJSONWriter(&buf)}
	if err := h.dispatch(context.Background(), request{Cmd: "help", Ref: "h"}); err != nil {
		t.Fatal(err)
	}
	h.out.close()
	var got helpLine
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("%v in %s", err, buf.Bytes())
	}
	if got.Event != "help" || got.Ref != "h" {
		t.Errorf("event %q ref %q, want help, h", got.Event, got.Ref)
	}
	seen := map[string]commandJSON{}
	for _, c := range got.Commands {
		if _, dup := seen[c.Cmd]; dup {
			t.Errorf("%q listed twice", c.Cmd)
		}
		seen[c.Cmd] = c
	}
	table := commandTable()
	if len(seen) != len(table) {
		t.Errorf("help lists %d commands, the table has %d", len(seen), len(table))
	}
	for _, c := range table {
		l, ok := seen[c.name]
		switch {
		case !ok:
			t.Errorf("help leaves out %q", c.name)
		case l.Help == "" || strings.Join(l.Needs, ",") != strings.Join(c.needs, ",") ||
			strings.Join(l.Optional, ",") != strings.Join(c.optional, ","):
			t.Errorf("help shows %+v for %q, the table %+v", l, c.name, c)
		}
	}
}

func TestNeededFieldsAreTextFieldsOfTheRequest(t *testing.T) {
	full := request{Code: "x", ID: "x", To: "x", With: "x", Text: "x", Name: "x", File: "x", Path: "x"}
	for _, c := range commandTable() {
		for _, f := range c.needs {
			if full.field(f) == "" {
				t.Errorf("%s needs %q, which is not a text field of a request", c.name, f)
			}
		}
	}
}
