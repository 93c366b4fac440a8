package store

// DriverInfo names the SQLite driver this build carries, for
// `jarvis --version`: the Go module that registers it and the version of
// SQLite it embeds.
type DriverInfo struct {
	Module string // e.g. "github.com/mattn/go-sqlite3"
	SQLite string // e.g. "3.46.1"
}

// Driver reports the SQLite driver compiled in (see driver_cgo.go and
// driver_purego.go for how it is chosen).
func Driver() DriverInfo {
	return DriverInfo{Module: driverModule, SQLite: sqliteVersion()}
}
