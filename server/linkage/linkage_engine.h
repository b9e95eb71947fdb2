#ifndef EQUILINK_SERVER_LINKAGE_LINKAGE_ENGINE_H_
#define EQUILINK_SERVER_LINKAGE_LINKAGE_ENGINE_H_

// The record-linkage engine: pseudonymised records in, clusters of records
// (people) out. In-memory and single-owner; the linkage worker
// (linkage_worker.h) feeds it from the store and persists what it decides.
//
//   AddRecord      features into contiguous arrays, keys into the blocks
//   EstimateModel  m, u and lambda by EM over the candidate pairs
//   LinkPending    every new row against every earlier row that shares a
//                  block: deterministic stage (NHS-number token, then the
//                  match-key cascade), else Fellegi-Sunter scoring; edges at
//                  or above the link threshold join the graph; each connected
//                  component a new edge touches is clustered again from
//                  scratch
//
// Clustering depends only on the edge set and a row's candidates only on the
// rows before it, so linking a file in ten batches gives the clusters of
// linking it in one (with the same model).

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "equilink/v1/linkage.pb.h"
#include "equilink/v1/record.pb.h"
#include "server/linkage/blocking.h"
#include "server/linkage/cluster/cluster_component.h"
#include "server/linkage/cluster/scored_edge.h"
#include "server/linkage/model/fellegi_sunter.h"
#include "server/linkage/model/pair_scorer.h"
#include "server/linkage/model/term_frequencies.h"
#include "server/linkage/record_features.h"

namespace equilink::linkage {

struct LinkageOptions {
  BlockingOptions blocking;
  v1::LinkageModelSettings model_settings;
  // Sources known to hold each person at most once (an ICS population
  // register; both files of a two-file linkage): a cluster never holds two
  // of their records, which makes linking two such sources one-to-one.
  std::vector<std::string> one_record_per_person_sources;
  // Keep every compared pair with its probability (benchmarks, reports:
  // calibration, threshold sweeps, pair completeness).
  bool keep_scored_pairs = false;
  bool deterministic_stage = true;
  // After EM, measure u on random linkable pairs and put lambda over all
  // linkable pairs (docs/LINKAGE.md, "u from random pairs"); off: u and
  // lambda are EM's, over the candidate pairs.
  bool u_from_random_pairs = true;
  int threads = 2;
  // When given and set, EstimateModel and LinkPending stop early and return
  // CancelledError, leaving the engine unfit for use: for a run the caller
  // throws away if it is stopped (a relink at gateway shutdown).
  const std::atomic<bool>* cancel = nullptr;
};

// A compared pair, kept when LinkageOptions::keep_scored_pairs is set.
struct ScoredPair {
  Row a;  // the earlier row
  Row b;
  float probability;  // Fellegi-Sunter posterior, whatever the stage
  uint8_t stage;      // kStageProbabilistic, kStageNhsToken, MatchKeyStage
};

struct LinkRun {
  size_t rows_linked = 0;
  uint64_t pairs_compared = 0;
  uint64_t deterministic_links = 0;
  uint64_t probabilistic_links = 0;
  size_t components_clustered = 0;
  // Rows whose cluster label changed (new rows included).
  std::vector<Row> changed_rows;
  // Every row of every component clustered again, sorted: whole clusters,
  // old and new, so person ids can be reassigned over them.
  std::vector<Row> reclustered_rows;
  // The edges this run added to the graph.
  std::vector<ScoredEdge> new_edges;
  // Rows retired (Retire only).
  std::vector<Row> retired_rows;
};

class LinkageEngine {
 public:
  explicit LinkageEngine(LinkageOptions options);
  ~LinkageEngine();

  // Appends a record; it is linked by the next LinkPending.
  absl::StatusOr<Row> AddRecord(const v1::PseudonymisedRecord& record,
                                int64_t record_id, std::string_view source);

  // Estimates the model by EM from the candidate pairs of every row added so
  // far (comparisons the settings fix keep their values). Blocks every
  // pending row as a side effect.
  absl::Status EstimateModel();
  const FellegiSunterModel& model() const { return *model_; }
  void SetModel(FellegiSunterModel model);

  // Links the rows added since the last call.
  absl::StatusOr<LinkRun> LinkPending();

  // Restores linked state saved earlier (the linkage worker's tables): every
  // row added so far counts as linked, `edges` are the graph's edges and
  // `labels` the cluster of each row. Nothing is scored again.
  void RestoreLinked(std::span<const ScoredEdge> edges,
                     std::vector<Row> labels);

  // Takes a row out of linkage (its record was superseded or purged): its
  // edges go, and its component is clustered again.
  // Rows whose label changed are in changed_rows, the re-clustered ones in
  // reclustered_rows.
  LinkRun Retire(Row row);
  bool retired(Row row) const { return retired_[row] != 0; }

  // The cluster of each row: the smallest row in it. Valid for linked rows.
  const std::vector<Row>& labels() const { return labels_; }
  // The graph's edges with both ends in `rows` (sorted, no duplicates).
  std::vector<ScoredEdge> EdgesWithin(std::span<const Row> rows) const;

  // Clusters every linked row again from the kept scored pairs at another
  // threshold (for threshold sweeps; needs keep_scored_pairs).
  std::vector<Row> ClusterAt(double threshold) const;

  double link_threshold() const;
  const std::vector<ScoredPair>& scored_pairs() const { return scored_pairs_; }
  const BlockingStats& blocking_stats() const { return blocking_stats_; }
  const FeatureTable& features() const { return table_; }
  size_t linked_rows() const { return linked_; }

  // The posterior match probability of any two rows (compared now).
  double PairProbability(Row a, Row b) const;

 private:
  struct Graph;
  void BlockPending();
  // The block keys of a row BlockPending just added, if it kept them.
  const uint64_t* PendingKeys(Row row) const;
  uint8_t DeterministicStage(Row a, Row b) const;
  bool CannotLink(Row a, Row b) const;
  // Pairs no clustering could join: not worth scoring, and not candidates
  // the model should be estimated on.
  bool NeverLinks(Row a, Row b) const;
  // Replaces `model`'s u (where not fixed) by the level frequencies among
  // random linkable pairs, and its lambda by the estimated matches over all
  // linkable pairs; false, leaving it alone, on a table too small to
  // sample. With `starting_u`, only u is set, from unweighted pairs (EM's
  // starting point: there is no fitted model to weigh them by yet).
  bool MeasureUOnRandomPairs(double linkable_candidate_pairs, bool starting_u,
                             FellegiSunterModel* model) const;
  // Sets the model's per-record priors between every two one-record-per-
  // person sources (FellegiSunterModel::source_pair_priors), from the
  // expected matches among their candidate pairs under `model`.
  void EstimateSourcePairPriors(FellegiSunterModel* model) const;
  ClusterGuards MakeGuards(double threshold) const;
  // CancelledError once options_.cancel is set.
  absl::Status CheckNotCancelled() const;

  LinkageOptions options_;
  FeatureTable table_;
  BlockIndex blocks_;
  std::unique_ptr<FellegiSunterModel> model_;
  std::unique_ptr<TermFrequencies> term_frequencies_;
  std::unique_ptr<PairScorer> scorer_;
  std::vector<bool> one_per_person_source_;  // by interned source id
  std::unique_ptr<Graph> graph_;
  std::vector<Row> labels_;
  std::vector<uint8_t> retired_;
  std::vector<ScoredPair> scored_pairs_;
  BlockingStats blocking_stats_;
  size_t blocked_ = 0;                  // rows added to the blocks
  std::vector<uint64_t> pending_keys_;  // of rows from pending_keys_first_
  size_t pending_keys_first_ = 0;
  size_t linked_ = 0;  // rows linked
};

}  // namespace equilink::linkage

#endif  // EQUILINK_SERVER_LINKAGE_LINKAGE_ENGINE_H_
