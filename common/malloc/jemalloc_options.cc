// Linked into every executable that uses jemalloc (equilink_fast_malloc in the
// top-level CMakeLists.txt), never into a library: jemalloc reads this symbol
// once, at start-up. MALLOC_CONF in the environment still overrides it.
//
// One arena instead of jemalloc's default of four per core. The gateway's and
// the client's threads hand buffers to each other (gRPC slices, protobuf
// arenas, SQLite pages); spread over eight arenas that memory kept being
// purged and touched afresh, and each page fault is expensive in a VM. In a
// 1M-record end-to-end run one arena halved the gateway's page faults (~165k
// to ~70k), cut its CPU by ~10% and the client's peak RSS from ~95 to ~69 MB.
// Thread caches still serve most allocations without taking the arena lock.
// An operator on a many-core machine can set MALLOC_CONF=narenas:<n>.
extern "C" {
// NOLINTNEXTLINE: the name is jemalloc's interface.
const char* malloc_conf = "narenas:1";
}
