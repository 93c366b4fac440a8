package tui

import (
	"fmt"
	"strings"

	"rsc.io/qr"
)

// qrQuiet is the light margin a scanner needs around the code, in modules.
const qrQuiet = 2

// qrText renders text as a QR code with half-block characters, two
// modules per character cell vertically. Light modules are drawn as ink,
// so the code reads correctly on the usual dark terminal background; the
// caller may also force light-on-dark colours.
func qrText(text string) (string, error) {
	code, err := qr.Encode(text, qr.L)
	if err != nil {
		return "", fmt.Errorf("make QR code: %w", err)
	}
	light := func(x, y int) bool { return !code.Black(x, y) } // outside the code is light too
	var b strings.Builder
	for y := -qrQuiet; y < code.Size+qrQuiet; y += 2 {
		for x := -qrQuiet; x < code.Size+qrQuiet; x++ {
			top, bottom := light(x, y), light(x, y+1)
			if y+1 >= code.Size+qrQuiet {
				bottom = false
			}
			switch {
			case top && bottom:
				b.WriteRune('█')
			case top:
				b.WriteRune('▀')
			case bottom:
				b.WriteRune('▄')
			default:
				b.WriteRune(' ')
			}
		}
		b.WriteByte('\n')
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}
