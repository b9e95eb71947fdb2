#include "server/linkage/blocking.h"

#include <algorithm>
#include <random>

#include "server/linkage/dice/dice_kernel.h"

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
// same bands.
std::vector<uint16_t> MakePermutations(int count, uint64_t seed) {
  std::vector<uint16_t> tables(static_cast<size_t>(count) * kPositions);
  std::mt19937_64 random(seed);
  for (int t = 0; t < count; ++t) {
    uint16_t* table = tables.data() + static_cast<size_t>(t) * kPositions;
    for (int i = 0; i < kPositions; ++i) table[i] = static_cast<uint16_t>(i);
    std::shuffle(table, table + kPositions, random);
  }
  return tables;
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

BlockIndex::BlockIndex(BlockingOptions options)
    : options_(options),
      name_permutations_(MakePermutations(
          options.name_lsh_bands * options.name_lsh_rows, 0x6e616d65)),
      address_permutations_(MakePermutations(
          options.address_lsh_bands * options.address_lsh_rows, 0x61646472)),
      clk_permutations_(MakePermutations(
          options.clk_lsh_bands * options.clk_lsh_rows, 0x636c6b)),
      next_(DenseSlots()),
      other_(DenseSlots()),
      rank_(DenseSlots()),
      clk_next_(options.clk_lsh_bands),
      clk_other_(options.clk_lsh_bands),
      clk_rank_(options.clk_lsh_bands) {}

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
  for (int band = 0; band < bands; ++band) {
    uint64_t key = Mix(static_cast<uint64_t>(band) + 1, 0x4c5348);
    for (int r = 0; r < rows_per_band; ++r) {
      const uint16_t* table =
          permutations.data() +
          static_cast<size_t>(band * rows_per_band + r) * kPositions;
      uint16_t minimum = 0xffff;
      for (int i = 0; i < count; ++i) {
        minimum = std::min(minimum, table[positions[i]]);
      }
      key = Mix(key, minimum);
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

BlockIndex::Joined BlockIndex::Join(uint64_t key, int chain, uint32_t member) {
  Block& block = blocks_[key];
  const Joined joined{.next = block.head[chain],
                      .other = block.head[1 - chain],
                      .rank = static_cast<uint16_t>(
                          std::min<uint32_t>(block.size[chain], kRankCap))};
  block.head[chain] = member;
  ++block.size[chain];
  return joined;
}

void BlockIndex::Add(const FeatureTable& table, Row row) {
  std::vector<uint64_t> keys(static_cast<size_t>(KeysPerRow()));
  KeysOf(table, row, keys.data());
  AddKeys(table, row, keys.data());
}

void BlockIndex::KeysOf(const FeatureTable& table, Row row,
                        uint64_t* keys) const {
  ComputeKeys(table, row, keys, keys + DenseSlots());
}

void BlockIndex::AddKeys(const FeatureTable& table, Row row,
                         const uint64_t* keys) {
  const int dense = DenseSlots();
  const int clk_bands = options_.clk_lsh_bands;
  const int chain = ChainOf(table, row);
  for (int slot = 0; slot < dense; ++slot) {
    const Joined joined =
        keys[slot] == 0 ? Joined{} : Join(keys[slot], chain, row);
    next_[slot].push_back(joined.next);
    other_[slot].push_back(joined.other);
    rank_[slot].push_back(joined.rank);
  }
  if (table.has(EncodedField::kRecordClk, row)) {
    const uint32_t ordinal = static_cast<uint32_t>(clk_rows_.size());
    clk_rows_.push_back(row);
    clk_chain_.push_back(static_cast<uint8_t>(chain));
    for (int band = 0; band < clk_bands; ++band) {
      const uint64_t key = keys[static_cast<size_t>(dense + band)];
      const Joined joined = key == 0 ? Joined{} : Join(key, chain, ordinal);
      clk_next_[band].push_back(joined.next);
      clk_other_[band].push_back(joined.other);
      clk_rank_[band].push_back(joined.rank);
    }
  }
}

BlockKind BlockIndex::KindOfSlot(int slot) const {
  if (slot < 9) return static_cast<BlockKind>(slot);
  if (slot == 9) return BlockKind::kSurnamePostcode;
  if (slot == 10) return BlockKind::kForenamePostcode;
  if (slot == 11) return BlockKind::kAddress;
  if (slot < AddressBandSlot()) return BlockKind::kNameLsh;
  return BlockKind::kPostcodeAddressLsh;
}

void BlockIndex::Walk(uint32_t first, const std::vector<uint32_t>& links,
                      const Row* to_row, std::vector<Row>* out) {
  // The row is itself a member of the block (Add ran for it), and its own
  // link points at the next older member: walking from there visits only
  // the members before it, never the newer ones, so a block costs what it
  // contributes.
  for (uint32_t member = first; member != kNone; member = links[member]) {
    out->push_back(to_row != nullptr ? to_row[member] : member);
  }
}

void BlockIndex::Candidates(const FeatureTable& table, Row row,
                            std::vector<Row>* out, BlockingStats* stats) const {
  out->clear();
  // Members of large blocks, kept only if proposed twice (or also found
  // through a small block).
  std::vector<Row> weak;
  const size_t corroborate = options_.corroborate_above;
  const int chain = ChainOf(table, row);
  // Walks the chains of one block the row may meet: its own chain (from its
  // own link) when `own` is set, and the other chain (from the head it had
  // when the row joined). Each is judged by the members before the row (its
  // rank), so linking a file in batches gives the pairs of linking it at
  // once.
  auto walk_block = [&](BlockKind kind, bool own, uint32_t next, uint32_t other,
                        uint16_t rank, const std::vector<uint32_t>& links,
                        const std::vector<uint16_t>& ranks, const Row* to_row) {
    const bool lsh = kind == BlockKind::kNameLsh ||
                     kind == BlockKind::kPostcodeAddressLsh ||
                     kind == BlockKind::kRecordClk;
    const size_t cap =
        lsh ? std::min(options_.max_lsh_block_size, options_.max_block_size)
            : options_.max_block_size;
    BlockKindStats& kind_stats = stats->kinds[static_cast<int>(kind)];
    auto walk_chain = [&](uint32_t first, size_t members) {
      if (members >= cap) {
        ++kind_stats.oversized_skips;
        return;
      }
      kind_stats.candidate_pairs += members;
      const bool large = corroborate > 0 && members >= corroborate;
      Walk(first, links, to_row, large ? &weak : out);
    };
    if (own && next != kNone) walk_chain(next, rank);
    // The other chain's head then, and the members older than it.
    if (other != kNone)
      walk_chain(other, static_cast<size_t>(ranks[other]) + 1);
  };
  // Does the sweep cover this row? Decided by the row's rank among CLK rows,
  // which does not depend on how rows were batched.
  const bool has_clk = table.has(EncodedField::kRecordClk, row);
  const size_t clk_ordinal =
      has_clk ? static_cast<size_t>(
                    std::lower_bound(clk_rows_.begin(), clk_rows_.end(), row) -
                    clk_rows_.begin())
              : 0;
  if (has_clk && clk_ordinal < options_.clk_sweep_max_rows) {
    constexpr int kClk = static_cast<int>(EncodedField::kRecordClk);
    std::vector<float> dice(clk_ordinal);
    // Rows with a CLK are contiguous in clk_rows_; the kernel reads them
    // through the index list.
    DiceMany(table.bits(EncodedField::kRecordClk, row),
             table.popcount(EncodedField::kRecordClk, row),
             table.column(EncodedField::kRecordClk),
             table.popcounts(EncodedField::kRecordClk), clk_rows_.data(),
             clk_ordinal, kEncodedFieldWords[kClk], dice.data());
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
  } else if (has_clk) {
    for (int band = 0; band < options_.clk_lsh_bands; ++band) {
      const uint32_t next = clk_next_[band][clk_ordinal];
      if (next == kNoKey) continue;
      walk_block(BlockKind::kRecordClk, chain == 1, next,
                 clk_other_[band][clk_ordinal], clk_rank_[band][clk_ordinal],
                 clk_next_[band], clk_rank_[band], clk_rows_.data());
    }
  }
  for (int slot = 0; slot < DenseSlots(); ++slot) {
    const uint32_t next = next_[slot][row];
    if (next == kNoKey) continue;
    const BlockKind kind = KindOfSlot(slot);
    // Checked rows sharing a national id block hold the same number.
    const bool own = chain == 1 || kind == BlockKind::kNationalId;
    walk_block(kind, own, next, other_[slot][row], rank_[slot][row],
               next_[slot], rank_[slot], nullptr);
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
