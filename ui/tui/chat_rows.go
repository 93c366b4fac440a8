package tui

import (
	"strings"

	"github.com/rivo/uniseg"
)

// piece is a run of text in one style. text is plain: our own words, or
// peer text already made safe by plainPeerText; rows escape it.
type piece struct {
	style string // opening tview tags ("[gray]", "[::b]"), "" for the default
	text  string
}

// cell is one grapheme cluster of a piece, with its width on screen.
type cell struct {
	style string
	text  string
	width int
}

// wrapPieces lays pieces out in rows of at most width cells, breaking
// after a space where it can and always at "\n". Every row after the
// first starts with indent spaces, so a wrapped message continues under
// its text rather than under its time stamp. Widths are those of whole
// grapheme clusters (uniseg), as tview draws them: an emoji with a skin
// tone or a ZWJ sequence is one wide cell, never split. width <= 0 means
// no limit.
func wrapPieces(ps []piece, width, indent int) []string {
	if width <= 0 {
		width = 1 << 30
	}
	indent = min(indent, width/2)
	var rows []string
	var row []cell
	used, lastSpace := 0, -1
	flush := func() {
		rows = append(rows, renderCells(row))
		row, used, lastSpace = []cell{{text: strings.Repeat(" ", indent), width: indent}}, indent, -1
	}
	for _, p := range ps {
		state := -1
		rest := p.text
		for rest != "" {
			var c string
			var w int
			c, rest, w, state = uniseg.FirstGraphemeClusterInString(rest, state)
			if c == "\n" || c == "\r\n" {
				flush()
				continue
			}
			if used+w > width {
				switch {
				case c == " ":
					flush() // the space the row breaks at is not drawn
					continue
				case lastSpace > 0 && lastSpace < len(row)-1 && indent+cellsWidth(row[lastSpace+1:])+w <= width:
					tail := append([]cell(nil), row[lastSpace+1:]...)
					row = row[:lastSpace]
					flush()
					for _, t := range tail {
						row = append(row, t)
						used += t.width
					}
				default:
					flush()
				}
			}
			if c == " " {
				lastSpace = len(row)
			}
			row = append(row, cell{style: p.style, text: c, width: w})
			used += w
		}
	}
	return append(rows, renderCells(row))
}

// renderCells turns one row into tview markup: each run of one style
// opens its tags and resets them after, and text is escaped so it can
// never be read as a tag.
func renderCells(cells []cell) string {
	var b strings.Builder
	for i := 0; i < len(cells); {
		j := i
		var run strings.Builder
		for j < len(cells) && cells[j].style == cells[i].style {
			run.WriteString(cells[j].text)
			j++
		}
		text := escapedTag.ReplaceAllString(run.String(), "$1[]")
		if s := cells[i].style; s != "" {
			b.WriteString(s + text + "[-:-:-]")
		} else {
			b.WriteString(text)
		}
		i = j
	}
	return strings.TrimRight(b.String(), " ")
}

func cellsWidth(cs []cell) int {
	w := 0
	for _, c := range cs {
		w += c.width
	}
	return w
}

// piecesWidth is how many cells pieces take on one row.
func piecesWidth(ps []piece) int {
	w := 0
	for _, p := range ps {
		w += uniseg.StringWidth(p.text)
	}
	return w
}
