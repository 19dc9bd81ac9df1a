// Package dedup drops re-delivered webhooks: a Set remembers each call id
// for a window (default 3 h) in bounded memory (default at most 2 000 000
// ids), and survives restarts through a state file.
//
// AiRudder retries a webhook that did not get a 200 every minute, up to five
// times, and LAAFFIC's retry policy is unknown, so the same call can arrive
// several times; each must be counted exactly once, also across exporter
// restarts (the set is saved periodically and on shutdown under
// --storage.path and loaded at start).
//
// # What is stored
//
// Not the id string but its 64-bit xxhash (unseeded, hence stable across
// restarts, which the state file relies on), plus the second at which it was
// added (uint32 seconds since 2020-01-01 UTC, good until 2156). The set is
// split by the hash's low bits into up to 32 lock stripes ("shards", each
// holding >= 1024 ids; small sets have one shard). Each shard holds:
//
//   - a FIFO ring of (hash u64, time u32) in two parallel arrays: 12 bytes
//     per slot, no padding. Times never decrease along the ring (a clock that
//     steps back is treated as the latest time seen), so expiry and
//     oldest-first eviction are "pop the head". Entries are numbered in
//     order (uint32 sequence numbers).
//   - an open-addressing hash table (8 bytes per slot, linear probing) with
//     2 slots per ring slot. A slot holds the hash's top 32 bits and the
//     entry's sequence number; it is live while that number is in the ring,
//     and a match is confirmed against the ring's full hash. Popping the
//     head therefore leaves its slot stale without touching the table: an
//     id evicted or expired costs no random memory access, only the id
//     added does (one cache miss in a table larger than the CPU caches,
//     where the table it replaced took two). Adds reuse stale slots on
//     their probe path; once live and stale slots fill three quarters of
//     the table, one pass in table order clears the stale ones.
//
// # Memory per id
//
// With the ring full: 12 + 2*8 = 28 bytes per id. The ring grows by 1.25x
// rather than 2x, so right after a growth step it is 80 % full (15 bytes
// per id). The table grows ahead of the ring, to 1.5 times its capacity,
// because its rebuild touches every entry: right after its step it holds
// 24 bytes per id, so the worst case is 15 + 24 = 39 bytes per id. Growth
// stops at the shard's share of maxEntries, so a full set costs 28 bytes
// per id. Measured with runtime.MemStats (HeapAlloc after GC,
// TestMemoryPerID / BenchmarkMemory2M): 39.4 B/id at 250k ids, 37.0 B/id
// at 1M ids (35.3 MiB), 28.3 B/id at 2M ids (54 MiB) — against a budget of
// 48 B/id. Transient extra memory: one shard's old arrays during a growth
// step (1/32 of the set), one shard's encoded records while saving (about
// 0.75 MB at 2M ids), and the live records while loading.
//
// For comparison, a Go map[uint64]uint32 costs 17 bytes per slot (16-byte
// padded slot plus a control byte) at a load factor that swings between
// 7/16 and 7/8 with each doubling, i.e. 19 to 39 bytes per id before any
// ring; storing the id strings themselves would add 16 bytes of header plus
// the string's bytes (36 for a UUID) per id.
//
// Expiry is lazy: Add pops expired entries from the head of the ring of the
// shard it touches, and Sweep does it for all shards (for an exact Len). A
// ring that falls below a quarter full after expiry is shrunk, so a burst
// does not pin memory.
//
// # Collisions
//
// Two different ids with the same 64-bit hash are treated as one (the
// table's 32 bits only narrow the search): the second
// call would be wrongly dropped. With n ids remembered, a new id collides
// with probability n/2^64, about 1.1e-13 at n = 2M; over a billion webhooks
// that is an expected 1e-4 wrongly dropped calls. (The probability that any
// two of 2M remembered ids collide, the birthday bound n^2/2^65, is about
// 1.1e-7.) Accepted in exchange for fixed-size entries.
//
// # Time and limits
//
// Times are whole seconds: an id added during second T is a duplicate until
// second T+window (exclusive); the window is rounded up to whole seconds. A
// new window (SetLimits) applies to ids already remembered, since entries
// store when they were added, not when they expire. When a shard is full the
// oldest id of that shard is evicted and counted (Evictions); shard shares
// sum to exactly maxEntries, and since the hash spreads ids evenly over the
// shards, each shard's oldest is close to the set's oldest (exactly so for
// sets under 2048 ids, which have one shard).
//
// # State file
//
// Little-endian: a 32-byte header (magic "AIRDEDUP", version 1, flags 0,
// base Unix time, entry count), 12-byte records (hash, seconds since base),
// and an 8-byte xxhash64 trailer covering header and records, so truncation,
// bit flips and foreign files are all rejected. SaveFile writes a temp file
// in the same directory, fsyncs, renames and fsyncs the directory; it locks
// one shard at a time only while copying its records (~0.1 ms per shard at
// 2M ids), so Add never waits on disk I/O. LoadFile skips expired entries,
// clamps future times to now, and on any error leaves the set empty for the
// caller to log and carry on.
package dedup
