package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
)

// resolvConf is where Go's resolver finds the DNS servers on Unix.
const resolvConf = "/etc/resolv.conf"

// errNoDNS is why a host name in a link code cannot be reached on a
// device without DNS configuration, and what to do instead.
var errNoDNS = errors.New("this device has no DNS configuration (/etc/resolv.conf is missing, as on Android): ask your contact for a link code with an IP address or a .onion address")

// directDialer is how the core dials a contact's direct address. Go's
// resolver reads resolv, and where that file is missing (Android, Termux)
// it asks 127.0.0.1:53, where nothing listens on a phone, so a host name
// in a link code fails with a baffling "connection refused". There we
// resolve only what needs no DNS server: IP literals and names in
// /etc/hosts (.onion addresses never come here: they go to Tor); any
// other name fails at once with errNoDNS. We do not fall back to a public
// resolver: that would tell a third party (Termux ships 8.8.8.8) whom we
// are about to contact, and the user never chose it.
func directDialer(resolv string) func(ctx context.Context, addr string) (net.Conn, error) {
	d := &net.Dialer{}
	if _, err := os.Stat(resolv); !errors.Is(err, fs.ErrNotExist) {
		return func(ctx context.Context, addr string) (net.Conn, error) { return d.DialContext(ctx, "tcp", addr) }
	}
	d.Resolver = &net.Resolver{
		PreferGo: true,
		Dial: func(context.Context, string, string) (net.Conn, error) {
			return nil, errNoDNS
		},
	}
	return func(ctx context.Context, addr string) (net.Conn, error) {
		conn, err := d.DialContext(ctx, "tcp", addr)
		// With DNS out of the resolver's reach, every lookup error means
		// the name is in no hosts file and would need a DNS server.
		var dnsErr *net.DNSError
		if errors.As(err, &dnsErr) {
			return nil, fmt.Errorf("dial a host name: %w", errNoDNS)
		}
		return conn, err
	}
}
