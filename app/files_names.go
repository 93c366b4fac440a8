package app

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxSavedName caps a saved file name, in bytes; most file systems allow 255,
// and " (999)" must still fit.
const maxSavedName = 200

// windowsReserved are device names Windows will not create a file under,
// with any extension.
var windowsReserved = map[string]bool{
	"CON": true, "PRN": true, "AUX": true, "NUL": true,
	"COM1": true, "COM2": true, "COM3": true, "COM4": true, "COM5": true, "COM6": true, "COM7": true, "COM8": true, "COM9": true,
	"LPT1": true, "LPT2": true, "LPT3": true, "LPT4": true, "LPT5": true, "LPT6": true, "LPT7": true, "LPT8": true, "LPT9": true,
}

// SanitizeFileName turns a name a peer offered into one that is safe to
// create in the downloads directory: one path element, no control or bidi
// characters, no leading dot or dash, no Windows-reserved name or
// character, at most maxSavedName bytes. It never returns "".
func SanitizeFileName(name string) string {
	name = strings.ToValidUTF8(name, "_")
	// Only the last element: a name with separators was a path.
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	var b strings.Builder
	for _, r := range name {
		switch {
		case unicode.IsControl(r), unicode.Is(unicode.Bidi_Control, r), r == '\u200b', r == '\ufeff':
			// dropped: they reorder or hide what the user reads
		case strings.ContainsRune(`<>:"|?*`, r):
			b.WriteRune('_')
		default:
			b.WriteRune(r)
		}
	}
	name = strings.TrimSpace(b.String())
	name = strings.TrimRight(name, ". ") // Windows drops trailing dots and spaces
	name = strings.TrimLeft(name, ".-")
	name = strings.TrimSpace(name)
	if base, _, _ := strings.Cut(name, "."); windowsReserved[strings.ToUpper(strings.TrimSpace(base))] {
		name = "_" + name
	}
	name = capName(name, maxSavedName)
	if name == "" {
		return "file"
	}
	return name
}

// capName shortens name to at most n bytes on a rune boundary, keeping a
// short extension.
func capName(name string, n int) string {
	if len(name) <= n {
		return name
	}
	ext := filepath.Ext(name)
	if len(ext) > 16 || !utf8.ValidString(ext) {
		ext = ""
	}
	base := name[:len(name)-len(ext)]
	keep := n - len(ext)
	for keep > 0 && !utf8.RuneStart(base[keep]) {
		keep--
	}
	return base[:keep] + ext
}

// errNoFreeName is returned when every numbered variant of a name is taken.
var errNoFreeName = errors.New("no free file name")

// saveUnique links part into dir under name, or "name (1).ext" and so on
// when taken, never replacing anything, then removes part. A hard link
// fails rather than replace an existing file or follow a symlink there.
// linked, when set, runs between the link and the removal.
func saveUnique(part, dir, name string, linked func(dst string)) (string, error) {
	ext := filepath.Ext(name)
	base := strings.TrimSuffix(name, ext)
	for i := 0; i < 1000; i++ {
		cand := name
		if i > 0 {
			cand = fmt.Sprintf("%s (%d)%s", base, i, ext)
		}
		dst := filepath.Join(dir, cand)
		err := os.Link(part, dst)
		if err == nil {
			if linked != nil {
				linked(dst)
			}
			if err := os.Remove(part); err != nil {
				return dst, fmt.Errorf("remove %s: %w", filepath.Base(part), err)
			}
			return dst, nil
		}
		if !errors.Is(err, os.ErrExist) {
			return "", fmt.Errorf("save file: %w", err)
		}
	}
	return "", errNoFreeName
}

// DefaultDownloads is where received files land without --downloads:
// $XDG_DOWNLOAD_DIR, else on Termux ~/storage/downloads/Jarvis when the
// shared storage is set up, else ~/Downloads/Jarvis.
func DefaultDownloads() string {
	if d := os.Getenv("XDG_DOWNLOAD_DIR"); d != "" && filepath.IsAbs(d) {
		return d
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return filepath.Join(os.TempDir(), "Jarvis")
	}
	if os.Getenv("TERMUX_VERSION") != "" {
		if fi, err := os.Stat(filepath.Join(home, "storage", "downloads")); err == nil && fi.IsDir() {
			return filepath.Join(home, "storage", "downloads", "Jarvis")
		}
	}
	return filepath.Join(home, "Downloads", "Jarvis")
}
