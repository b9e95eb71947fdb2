#include "server/linkage/blocking.h"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <random>
#include <span>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "server/linkage/dice/dice_kernel.h"
#include "server/linkage/huge_page_array.h"

namespace equilink::linkage {
namespace {

constexpr int kPositions = 1024;  // MinHash universe: bit positions

uint64_t Mix(uint64_t a, uint64_t b) {
  uint64_t h = a * 0x9e3779b97f4a7c15ULL ^ (b + 0x632be59bd9b4e019ULL);
  h ^= h >> 29;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 32;
  return h == 0 ? 1 : h;
}

uint64_t KeyOf(BlockKind kind, uint64_t value) {
  return Mix(static_cast<uint64_t>(kind) + 1, value);
}

// Deterministic tables, so every gateway process (and a relink) derives the
// same bands. Stored position-major (the `count` tables' values for position
// 0, then for position 1, ...): MinHash then takes the minimum of all tables
// at once, one position at a time, a loop of vector minimums instead of a
// table lookup per table per position.
// Each position's values are padded to a multiple of 8 tables (with 0xffff,
// which never lowers a minimum) so the minimum runs 8 lanes at a time.
int PaddedTables(int count) { return (count + 7) & ~7; }

std::vector<uint16_t> MakePermutations(int count, uint64_t seed) {
  const size_t stride = static_cast<size_t>(PaddedTables(count));
  std::vector<uint16_t> table(kPositions);
  std::vector<uint16_t> by_position(stride * kPositions, 0xffff);
  std::mt19937_64 random(seed);
  for (int t = 0; t < count; ++t) {
    for (int i = 0; i < kPositions; ++i) table[i] = static_cast<uint16_t>(i);
    std::shuffle(table.begin(), table.end(), random);
    for (int i = 0; i < kPositions; ++i) {
      by_position[static_cast<size_t>(i) * stride + t] = table[i];
    }
  }
  return by_position;
}

// The block chain of a row: 0 if it holds a checked NHS number (such rows
// meet each other only through the national id key), else 1.
int ChainOf(const FeatureTable& table, Row row) {
  return table.nhs_token(row) != 0 && table.nhs_checked(row) ? 0 : 1;
}

int BirthYear(const FeatureTable& table, Row row) {
  const int32_t months = table.birth_year_month(row);
  return months < 0 ? -1 : months / 12;
}

}  // namespace

const char* BlockKindName(BlockKind kind) {
  switch (kind) {
    case BlockKind::kNationalId:
      return "national_id";
    case BlockKind::kMatchKey1:
      return "match_key_1";
    case BlockKind::kMatchKey2:
      return "match_key_2";
    case BlockKind::kMatchKey3:
      return "match_key_3";
    case BlockKind::kMatchKey4:
      return "match_key_4";
    case BlockKind::kDateOfBirth:
      return "date_of_birth";
    case BlockKind::kSurnameBirthYear:
      return "surname_birth_year";
    case BlockKind::kForenameBirthYear:
      return "forename_birth_year";
    case BlockKind::kPostcodeBirthYear:
      return "postcode_birth_year";
    case BlockKind::kNameLsh:
      return "name_lsh";
    case BlockKind::kRecordClk:
      return "record_clk";
    case BlockKind::kSurnamePostcode:
      return "surname_postcode";
    case BlockKind::kForenamePostcode:
      return "forename_postcode";
    case BlockKind::kAddress:
      return "address";
    case BlockKind::kPostcodeAddressLsh:
      return "postcode_address_lsh";
  }
  return "unknown";
}

// Block keys to a 32-bit value, for a segment: open addressing with linear
// probing in one array of 16-byte slots, so a probe is usually one cache
// line (a Swiss table reads a control byte and then a slot: two misses in a
// table of hundreds of megabytes). Keys are well-mixed hashes and never 0,
// which marks an empty slot; a key's home slot is its high bits scaled to
// the capacity, so the capacity need not be a power of two. Filled once,
// then only read.
class KeyTable {
 public:
  KeyTable() = default;
  // Room for `entries` keys at a load of at most 0.6: an absent key (most
  // of a new row's band keys) is then found absent within four slots on
  // average, where a power-of-two table at a load near 0.25 would hold a
  // million rows' keys in a gigabyte.
  explicit KeyTable(size_t entries)
      : capacity_(std::max<size_t>(16, entries * 5 / 3 + 4)),
        slots_(capacity_) {}
  // `key` must not be in the table yet.
  void Insert(uint64_t key, uint32_t value) {
    size_t i = Home(key);
    while (slots_[i].key != 0) i = Next(i);
    slots_[i] = Slot{.key = key, .value = value, .unused = 0};
    ++size_;
  }
  const uint32_t* Find(uint64_t key) const {
    if (size_ == 0) return nullptr;
    for (size_t i = Home(key);; i = Next(i)) {
      const Slot& slot = slots_[i];
      if (slot.key == key) return &slot.value;
      if (slot.key == 0) return nullptr;
    }
  }
  void Prefetch(uint64_t key) const {
    if (size_ != 0) __builtin_prefetch(&slots_[Home(key)]);
  }
  size_t size() const { return size_; }
  template <typename Visit>
  void ForEach(Visit&& visit) const {
    for (size_t i = 0; i < capacity_; ++i) {
      if (slots_[i].key != 0) visit(slots_[i].key, slots_[i].value);
    }
  }

 private:
  struct Slot {
    uint64_t key;
    uint32_t value;
    uint32_t unused;
  };
  size_t Home(uint64_t key) const {
    // The key's top 32 bits scaled to [0, capacity); capacities stay far
    // below 2^32.
    return static_cast<size_t>(((key >> 32) * capacity_) >> 32);
  }
  size_t Next(size_t i) const { return i + 1 == capacity_ ? 0 : i + 1; }

  size_t capacity_ = 0;
  HugePageArray<Slot> slots_;
  size_t size_ = 0;
};

// The blocks of a contiguous range of rows, immutable once built. A key
// maps either to one member held in the table's value (most LSH band keys
// are held by one row) or to a block: its chain-0 members, then its chain-1
// members, contiguous in members_, each chain ascending.
class BlockIndex::Segment {
 public:
  // The members of `key`'s block in each chain (empty when the segment has
  // no such block). A single member is returned through *single.
  void Find(uint64_t key, Row* single, std::span<const Row> chains[2]) const {
    chains[0] = chains[1] = {};
    const uint32_t* found = index_.Find(key);
    if (found == nullptr) return;
    const uint32_t value = *found;
    if (value & kSingle) {
      *single = value & kSingleRowMask;
      chains[(value & kSingleChain) != 0 ? 1 : 0] = {single, 1};
      return;
    }
    const uint32_t* start = starts_.data() + static_cast<size_t>(value) * 2;
    chains[0] = {members_.data() + start[0], members_.data() + start[1]};
    chains[1] = {members_.data() + start[1], members_.data() + start[2]};
  }
  void Prefetch(uint64_t key) const { index_.Prefetch(key); }

  Row first_row() const { return first_row_; }
  Row end_row() const { return end_row_; }
  size_t rows() const { return end_row_ - first_row_; }

  // Builds a segment from (key, row) memberships in row order.
  class Builder {
   public:
    explicit Builder(Row first_row) : first_row_(first_row) {}
    void Add(uint64_t key, Row row, int chain) {
      const auto [it, inserted] =
          index_.try_emplace(key, static_cast<uint32_t>(counts_.size()));
      if (inserted) counts_.push_back({0, 0});
      ++counts_[it->second][chain];
      entries_.push_back((static_cast<uint64_t>(it->second) << 32) | row);
      chains_.push_back(static_cast<uint8_t>(chain));
    }
    std::unique_ptr<Segment> Finish(Row end_row);

   private:
    Row first_row_;
    absl::flat_hash_map<uint64_t, uint32_t> index_;  // key -> provisional
    std::vector<std::array<uint32_t, 2>> counts_;    // per provisional block
    std::vector<uint64_t> entries_;  // provisional block << 32 | row
    std::vector<uint8_t> chains_;    // per entry
  };

  // The blocks of `older` and of `newer` (the rows right after it) as one.
  static std::unique_ptr<Segment> Merge(const Segment& older,
                                        const Segment& newer);

 private:
  static constexpr uint32_t kSingle = 0x80000000u;
  static constexpr uint32_t kSingleChain = 0x40000000u;
  static constexpr uint32_t kSingleRowMask = 0x3fffffffu;
  // Rows at or above this are not held in the table's value.
  static constexpr Row kSingleRowLimit = kSingleRowMask + 1;
  // The table value holding a block's only member (row < kSingleRowLimit).
  static uint32_t SingleValue(Row row, bool in_chain1) {
    return kSingle | (in_chain1 ? kSingleChain : 0) | row;
  }

  Segment(Row first_row, Row end_row, size_t keys, size_t blocks,
          size_t members)
      : first_row_(first_row),
        end_row_(end_row),
        index_(keys),
        starts_(blocks * 2 + 1),
        members_(members) {}

  // Adds a block with these chains under `key` (Merge).
  void Append(uint64_t key, std::span<const Row> chain0_a,
              std::span<const Row> chain0_b, std::span<const Row> chain1_a,
              std::span<const Row> chain1_b) {
    const size_t total =
        chain0_a.size() + chain0_b.size() + chain1_a.size() + chain1_b.size();
    if (total == 1) {
      const bool in_chain1 = !chain1_a.empty() || !chain1_b.empty();
      const Row row = !chain0_a.empty()   ? chain0_a[0]
                      : !chain0_b.empty() ? chain0_b[0]
                      : !chain1_a.empty() ? chain1_a[0]
                                          : chain1_b[0];
      if (row < kSingleRowLimit) {
        index_.Insert(key, SingleValue(row, in_chain1));
        return;
      }
    }
    index_.Insert(key, static_cast<uint32_t>(blocks_));
    starts_[2 * blocks_] = static_cast<uint32_t>(used_);
    for (std::span<const Row> part : {chain0_a, chain0_b}) {
      // An empty span's data() may be null, which memcpy may not be given.
      if (part.empty()) continue;
      std::memcpy(members_.data() + used_, part.data(),
                  part.size() * sizeof(Row));
      used_ += part.size();
    }
    starts_[2 * blocks_ + 1] = static_cast<uint32_t>(used_);
    for (std::span<const Row> part : {chain1_a, chain1_b}) {
      if (part.empty()) continue;
      std::memcpy(members_.data() + used_, part.data(),
                  part.size() * sizeof(Row));
      used_ += part.size();
    }
    ++blocks_;
  }
  // Ends the last block.
  void Close() { starts_[2 * blocks_] = static_cast<uint32_t>(used_); }

  Row first_row_ = 0;
  Row end_row_ = 0;
  KeyTable index_;
  // Per block, where its chain-0 and chain-1 members start; the next
  // block's start (or the final entry) ends its chain 1.
  HugePageArray<uint32_t> starts_;
  HugePageArray<Row> members_;
  size_t blocks_ = 0;  // blocks laid out so far
  size_t used_ = 0;    // members laid out so far
};

std::unique_ptr<BlockIndex::Segment> BlockIndex::Segment::Builder::Finish(
    Row end_row) {
  // Lay the blocks out in the order their keys first appeared, then drop
  // each row into its place: entries are in row order, so every chain comes
  // out ascending.
  std::vector<uint32_t> place(counts_.size());
  uint32_t blocks = 0;
  size_t members = 0;
  // A segment reaching past the rows a value can hold keeps every block in
  // the member array.
  const bool hold_singles = end_row <= kSingleRowLimit;
  for (size_t b = 0; b < counts_.size(); ++b) {
    const uint32_t total = counts_[b][0] + counts_[b][1];
    if (total == 1 && hold_singles) {
      place[b] = kSingle;  // its row goes into the table's value
      continue;
    }
    place[b] = blocks++;
    members += total;
  }
  std::unique_ptr<Segment> segment(
      new Segment(first_row_, end_row, index_.size(), blocks, members));
  std::vector<uint32_t> cursor(static_cast<size_t>(blocks) * 2);
  uint32_t position = 0;
  for (size_t b = 0; b < counts_.size(); ++b) {
    if (place[b] == kSingle) continue;
    const uint32_t block = place[b];
    segment->starts_[2 * block] = position;
    cursor[2 * block] = position;
    position += counts_[b][0];
    segment->starts_[2 * block + 1] = position;
    cursor[2 * block + 1] = position;
    position += counts_[b][1];
  }
  segment->blocks_ = blocks;
  segment->used_ = members;
  segment->Close();
  std::vector<uint32_t> single(counts_.size(), 0);
  for (size_t e = 0; e < entries_.size(); ++e) {
    const uint32_t b = static_cast<uint32_t>(entries_[e] >> 32);
    const Row row = static_cast<Row>(entries_[e]);
    const int chain = chains_[e];
    if (place[b] == kSingle) {
      single[b] = SingleValue(row, chain == 1);
    } else {
      segment->members_[cursor[2 * place[b] + chain]++] = row;
    }
  }
  for (const auto& [key, provisional] : index_) {
    segment->index_.Insert(key, place[provisional] == kSingle
                                    ? single[provisional]
                                    : place[provisional]);
  }
  return segment;
}

std::unique_ptr<BlockIndex::Segment> BlockIndex::Segment::Merge(
    const Segment& older, const Segment& newer) {
  // Sized for the worst case: every key distinct, every single member of
  // one segment joined by members of the other.
  const size_t keys = older.index_.size() + newer.index_.size();
  std::unique_ptr<Segment> merged(
      new Segment(older.first_row_, newer.end_row_, keys, keys,
                  older.used_ + newer.used_ + keys));
  Row single_old = 0;
  Row single_new = 0;
  std::span<const Row> old_chains[2];
  std::span<const Row> new_chains[2];
  older.index_.ForEach([&](uint64_t key, uint32_t) {
    older.Find(key, &single_old, old_chains);
    newer.Find(key, &single_new, new_chains);
    merged->Append(key, old_chains[0], new_chains[0], old_chains[1],
                   new_chains[1]);
  });
  newer.index_.ForEach([&](uint64_t key, uint32_t) {
    if (older.index_.Find(key) != nullptr) return;
    newer.Find(key, &single_new, new_chains);
    merged->Append(key, {}, new_chains[0], {}, new_chains[1]);
  });
  merged->Close();
  return merged;
}

struct BlockIndex::Batch::Pending {
  Pending(Row first, int keys_per_row)
      : first_row(first), slots(keys_per_row), builder(first) {}
  Row first_row;
  int slots;
  Row end_row = 0;
  Segment::Builder builder;
  std::vector<Row> clk_rows;
  std::vector<uint8_t> clk_chain;
};

BlockIndex::Batch::Batch(const BlockIndex& index)
    : pending_(std::make_unique<Pending>(static_cast<Row>(index.size()),
                                         index.KeysPerRow())) {
  pending_->end_row = pending_->first_row;
}
BlockIndex::Batch::Batch(Batch&&) noexcept = default;
BlockIndex::Batch& BlockIndex::Batch::operator=(Batch&&) noexcept = default;
BlockIndex::Batch::~Batch() = default;

BlockIndex::BlockIndex(BlockingOptions options)
    : options_(options),
      name_permutations_(MakePermutations(
          options.name_lsh_bands * options.name_lsh_rows, 0x6e616d65)),
      address_permutations_(MakePermutations(
          options.address_lsh_bands * options.address_lsh_rows, 0x61646472)),
      clk_permutations_(MakePermutations(
          options.clk_lsh_bands * options.clk_lsh_rows, 0x636c6b)) {}

BlockIndex::~BlockIndex() = default;

void BlockIndex::MinHashBands(const uint64_t* const* words,
                              const int* word_counts, int parts, int bands,
                              int rows_per_band,
                              const std::vector<uint16_t>& permutations,
                              BlockKind kind, uint64_t* keys) const {
  // Set bit positions of the parts laid end to end (a forename bit and the
  // same surname bit are different positions).
  uint16_t positions[kPositions];
  int count = 0;
  int base = 0;
  for (int p = 0; p < parts; ++p) {
    for (int w = 0; w < word_counts[p]; ++w) {
      uint64_t bits = words[p][w];
      while (bits != 0 && count < kPositions) {
        const int bit = __builtin_ctzll(bits);
        bits &= bits - 1;
        positions[count++] =
            static_cast<uint16_t>((base + w * 64 + bit) % kPositions);
      }
    }
    base += word_counts[p] * 64;
  }
  if (count == 0) return;
  const int tables = PaddedTables(bands * rows_per_band);
  // The default bands need at most 192 tables; wider ones (benchmark
  // flags) take the heap.
  alignas(64) uint16_t on_stack[256];
  std::vector<uint16_t> on_heap;
  uint16_t* minimum = on_stack;
  if (tables > 256) {
    on_heap.resize(static_cast<size_t>(tables));
    minimum = on_heap.data();
  }
  std::fill(minimum, minimum + tables, 0xffff);
  for (int i = 0; i < count; ++i) {
    const uint16_t* values =
        permutations.data() + static_cast<size_t>(positions[i]) * tables;
    for (int t = 0; t < tables; t += 8) {
#if defined(__SSE2__)
      // min(a, b) = a - saturating(a - b): unsigned 16-bit minimum in SSE2,
      // which every x86-64 has (pminuw needs SSE4.1).
      const __m128i a =
          _mm_loadu_si128(reinterpret_cast<const __m128i*>(minimum + t));
      const __m128i b =
          _mm_loadu_si128(reinterpret_cast<const __m128i*>(values + t));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(minimum + t),
                       _mm_sub_epi16(a, _mm_subs_epu16(a, b)));
#else
      for (int lane = t; lane < t + 8; ++lane) {
        minimum[lane] = std::min(minimum[lane], values[lane]);
      }
#endif
    }
  }
  for (int band = 0; band < bands; ++band) {
    uint64_t key = Mix(static_cast<uint64_t>(band) + 1, 0x4c5348);
    for (int r = 0; r < rows_per_band; ++r) {
      key = Mix(key, minimum[band * rows_per_band + r]);
    }
    keys[band] = KeyOf(kind, key);
  }
}

void BlockIndex::ComputeKeys(const FeatureTable& table, Row row, uint64_t* keys,
                             uint64_t* clk_keys) const {
  std::fill(keys, keys + DenseSlots(), 0);
  std::fill(clk_keys, clk_keys + options_.clk_lsh_bands, 0);
  if (table.nhs_token(row) != 0) {
    keys[0] = KeyOf(BlockKind::kNationalId, table.nhs_token(row));
  }
  for (int kind = 1; kind <= kMatchKeyKinds; ++kind) {
    if (table.match_key(row, kind) != 0) {
      keys[kind] =
          KeyOf(static_cast<BlockKind>(kind), table.match_key(row, kind));
    }
  }
  const uint64_t dob = table.encoding_hash(EncodedField::kDateOfBirth, row);
  if (dob != 0) keys[5] = KeyOf(BlockKind::kDateOfBirth, dob);
  const uint64_t postcode = table.encoding_hash(EncodedField::kPostcode, row);
  const int year = BirthYear(table, row);
  if (year >= 0) {
    const uint64_t surname = table.encoding_hash(EncodedField::kSurname, row);
    if (surname != 0) {
      keys[6] = KeyOf(BlockKind::kSurnameBirthYear, Mix(surname, year));
    }
    const uint64_t forename = table.encoding_hash(EncodedField::kForename, row);
    if (forename != 0) {
      keys[7] = KeyOf(BlockKind::kForenameBirthYear, Mix(forename, year));
    }
    if (postcode != 0) {
      keys[8] = KeyOf(BlockKind::kPostcodeBirthYear, Mix(postcode, year));
    }
  }
  if (postcode != 0) {
    const uint64_t surname = table.encoding_hash(EncodedField::kSurname, row);
    if (surname != 0) {
      keys[9] = KeyOf(BlockKind::kSurnamePostcode, Mix(surname, postcode));
    }
    const uint64_t forename = table.encoding_hash(EncodedField::kForename, row);
    if (forename != 0) {
      keys[10] = KeyOf(BlockKind::kForenamePostcode, Mix(forename, postcode));
    }
  }
  const bool has_names = table.has(EncodedField::kForename, row) ||
                         table.has(EncodedField::kSurname, row);
  if (has_names) {
    const uint64_t* parts[2] = {table.bits(EncodedField::kForename, row),
                                table.bits(EncodedField::kSurname, row)};
    const int counts[2] = {
        kEncodedFieldWords[static_cast<int>(EncodedField::kForename)],
        kEncodedFieldWords[static_cast<int>(EncodedField::kSurname)]};
    MinHashBands(parts, counts, 2, options_.name_lsh_bands,
                 options_.name_lsh_rows, name_permutations_,
                 BlockKind::kNameLsh, keys + NameBandSlot());
  }
  const uint64_t address = table.encoding_hash(EncodedField::kAddress, row);
  if (address != 0) keys[11] = KeyOf(BlockKind::kAddress, address);
  if (address != 0 && postcode != 0) {
    const uint64_t* parts[1] = {table.bits(EncodedField::kAddress, row)};
    const int counts[1] = {
        kEncodedFieldWords[static_cast<int>(EncodedField::kAddress)]};
    uint64_t* bands = keys + AddressBandSlot();
    MinHashBands(parts, counts, 1, options_.address_lsh_bands,
                 options_.address_lsh_rows, address_permutations_,
                 BlockKind::kPostcodeAddressLsh, bands);
    for (int band = 0; band < options_.address_lsh_bands; ++band) {
      bands[band] =
          KeyOf(BlockKind::kPostcodeAddressLsh, Mix(bands[band], postcode));
    }
  }
  if (table.has(EncodedField::kRecordClk, row)) {
    const uint64_t* parts[1] = {table.bits(EncodedField::kRecordClk, row)};
    const int counts[1] = {
        kEncodedFieldWords[static_cast<int>(EncodedField::kRecordClk)]};
    MinHashBands(parts, counts, 1, options_.clk_lsh_bands,
                 options_.clk_lsh_rows, clk_permutations_,
                 BlockKind::kRecordClk, clk_keys);
  }
}

void BlockIndex::KeysOf(const FeatureTable& table, Row row,
                        uint64_t* keys) const {
  ComputeKeys(table, row, keys, keys + DenseSlots());
}

BlockIndex::Batch BlockIndex::StartBatch() const { return Batch(*this); }

void BlockIndex::Batch::Add(const FeatureTable& table, Row row,
                            const uint64_t* keys) {
  Pending& p = *pending_;
  // Rows join in order: a row's candidates are the members before it.
  if (row != p.end_row) std::abort();
  p.end_row = row + 1;
  const int chain = ChainOf(table, row);
  const int slots = p.slots;
  for (int slot = 0; slot < slots; ++slot) {
    if (keys[slot] != 0) p.builder.Add(keys[slot], row, chain);
  }
  if (table.has(EncodedField::kRecordClk, row)) {
    p.clk_rows.push_back(row);
    p.clk_chain.push_back(static_cast<uint8_t>(chain));
  }
}

void BlockIndex::Commit(Batch batch) {
  Batch::Pending& p = *batch.pending_;
  if (p.first_row != rows_) std::abort();
  if (p.end_row == p.first_row) return;
  segments_.push_back(p.builder.Finish(p.end_row));
  rows_ = p.end_row;
  clk_rows_.insert(clk_rows_.end(), p.clk_rows.begin(), p.clk_rows.end());
  clk_chain_.insert(clk_chain_.end(), p.clk_chain.begin(), p.clk_chain.end());
  while (clk_ordinals_.size() <
         std::min(clk_rows_.size(), options_.clk_sweep_max_rows)) {
    clk_ordinals_.push_back(static_cast<uint32_t>(clk_ordinals_.size()));
  }
  // Each segment then holds more than twice the rows of the next: about
  // log2(rows) segments, far below kMaxSegments (enforced all the same).
  while (segments_.size() >= 2 &&
         (segments_.size() > kMaxSegments ||
          segments_.back()->rows() * 2 >=
              segments_[segments_.size() - 2]->rows())) {
    std::unique_ptr<Segment> merged =
        Segment::Merge(*segments_[segments_.size() - 2], *segments_.back());
    segments_.pop_back();
    segments_.back() = std::move(merged);
  }
}

void BlockIndex::Add(const FeatureTable& table, Row row) {
  std::vector<uint64_t> keys(static_cast<size_t>(KeysPerRow()));
  KeysOf(table, row, keys.data());
  Batch batch = StartBatch();
  batch.Add(table, row, keys.data());
  Commit(std::move(batch));
}

BlockKind BlockIndex::KindOfSlot(int slot) const {
  if (slot < 9) return static_cast<BlockKind>(slot);
  if (slot == 9) return BlockKind::kSurnamePostcode;
  if (slot == 10) return BlockKind::kForenamePostcode;
  if (slot == 11) return BlockKind::kAddress;
  if (slot < AddressBandSlot()) return BlockKind::kNameLsh;
  return BlockKind::kPostcodeAddressLsh;
}

void BlockIndex::Candidates(const FeatureTable& table, Row row,
                            std::vector<Row>* out, BlockingStats* stats) const {
  std::vector<uint64_t> keys(static_cast<size_t>(KeysPerRow()));
  KeysOf(table, row, keys.data());
  Candidates(table, row, keys.data(), out, stats);
}

void BlockIndex::Candidates(const FeatureTable& table, Row row,
                            const uint64_t* keys, std::vector<Row>* out,
                            BlockingStats* stats) const {
  out->clear();
  // Members of large blocks, kept only if proposed twice (or also found
  // through a small block).
  std::vector<Row> weak;
  const size_t corroborate = options_.corroborate_above;
  const int chain = ChainOf(table, row);
  // The segments holding rows before this one; the last may hold it too.
  size_t segments = 0;
  while (segments < segments_.size() &&
         segments_[segments]->first_row() < row) {
    ++segments;
  }
  const bool has_clk = table.has(EncodedField::kRecordClk, row);
  // Does the sweep cover this row? Decided by the row's rank among CLK rows,
  // which does not depend on how rows were batched.
  const size_t clk_ordinal =
      has_clk ? static_cast<size_t>(
                    std::lower_bound(clk_rows_.begin(), clk_rows_.end(), row) -
                    clk_rows_.begin())
              : 0;
  const bool clk_bands = has_clk && clk_ordinal >= options_.clk_sweep_max_rows;
  const int slots = DenseSlots() + (clk_bands ? options_.clk_lsh_bands : 0);
  // Every probe is a likely cache miss in a large segment: start them all
  // before waiting on any.
  for (int slot = 0; slot < slots; ++slot) {
    if (keys[slot] == 0) continue;
    for (size_t s = 0; s < segments; ++s) segments_[s]->Prefetch(keys[slot]);
  }
  // Up to one span per segment per chain; a single member is read out of
  // its segment's table into singles. Fixed arrays: this runs for every row.
  std::array<std::span<const Row>, kMaxSegments> spans[2];
  size_t span_count[2];
  std::array<Row, kMaxSegments> singles;
  for (int slot = 0; slot < slots; ++slot) {
    const uint64_t key = keys[slot];
    if (key == 0) continue;
    const BlockKind kind =
        slot < DenseSlots() ? KindOfSlot(slot) : BlockKind::kRecordClk;
    // Checked rows sharing a national id block hold the same number; checked
    // rows meet no other checked row anywhere else.
    const bool own = chain == 1 || kind == BlockKind::kNationalId;
    span_count[0] = span_count[1] = 0;
    size_t counts[2] = {0, 0};
    for (size_t s = 0; s < segments; ++s) {
      std::span<const Row> chains[2];
      segments_[s]->Find(key, &singles[s], chains);
      for (int c = 0; c < 2; ++c) {
        std::span<const Row> members = chains[c];
        // Only members before the row: the same set however rows were
        // batched.
        if (!members.empty() && members.back() >= row) {
          members = members.first(static_cast<size_t>(
              std::lower_bound(members.begin(), members.end(), row) -
              members.begin()));
        }
        if (members.empty()) continue;
        counts[c] += members.size();
        spans[c][span_count[c]++] = members;
      }
    }
    const bool lsh = kind == BlockKind::kNameLsh ||
                     kind == BlockKind::kPostcodeAddressLsh ||
                     kind == BlockKind::kRecordClk;
    const size_t cap =
        lsh ? std::min(options_.max_lsh_block_size, options_.max_block_size)
            : options_.max_block_size;
    BlockKindStats& kind_stats = stats->kinds[static_cast<int>(kind)];
    for (int c = 0; c < 2; ++c) {
      if (counts[c] == 0 || (c == chain && !own)) continue;
      if (counts[c] >= cap) {
        ++kind_stats.oversized_skips;
        continue;
      }
      kind_stats.candidate_pairs += counts[c];
      const bool large = corroborate > 0 && counts[c] >= corroborate;
      std::vector<Row>* into = large ? &weak : out;
      for (size_t i = 0; i < span_count[c]; ++i) {
        into->insert(into->end(), spans[c][i].begin(), spans[c][i].end());
      }
    }
  }
  if (has_clk && !clk_bands) {
    constexpr int kClk = static_cast<int>(EncodedField::kRecordClk);
    std::vector<float> dice(clk_ordinal);
    // The table keeps CLKs by ordinal, and the earlier CLK rows are
    // ordinals 0 to clk_ordinal - 1.
    DiceMany(table.bits(EncodedField::kRecordClk, row),
             table.popcount(EncodedField::kRecordClk, row), table.clk_column(),
             table.clk_popcounts(), clk_ordinals_.data(), clk_ordinal,
             kEncodedFieldWords[kClk], dice.data());
    BlockKindStats& kind_stats =
        stats->kinds[static_cast<int>(BlockKind::kRecordClk)];
    for (size_t i = 0; i < clk_ordinal; ++i) {
      // Two checked rows can never link: the same rule as the chains.
      if (chain == 0 && clk_chain_[i] == 0) continue;
      if (dice[i] >= options_.clk_sweep_floor) {
        out->push_back(clk_rows_[i]);
        ++kind_stats.candidate_pairs;
      }
    }
  }
  std::sort(out->begin(), out->end());
  out->erase(std::unique(out->begin(), out->end()), out->end());
  if (!weak.empty()) {
    // A member of large blocks stays if two keys proposed it, or if a small
    // block did too (then it is in *out already).
    std::sort(weak.begin(), weak.end());
    const size_t strong = out->size();
    for (size_t i = 0; i < weak.size();) {
      size_t end = i + 1;
      while (end < weak.size() && weak[end] == weak[i]) ++end;
      if (end - i >= 2) {
        out->push_back(weak[i]);
      } else if (!std::binary_search(out->begin(), out->begin() + strong,
                                     weak[i])) {
        ++stats->uncorroborated;
      }
      i = end;
    }
    std::sort(out->begin(), out->end());
    out->erase(std::unique(out->begin(), out->end()), out->end());
  }
  stats->candidate_pairs += out->size();
}

}  // namespace equilink::linkage
