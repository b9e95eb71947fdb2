#include "server/linkage/linkage_engine.h"

#include <algorithm>
#include <atomic>
#include <thread>
#include <tuple>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "common/status/status_macros.h"
#include "server/linkage/cluster/cluster_component.h"
#include "server/linkage/cluster/edge_graph.h"
#include "server/linkage/model/pair_scorer.h"

namespace equilink::linkage {
namespace {

// The match-key cascade, strictest key first (docs/LINKAGE.md,
// "Deterministic stage"): all four names-and-date keys are exact agreement of
// normalised values, so the order only decides which stage a pair is
// credited to, and the report counts links by the strictest key that made
// them.
constexpr int kMatchKeyCascade[] = {1, 4, 3, 2};

// How many candidate pairs EM looks at, at most: identical comparison
// vectors are aggregated, so this bounds the time to form them, not EM's.
constexpr size_t kEmSamplePairs = 4'000'000;

// Candidates whose features are fetched ahead of scoring: enough to overlap
// the cache misses of one candidate with the scoring of the ones before.
// 12 (seven lines each): into 1M persons, 6 left the first touch of each
// candidate (the veto test) waiting on memory a quarter of the time, and 20
// or 32 were no better than 12 (linkage_bench, incremental part).
constexpr size_t kPrefetchAhead = 12;

// A 64-bit mix of a counter (SplitMix64's finaliser): deterministic
// "random" draws that do not depend on which thread makes them.
uint64_t SplitMix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Runs work(thread, begin, end) over [first, end) in chunks on `threads`
// threads; stops handing out chunks once *cancel (if given) is set.
template <typename Work>
void ParallelRows(size_t first, size_t end, int threads,
                  const std::atomic<bool>* cancel, Work&& work) {
  threads = std::max(1, threads);
  // Rows go out in small chunks: a row's cost varies with its blocks.
  std::atomic<size_t> next{first};
  constexpr size_t kChunk = 64;
  auto run = [&](int t) {
    for (;;) {
      if (cancel != nullptr && cancel->load(std::memory_order_relaxed)) return;
      const size_t begin = next.fetch_add(kChunk);
      if (begin >= end) return;
      work(t, begin, std::min(end, begin + kChunk));
    }
  };
  if (end - first < 256 || threads == 1) {
    run(0);
    return;
  }
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) pool.emplace_back(run, t);
  for (std::thread& thread : pool) thread.join();
}

void MergeStats(const BlockingStats& from, BlockingStats* into) {
  for (int k = 0; k < kBlockKindCount; ++k) {
    into->kinds[k].candidate_pairs += from.kinds[k].candidate_pairs;
    into->kinds[k].oversized_skips += from.kinds[k].oversized_skips;
  }
  into->candidate_pairs += from.candidate_pairs;
  into->uncorroborated += from.uncorroborated;
}

}  // namespace

struct LinkageEngine::Graph {
  explicit Graph(double threshold) : edges(threshold) {}
  EdgeGraph edges;
};

LinkageEngine::LinkageEngine(LinkageOptions options)
    : options_(std::move(options)),
      blocks_(options_.blocking),
      model_(std::make_unique<FellegiSunterModel>(DefaultStartingModel())),
      graph_(std::make_unique<Graph>(model_->match_threshold)) {
  absl::StatusOr<FellegiSunterModel> configured =
      DefaultStartingModel(options_.model_settings);
  // Settings are validated where they are read (the gateway config, the
  // benchmark's flags); a bad one here falls back to the defaults.
  if (configured.ok()) {
    SetModel(*std::move(configured));
  }
  if (!options_.model_settings.has_term_frequency_adjustment() ||
      options_.model_settings.term_frequency_adjustment()) {
    term_frequencies_ = std::make_unique<TermFrequencies>();
  }
  scorer_ =
      std::make_unique<PairScorer>(table_, *model_, term_frequencies_.get());
}

LinkageEngine::~LinkageEngine() = default;

double LinkageEngine::link_threshold() const { return model_->match_threshold; }

absl::StatusOr<Row> LinkageEngine::AddRecord(
    const v1::PseudonymisedRecord& record, int64_t record_id,
    std::string_view source) {
  EQ_ASSIGN_OR_RETURN(const Row row, table_.Add(record, record_id, source));
  labels_.push_back(row);
  retired_.push_back(0);
  const uint32_t source_id = table_.source(row);
  if (source_id >= one_per_person_source_.size()) {
    one_per_person_source_.resize(source_id + 1, false);
    const std::string& name = table_.source_name(source_id);
    one_per_person_source_[source_id] =
        std::find(options_.one_record_per_person_sources.begin(),
                  options_.one_record_per_person_sources.end(),
                  name) != options_.one_record_per_person_sources.end();
    // The scorer resolves the model's source-pair priors to source ids
    // when it is made: a source it has not seen takes lambda until then.
    if (!model_->source_pair_priors.empty()) {
      scorer_ = std::make_unique<PairScorer>(table_, *model_,
                                             term_frequencies_.get());
    }
  }
  return row;
}

void LinkageEngine::BlockPending() {
  if (blocked_ == table_.size()) return;
  // The keys (MinHash bands mostly) on every thread; joining the blocks is
  // one thread's, in row order. In slices, so that restoring a million
  // rows does not hold all their keys at once; a batch small enough to be
  // one slice keeps its keys for LinkPending, which would otherwise compute
  // them again.
  constexpr size_t kSlice = 1 << 16;
  const size_t per_row = static_cast<size_t>(blocks_.KeysPerRow());
  const bool keep_keys = table_.size() - blocked_ <= kSlice;
  pending_keys_.clear();
  pending_keys_first_ = blocked_;
  std::vector<uint64_t> keys;
  BlockIndex::Batch batch = blocks_.StartBatch();
  while (blocked_ < table_.size()) {
    const size_t first = blocked_;
    const size_t end = std::min(table_.size(), first + kSlice);
    keys.resize((end - first) * per_row);
    ParallelRows(first, end, options_.threads, options_.cancel,
                 [&](int, size_t begin, size_t stop) {
                   for (size_t i = begin; i < stop; ++i) {
                     blocks_.KeysOf(table_, static_cast<Row>(i),
                                    keys.data() + (i - first) * per_row);
                   }
                 });
    for (; blocked_ < end; ++blocked_) {
      const Row row = static_cast<Row>(blocked_);
      batch.Add(table_, row, keys.data() + (blocked_ - first) * per_row);
      if (term_frequencies_ != nullptr) term_frequencies_->Add(table_, row);
    }
  }
  blocks_.Commit(std::move(batch));
  if (keep_keys) pending_keys_ = std::move(keys);
}

const uint64_t* LinkageEngine::PendingKeys(Row row) const {
  if (row < pending_keys_first_) return nullptr;
  const size_t offset = (static_cast<size_t>(row) - pending_keys_first_) *
                        static_cast<size_t>(blocks_.KeysPerRow());
  if (offset >= pending_keys_.size()) return nullptr;
  return pending_keys_.data() + offset;
}

void LinkageEngine::SetModel(FellegiSunterModel model) {
  model_ = std::make_unique<FellegiSunterModel>(std::move(model));
  // Building a scorer takes the logarithms of every level's m and u: once
  // per model, not per pair.
  scorer_ =
      std::make_unique<PairScorer>(table_, *model_, term_frequencies_.get());
  // Edges already kept were decided at the old threshold; a changed model
  // is applied to the whole population by a relink (a fresh engine).
  if (graph_ != nullptr && linked_ == 0) {
    graph_ = std::make_unique<Graph>(model_->match_threshold);
  }
}

absl::Status LinkageEngine::EstimateModel() {
  BlockPending();
  const size_t rows = table_.size();
  if (rows < 2) return absl::OkStatus();
  const PairScorer& scorer = *scorer_;
  const int threads = std::max(1, options_.threads);
  // The candidate pairs the linker will score, from every stride-th row: a
  // fixed stride (not "the first N pairs") spreads the sample over the whole
  // table, so both files of a two-file linkage and every batch are in it,
  // and makes it the same whatever the thread timing. Pairs that can never
  // link (cannot_link, two records of one one-per-person source) are left
  // out: they are not candidates the model decides on.
  size_t estimate = 0;
  {
    std::vector<Row> candidates;
    BlockingStats unused;
    size_t probes = 0;
    for (size_t i = 0; i < rows; i += 97) {
      blocks_.Candidates(table_, static_cast<Row>(i), &candidates, &unused);
      estimate += candidates.size();
      ++probes;
    }
    estimate = estimate * rows / std::max<size_t>(1, probes);
  }
  const size_t stride =
      std::max<size_t>(1, (estimate + kEmSamplePairs - 1) / kEmSamplePairs);
  std::vector<ComparisonPatterns> per_thread(threads);
  ParallelRows(0, (rows + stride - 1) / stride, threads, options_.cancel,
               [&](int t, size_t begin, size_t end) {
                 std::vector<Row> candidates;
                 BlockingStats unused;
                 for (size_t k = begin; k < end; ++k) {
                   const Row row = static_cast<Row>(k * stride);
                   if (retired_[row]) continue;
                   blocks_.Candidates(table_, row, &candidates, &unused);
                   for (Row other : candidates) {
                     if (retired_[other] || NeverLinks(other, row)) continue;
                     per_thread[t].Add(scorer.Compare(other, row));
                   }
                 }
               });
  EQ_RETURN_IF_ERROR(CheckNotCancelled());
  ComparisonPatterns sample;
  for (const ComparisonPatterns& part : per_thread) sample.Merge(part);
  if (sample.pair_count() == 0) return absl::OkStatus();
  // EM starts u from the sample's level frequencies: candidates are mostly
  // two people, so that is close to u already, and on data with households
  // it fits best (synthetic 100k: F1 0.996 against 0.989 from random-pair
  // u). Between two clean registers, though, candidates are mostly matches,
  // and EM started there converges to the mirror solution (the "match"
  // class the disagreeing pairs), which EstimateByEm refuses; it is started
  // again from u measured on random pairs, which are almost all two people.
  const EmOptions em_options = EmOptionsFromSettings(options_.model_settings);
  absl::StatusOr<FellegiSunterModel> fitted =
      EstimateByEm(sample, *model_, em_options);
  if (absl::IsFailedPrecondition(fitted.status()) &&
      options_.u_from_random_pairs) {
    FellegiSunterModel start = *model_;
    if (MeasureUOnRandomPairs(0, /*starting_u=*/true, &start)) {
      EmOptions from_random_u = em_options;
      from_random_u.u_start_from_sample = false;
      fitted = EstimateByEm(sample, start, from_random_u);
    }
  }
  EQ_RETURN_IF_ERROR(fitted.status());
  FellegiSunterModel estimated = *std::move(fitted);
  if (options_.u_from_random_pairs) {
    // Every stride-th row's candidates were sampled.
    MeasureUOnRandomPairs(
        static_cast<double>(sample.pair_count()) * static_cast<double>(stride),
        /*starting_u=*/false, &estimated);
  }
  EstimateSourcePairPriors(&estimated);
  // A model estimated from part of the work is not kept.
  EQ_RETURN_IF_ERROR(CheckNotCancelled());
  SetModel(std::move(estimated));
  return absl::OkStatus();
}

absl::Status LinkageEngine::CheckNotCancelled() const {
  if (options_.cancel != nullptr && options_.cancel->load()) {
    return absl::CancelledError(
        "linkage stopped: the gateway is shutting down");
  }
  return absl::OkStatus();
}

void LinkageEngine::EstimateSourcePairPriors(FellegiSunterModel* model) const {
  model->source_pair_priors.clear();
  const v1::LinkageModelSettings& settings = options_.model_settings;
  if (model->lambda_fixed ||
      (settings.has_one_to_one_prior() && !settings.one_to_one_prior())) {
    return;
  }
  const size_t sources = one_per_person_source_.size();
  std::vector<uint64_t> live(sources, 0);
  for (Row row = 0; row < table_.size(); ++row) {
    const uint32_t source = table_.source(row);
    if (!retired_[row] && one_per_person_source_[source]) ++live[source];
  }
  if (std::count_if(live.begin(), live.end(),
                    [](uint64_t n) { return n > 0; }) < 2) {
    return;
  }
  // The expected matches between two sources. Each record counts the
  // posterior of its best candidate on the other side (under the model with
  // one lambda for all pairs), so it counts at most once however many
  // near-misses it has (a clkhash CLK is compared with every record of the
  // other file); the smaller of the two sides' sums is taken. True pairs
  // scored low are left out, so the estimate errs towards fewer matches and
  // a weaker prior.
  const PairScorer scorer(table_, *model, term_frequencies_.get());
  const int threads = std::max(1, options_.threads);
  // (row << 32 | other side's source) -> best posterior there.
  std::vector<absl::flat_hash_map<uint64_t, float>> per_thread(threads);
  ParallelRows(
      0, table_.size(), threads, options_.cancel,
      [&](int t, size_t begin, size_t end) {
        std::vector<Row> candidates;
        BlockingStats unused;
        auto keep_best = [&](Row row, uint32_t other_source,
                             double probability) {
          float& best =
              per_thread[t][(static_cast<uint64_t>(row) << 32) | other_source];
          best = std::max(best, static_cast<float>(probability));
        };
        for (size_t i = begin; i < end; ++i) {
          const Row row = static_cast<Row>(i);
          const uint32_t source = table_.source(row);
          if (retired_[row] || !one_per_person_source_[source]) continue;
          blocks_.Candidates(table_, row, &candidates, &unused);
          for (Row other : candidates) {
            const uint32_t other_source = table_.source(other);
            if (retired_[other] || other_source == source ||
                !one_per_person_source_[other_source] ||
                CannotLink(other, row)) {
              continue;
            }
            const double probability =
                DeterministicStage(other, row) != kStageProbabilistic
                    ? 1.0
                    : scorer.MatchProbability(other, row);
            keep_best(row, other_source, probability);
            keep_best(other, source, probability);
          }
        }
      });
  absl::flat_hash_map<uint64_t, float> best;
  for (const auto& part : per_thread) {
    for (const auto& [key, probability] : part) {
      float& kept = best[key];
      kept = std::max(kept, probability);
    }
  }
  // (own source << 32 | other source) -> sum of the records' best.
  absl::flat_hash_map<uint64_t, double> side_sums;
  for (const auto& [key, probability] : best) {
    const Row row = static_cast<Row>(key >> 32);
    side_sums[(static_cast<uint64_t>(table_.source(row)) << 32) |
              (key & 0xffffffffu)] += probability;
  }
  auto side_sum = [&](uint32_t own, uint32_t other) {
    const auto it = side_sums.find((static_cast<uint64_t>(own) << 32) | other);
    return it == side_sums.end() ? 0.0 : it->second;
  };
  for (uint32_t a = 0; a < sources; ++a) {
    for (uint32_t b = a + 1; b < sources; ++b) {
      if (live[a] == 0 || live[b] == 0) continue;
      const double matches = std::min(side_sum(a, b), side_sum(b, a));
      SourcePairPrior prior{.source_a = table_.source_name(a),
                            .source_b = table_.source_name(b),
                            .records_a = live[a],
                            .records_b = live[b],
                            .matches = matches};
      if (prior.source_b < prior.source_a) {
        std::swap(prior.source_a, prior.source_b);
        std::swap(prior.records_a, prior.records_b);
      }
      // Knowing a record has at most one partner can only raise a pair's
      // prior above the per-pair lambda; where the estimate comes out below
      // it (lambda fitted on candidates that are every pair, as clkhash
      // CLKs are compared), lambda stands.
      prior.log2_prior_odds = std::max(
          OneToOnePriorLog2Odds(prior.records_a, prior.records_b, matches),
          model->PriorLog2Odds());
      model->source_pair_priors.push_back(std::move(prior));
    }
  }
  std::sort(model->source_pair_priors.begin(), model->source_pair_priors.end(),
            [](const SourcePairPrior& x, const SourcePairPrior& y) {
              return std::tie(x.source_a, x.source_b) <
                     std::tie(y.source_a, y.source_b);
            });
}

bool LinkageEngine::MeasureUOnRandomPairs(double linkable_candidate_pairs,
                                          bool starting_u,
                                          FellegiSunterModel* model) const {
  // Among candidate pairs u is distorted by blocking itself: pairs were
  // proposed because they share a name or a postcode, so among them an
  // exact forename is common (u 0.25 on FEBRL4) and barely counts as
  // evidence, and a pair agreeing on names and postcode but with a mistyped
  // date of birth scored as a non-match. Over all pairs the same agreement
  // is rare among non-matches. So u is measured where the model applies,
  // on random pairs that could link (each weighted by the EM model's
  // probability that it is a non-match, which matters only on small
  // tables), and lambda becomes the estimated number of matches (EM's
  // share of the linkable candidate pairs) over all linkable pairs. m stays
  // EM's: matches are nearly all among the candidates.
  std::vector<Row> live;
  live.reserve(table_.size());
  for (Row row = 0; row < table_.size(); ++row) {
    if (!retired_[row]) live.push_back(row);
  }
  const double n = static_cast<double>(live.size());
  const double all_pairs = n * (n - 1) / 2;
  constexpr uint64_t kRandomPairs = 2'000'000;
  constexpr uint64_t kMinimumLinkable = 20'000;
  if (all_pairs < 4.0 * kMinimumLinkable) return false;
  const PairScorer em_scorer(table_, *model, term_frequencies_.get());
  struct Counts {
    std::array<std::array<double, kMaxLevels>, kComparisonCount> level{};
    uint64_t drawn = 0;
    uint64_t linkable = 0;
  };
  const int threads = std::max(1, options_.threads);
  std::vector<Counts> per_thread(threads);
  ParallelRows(0, kRandomPairs, threads, options_.cancel,
               [&](int t, size_t begin, size_t end) {
                 Counts& counts = per_thread[t];
                 for (size_t k = begin; k < end; ++k) {
                   // The k-th pair depends on k alone: the same sample on any
                   // thread timing.
                   const uint64_t x = SplitMix(k * 2 + 1);
                   const uint64_t y = SplitMix(k * 2 + 2);
                   const Row a = live[x % live.size()];
                   const Row b = live[y % live.size()];
                   if (a == b) continue;
                   ++counts.drawn;
                   const Row first = std::min(a, b);
                   const Row second = std::max(a, b);
                   if (NeverLinks(first, second)) continue;
                   ++counts.linkable;
                   const ComparisonVector v = em_scorer.Compare(first, second);
                   const double weight =
                       starting_u
                           ? 1.0
                           : 1.0 - em_scorer.ProbabilityFromLog2BayesFactor(
                                       em_scorer.Log2BayesFactor(v));
                   for (int c = 0; c < kComparisonCount; ++c) {
                     if (v.level[c] != kNullLevel)
                       counts.level[c][v.level[c]] += weight;
                   }
                 }
               });
  Counts total;
  for (const Counts& part : per_thread) {
    total.drawn += part.drawn;
    total.linkable += part.linkable;
    for (int c = 0; c < kComparisonCount; ++c) {
      for (int l = 0; l < kMaxLevels; ++l) {
        total.level[c][l] += part.level[c][l];
      }
    }
  }
  if (total.linkable < kMinimumLinkable || total.drawn == 0) return false;
  for (int c = 0; c < kComparisonCount; ++c) {
    ComparisonParameters& p = model->comparisons[c];
    if (!p.enabled || p.u_fixed) continue;
    double observed = 0;
    for (int l = 0; l < p.level_count(); ++l) observed += total.level[c][l];
    // Too few random pairs hold the field on both sides to measure it.
    if (observed < 1000) continue;
    double sum = 0;
    for (int l = 0; l < p.level_count(); ++l) {
      p.u[l] = std::max(total.level[c][l] / observed, model->probability_floor);
      sum += p.u[l];
    }
    for (double& u : p.u) u /= sum;
  }
  model->em.random_pairs = total.linkable;
  if (starting_u) return true;
  const double linkable_pairs = all_pairs *
                                static_cast<double>(total.linkable) /
                                static_cast<double>(total.drawn);
  const double matches = model->lambda * linkable_candidate_pairs;
  if (!model->lambda_fixed) {
    model->lambda = std::clamp(matches / linkable_pairs, 1e-12, 0.5);
  }
  return true;
}

std::vector<ScoredEdge> LinkageEngine::EdgesWithin(
    std::span<const Row> rows) const {
  return graph_->edges.EdgesWithin(rows);
}

bool LinkageEngine::NeverLinks(Row a, Row b) const {
  const uint32_t source = table_.source(a);
  if (source == table_.source(b) && source < one_per_person_source_.size() &&
      one_per_person_source_[source]) {
    return true;
  }
  return CannotLink(a, b);
}

bool LinkageEngine::CannotLink(Row a, Row b) const {
  // Two Modulus 11-checked NHS numbers that differ are two people: the
  // check catches every single-digit typo and adjacent transposition.
  return table_.nhs_checked(a) && table_.nhs_checked(b) &&
         table_.nhs_token(a) != table_.nhs_token(b);
}

uint8_t LinkageEngine::DeterministicStage(Row a, Row b) const {
  if (!options_.deterministic_stage) return kStageProbabilistic;
  const uint64_t token = table_.nhs_token(a);
  if (token != 0 && token == table_.nhs_token(b)) return kStageNhsToken;
  if (CannotLink(a, b)) return kStageProbabilistic;
  // A stated sex that differs vetoes a demographic key: keys 2-4 do not
  // include sex, and twins of different sex can share all their fields.
  const char sex_a = table_.sex(a);
  const char sex_b = table_.sex(b);
  if (sex_a != 0 && sex_b != 0 && sex_a != sex_b && sex_a != '9' &&
      sex_b != '9') {
    return kStageProbabilistic;
  }
  for (int kind : kMatchKeyCascade) {
    const uint64_t key = table_.match_key(a, kind);
    if (key != 0 && key == table_.match_key(b, kind)) {
      return MatchKeyStage(kind);
    }
  }
  return kStageProbabilistic;
}

double LinkageEngine::PairProbability(Row a, Row b) const {
  if (DeterministicStage(a, b) != kStageProbabilistic) return 1.0;
  return scorer_->MatchProbability(a, b);
}

ClusterGuards LinkageEngine::MakeGuards(double threshold) const {
  ClusterGuards guards;
  guards.link_threshold = threshold;
  for (uint32_t s = 0; s < one_per_person_source_.size(); ++s) {
    if (one_per_person_source_[s]) {
      guards.one_record_per_person_sources.push_back(s);
    }
  }
  guards.source_of = [this](Row row) { return table_.source(row); };
  guards.cannot_link = [this](Row a, Row b) { return CannotLink(a, b); };
  guards.pair_probability = [this](Row a, Row b) {
    return PairProbability(a, b);
  };
  return guards;
}

absl::StatusOr<LinkRun> LinkageEngine::LinkPending() {
  BlockPending();
  LinkRun run;
  const size_t first = linked_;
  const size_t end = table_.size();
  if (first == end) return run;
  run.rows_linked = end - first;

  const PairScorer& scorer = *scorer_;
  const double threshold = model_->match_threshold;
  const int threads = std::max(1, options_.threads);
  struct ThreadOutput {
    std::vector<ScoredEdge> edges;
    std::vector<ScoredPair> scored;
    BlockingStats stats;
    uint64_t compared = 0;
  };
  std::vector<ThreadOutput> outputs(threads);
  ParallelRows(
      first, end, threads, options_.cancel,
      [&](int t, size_t begin, size_t stop) {
        ThreadOutput& out = outputs[t];
        std::vector<Row> candidates;
        for (size_t i = begin; i < stop; ++i) {
          const Row row = static_cast<Row>(i);
          if (retired_[row]) continue;
          const uint64_t* keys = PendingKeys(row);
          if (keys != nullptr) {
            blocks_.Candidates(table_, row, keys, &candidates, &out.stats);
          } else {
            blocks_.Candidates(table_, row, &candidates, &out.stats);
          }
          // The first candidates too: a row has about a hundred at 1M persons,
          // and the first dozen would otherwise each wait on a cache miss.
          for (size_t k = 0; k < std::min(kPrefetchAhead, candidates.size());
               ++k) {
            table_.Prefetch(candidates[k]);
          }
          for (size_t k = 0; k < candidates.size(); ++k) {
            if (k + kPrefetchAhead < candidates.size()) {
              table_.Prefetch(candidates[k + kPrefetchAhead]);
            }
            const Row other = candidates[k];
            if (retired_[other] || NeverLinks(other, row)) continue;
            ++out.compared;
            const uint8_t stage = DeterministicStage(other, row);
            const double probability = scorer.MatchProbability(other, row);
            if (options_.keep_scored_pairs) {
              out.scored.push_back(
                  ScoredPair{.a = other,
                             .b = row,
                             .probability = static_cast<float>(probability),
                             .stage = stage});
            }
            if (stage != kStageProbabilistic) {
              out.edges.push_back(ScoredEdge{
                  .a = other, .b = row, .probability = 1.0f, .stage = stage});
            } else if (probability >= threshold) {
              out.edges.push_back(
                  ScoredEdge{.a = other,
                             .b = row,
                             .probability = static_cast<float>(probability),
                             .stage = kStageProbabilistic});
            }
          }
        }
      });

  // Rows left unscored: nothing of this run may reach the graph.
  EQ_RETURN_IF_ERROR(CheckNotCancelled());
  std::vector<ScoredEdge> edges;
  for (ThreadOutput& out : outputs) {
    run.pairs_compared += out.compared;
    MergeStats(out.stats, &blocking_stats_);
    for (const ScoredEdge& edge : out.edges) {
      if (edge.stage == kStageProbabilistic) {
        ++run.probabilistic_links;
      } else {
        ++run.deterministic_links;
      }
    }
    edges.insert(edges.end(), out.edges.begin(), out.edges.end());
    scored_pairs_.insert(scored_pairs_.end(), out.scored.begin(),
                         out.scored.end());
  }
  graph_->edges.AddEdges(edges);

  // Every new row and every endpoint of a new edge: their components are
  // clustered again.
  std::vector<Row> touched;
  touched.reserve(run.rows_linked + 2 * edges.size());
  for (size_t i = first; i < end; ++i) {
    if (!retired_[i]) touched.push_back(static_cast<Row>(i));
  }
  for (const ScoredEdge& edge : edges) {
    touched.push_back(edge.a);
    touched.push_back(edge.b);
  }
  std::sort(touched.begin(), touched.end());
  touched.erase(std::unique(touched.begin(), touched.end()), touched.end());

  const std::vector<Row> before = labels_;
  const ClusterGuards guards = MakeGuards(threshold);
  std::vector<Row> reclustered =
      ReclusterAround(graph_->edges, touched, guards, &labels_);
  for (Row row : reclustered) {
    if (row >= first || labels_[row] != before[row]) {
      run.changed_rows.push_back(row);
    }
  }
  for (Row row : touched) {
    if (row >= first &&
        !std::binary_search(reclustered.begin(), reclustered.end(), row)) {
      run.changed_rows.push_back(row);
    }
  }
  std::sort(run.changed_rows.begin(), run.changed_rows.end());
  run.changed_rows.erase(
      std::unique(run.changed_rows.begin(), run.changed_rows.end()),
      run.changed_rows.end());
  run.reclustered_rows = std::move(reclustered);
  run.new_edges = std::move(edges);
  linked_ = end;
  pending_keys_.clear();
  return run;
}

void LinkageEngine::RestoreLinked(std::span<const ScoredEdge> edges,
                                  std::vector<Row> labels) {
  BlockPending();
  graph_->edges.AddEdges(edges);
  labels.resize(table_.size());
  labels_ = std::move(labels);
  linked_ = table_.size();
}

LinkRun LinkageEngine::Retire(Row row) {
  LinkRun run;
  if (retired_[row]) return run;
  retired_[row] = 1;
  run.retired_rows.push_back(row);
  std::vector<Row> neighbours = graph_->edges.RemoveRow(row);
  const std::vector<Row> before = labels_;
  const ClusterGuards guards = MakeGuards(model_->match_threshold);
  neighbours.push_back(row);
  std::sort(neighbours.begin(), neighbours.end());
  run.reclustered_rows =
      ReclusterAround(graph_->edges, neighbours, guards, &labels_);
  for (Row r : run.reclustered_rows) {
    if (labels_[r] != before[r]) run.changed_rows.push_back(r);
  }
  return run;
}

std::vector<Row> LinkageEngine::ClusterAt(double threshold) const {
  std::vector<Row> labels(table_.size());
  for (size_t i = 0; i < labels.size(); ++i) labels[i] = static_cast<Row>(i);
  EdgeGraph graph(threshold);
  std::vector<ScoredEdge> edges;
  edges.reserve(scored_pairs_.size());
  for (const ScoredPair& pair : scored_pairs_) {
    if (retired_[pair.a] || retired_[pair.b]) continue;
    const bool linked =
        pair.stage != kStageProbabilistic || pair.probability >= threshold;
    if (!linked) continue;
    edges.push_back(ScoredEdge{.a = pair.a,
                               .b = pair.b,
                               .probability = pair.stage != kStageProbabilistic
                                                  ? 1.0f
                                                  : pair.probability,
                               .stage = pair.stage});
  }
  graph.AddEdges(edges);
  std::vector<Row> all;
  all.reserve(linked_);
  for (size_t i = 0; i < linked_; ++i) {
    if (!retired_[i]) all.push_back(static_cast<Row>(i));
  }
  const ClusterGuards guards = MakeGuards(threshold);
  ReclusterAround(graph, all, guards, &labels);
  return labels;
}

}  // namespace equilink::linkage
