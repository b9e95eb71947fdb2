#include "client/synth/synth_writer.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <thread>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "client/synth/bsol_lsoas.h"
#include "client/synth/synth_profiles.h"
#include "common/status/status_macros.h"

namespace equilink::client::synth {

const char kTruthHeader[] =
    "source,local_record_id,person_id,household_id,imd_decile,imd_quintile,"
    "lsoa11,ethnic_category,ethnic_group,sex,twin,nhs_number_present,"
    "nhs_number_valid,corruptions,expect_reject,record_pseudonym_hex";

namespace {

// Buffers rows and writes them in large blocks.
class CsvFile {
 public:
  static absl::StatusOr<std::unique_ptr<CsvFile>> Create(std::string path) {
    std::FILE* file = std::fopen(path.c_str(), "wb");
    if (file == nullptr) {
      return absl::PermissionDeniedError(absl::StrCat("cannot create ", path));
    }
    return std::unique_ptr<CsvFile>(new CsvFile(std::move(path), file));
  }
  ~CsvFile() {
    if (file_ != nullptr) std::fclose(file_);
  }

  std::string& buffer() { return buffer_; }
  absl::Status EndRow(absl::string_view line_end) {
    buffer_.append(line_end.data(), line_end.size());
    ++rows_;
    return buffer_.size() >= (size_t{1} << 20) ? Flush() : absl::OkStatus();
  }
  absl::StatusOr<SynthFile> Close(int64_t header_rows) {
    EQ_RETURN_IF_ERROR(Flush());
    std::FILE* file = file_;
    file_ = nullptr;
    if (std::fclose(file) != 0) {
      return absl::DataLossError(absl::StrCat("cannot close ", path_));
    }
    return SynthFile{path_, rows_ - header_rows};
  }

 private:
  CsvFile(std::string path, std::FILE* file)
      : path_(std::move(path)), file_(file) {}
  absl::Status Flush() {
    if (std::fwrite(buffer_.data(), 1, buffer_.size(), file_) !=
        buffer_.size()) {
      return absl::DataLossError(absl::StrCat("cannot write ", path_));
    }
    buffer_.clear();
    return absl::OkStatus();
  }

  const std::string path_;
  std::FILE* file_;
  std::string buffer_;
  int64_t rows_ = 0;
};

void Field(absl::string_view value, std::string* out, bool last = false) {
  if (value.find_first_of(",\"\r\n") == absl::string_view::npos) {
    out->append(value.data(), value.size());
  } else {
    out->push_back('"');
    for (char c : value) {
      if (c == '"') out->push_back('"');
      out->push_back(c);
    }
    out->push_back('"');
  }
  if (!last) out->push_back(',');
}

void Number(int value, std::string* out) {
  if (value >= 0) absl::StrAppend(out, value);
  out->push_back(',');
}

void UkDate(std::optional<absl::CivilDay> day, std::string* out) {
  if (day) {
    char text[16];
    std::snprintf(text, sizeof(text), "%02d/%02d/%04d",
                  static_cast<int>(day->day()), static_cast<int>(day->month()),
                  static_cast<int>(day->year()));
    out->append(text);
  }
  out->push_back(',');
}

void IsoDate(absl::CivilDay day, std::string* out) {
  char text[16];
  std::snprintf(text, sizeof(text), "%04d-%02d-%02d",
                static_cast<int>(day.year()), static_cast<int>(day.month()),
                static_cast<int>(day.day()));
  out->append(text);
  out->push_back(',');
}

absl::string_view SexLabel(const SynthIdentity& identity) {
  if (identity.sex == '1') return "Male";
  if (identity.sex == '2') return "Female";
  return identity.sex_blank ? "" : "Not known";
}

absl::StatusOr<SynthFile> WriteVcse(const SynthDataset& dataset,
                                    int organisation, const std::string& path) {
  EQ_ASSIGN_OR_RETURN(std::unique_ptr<CsvFile> file, CsvFile::Create(path));
  std::string& out = file->buffer();
  out.append("\xEF\xBB\xBF");  // as Excel saves it
  absl::StrAppend(&out, VcseHeader());
  EQ_RETURN_IF_ERROR(file->EndRow("\r\n"));
  const SynthGeography& geography = dataset.geography;
  for (const SynthRecord& record : dataset.organisations[organisation]) {
    const SynthIdentity& id = record.identity;
    const SynthServiceFacts& facts = record.facts;
    Field(record.client_id, &out);
    Field(record.record_id, &out);
    Field(id.nhs_number, &out);
    Field(id.forename, &out);
    Field(id.surname, &out);
    UkDate(id.dob, &out);
    Field(SexLabel(id), &out);
    Field(EthnicityLabel(id.ethnic_category), &out);
    Field(id.address_line, &out);
    Field(geography.Locality(id.postcode, id.locality_named), &out);
    Field(id.postcode_text, &out);
    Field(SynthServices()[facts.service].label, &out);
    UkDate(facts.referral, &out);
    Field(ReferralSourceLabels()[facts.referral_source].label, &out);
    UkDate(facts.first_contact, &out);
    UkDate(facts.discharge, &out);
    Number(facts.sessions_offered, &out);
    Number(facts.sessions_attended, &out);
    Number(facts.wemwbs_baseline, &out);
    Number(facts.wemwbs_exit, &out);
    Number(facts.sdq_baseline, &out);
    Number(facts.sdq_exit, &out);
    for (int n = 0; n < kNeedCount; ++n) {
      Field((facts.needs >> n) & 1 ? "Yes" : "No", &out, n + 1 == kNeedCount);
    }
    EQ_RETURN_IF_ERROR(file->EndRow("\r\n"));
  }
  return file->Close(1);
}

absl::StatusOr<SynthFile> WritePopulation(const SynthDataset& dataset,
                                          const std::string& path) {
  EQ_ASSIGN_OR_RETURN(std::unique_ptr<CsvFile> file, CsvFile::Create(path));
  std::string& out = file->buffer();
  absl::StrAppend(&out, PopulationHeader());
  EQ_RETURN_IF_ERROR(file->EndRow("\n"));
  for (const SynthRecord& record : dataset.population) {
    const SynthIdentity& id = record.identity;
    Field(record.record_id, &out);
    Field(id.nhs_number, &out);
    Field(id.forename, &out);
    Field(id.surname, &out);
    IsoDate(id.dob, &out);
    out.push_back(id.sex);
    out.push_back(',');
    Field(id.ethnic_category, &out);
    Field(id.address_line, &out);
    Field(dataset.geography.Locality(id.postcode, true), &out);
    Field(id.postcode_text, &out, /*last=*/true);
    EQ_RETURN_IF_ERROR(file->EndRow("\n"));
  }
  return file->Close(1);
}

absl::StatusOr<SynthFile> WriteLookup(const SynthDataset& dataset,
                                      const std::string& path) {
  EQ_ASSIGN_OR_RETURN(std::unique_ptr<CsvFile> file, CsvFile::Create(path));
  std::string& out = file->buffer();
  out.append(
      "\"pcd\",\"pcds\",\"dointr\",\"doterm\",\"oslaua\",\"ctry\",\"rgn\","
      "\"lsoa11\",\"imd\"");
  EQ_RETURN_IF_ERROR(file->EndRow("\n"));
  const SynthGeography& geography = dataset.geography;
  for (uint32_t p = 0; p < geography.postcodes.size(); ++p) {
    const std::string& pcds = geography.postcodes[p];
    const size_t space = pcds.find(' ');
    std::string pcd = pcds.substr(0, space);
    pcd.resize(4, ' ');
    pcd.append(pcds.substr(space + 1));
    const BsolLsoa& lsoa = BsolLsoas()[geography.LsoaOf(p)];
    absl::StrAppend(&out, "\"", pcd, "\",\"", pcds, "\",\"202001\",\"\",\"",
                    LocalAuthorityCode(lsoa),
                    "\",\"E92000001\",\"E12000005\",\"", LsoaCode(lsoa),
                    "\",\"", lsoa.imd_rank, "\"");
    EQ_RETURN_IF_ERROR(file->EndRow("\n"));
  }
  return file->Close(1);
}

struct TruthSource {
  std::string code;
  const std::vector<SynthRecord>* records;
};

// Hex record pseudonyms of every record, in truth-file order.
absl::StatusOr<std::vector<std::string>> Pseudonyms(
    const std::vector<TruthSource>& sources, const RecordPseudonymiser& keyed,
    int threads) {
  std::vector<std::pair<const std::string*, const SynthRecord*>> all;
  for (const TruthSource& source : sources) {
    for (const SynthRecord& record : *source.records) {
      all.emplace_back(&source.code, &record);
    }
  }
  std::vector<std::string> hex(all.size());
  std::vector<absl::Status> errors(static_cast<size_t>(std::max(1, threads)));
  auto work = [&](size_t worker) {
    PersonIdentifiers ids;
    v1::PseudonymisedRecord record;
    for (size_t i = worker; i < all.size(); i += errors.size()) {
      ids.organisation_code = *all[i].first;
      ids.local_record_id = all[i].second->record_id;
      absl::Status status = keyed.Pseudonymise(ids, &record);
      if (!status.ok()) {
        errors[worker] = status;
        return;
      }
      hex[i] = absl::BytesToHexString(record.record_pseudonym());
    }
  };
  std::vector<std::thread> workers;
  for (size_t w = 1; w < errors.size(); ++w) workers.emplace_back(work, w);
  work(0);
  for (std::thread& worker : workers) worker.join();
  for (const absl::Status& status : errors) EQ_RETURN_IF_ERROR(status);
  return hex;
}

absl::StatusOr<SynthFile> WriteTruth(const SynthDataset& dataset,
                                     const std::vector<TruthSource>& sources,
                                     const SynthWriteOptions& options,
                                     const std::string& path) {
  std::vector<std::string> pseudonyms;
  if (options.pseudonymiser != nullptr) {
    EQ_ASSIGN_OR_RETURN(pseudonyms, Pseudonyms(sources, *options.pseudonymiser,
                                               options.threads));
  }
  EQ_ASSIGN_OR_RETURN(std::unique_ptr<CsvFile> file, CsvFile::Create(path));
  std::string& out = file->buffer();
  out.append(kTruthHeader);
  EQ_RETURN_IF_ERROR(file->EndRow("\n"));
  size_t index = 0;
  for (const TruthSource& source : sources) {
    for (const SynthRecord& record : *source.records) {
      const SynthPerson& person = dataset.people[record.person];
      const BsolLsoa& lsoa =
          BsolLsoas()[dataset.geography.LsoaOf(person.postcode)];
      const bool present = !record.identity.nhs_number.empty();
      const bool valid = present && (record.corruptions & kNhsMistyped) == 0;
      absl::StrAppend(&out, source.code, ",", record.record_id, ",",
                      record.person + 1, ",", person.household + 1, ",",
                      lsoa.imd_decile, ",", ImdQuintile(lsoa.imd_decile), ",",
                      LsoaCode(lsoa), ",",
                      absl::string_view(&person.ethnic_category, 1), ",",
                      EthnicGroupName(EthnicGroupOf(person.ethnic_category)),
                      ",", absl::string_view(&person.sex, 1), ",",
                      person.twin ? 1 : 0, ",", present ? 1 : 0, ",",
                      valid ? 1 : 0, ",", CorruptionNames(record.corruptions),
                      ",", record.expect_reject ? 1 : 0, ",",
                      pseudonyms.empty() ? "" : pseudonyms[index]);
      ++index;
      EQ_RETURN_IF_ERROR(file->EndRow("\n"));
    }
  }
  return file->Close(1);
}

absl::StatusOr<SynthFile> WriteText(const std::string& path,
                                    const std::string& text) {
  EQ_ASSIGN_OR_RETURN(std::unique_ptr<CsvFile> file, CsvFile::Create(path));
  file->buffer() = text;
  return file->Close(0);
}

}  // namespace

absl::StatusOr<std::vector<SynthFile>> WriteSynthDataset(
    const SynthDataset& dataset, const SynthWriteOptions& options) {
  if (options.out_dir.empty()) {
    return absl::InvalidArgumentError("an output directory is required");
  }
  const std::filesystem::path dir(options.out_dir);
  std::error_code error;
  std::filesystem::create_directories(dir / "profiles", error);
  if (error) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot create ", (dir / "profiles").string()));
  }
  std::vector<SynthFile> files;
  const std::string& population_code = dataset.options.population_code;
  EQ_ASSIGN_OR_RETURN(files.emplace_back(),
                      WritePopulation(dataset, dir / "population.csv"));
  std::vector<TruthSource> sources = {{population_code, &dataset.population}};
  for (size_t i = 0; i < dataset.organisations.size(); ++i) {
    const std::string& code = dataset.organisation_codes[i];
    EQ_ASSIGN_OR_RETURN(files.emplace_back(),
                        WriteVcse(dataset, static_cast<int>(i),
                                  dir / absl::StrCat("vcse_", code, ".csv")));
    sources.push_back({code, &dataset.organisations[i]});
  }
  for (size_t i = 0; i < dataset.organisations.size(); ++i) {
    const std::string& code = dataset.organisation_codes[i];
    EQ_ASSIGN_OR_RETURN(
        files.emplace_back(),
        WriteText(
            dir / "profiles" / absl::StrCat("synth_vcse_", code, ".textproto"),
            VcseProfileText(code)));
  }
  EQ_ASSIGN_OR_RETURN(files.emplace_back(),
                      WriteText(dir / "profiles" / "synth_population.textproto",
                                PopulationProfileText(population_code)));
  EQ_ASSIGN_OR_RETURN(files.emplace_back(),
                      WriteLookup(dataset, dir / "postcode_lookup.csv"));
  EQ_ASSIGN_OR_RETURN(files.emplace_back(),
                      WriteTruth(dataset, sources, options, dir / "truth.csv"));
  return files;
}

}  // namespace equilink::client::synth
