package tui

import (
	"strings"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"
)

// centeredBox shows a box in the middle of the screen: as wide as it asks
// (w) but never wider than the screen less a margin, and as tall as its
// content needs at that width (need), or h when it does not say, never
// taller than the screen; w <= 0 takes the whole screen. It is laid out again on every draw, so a phone
// in portrait (42 columns) or a resize never cuts a dialog off.
type centeredBox struct {
	*tview.Flex
	col  *tview.Flex
	box  tview.Primitive
	w, h int
	need func(w int) int // rows box needs at width w; nil: h
}

// centered puts p in the middle of the screen; see centeredBox.
func centered(p tview.Primitive, w, h int, need func(w int) int) tview.Primitive {
	c := &centeredBox{col: tview.NewFlex().SetDirection(tview.FlexRow), box: p, w: w, h: h, need: need}
	c.col.AddItem(nil, 0, 1, false).AddItem(p, h, 0, true).AddItem(nil, 0, 1, false)
	c.Flex = tview.NewFlex().AddItem(nil, 0, 1, false).AddItem(c.col, w, 0, true).AddItem(nil, 0, 1, false)
	return c
}

// Draw sizes the box for the screen, blanks the column on either side
// (a wide character there, CJK or emoji, would otherwise spill over the
// border) and draws it.
func (c *centeredBox) Draw(screen tcell.Screen) {
	x, y, sw, sh := c.GetRect()
	if c.w <= 0 { // the whole screen
		c.ResizeItem(c.col, sw, 0)
		c.col.ResizeItem(c.box, sh, 0)
		c.Flex.Draw(screen)
		return
	}
	w := min(c.w, max(sw-2, 1))
	h := c.h
	if c.need != nil {
		h = c.need(w)
	}
	h = min(h, max(sh-2, 1))
	c.ResizeItem(c.col, w, 0)
	c.col.ResizeItem(c.box, h, 0)
	bx, by := x+(sw-w)/2, y+(sh-h)/2
	for row := by; row < by+h; row++ {
		for _, col := range []int{bx - 1, bx + w} {
			if col >= x && col < x+sw {
				screen.SetContent(col, row, ' ', nil, tcell.StyleDefault)
			}
		}
	}
	c.Flex.Draw(screen)
}

// textRows is how many rows text takes wrapped at width (tags take none).
func textRows(text string, width int) int {
	if width <= 0 {
		return 1
	}
	n := 0
	for _, line := range strings.Split(text, "\n") {
		n += max(1, len(tview.WordWrap(line, width)))
	}
	return n
}
