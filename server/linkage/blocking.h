#ifndef EQUILINK_SERVER_LINKAGE_BLOCKING_H_
#define EQUILINK_SERVER_LINKAGE_BLOCKING_H_

// Blocking: which record pairs the engine compares at all. Comparing every
// pair is quadratic; a blocking scheme that misses true pairs caps recall no
// matter how good the scoring is. So there are several independent keys, each
// catching pairs the others miss, and their union is the candidate set:
//
//   national id token        exact; catches everything with an NHS number
//   match keys 1-4           exact demographic tokens (names, dob, sex,
//                            postcode in four combinations)
//   date of birth            the full-date encoding, exact: survives any
//                            amount of name corruption
//   surname + birth year     survives a forename change or nickname
//   forename + birth year    survives a surname change
//   postcode + birth year    survives both names being misspelt
//   surname + postcode       survive a missing or mistyped date of birth
//   forename + postcode      (the birth-year keys need a year on both sides)
//   name LSH                 MinHash bands over the set bits of the forename
//                            and surname encodings: survives typos in both
//                            names and a wrong date of birth
//   address                  the address encoding, exact, and MinHash bands
//   postcode + address LSH   over its set bits within one postcode: survive
//                            corrupted names and date of birth together (a
//                            record that moved house is the names' and the
//                            date's job). The bands are keyed by postcode
//                            because addresses in one town share many
//                            bigrams: alone they would propose a fixed share
//                            of the whole population to every row.
//   record CLK               for clkhash CLKs (no field encodings): every
//                            earlier CLK within a Dice floor while the table
//                            is small enough to sweep with the Dice kernel,
//                            MinHash bands beyond that
//
// docs/LINKAGE.md gives the measured pair completeness of each.
//
// A row is compared only with rows added before it, each pair once. Whether
// a block contributes is decided from the block's members before the row
// (fewer than max_block_size of them), so linking a file in ten batches gives
// exactly the candidate pairs of linking it in one.
//
// Two rows that both hold a Modulus 11-checked NHS number either share the
// national id block or can never link (the engine vetoes the pair: the check
// catches every single-digit typo). So each block keeps its members in two
// chains, checked and not, and a checked row meets the other checked rows
// only through the national id key. Into a register where nearly everyone
// has a number this is most of the linking cost saved, with the same
// candidate pairs the engine would have scored. A chain's size decides
// whether it contributes.
//
// Layout: the index is a short list of immutable segments, each holding the
// blocks of a contiguous range of rows with every block's members side by
// side, ascending (a hash map from key to a range of one array). Reading a
// block is one hash probe per segment and a sequential read, where linked
// member lists cost a dependent cache miss per member (at 1M persons that
// was a sixth of incremental linking). New rows make a new segment; the
// newest two merge while the newer holds at least half the rows of the
// older, so there are at most log2(rows) segments and each row is copied
// O(log rows) times.

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "server/linkage/record_features.h"

namespace equilink::linkage {

enum class BlockKind : uint8_t {
  kNationalId = 0,
  kMatchKey1,
  kMatchKey2,
  kMatchKey3,
  kMatchKey4,
  kDateOfBirth,
  kSurnameBirthYear,
  kForenameBirthYear,
  kPostcodeBirthYear,
  kNameLsh,
  kRecordClk,
  kSurnamePostcode,
  kForenamePostcode,
  kAddress,
  kPostcodeAddressLsh,
};
inline constexpr int kBlockKindCount = 15;
const char* BlockKindName(BlockKind kind);

struct BlockingOptions {
  int name_lsh_bands = 12;
  // 8 rows per band: at 4, two unrelated children shared a band often
  // enough (common bigrams) that the key proposed ~0.7% of all pairs, a
  // quadratic cost (linkage_bench: 127M pairs at 200k records); at 8
  // pair completeness stayed 1.0 on 60k synthetic records.
  int name_lsh_rows = 8;
  // Within one postcode a few dozen people at most share the bands, so
  // they can be short (sensitive to a typo or two).
  int address_lsh_bands = 16;
  int address_lsh_rows = 3;
  int clk_lsh_bands = 32;
  int clk_lsh_rows = 6;
  // CLKs are swept exhaustively (Dice >= clk_sweep_floor) while the table
  // holds at most this many rows with a CLK; LSH bands beyond.
  size_t clk_sweep_max_rows = 50000;
  double clk_sweep_floor = 0.55;
  // A block with this many earlier members no longer contributes: such a
  // key says little (a very common surname in one birth year) and would
  // make a row's candidate list quadratic.
  // 500: at 1M persons a birth date is shared by about a hundred; a common
  // surname in one birth year by several hundred.
  size_t max_block_size = 500;
  // The same for MinHash bands (names, addresses, CLKs). A band shared by
  // hundreds of earlier rows is a common name's, and those rows are found
  // by the exact keys when they are the same person; the bands are there for
  // the corrupted pairs the exact keys miss, which sit in small bands. At 1M
  // persons the name bands of common names held thousands of rows and
  // proposed more pairs than every other key together; at 300k, capping
  // them at 50 instead of 2,000 lost 0.00002 of pair completeness.
  size_t max_lsh_block_size = 50;
  // A row found only through one block that already had this many earlier
  // members is not a candidate unless another key (or another band)
  // proposes it too: one shared birth date among a hundred is weak
  // evidence, and the true pairs in such blocks mostly share a second key.
  // 0 turns it off. At 20, into 1M persons, candidates per new record went
  // from 116 to 24 and incremental linking from 16,800 to 26,100 records/s;
  // on 100k synthetic records blocking left 57 of 165,658 true pairs
  // uncompared, yet linked recall did not fall (0.99290 before, 0.99296
  // after: clustering joins most of them through other records), and the
  // FEBRL figures did not move.
  size_t corroborate_above = 20;
};

struct BlockKindStats {
  uint64_t candidate_pairs = 0;  // pairs this kind proposed (with repeats)
  uint64_t oversized_skips = 0;  // times a block was skipped as too large
};

struct BlockingStats {
  std::array<BlockKindStats, kBlockKindCount> kinds{};
  uint64_t candidate_pairs = 0;  // distinct pairs compared
  // Rows proposed only once, by a block past corroborate_above, and dropped.
  uint64_t uncorroborated = 0;
};

class BlockIndex {
 public:
  explicit BlockIndex(BlockingOptions options);
  ~BlockIndex();

  // The keys of a row: KeysPerRow() values, 0 where the row has none.
  // Thread-safe: callers compute the keys (most of the cost: MinHash bands)
  // of many rows on several threads.
  int KeysPerRow() const { return DenseSlots() + options_.clk_lsh_bands; }
  void KeysOf(const FeatureTable& table, Row row, uint64_t* keys) const;

  // Rows joining the index together, in row order from size(): Add each
  // row's keys, then Commit. The keys need not be kept after Add.
  class Batch {
   public:
    Batch(Batch&&) noexcept;
    Batch& operator=(Batch&&) noexcept;
    ~Batch();
    void Add(const FeatureTable& table, Row row, const uint64_t* keys);

   private:
    friend class BlockIndex;
    struct Pending;
    explicit Batch(const BlockIndex& index);
    std::unique_ptr<Pending> pending_;
  };
  Batch StartBatch() const;
  void Commit(Batch batch);
  // One row (computes its keys): tests and small tables.
  void Add(const FeatureTable& table, Row row);
  size_t size() const { return rows_; }

  // The distinct rows before `row` that share a block with it, ascending, in
  // *out (cleared first). Thread-safe for concurrent callers once no Commit
  // is running. Counts go to *stats, which is the caller's (one per
  // thread). The second form takes the row's keys (KeysOf) when the caller
  // has them.
  void Candidates(const FeatureTable& table, Row row, std::vector<Row>* out,
                  BlockingStats* stats) const;
  void Candidates(const FeatureTable& table, Row row, const uint64_t* keys,
                  std::vector<Row>* out, BlockingStats* stats) const;

  const BlockingOptions& options() const { return options_; }
  // Segments now (at most about log2 of the rows).
  size_t segment_count() const { return segments_.size(); }

 private:
  class Segment;
  // The merge rule keeps about log2(rows) segments; Commit merges past this.
  static constexpr size_t kMaxSegments = 48;

  // Slots: the keys a row can have, one per exact kind and one per LSH band.
  static constexpr int kExactSlots = 12;
  int NameBandSlot() const { return kExactSlots; }
  int AddressBandSlot() const { return kExactSlots + options_.name_lsh_bands; }
  int DenseSlots() const {
    return AddressBandSlot() + options_.address_lsh_bands;
  }
  BlockKind KindOfSlot(int slot) const;

  // Fills keys[0, DenseSlots()) and clk_keys[0, clk_lsh_bands); 0 = none.
  void ComputeKeys(const FeatureTable& table, Row row, uint64_t* keys,
                   uint64_t* clk_keys) const;
  void MinHashBands(const uint64_t* const* words, const int* word_counts,
                    int parts, int bands, int rows_per_band,
                    const std::vector<uint16_t>& permutations, BlockKind kind,
                    uint64_t* keys) const;

  const BlockingOptions options_;

  std::vector<uint16_t> name_permutations_;  // bands*rows tables of 1024
  std::vector<uint16_t> address_permutations_;
  std::vector<uint16_t> clk_permutations_;
  // Oldest first; their row ranges are contiguous and cover [0, rows_).
  std::vector<std::unique_ptr<Segment>> segments_;
  size_t rows_ = 0;
  // Rows with a record CLK, ascending, and whether each holds a checked NHS
  // number: the CLK sweep reads them.
  std::vector<Row> clk_rows_;
  std::vector<uint8_t> clk_chain_;
  // 0, 1, 2, ...: the CLK ordinals the sweep reads (FeatureTable holds CLKs
  // by ordinal), up to clk_sweep_max_rows.
  std::vector<uint32_t> clk_ordinals_;
};

}  // namespace equilink::linkage

#endif  // EQUILINK_SERVER_LINKAGE_BLOCKING_H_
