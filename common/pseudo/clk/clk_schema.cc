#include "common/pseudo/clk/clk_schema.h"

#include <cmath>
#include <fstream>
#include <regex>
#include <sstream>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace equilink::clk {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;

const Value* Find(const Struct& object, const std::string& key) {
  auto it = object.fields().find(key);
  return it == object.fields().end() ? nullptr : &it->second;
}

Value* FindMutable(Struct& object, const std::string& key) {
  auto it = object.mutable_fields()->find(key);
  return it == object.mutable_fields()->end() ? nullptr : &it->second;
}

absl::Status SchemaError(absl::string_view where, absl::string_view rule) {
  return absl::InvalidArgumentError(
      absl::StrCat("clkhash schema: ", where, ": ", rule));
}

// Python's round() of a float: halves go to the even neighbour. nearbyint
// rounds that way in the default floating-point environment.
int64_t PythonRound(double x) {
  return static_cast<int64_t>(std::nearbyint(x));
}

bool IsIntegral(const Value& value) {
  return value.kind_case() == Value::kNumberValue &&
         std::isfinite(value.number_value()) &&
         value.number_value() == std::floor(value.number_value()) &&
         std::fabs(value.number_value()) < 9.0e15;
}

// clkhash v1 -> v2 (clkhash.schema.convert_v1_to_v2): the global k and hash
// move into every feature; weights become k = round(weight * k).
absl::Status ConvertV1ToV2(Struct& root) {
  Value* config = FindMutable(root, "clkConfig");
  if (config == nullptr || !config->has_struct_value()) {
    return SchemaError("clkConfig", "missing (required)");
  }
  Struct& clk_config = *config->mutable_struct_value();
  const Value* k_value = Find(clk_config, "k");
  if (k_value == nullptr || k_value->kind_case() != Value::kNumberValue) {
    return SchemaError("clkConfig.k", "a version 1 schema needs a number k");
  }
  const double k = k_value->number_value();
  const Value* hash_value = Find(clk_config, "hash");
  if (hash_value == nullptr || !hash_value->has_struct_value()) {
    return SchemaError("clkConfig.hash",
                       "a version 1 schema needs a hash object");
  }
  const Struct clk_hash = hash_value->struct_value();
  Value* features = FindMutable(root, "features");
  if (features == nullptr || !features->has_list_value()) {
    return SchemaError("features", "missing (required, a list)");
  }
  int index = 0;
  for (Value& feature : *features->mutable_list_value()->mutable_values()) {
    const std::string where = absl::StrCat("feature ", index++);
    if (!feature.has_struct_value()) return SchemaError(where, "not an object");
    Struct& f = *feature.mutable_struct_value();
    if (Find(f, "ignored") != nullptr) continue;
    Value* hashing = FindMutable(f, "hashing");
    if (hashing == nullptr || !hashing->has_struct_value()) {
      return SchemaError(where, "hashing is missing (required)");
    }
    Struct& h = *hashing->mutable_struct_value();
    double weight = 1.0;
    if (const Value* w = Find(h, "weight"); w != nullptr) {
      if (w->kind_case() != Value::kNumberValue) {
        return SchemaError(where, "hashing.weight must be a number");
      }
      weight = w->number_value();
    }
    if (weight == 0) {
      // clkhash keeps only the identifier: the feature becomes ignored.
      Value identifier;
      if (const Value* id = Find(f, "identifier"); id != nullptr) {
        identifier = *id;
      }
      f.mutable_fields()->clear();
      (*f.mutable_fields())["identifier"] = identifier;
      (*f.mutable_fields())["ignored"].set_bool_value(true);
      continue;
    }
    h.mutable_fields()->erase("weight");
    Struct strategy;
    (*strategy.mutable_fields())["k"].set_number_value(
        static_cast<double>(PythonRound(weight * k)));
    *(*h.mutable_fields())["strategy"].mutable_struct_value() = strategy;
    *(*h.mutable_fields())["hash"].mutable_struct_value() = clk_hash;
  }
  clk_config.mutable_fields()->erase("k");
  clk_config.mutable_fields()->erase("hash");
  (*root.mutable_fields())["version"].set_number_value(2);
  return absl::OkStatus();
}

// clkhash v2 -> v3: strategy k/numBits become bitsPerToken/bitsPerFeature and
// ngram/positional become an ngram comparison.
absl::Status ConvertV2ToV3(Struct& root) {
  Value* features = FindMutable(root, "features");
  if (features == nullptr || !features->has_list_value()) {
    return SchemaError("features", "missing (required, a list)");
  }
  int index = 0;
  for (Value& feature : *features->mutable_list_value()->mutable_values()) {
    const std::string where = absl::StrCat("feature ", index++);
    if (!feature.has_struct_value()) return SchemaError(where, "not an object");
    Value* hashing = FindMutable(*feature.mutable_struct_value(), "hashing");
    if (hashing == nullptr) continue;  // ignored
    if (!hashing->has_struct_value()) {
      return SchemaError(where, "hashing must be an object");
    }
    Struct& h = *hashing->mutable_struct_value();
    if (Value* strategy = FindMutable(h, "strategy");
        strategy != nullptr && strategy->has_struct_value()) {
      auto& s = *strategy->mutable_struct_value()->mutable_fields();
      if (auto it = s.find("k"); it != s.end()) {
        Value v = it->second;
        s.erase("k");
        s["bitsPerToken"] = v;
      }
      if (auto it = s.find("numBits"); it != s.end()) {
        Value v = it->second;
        s.erase("numBits");
        s["bitsPerFeature"] = v;
      }
    }
    Struct comparison;
    (*comparison.mutable_fields())["type"].set_string_value("ngram");
    if (const Value* n = Find(h, "ngram"); n != nullptr) {
      (*comparison.mutable_fields())["n"] = *n;
    }
    bool positional = false;
    if (const Value* p = Find(h, "positional"); p != nullptr) {
      if (p->kind_case() != Value::kBoolValue) {
        return SchemaError(where, "hashing.positional must be true or false");
      }
      positional = p->bool_value();
    }
    (*comparison.mutable_fields())["positional"].set_bool_value(positional);
    h.mutable_fields()->erase("ngram");
    h.mutable_fields()->erase("positional");
    *(*h.mutable_fields())["comparison"].mutable_struct_value() = comparison;
  }
  (*root.mutable_fields())["version"].set_number_value(3);
  return absl::OkStatus();
}

absl::StatusOr<std::optional<int64_t>> OptionalInt(const Struct& object,
                                                   const std::string& key,
                                                   absl::string_view where) {
  const Value* value = Find(object, key);
  if (value == nullptr) return std::optional<int64_t>();
  if (!IsIntegral(*value)) {
    return SchemaError(where, absl::StrCat(key, " must be an integer"));
  }
  return std::optional<int64_t>(static_cast<int64_t>(value->number_value()));
}

absl::StatusOr<std::optional<std::string>> OptionalString(
    const Struct& object, const std::string& key, absl::string_view where) {
  const Value* value = Find(object, key);
  if (value == nullptr) return std::optional<std::string>();
  if (value->kind_case() != Value::kStringValue) {
    return SchemaError(where, absl::StrCat(key, " must be a string"));
  }
  return std::optional<std::string>(value->string_value());
}

absl::Status ReadFormat(const Struct& format, absl::string_view where,
                        ClkFeature& feature) {
  EQ_ASSIGN_OR_RETURN(std::optional<std::string> type,
                      OptionalString(format, "type", where));
  if (!type.has_value()) return SchemaError(where, "format.type is missing");
  const std::string format_where = absl::StrCat(where, ": format");
  if (*type == "string") {
    feature.type = ClkValueType::kString;
    EQ_ASSIGN_OR_RETURN(std::optional<std::string> encoding,
                        OptionalString(format, "encoding", format_where));
    if (encoding.has_value()) {
      if (*encoding == "utf-8") {
        feature.encoding = ClkTextEncoding::kUtf8;
      } else if (*encoding == "ascii") {
        feature.encoding = ClkTextEncoding::kAscii;
      } else if (*encoding == "utf-16") {
        feature.encoding = ClkTextEncoding::kUtf16;
      } else if (*encoding == "utf-32") {
        feature.encoding = ClkTextEncoding::kUtf32;
      } else {
        return SchemaError(format_where,
                           "encoding must be ascii, utf-8, utf-16 or utf-32");
      }
    }
    EQ_ASSIGN_OR_RETURN(feature.pattern,
                        OptionalString(format, "pattern", format_where));
    EQ_ASSIGN_OR_RETURN(std::optional<std::string> text_case,
                        OptionalString(format, "case", format_where));
    EQ_ASSIGN_OR_RETURN(feature.min_length,
                        OptionalInt(format, "minLength", format_where));
    EQ_ASSIGN_OR_RETURN(feature.max_length,
                        OptionalInt(format, "maxLength", format_where));
    if (feature.pattern.has_value()) {
      // clkhash reads a pattern instead of case and lengths.
      feature.min_length.reset();
      feature.max_length.reset();
      try {
        std::regex compiled(*feature.pattern, std::regex::ECMAScript);
      } catch (const std::regex_error&) {
        return SchemaError(format_where,
                           "pattern is not a valid regular expression");
      }
    } else if (text_case.has_value()) {
      if (*text_case == "mixed") {
        feature.text_case = ClkCase::kMixed;
      } else if (*text_case == "upper") {
        feature.text_case = ClkCase::kUpper;
      } else if (*text_case == "lower") {
        feature.text_case = ClkCase::kLower;
      } else {
        return SchemaError(format_where, "case must be upper, lower or mixed");
      }
    }
    if (feature.min_length.value_or(0) < 0) {
      return SchemaError(format_where, "minLength must be non-negative");
    }
    if (feature.max_length.has_value() && *feature.max_length <= 0) {
      return SchemaError(format_where, "maxLength must be positive");
    }
  } else if (*type == "integer") {
    feature.type = ClkValueType::kInteger;
    EQ_ASSIGN_OR_RETURN(feature.minimum,
                        OptionalInt(format, "minimum", format_where));
    EQ_ASSIGN_OR_RETURN(feature.maximum,
                        OptionalInt(format, "maximum", format_where));
  } else if (*type == "date") {
    feature.type = ClkValueType::kDate;
    EQ_ASSIGN_OR_RETURN(std::optional<std::string> date_format,
                        OptionalString(format, "format", format_where));
    if (!date_format.has_value()) {
      return SchemaError(format_where, "a date needs format (strptime)");
    }
    feature.date_format = *date_format;
  } else if (*type == "enum") {
    feature.type = ClkValueType::kEnum;
    const Value* values = Find(format, "values");
    if (values == nullptr || !values->has_list_value()) {
      return SchemaError(format_where, "an enum needs a list of values");
    }
    for (const Value& v : values->list_value().values()) {
      if (v.kind_case() != Value::kStringValue) {
        return SchemaError(format_where, "enum values must be strings");
      }
      feature.enum_values.push_back(v.string_value());
    }
  } else {
    return SchemaError(format_where,
                       "type must be string, integer, date or enum");
  }
  return absl::OkStatus();
}

absl::Status ReadHashing(const Struct& hashing, absl::string_view where,
                         ClkFeature& feature) {
  const std::string hashing_where = absl::StrCat(where, ": hashing");
  const Value* comparison = Find(hashing, "comparison");
  if (comparison == nullptr || !comparison->has_struct_value()) {
    return SchemaError(hashing_where, "comparison is missing (required)");
  }
  const Struct& c = comparison->struct_value();
  const std::string comparison_where =
      absl::StrCat(hashing_where, ".comparison");
  EQ_ASSIGN_OR_RETURN(std::optional<std::string> comparison_type,
                      OptionalString(c, "type", comparison_where));
  if (comparison_type == "ngram") {
    feature.comparison = ClkComparison::kNgram;
    EQ_ASSIGN_OR_RETURN(std::optional<int64_t> n,
                        OptionalInt(c, "n", comparison_where));
    if (!n.has_value() || *n < 1 || *n > 1000) {
      return SchemaError(comparison_where, "n must be a positive integer");
    }
    feature.ngram_n = static_cast<int>(*n);
    if (const Value* p = Find(c, "positional"); p != nullptr) {
      if (p->kind_case() != Value::kBoolValue) {
        return SchemaError(comparison_where,
                           "positional must be true or false");
      }
      feature.positional = p->bool_value();
    }
  } else if (comparison_type == "exact") {
    feature.comparison = ClkComparison::kExact;
  } else if (comparison_type == "numeric") {
    feature.comparison = ClkComparison::kNumeric;
    const Value* distance = Find(c, "thresholdDistance");
    if (distance == nullptr || distance->kind_case() != Value::kNumberValue ||
        !(distance->number_value() > 0)) {
      return SchemaError(comparison_where,
                         "thresholdDistance must be a positive number");
    }
    feature.numeric_threshold_distance = distance->number_value();
    EQ_ASSIGN_OR_RETURN(std::optional<int64_t> resolution,
                        OptionalInt(c, "resolution", comparison_where));
    if (!resolution.has_value() || *resolution < 1 || *resolution > 10000) {
      return SchemaError(comparison_where,
                         "resolution must be a positive integer");
    }
    feature.numeric_resolution = static_cast<int>(*resolution);
    EQ_ASSIGN_OR_RETURN(
        std::optional<int64_t> precision,
        OptionalInt(c, "fractional_precision", comparison_where));
    if (precision.value_or(0) < 0 || precision.value_or(0) > 15) {
      return SchemaError(comparison_where,
                         "fractional_precision must be 0 to 15");
    }
    feature.numeric_fractional_precision =
        static_cast<int>(precision.value_or(0));
    if (PythonRound(feature.numeric_threshold_distance *
                    std::pow(10.0, feature.numeric_fractional_precision)) ==
        0) {
      return SchemaError(comparison_where,
                         "not enough fractional precision to encode "
                         "thresholdDistance");
    }
  } else {
    return SchemaError(comparison_where,
                       "type must be ngram, exact or numeric");
  }

  const Value* strategy = Find(hashing, "strategy");
  if (strategy == nullptr || !strategy->has_struct_value()) {
    return SchemaError(hashing_where, "strategy is missing (required)");
  }
  const std::string strategy_where = absl::StrCat(hashing_where, ".strategy");
  EQ_ASSIGN_OR_RETURN(
      std::optional<int64_t> per_token,
      OptionalInt(strategy->struct_value(), "bitsPerToken", strategy_where));
  EQ_ASSIGN_OR_RETURN(
      std::optional<int64_t> per_feature,
      OptionalInt(strategy->struct_value(), "bitsPerFeature", strategy_where));
  if (per_token.has_value()) {
    feature.strategy = ClkStrategy::kBitsPerToken;
    feature.strategy_bits = static_cast<int>(*per_token);
  } else if (per_feature.has_value()) {
    feature.strategy = ClkStrategy::kBitsPerFeature;
    feature.strategy_bits = static_cast<int>(*per_feature);
  } else {
    return SchemaError(strategy_where, "needs bitsPerToken or bitsPerFeature");
  }
  if (feature.strategy_bits < 0 || feature.strategy_bits > 100000) {
    return SchemaError(strategy_where, "bits must be 0 to 100000");
  }

  feature.hash = ClkHash::kBlakeHash;  // clkhash's default
  if (const Value* hash = Find(hashing, "hash"); hash != nullptr) {
    if (!hash->has_struct_value()) {
      return SchemaError(hashing_where, "hash must be an object");
    }
    const std::string hash_where = absl::StrCat(hashing_where, ".hash");
    EQ_ASSIGN_OR_RETURN(
        std::optional<std::string> hash_type,
        OptionalString(hash->struct_value(), "type", hash_where));
    if (hash_type == "blakeHash") {
      feature.hash = ClkHash::kBlakeHash;
    } else if (hash_type == "doubleHash") {
      feature.hash = ClkHash::kDoubleHash;
    } else {
      return SchemaError(hash_where, "type must be blakeHash or doubleHash");
    }
    if (const Value* ps = Find(hash->struct_value(), "prevent_singularity");
        ps != nullptr && ps->kind_case() != Value::kNullValue) {
      if (feature.hash != ClkHash::kDoubleHash) {
        return SchemaError(hash_where,
                           "prevent_singularity is only for doubleHash");
      }
      if (ps->kind_case() != Value::kBoolValue) {
        return SchemaError(hash_where,
                           "prevent_singularity must be true or false");
      }
      feature.prevent_singularity = ps->bool_value();
    }
  }

  if (const Value* missing = Find(hashing, "missingValue");
      missing != nullptr) {
    if (!missing->has_struct_value()) {
      return SchemaError(hashing_where, "missingValue must be an object");
    }
    const std::string missing_where =
        absl::StrCat(hashing_where, ".missingValue");
    EQ_ASSIGN_OR_RETURN(
        feature.missing_sentinel,
        OptionalString(missing->struct_value(), "sentinel", missing_where));
    if (!feature.missing_sentinel.has_value()) {
      return SchemaError(missing_where, "sentinel is missing (required)");
    }
    EQ_ASSIGN_OR_RETURN(
        std::optional<std::string> replacement,
        OptionalString(missing->struct_value(), "replaceWith", missing_where));
    feature.missing_replacement =
        replacement.value_or(*feature.missing_sentinel);
  }
  return absl::OkStatus();
}

absl::StatusOr<ClkFeature> ReadFeature(const Value& value, int index) {
  std::string where = absl::StrCat("feature ", index);
  if (!value.has_struct_value()) return SchemaError(where, "not an object");
  const Struct& f = value.struct_value();
  ClkFeature feature;
  EQ_ASSIGN_OR_RETURN(std::optional<std::string> identifier,
                      OptionalString(f, "identifier", where));
  if (!identifier.has_value()) {
    return SchemaError(where, "identifier is missing (required)");
  }
  feature.identifier = *identifier;
  where = absl::StrCat("feature ", index, " '", feature.identifier, "'");
  if (const Value* ignored = Find(f, "ignored"); ignored != nullptr) {
    // Python truthiness of the value, as clkhash tests it.
    const bool truthy =
        (ignored->kind_case() == Value::kBoolValue && ignored->bool_value()) ||
        (ignored->kind_case() == Value::kNumberValue &&
         ignored->number_value() != 0) ||
        (ignored->kind_case() == Value::kStringValue &&
         !ignored->string_value().empty());
    if (truthy) {
      feature.ignored = true;
      return feature;
    }
  }
  const Value* format = Find(f, "format");
  if (format == nullptr || !format->has_struct_value()) {
    return SchemaError(where, "format is missing (required)");
  }
  EQ_RETURN_IF_ERROR(ReadFormat(format->struct_value(), where, feature));
  const Value* hashing = Find(f, "hashing");
  if (hashing == nullptr || !hashing->has_struct_value()) {
    return SchemaError(where, "hashing is missing (required)");
  }
  EQ_RETURN_IF_ERROR(ReadHashing(hashing->struct_value(), where, feature));
  return feature;
}

absl::Status ReadClkConfig(const Struct& root, ClkSchema& schema) {
  const Value* config = Find(root, "clkConfig");
  if (config == nullptr || !config->has_struct_value()) {
    return SchemaError("clkConfig", "missing (required)");
  }
  const Struct& c = config->struct_value();
  EQ_ASSIGN_OR_RETURN(std::optional<int64_t> l,
                      OptionalInt(c, "l", "clkConfig"));
  if (!l.has_value() || *l < 1 || *l > (int64_t{1} << 20)) {
    return SchemaError("clkConfig.l", "must be an integer from 1 to 2^20");
  }
  schema.l = static_cast<int>(*l);
  EQ_ASSIGN_OR_RETURN(std::optional<int64_t> folds,
                      OptionalInt(c, "xorFolds", "clkConfig"));
  if (!folds.has_value()) {
    EQ_ASSIGN_OR_RETURN(folds, OptionalInt(c, "xor_folds", "clkConfig"));
  }
  if (folds.value_or(0) < 0 || folds.value_or(0) > 10) {
    return SchemaError("clkConfig.xorFolds", "must be 0 to 10");
  }
  schema.xor_folds = static_cast<int>(folds.value_or(0));

  const Value* kdf = Find(c, "kdf");
  if (kdf == nullptr || !kdf->has_struct_value()) {
    return SchemaError("clkConfig.kdf", "missing (required)");
  }
  const Struct& k = kdf->struct_value();
  EQ_ASSIGN_OR_RETURN(std::optional<std::string> kdf_type,
                      OptionalString(k, "type", "clkConfig.kdf"));
  if (kdf_type != "HKDF") {
    return SchemaError("clkConfig.kdf.type", "must be HKDF");
  }
  EQ_ASSIGN_OR_RETURN(std::optional<std::string> kdf_hash,
                      OptionalString(k, "hash", "clkConfig.kdf"));
  schema.kdf_hash = kdf_hash.value_or("SHA256");
  if (schema.kdf_hash != "SHA256" && schema.kdf_hash != "SHA512") {
    return SchemaError("clkConfig.kdf.hash", "must be SHA256 or SHA512");
  }
  for (const char* key : {"salt", "info"}) {
    EQ_ASSIGN_OR_RETURN(std::optional<std::string> encoded,
                        OptionalString(k, key, "clkConfig.kdf"));
    if (!encoded.has_value()) continue;
    std::string decoded;
    if (!absl::Base64Unescape(*encoded, &decoded)) {
      return SchemaError(absl::StrCat("clkConfig.kdf.", key),
                         "is not valid base64");
    }
    (std::string(key) == "salt" ? schema.kdf_salt : schema.kdf_info) =
        std::move(decoded);
  }
  EQ_ASSIGN_OR_RETURN(std::optional<int64_t> key_size,
                      OptionalInt(k, "keySize", "clkConfig.kdf"));
  if (key_size.value_or(64) < 1 || key_size.value_or(64) > 1024) {
    return SchemaError("clkConfig.kdf.keySize", "must be 1 to 1024");
  }
  schema.kdf_key_size = static_cast<int>(key_size.value_or(64));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ClkSchema> ParseClkSchema(absl::string_view json) {
  Struct root;
  google::protobuf::util::JsonParseOptions options;
  const auto parsed = google::protobuf::util::JsonStringToMessage(
      std::string(json), &root, options);
  if (!parsed.ok()) {
    return SchemaError("file", "not a JSON object");
  }
  const Value* version = Find(root, "version");
  if (version == nullptr || !IsIntegral(*version)) {
    return SchemaError("version", "missing or not an integer");
  }
  ClkSchema schema;
  schema.source_version = static_cast<int>(version->number_value());
  switch (schema.source_version) {
    case 1:
      EQ_RETURN_IF_ERROR(ConvertV1ToV2(root));
      EQ_RETURN_IF_ERROR(ConvertV2ToV3(root));
      break;
    case 2:
      EQ_RETURN_IF_ERROR(ConvertV2ToV3(root));
      break;
    case 3:
      break;
    default:
      return SchemaError("version", "must be 1, 2 or 3");
  }
  EQ_RETURN_IF_ERROR(ReadClkConfig(root, schema));
  const Value* features = Find(root, "features");
  if (features == nullptr || !features->has_list_value()) {
    return SchemaError("features", "missing (required, a list)");
  }
  int index = 0;
  for (const Value& feature : features->list_value().values()) {
    EQ_ASSIGN_OR_RETURN(ClkFeature read, ReadFeature(feature, index));
    schema.features.push_back(std::move(read));
    ++index;
  }
  if (schema.features.empty()) {
    return SchemaError("features", "the list is empty");
  }
  return schema;
}

absl::StatusOr<ClkSchema> LoadClkSchemaFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat(path, ": cannot open the clkhash schema"));
  }
  std::stringstream contents;
  contents << in.rdbuf();
  absl::StatusOr<ClkSchema> schema = ParseClkSchema(contents.str());
  if (!schema.ok()) {
    return absl::Status(schema.status().code(),
                        absl::StrCat(path, ": ", schema.status().message()));
  }
  return schema;
}

}  // namespace equilink::clk
