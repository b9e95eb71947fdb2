#include "client/synth/synth_profiles.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace equilink::client::synth {
namespace {

constexpr SynthService kServices[] = {
    {"Young Carers Support", "YOUNG_CARERS", 8, 18, true},
    {"Emotional Wellbeing 1:1", "MH_WELLBEING", 8, 25, true},
    {"Holiday Activities and Food", "FOOD_HAF", 5, 16, false},
    {"Family Support", "EARLY_HELP_FAMILY", 0, 17, false},
    {"Counselling", "COUNSELLING", 11, 25, true},
    {"Youth Club", "YOUTH_WORK", 11, 19, false},
    {"Mentoring", "MENTORING", 10, 21, true},
    {"Healthy Lifestyles", "HEALTHY_WEIGHT", 5, 16, false},
    {"Asthma Champions", "HEALTH_EDUCATION_ASTHMA", 5, 16, false},
    {"Parenting Programme", "PARENTING", 0, 5, false},
    {"Social Prescribing (CYP)", "SOCIAL_PRESCRIBING", 11, 25, true},
    {"Money and Benefits Advice", "ADVICE_INCOME_MAX", 16, 25, false},
};

constexpr SynthLabel kReferralSources[] = {
    {"School", "SCHOOL"},
    {"GP Surgery", "GP"},
    {"Self-referral", "SELF"},
    {"Parent / Carer", "FAMILY"},
    {"Social Prescribing Link Worker", "SP_LINK_WORKER"},
    {"CAMHS", "CAMHS"},
    {"Children's Social Care", "SOCIAL_CARE"},
    {"Other Voluntary Organisation", "OTHER_VCSE"},
    {"Health Visitor", "HEALTH_VISITOR"},
    {"Other", "OTHER"},
};

constexpr SynthLabel kEthnicities[] = {
    {"White - British", "A"},
    {"White - Irish", "B"},
    {"White - Any other White background", "C"},
    {"Mixed - White and Black Caribbean", "D"},
    {"Mixed - White and Black African", "E"},
    {"Mixed - White and Asian", "F"},
    {"Mixed - Any other mixed background", "G"},
    {"Asian or Asian British - Indian", "H"},
    {"Asian or Asian British - Pakistani", "J"},
    {"Asian or Asian British - Bangladeshi", "K"},
    {"Asian or Asian British - Any other Asian background", "L"},
    {"Black or Black British - Caribbean", "M"},
    {"Black or Black British - African", "N"},
    {"Black or Black British - Any other Black background", "P"},
    {"Chinese", "R"},
    {"Any other ethnic group", "S"},
    {"Prefer not to say", "Z"},
    {"Not known", "99"},
};

constexpr SynthLabel kNeeds[] = {
    {"Young Carer", "YOUNG_CARER"},
    {"Food Insecurity", "FOOD_INSECURITY"},
    {"Free School Meals", "FREE_SCHOOL_MEALS"},
    {"SEND", "SEND"},
    {"Looked After", "LOOKED_AFTER"},
};

constexpr absl::string_view kVcseHeader =
    "Client ID,Referral ID,NHS Number,Forename,Surname,Date of Birth,Gender,"
    "Ethnicity,Address,Town,Postcode,Service,Referral Date,Referral Source,"
    "First Contact,Discharge Date,Sessions Offered,Sessions Attended,"
    "WEMWBS Baseline,WEMWBS Exit,SDQ Baseline,SDQ Exit,Young Carer,"
    "Food Insecurity,Free School Meals,SEND,Looked After";

constexpr absl::string_view kPopulationHeader =
    "register_id,nhs_number,given_name,family_name,date_of_birth,sex,"
    "ethnic_category,address_line_1,locality,postcode";

constexpr absl::string_view kVcseProfileTemplate =
    R"(# Mapping profile for the synthetic VCSE referrals export written by
# `equilink synth` (client/synth/): one row per referral, dd/mm/yyyy dates,
# Excel-style UTF-8 with a byte-order mark and CRLF line ends. `equilink synth`
# writes a copy of this profile for each organisation it generates, with that
# organisation's code, into <out_dir>/profiles/.
# proto-file: proto/equilink/v1/mapping.proto
# proto-message: equilink.v1.MappingProfile

profile_id: "synth-vcse-v1"
description: "Synthetic VCSE referrals export (equilink synth), one row per referral"
organisation_code: "$CODE"
dataset_id: "vcse-service-contacts"
delimiter: ","
date_formats: "%d/%m/%Y"
reject_unmapped_columns: true
yes_values: "Yes"

columns { column: "Client ID" field: FIELD_LOCAL_CLIENT_ID }
columns { column: "Referral ID" field: FIELD_LOCAL_RECORD_ID required: true }
columns { column: "NHS Number" field: FIELD_NHS_NUMBER }
columns { column: "Forename" field: FIELD_FORENAME }
columns { column: "Surname" field: FIELD_SURNAME }
columns { column: "Date of Birth" field: FIELD_DATE_OF_BIRTH required: true }
columns { column: "Gender" field: FIELD_SEX }
columns { column: "Ethnicity" field: FIELD_ETHNICITY }
columns { column: "Address" field: FIELD_ADDRESS_LINE }
columns { column: "Town" field: FIELD_LOCALITY }
columns { column: "Postcode" field: FIELD_POSTCODE }
columns { column: "Service" field: FIELD_SERVICE_TYPE required: true }
columns { column: "Referral Date" field: FIELD_REFERRAL_DATE required: true }
columns { column: "Referral Source" field: FIELD_REFERRAL_SOURCE }
columns { column: "First Contact" field: FIELD_FIRST_CONTACT_DATE }
columns { column: "Discharge Date" field: FIELD_DISCHARGE_DATE }
columns { column: "Sessions Offered" field: FIELD_SESSIONS_OFFERED }
columns { column: "Sessions Attended" field: FIELD_SESSIONS_ATTENDED }
columns {
  column: "WEMWBS Baseline"
  field: FIELD_OUTCOME_SCORE
  outcome_instrument: "WEMWBS14"
  outcome_timepoint: "BASELINE"
}
columns {
  column: "WEMWBS Exit"
  field: FIELD_OUTCOME_SCORE
  outcome_instrument: "WEMWBS14"
  outcome_timepoint: "EXIT"
}
columns {
  column: "SDQ Baseline"
  field: FIELD_OUTCOME_SCORE
  outcome_instrument: "SDQ_TOTAL"
  outcome_timepoint: "BASELINE"
}
columns {
  column: "SDQ Exit"
  field: FIELD_OUTCOME_SCORE
  outcome_instrument: "SDQ_TOTAL"
  outcome_timepoint: "EXIT"
}
$NEEDS
value_maps {
  field: FIELD_SEX
  entries { local: "Male" code: "1" }
  entries { local: "Female" code: "2" }
  entries { local: "Not known" code: "X" }
}

value_maps {
  field: FIELD_ETHNICITY
$ETHNICITIES}

value_maps {
  field: FIELD_SERVICE_TYPE
$SERVICES}

value_maps {
  field: FIELD_REFERRAL_SOURCE
$SOURCES}
)";

constexpr absl::string_view kPopulationProfileTemplate =
    R"(# Mapping profile for the synthetic ICS population register written by
# `equilink synth` (client/synth/): one row per person, ISO dates, NHS data
# dictionary codes for sex and ethnic category (valid codes pass unmapped).
# proto-file: proto/equilink/v1/mapping.proto
# proto-message: equilink.v1.MappingProfile

profile_id: "synth-population-v1"
description: "Synthetic ICS population register (equilink synth), one row per person"
organisation_code: "$CODE"
dataset_id: "ics-population-register"
delimiter: ","
date_formats: "%Y-%m-%d"
reject_unmapped_columns: true

columns { column: "register_id" field: FIELD_LOCAL_RECORD_ID required: true }
columns { column: "nhs_number" field: FIELD_NHS_NUMBER }
columns { column: "given_name" field: FIELD_FORENAME required: true }
columns { column: "family_name" field: FIELD_SURNAME required: true }
columns { column: "date_of_birth" field: FIELD_DATE_OF_BIRTH required: true }
columns { column: "sex" field: FIELD_SEX }
columns { column: "ethnic_category" field: FIELD_ETHNICITY }
columns { column: "address_line_1" field: FIELD_ADDRESS_LINE }
columns { column: "locality" field: FIELD_LOCALITY }
columns { column: "postcode" field: FIELD_POSTCODE }
)";

std::string Entries(absl::Span<const SynthLabel> labels) {
  std::string out;
  for (const SynthLabel& label : labels) {
    absl::StrAppend(&out, "  entries { local: \"", label.label, "\" code: \"",
                    label.code, "\" }\n");
  }
  return out;
}

}  // namespace

absl::Span<const SynthService> SynthServices() { return kServices; }
absl::Span<const SynthLabel> ReferralSourceLabels() { return kReferralSources; }
absl::Span<const SynthLabel> NeedColumns() { return kNeeds; }
absl::string_view VcseHeader() { return kVcseHeader; }
absl::string_view PopulationHeader() { return kPopulationHeader; }

absl::string_view EthnicityLabel(absl::string_view code) {
  for (const SynthLabel& label : kEthnicities) {
    if (label.code == code) return label.label;
  }
  return "";
}

std::string VcseProfileText(absl::string_view organisation_code) {
  std::string needs;
  for (const SynthLabel& need : kNeeds) {
    absl::StrAppend(&needs, "columns { column: \"", need.label,
                    "\" field: FIELD_NEED_FLAG need_code: \"", need.code,
                    "\" }\n");
  }
  std::string services;
  for (const SynthService& service : kServices) {
    absl::StrAppend(&services, "  entries { local: \"", service.label,
                    "\" code: \"", service.code, "\" }\n");
  }
  return absl::StrReplaceAll(kVcseProfileTemplate,
                             {{"$CODE", organisation_code},
                              {"$NEEDS", needs},
                              {"$ETHNICITIES", Entries(kEthnicities)},
                              {"$SERVICES", services},
                              {"$SOURCES", Entries(kReferralSources)}});
}

std::string PopulationProfileText(absl::string_view organisation_code) {
  return absl::StrReplaceAll(kPopulationProfileTemplate,
                             {{"$CODE", organisation_code}});
}

}  // namespace equilink::client::synth
