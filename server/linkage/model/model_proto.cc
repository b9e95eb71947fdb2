// FellegiSunterModel <-> equilink.v1.LinkageModel, for storing the fitted
// model and reporting it.

#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "server/linkage/model/fellegi_sunter.h"

namespace equilink::linkage {

v1::LinkageModel ModelToProto(const FellegiSunterModel& model) {
  v1::LinkageModel proto;
  for (const ComparisonParameters& c : model.comparisons) {
    v1::LinkageComparisonModel* out = proto.add_comparisons();
    out->set_comparison(ComparisonToProto(c.id));
    out->set_enabled(c.enabled);
    for (double t : c.dice_thresholds) out->add_dice_thresholds(t);
    const std::vector<std::string> labels =
        LevelLabels(c.id, c.dice_thresholds);
    for (int l = 0; l < c.level_count(); ++l) {
      v1::LinkageComparisonLevel* level = out->add_levels();
      if (l < static_cast<int>(labels.size())) level->set_label(labels[l]);
      level->set_m_probability(c.m[l]);
      level->set_u_probability(c.u[l]);
    }
    out->set_m_fixed(c.m_fixed);
    out->set_u_fixed(c.u_fixed);
    out->set_term_frequency_adjusted(c.term_frequency_adjusted);
  }
  proto.set_lambda(model.lambda);
  proto.set_lambda_fixed(model.lambda_fixed);
  proto.set_match_threshold(model.match_threshold);
  proto.set_probability_floor(model.probability_floor);
  v1::LinkageEmDiagnostics* em = proto.mutable_em();
  em->set_iterations(static_cast<uint32_t>(model.em.iterations));
  em->set_converged(model.em.converged);
  em->set_pairs_used(model.em.pairs_used);
  em->set_distinct_patterns(model.em.distinct_patterns);
  em->set_final_change(model.em.final_change);
  em->set_log_likelihood(model.em.log_likelihood);
  em->set_random_pairs(model.em.random_pairs);
  for (const SourcePairPrior& prior : model.source_pair_priors) {
    v1::LinkageSourcePairPrior* out = proto.add_source_pair_priors();
    out->set_source_a(prior.source_a);
    out->set_source_b(prior.source_b);
    out->set_records_a(prior.records_a);
    out->set_records_b(prior.records_b);
    out->set_matches(prior.matches);
    out->set_log2_prior_odds(prior.log2_prior_odds);
  }
  return proto;
}

absl::StatusOr<FellegiSunterModel> ModelFromProto(
    const v1::LinkageModel& proto) {
  FellegiSunterModel model;
  std::array<bool, kComparisonCount> seen = {};
  for (const v1::LinkageComparisonModel& in : proto.comparisons()) {
    const std::optional<ComparisonId> id = ComparisonFromProto(in.comparison());
    if (!id.has_value()) {
      return absl::InvalidArgumentError(
          "linkage model has an unknown comparison");
    }
    const int index = static_cast<int>(*id);
    if (seen[index]) {
      return absl::InvalidArgumentError(
          absl::StrCat("linkage model has ", ComparisonName(*id), " twice"));
    }
    seen[index] = true;
    ComparisonParameters& c = model.comparisons[index];
    c.id = *id;
    c.enabled = in.enabled();
    c.dice_thresholds.assign(in.dice_thresholds().begin(),
                             in.dice_thresholds().end());
    for (const v1::LinkageComparisonLevel& level : in.levels()) {
      c.m.push_back(level.m_probability());
      c.u.push_back(level.u_probability());
    }
    c.m_fixed = in.m_fixed();
    c.u_fixed = in.u_fixed();
    c.term_frequency_adjusted = in.term_frequency_adjusted();
  }
  for (int i = 0; i < kComparisonCount; ++i) {
    if (!seen[i]) {
      return absl::InvalidArgumentError(absl::StrCat(
          "linkage model lacks ", ComparisonName(ComparisonAt(i))));
    }
  }
  model.lambda = proto.lambda();
  model.lambda_fixed = proto.lambda_fixed();
  model.match_threshold = proto.match_threshold();
  model.probability_floor = proto.probability_floor();
  model.em.iterations = static_cast<int>(proto.em().iterations());
  model.em.converged = proto.em().converged();
  model.em.pairs_used = proto.em().pairs_used();
  model.em.distinct_patterns = proto.em().distinct_patterns();
  model.em.final_change = proto.em().final_change();
  model.em.log_likelihood = proto.em().log_likelihood();
  model.em.random_pairs = proto.em().random_pairs();
  for (const v1::LinkageSourcePairPrior& in : proto.source_pair_priors()) {
    model.source_pair_priors.push_back(
        SourcePairPrior{.source_a = in.source_a(),
                        .source_b = in.source_b(),
                        .records_a = in.records_a(),
                        .records_b = in.records_b(),
                        .matches = in.matches(),
                        .log2_prior_odds = in.log2_prior_odds()});
  }
  EQ_RETURN_IF_ERROR(model.Validate());
  return model;
}

}  // namespace equilink::linkage
