// Package tornet starts a private Tor network on 127.0.0.1 from the stock tor binaries (one directory authority and
// four relays), for tests that need real onion services without the internet. It is test support: nothing in the
// product imports it.
package tornet

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"jarvis/p2p/tor/internal/torproc"
)

// Relays is how many relays run beside the authority. With fewer than five relays in all, vanguards-lite path
// selection sometimes fails to build onion-service circuits.
const Relays = 4

// Network is a running private Tor network. Close stops every process it started.
type Network struct {
	procs      []*torproc.Process
	controls   []*torproc.Control
	clientRC   []string
	ReadyAfter time.Duration // from Start until every relay knew every other
}

// Start builds the network under dir (which must exist and be private to the caller) and returns once it is usable
// by clients: the consensus lists every relay and every relay holds every microdescriptor. Starting clients earlier
// makes them bootstrap on a half-empty network and back off for about 100 s. On error nothing is left running.
func Start(ctx context.Context, dir string) (_ *Network, err error) {
	began := time.Now()
	bin, err := exec.LookPath("tor")
	if err != nil {
		return nil, errors.New("tornet: tor not found on PATH (install the tor package)")
	}
	n := &Network{}
	defer func() {
		if err != nil {
			_ = n.Close()
		}
	}()
	geoip := filepath.Join(dir, "geoip-empty")
	if err := os.WriteFile(geoip, nil, 0o600); err != nil {
		return nil, err
	}
	ports, err := freePorts(Relays + 2)
	if err != nil {
		return nil, err
	}
	dirPort, authOR := ports[0], ports[1]
	authDir := filepath.Join(dir, "auth")
	v3ident, err := authorityKeys(ctx, authDir, dirPort)
	if err != nil {
		return nil, err
	}
	common := func(nick string, orPort int) []string {
		return []string{
			"Nickname " + nick,
			"TestingTorNetwork 1",
			"SocksPort 0",
			"ORPort 127.0.0.1:" + strconv.Itoa(orPort),
			"Address 127.0.0.1",
			"AssumeReachable 1",
			"ExitRelay 0",
			"GeoIPFile " + geoip,
			"GeoIPv6File " + geoip,
		}
	}
	authRC := append(common("auth", authOR),
		"DirPort 127.0.0.1:"+strconv.Itoa(dirPort),
		"AuthoritativeDirectory 1",
		"V3AuthoritativeDirectory 1",
		"TestingV3AuthInitialVotingInterval 5",
		"TestingV3AuthInitialVoteDelay 2",
		"TestingV3AuthInitialDistDelay 2",
		"V3AuthVotingInterval 10",
		"V3AuthVoteDelay 2",
		"V3AuthDistDelay 2",
		"TestingDirAuthVoteGuard *",
		"TestingDirAuthVoteHSDir *",
		// Fast and Stable are measured, so a young network gives them to some relays and not others, and the set
		// changes from one consensus to the next. Vanguards-lite picks its layer-2 nodes among Fast and Stable relays;
		// with only some of five eligible, clients fail "hop #2" for minutes. Guarantee both to every relay.
		"AuthDirFastGuarantee 1",
		"AuthDirVoteStableGuaranteeMinUptime 0",
		"AuthDirVoteStableGuaranteeMTBF 0",
	)
	fpr, err := fingerprint(ctx, bin, authDir, authOR)
	if err != nil {
		return nil, err
	}
	dirAuthority := fmt.Sprintf("DirAuthority auth orport=%d no-v2 v3ident=%s 127.0.0.1:%d %s", authOR, v3ident, dirPort, fpr)
	n.clientRC = []string{"TestingTorNetwork 1", dirAuthority, "GeoIPFile " + geoip, "GeoIPv6File " + geoip,
		// With one primary guard in use, a client on five relays often builds onion-service circuits whose last hop
		// is that guard; the middle relay will not extend back and destroys them, and after repeated failures tor
		// pauses for about a minute (bootstraps of 51–67 s at 95 %). Three guards to choose from: 49 such circuits
		// in five bootstraps fell to 2, and every bootstrap took 2–3 s.
		"NumEntryGuards 3"}

	if err := n.start(ctx, bin, authDir, append(authRC, dirAuthority)); err != nil {
		return nil, err
	}
	for i := range Relays {
		nick := "relay" + strconv.Itoa(i)
		if err := n.start(ctx, bin, filepath.Join(dir, nick), append(common(nick, ports[2+i]), dirAuthority)); err != nil {
			return nil, err
		}
	}
	if err := n.waitReady(ctx, dirPort); err != nil {
		return nil, err
	}
	n.ReadyAfter = time.Since(began)
	return n, nil
}

// ClientTorrc is what a client tor needs in its torrc to join this network and nothing else.
func (n *Network) ClientTorrc() []string { return append([]string(nil), n.clientRC...) }

// Close stops every tor of the network (SIGTERM, then SIGKILL after 10 s, all at once) and waits for them.
func (n *Network) Close() error {
	for _, c := range n.controls {
		_ = c.Close()
	}
	errs := make(chan error, len(n.procs))
	for _, p := range n.procs {
		go func() { errs <- p.Stop() }() // joined below
	}
	var all error
	for range n.procs {
		all = errors.Join(all, <-errs)
	}
	n.procs, n.controls = nil, nil
	return all
}

func (n *Network) start(ctx context.Context, bin, dataDir string, rc []string) error {
	p, err := torproc.Start(ctx, torproc.Options{Binary: bin, DataDir: dataDir, Torrc: rc})
	if err != nil {
		return fmt.Errorf("tornet: %s: %w", filepath.Base(dataDir), err)
	}
	n.procs = append(n.procs, p)
	c, err := torproc.DialControl(ctx, p.ControlAddr())
	if err != nil {
		return fmt.Errorf("tornet: %s: %w", filepath.Base(dataDir), err)
	}
	n.controls = append(n.controls, c)
	return nil
}

// authorityKeys makes the authority's v3 identity, signing key and certificate, and returns the identity
// fingerprint (the DirAuthority line's v3ident).
func authorityKeys(ctx context.Context, dataDir string, dirPort int) (string, error) {
	keys := filepath.Join(dataDir, "keys")
	if err := os.MkdirAll(keys, 0o700); err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, "tor-gencert", "--create-identity-key", "-m", "12",
		"-a", "127.0.0.1:"+strconv.Itoa(dirPort),
		"-i", filepath.Join(keys, "authority_identity_key"),
		"-s", filepath.Join(keys, "authority_signing_key"),
		"-c", filepath.Join(keys, "authority_certificate"),
		"--passphrase-fd", "0")
	cmd.Stdin = strings.NewReader("\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("tornet: tor-gencert: %w: %s", err, out)
	}
	cert, err := os.ReadFile(filepath.Join(keys, "authority_certificate"))
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(string(cert), "\n") {
		if f, ok := strings.CutPrefix(line, "fingerprint "); ok {
			return strings.TrimSpace(f), nil
		}
	}
	return "", errors.New("tornet: no fingerprint line in the authority certificate")
}

// fingerprint makes the relay keys of the node at dataDir and returns its relay fingerprint. The torrc is minimal:
// TestingTorNetwork would demand a DirAuthority line, which needs this very fingerprint.
func fingerprint(ctx context.Context, bin, dataDir string, orPort int) (string, error) {
	torrc := filepath.Join(dataDir, "torrc-fingerprint")
	body := strings.Join([]string{"DataDirectory " + dataDir, "Nickname auth", "SocksPort 0",
		"ORPort 127.0.0.1:" + strconv.Itoa(orPort), "Address 127.0.0.1", "Log err stderr"}, "\n") + "\n"
	if err := os.WriteFile(torrc, []byte(body), 0o600); err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, bin, "--list-fingerprint", "--defaults-torrc", os.DevNull, "-f", torrc)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("tornet: tor --list-fingerprint: %w: %s", err, out)
	}
	b, err := os.ReadFile(filepath.Join(dataDir, "fingerprint"))
	if err != nil {
		return "", err
	}
	f := strings.Fields(string(b)) // "nick FINGERPRINT"
	if len(f) != 2 {
		return "", errors.New("tornet: unreadable fingerprint file")
	}
	return f[1], nil
}

// waitReady polls until the authority's microdescriptor consensus lists every relay (Running, Fast and Stable) and every relay holds a
// microdescriptor for each of them (tor 0.4.9 microdescriptors carry only an ntor-onion-key line; the TAP onion-key
// line is gone).
func (n *Network) waitReady(ctx context.Context, dirPort int) error {
	want := Relays + 1
	url := "http://127.0.0.1:" + strconv.Itoa(dirPort) + "/tor/status-vote/current/consensus-microdesc"
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	listed, held := 0, false
	for {
		consensus := fetch(ctx, url)
		if listed = countFastStable(consensus); listed >= want {
			if held = n.everyRelayHolds(want); held {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("tornet: network not ready (consensus lists %d of %d relays as Running, Fast and Stable; all microdescriptors everywhere: %v): %w",
				listed, want, held, ctx.Err())
		case <-tick.C:
		}
		for _, p := range n.procs {
			select {
			case <-p.Done():
				return errors.New("tornet: a tor of the network exited")
			default:
			}
		}
	}
}

func (n *Network) everyRelayHolds(want int) bool {
	for _, c := range n.controls {
		mds, err := c.GetInfo("md/all")
		if err != nil || countPrefix(mds, "ntor-onion-key") < want {
			return false
		}
	}
	return true
}

func fetch(ctx context.Context, url string) string {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return ""
	}
	// Go asks for gzip by default and tor answers with zlib (deflate), which Go does not undo: ask for plain text.
	req.Header.Set("Accept-Encoding", "identity")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return ""
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return string(b)
}

// countFastStable counts the relays of a consensus that have both the Fast and the Stable flag.
func countFastStable(consensus string) int {
	n := 0
	for _, line := range strings.Split(consensus, "\n") {
		if flags, ok := strings.CutPrefix(line, "s "); ok {
			f := strings.Fields(flags)
			if slices.Contains(f, "Fast") && slices.Contains(f, "Stable") && slices.Contains(f, "Running") {
				n++
			}
		}
	}
	return n
}

func countPrefix(text, prefix string) int {
	n := 0
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, prefix) {
			n++
		}
	}
	return n
}

// freePorts asks the kernel for n distinct free loopback ports. Another process could take one before tor binds it;
// on this test machine that has not happened, and tor then fails loudly rather than silently.
func freePorts(n int) ([]int, error) {
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
