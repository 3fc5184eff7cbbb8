// demo is a small service-like program whose maps show what mapscope is for:
//
//   - sessions: a cache that is written and never evicted (a leak)
//   - pending:  a map that grew to 200,000 entries and was emptied to 1,000 (bloated: Go maps
//     never shrink)
//   - hits:     per-user counters with a few very hot keys
//   - inflight: a churning map of constant size (inserts and deletes)
//   - per-request maps built inline by the compiler (they never call makemap)
//
// Usage: demo [SECONDS]   (default 20). It prints what it knows about its maps when it exits.
package main

import (
	"fmt"
	"math/rand"
	"os"
	"strconv"
	"time"
)

type Session struct {
	User    string
	Created time.Time
	Data    [64]byte
}

type server struct {
	sessions map[string]*Session
	pending  map[int64][]byte
	hits     map[string]int
	inflight map[int64]int64
	zipf     *rand.Zipf
	seq      int64
}

func newServer(rng *rand.Rand) *server {
	s := &server{
		sessions: make(map[string]*Session),
		pending:  make(map[int64][]byte),
		hits:     make(map[string]int),
		inflight: make(map[int64]int64, 10000),
		zipf:     rand.NewZipf(rng, 1.2, 1, 9999),
	}
	// A batch job once queued 200k items; all but 1k were processed and deleted.
	for i := int64(0); i < 200000; i++ {
		s.pending[i] = nil
	}
	for i := int64(1000); i < 200000; i++ {
		delete(s.pending, i)
	}
	return s
}

//go:noinline
func (s *server) handle(user string) int {
	// A per-request scratch map: small, non-escaping, built inline by the compiler.
	seen := map[byte]bool{}
	for i := 0; i < len(user); i++ {
		seen[user[i]] = true
	}
	s.hits[user]++
	if _, ok := s.sessions[user]; !ok {
		s.sessions[user+":"+strconv.FormatInt(s.seq, 10)] = &Session{User: user, Created: time.Now()}
	}
	s.seq++
	s.inflight[s.seq] = s.seq
	delete(s.inflight, s.seq-10000)
	return len(seen)
}

func main() {
	seconds := 20
	if len(os.Args) > 1 {
		if v, err := strconv.Atoi(os.Args[1]); err == nil && v > 0 {
			seconds = v
		}
	}
	rng := rand.New(rand.NewSource(1))
	s := newServer(rng)
	deadline := time.Now().Add(time.Duration(seconds) * time.Second)
	requests := 0
	for time.Now().Before(deadline) {
		for i := 0; i < 2000; i++ {
			s.handle("user" + strconv.FormatUint(s.zipf.Uint64(), 10))
			requests++
		}
		time.Sleep(50 * time.Millisecond)
	}
	fmt.Printf("demo: %d requests; sessions %d (leaking), pending %d (was 200000), hits %d users, inflight %d\n",
		requests, len(s.sessions), len(s.pending), len(s.hits), len(s.inflight))
}
