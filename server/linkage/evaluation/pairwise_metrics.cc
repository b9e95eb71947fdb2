#include "server/linkage/evaluation/pairwise_metrics.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "common/status/check.h"

namespace equilink::linkage {
namespace {

uint64_t Pairs(uint64_t n) { return n < 2 ? 0 : n * (n - 1) / 2; }

double Ratio(uint64_t part, uint64_t whole) {
  return whole == 0 ? 1.0
                    : static_cast<double>(part) / static_cast<double>(whole);
}

// Dense ids 0..k-1 for the distinct values, so sets can be counted in
// vectors.
template <typename Key, typename KeyOf>
std::vector<uint32_t> Intern(size_t n, KeyOf key_of, uint32_t* count) {
  absl::flat_hash_map<Key, uint32_t> ids;
  std::vector<uint32_t> dense(n);
  for (size_t i = 0; i < n; ++i) {
    dense[i] = ids.try_emplace(key_of(i), static_cast<uint32_t>(ids.size()))
                   .first->second;
  }
  *count = static_cast<uint32_t>(ids.size());
  return dense;
}

// Pairs of included records in the same set (set ids dense below
// set_count), counting only pairs across sources when sources are given.
template <typename Include>
uint64_t PairsWithin(std::span<const uint32_t> set, uint32_t set_count,
                     std::span<const uint32_t> sources, Include include) {
  std::vector<uint64_t> size(set_count, 0);
  absl::flat_hash_map<std::pair<uint32_t, uint32_t>, uint64_t> per_source;
  for (size_t i = 0; i < set.size(); ++i) {
    if (!include(i)) continue;
    ++size[set[i]];
    if (!sources.empty()) ++per_source[{set[i], sources[i]}];
  }
  uint64_t pairs = 0;
  for (uint64_t n : size) pairs += Pairs(n);
  for (const auto& [key, n] : per_source) pairs -= Pairs(n);
  return pairs;
}

struct Sets {
  std::vector<uint32_t> truth;
  uint32_t truth_count = 0;
  std::vector<uint32_t> predicted;
  uint32_t predicted_count = 0;
  std::vector<uint32_t> joint;  // (predicted, truth)
  uint32_t joint_count = 0;
};

Sets MakeSets(std::span<const uint32_t> predicted,
              std::span<const uint32_t> truth) {
  EQ_CHECK(predicted.size() == truth.size());
  Sets sets;
  const size_t n = truth.size();
  sets.truth = Intern<uint32_t>(
      n, [&](size_t i) { return truth[i]; }, &sets.truth_count);
  sets.predicted = Intern<uint32_t>(
      n, [&](size_t i) { return predicted[i]; }, &sets.predicted_count);
  sets.joint = Intern<std::pair<uint32_t, uint32_t>>(
      n, [&](size_t i) { return std::make_pair(predicted[i], truth[i]); },
      &sets.joint_count);
  return sets;
}

}  // namespace

PairwiseMetrics EvaluatePairwise(std::span<const uint32_t> predicted,
                                 std::span<const uint32_t> truth,
                                 std::span<const uint32_t> sources) {
  EQ_CHECK(sources.empty() || sources.size() == truth.size());
  const Sets sets = MakeSets(predicted, truth);
  const auto all = [](size_t) { return true; };
  const uint64_t both = PairsWithin(sets.joint, sets.joint_count, sources, all);
  const uint64_t linked =
      PairsWithin(sets.predicted, sets.predicted_count, sources, all);
  const uint64_t same = PairsWithin(sets.truth, sets.truth_count, sources, all);

  PairwiseMetrics metrics;
  metrics.true_positives = both;
  metrics.false_positives = linked - both;
  metrics.false_negatives = same - both;
  metrics.precision = Ratio(both, linked);
  metrics.recall = Ratio(both, same);
  const double sum = metrics.precision + metrics.recall;
  metrics.f1 = sum == 0 ? 0 : 2 * metrics.precision * metrics.recall / sum;
  return metrics;
}

std::vector<GroupRecall> RecallByGroup(std::span<const uint32_t> predicted,
                                       std::span<const uint32_t> truth,
                                       std::span<const uint32_t> groups,
                                       std::span<const uint32_t> sources) {
  EQ_CHECK(groups.size() == truth.size());
  EQ_CHECK(sources.empty() || sources.size() == truth.size());
  const Sets sets = MakeSets(predicted, truth);
  std::vector<uint32_t> distinct(groups.begin(), groups.end());
  std::sort(distinct.begin(), distinct.end());
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());

  const auto all = [](size_t) { return true; };
  const uint64_t true_pairs =
      PairsWithin(sets.truth, sets.truth_count, sources, all);
  const uint64_t found_pairs =
      PairsWithin(sets.joint, sets.joint_count, sources, all);
  std::vector<GroupRecall> result;
  for (uint32_t group : distinct) {
    // Pairs touching the group = all pairs - pairs with neither record in it.
    const auto outside = [&](size_t i) { return groups[i] != group; };
    GroupRecall recall;
    recall.group = group;
    recall.true_pairs = true_pairs - PairsWithin(sets.truth, sets.truth_count,
                                                 sources, outside);
    recall.found_pairs = found_pairs - PairsWithin(sets.joint, sets.joint_count,
                                                   sources, outside);
    recall.recall = Ratio(recall.found_pairs, recall.true_pairs);
    result.push_back(recall);
  }
  return result;
}

std::vector<GroupMatchRate> MatchRateByGroup(
    std::span<const uint32_t> predicted, std::span<const uint32_t> truth,
    std::span<const uint32_t> sources, uint32_t reference_source,
    std::span<const uint32_t> groups) {
  EQ_CHECK(predicted.size() == truth.size() && sources.size() == truth.size() &&
           groups.size() == truth.size());
  absl::flat_hash_set<uint32_t> in_reference;
  absl::flat_hash_set<std::pair<uint32_t, uint32_t>> linked_in_reference;
  for (size_t i = 0; i < truth.size(); ++i) {
    if (sources[i] != reference_source) continue;
    in_reference.insert(truth[i]);
    linked_in_reference.insert({predicted[i], truth[i]});
  }
  absl::flat_hash_map<uint32_t, GroupMatchRate> by_group;
  for (size_t i = 0; i < truth.size(); ++i) {
    if (sources[i] == reference_source) continue;
    GroupMatchRate& rate = by_group[groups[i]];
    rate.group = groups[i];
    ++rate.records;
    if (!in_reference.contains(truth[i])) continue;
    ++rate.with_counterpart;
    if (linked_in_reference.contains({predicted[i], truth[i]})) ++rate.linked;
  }
  std::vector<GroupMatchRate> result;
  for (auto& [group, rate] : by_group) {
    rate.match_rate = Ratio(rate.linked, rate.with_counterpart);
    result.push_back(rate);
  }
  std::sort(result.begin(), result.end(),
            [](const GroupMatchRate& x, const GroupMatchRate& y) {
              return x.group < y.group;
            });
  return result;
}

}  // namespace equilink::linkage
