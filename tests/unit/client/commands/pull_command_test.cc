// The CSV `equilink pull` writes (client/commands/pull_command.h).

#include "client/commands/pull_command.h"

#include <string>

#include "gtest/gtest.h"

namespace equilink::client {
namespace {

v1::ReleasedRow LinkedRow() {
  v1::ReleasedRow row;
  row.set_record_release_pseudonym(std::string("\x01\xab", 2));
  row.set_person_release_pseudonym(std::string("\xff\x00", 2));
  row.set_linked(true);
  row.set_link_stage(2);
  row.set_match_probability(0.75);
  return row;
}

TEST(PullCsvFormatterTest, HeaderNamesTheFixedColumnsThenTheFields) {
  EXPECT_EQ(PullCsvFormatter({"lsoa_code", "needs"}).Header(),
            "record_release_pseudonym,person_release_pseudonym,linked,"
            "link_stage,match_probability,lsoa_code,needs");
}

TEST(PullCsvFormatterTest, LineHasHexPseudonymsAndTheReleasedFields) {
  v1::PseudonymisedRecord record;
  record.set_lsoa_code("E01000001");
  record.set_age_at_referral(11);
  record.add_needs("FOOD_INSECURITY");
  record.add_needs("YOUNG_CARER");
  record.set_nhs_number_status(v1::NHS_NUMBER_VALID);
  const PullCsvFormatter formatter({"lsoa_code", "age_at_referral", "needs",
                                    "nhs_number_status", "not_a_field",
                                    "discharge_date"});
  std::string line;
  formatter.AppendLine(record, LinkedRow(), &line);
  EXPECT_EQ(line,
            "01ab,ff00,1,2,0.75,E01000001,11,FOOD_INSECURITY;YOUNG_CARER,"
            "NHS_NUMBER_VALID,,");
}

TEST(PullCsvFormatterTest, UnlinkedRowsLeaveThePersonColumnsEmpty) {
  v1::ReleasedRow row;
  row.set_record_release_pseudonym(std::string("\x10", 1));
  std::string line;
  PullCsvFormatter({"lsoa_code"})
      .AppendLine(v1::PseudonymisedRecord(), row, &line);
  EXPECT_EQ(line, "10,,0,,,");
}

TEST(PullCsvFormatterTest, CellsThatNeedQuotingAreQuotedWhole) {
  v1::PseudonymisedRecord record;
  record.set_service_type("FOOD, \"HAF\"");
  record.add_needs("A,B");
  record.add_needs("C");
  v1::OutcomeScore* score = record.add_outcomes();
  score->set_instrument("SWEMWBS7");
  score->set_total(21);
  std::string line;
  PullCsvFormatter({"service_type", "needs", "outcomes"})
      .AppendLine(record, v1::ReleasedRow(), &line);
  EXPECT_EQ(line,
            ",,0,,,\"FOOD, \"\"HAF\"\"\",\"A,B;C\","
            "\"instrument: \"\"SWEMWBS7\"\" total: 21\"");
}

}  // namespace
}  // namespace equilink::client
