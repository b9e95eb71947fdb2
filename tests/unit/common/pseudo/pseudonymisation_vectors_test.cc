// The test vectors of docs/PSEUDONYMISATION.md. The values were produced by
// this implementation and checked independently with Python's hmac module and
// the `openssl mac` CLI; if this test fails, the scheme changed and every
// deployed token with it.

#include <string>

#include "absl/strings/escaping.h"
#include "common/pseudo/normalised_identifiers.h"
#include "common/pseudo/record_pseudonymiser.h"
#include "common/pseudo/subkeys.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/unit/common/pseudo/test_key.h"

namespace equilink {
namespace {

using ::equilink::testing::IsOk;
using ::equilink::testing::TestLinkageKey;
using ::equilink::testing::VectorRecord;

std::string Hex(absl::string_view bytes) {
  return absl::BytesToHexString(bytes);
}

TEST(PseudonymisationVectorsTest, Subkeys) {
  const LinkageKey key = TestLinkageKey();
  const std::pair<absl::string_view, absl::string_view> expected[] = {
      {"nhs-number",
       "2c3c90e82ceed2d297fb866f08cfb11a4d79c54e4d299d6777daaa8f025a08a6"},
      {"record-pseudonym",
       "8eb4417a4f098ef9c7126bead3b6ef63e6a97ff05b64943675956f57a735263f"},
      {"client-pseudonym",
       "95a64230c9b706de710402ca0b1e8ee98d5ea10799754dc2449291fd9f31342b"},
      {"match-key/surname-forename-dob-sex",
       "1cd02e46bdd3a489bf998c0c3047afcd8f7487c662ade99026dfa2b3278f5d7a"},
      {"match-key/surname-initial-dob-postcode",
       "d8f5026dfacf8336f50bff4f6a4b2ac5419731775a4a222596f2bbd09253a881"},
      {"match-key/forename-dob-postcode",
       "e6ad56a310566a352e610ff1aaff1bae6cca25a2df32c8b0d2805306595c3df4"},
      {"match-key/sorted-names-dob",
       "25ff63a92568545059671da168193ace4dad6b8c89b296b8b6b6d9ccbec704e5"},
      {"bloom/forename",
       "eafa835e00b6198f9a2873cae0cbb9651f106c50e7c1b732e03c7276fd8e0f4a"},
      {"bloom/surname",
       "3275aa887030ecaaf46485e616cfd39990ce8c78cdd09de951c9823d6f3f8e50"},
      {"bloom/date-of-birth",
       "7c2f2a1bf36c2bd7811a1123e53f176cfbe147fd305254b81546a32c283067d4"},
      {"bloom/address",
       "f6a7d7c4f7ac01cbf3650056101ace07d4dd2dc01c408b48bafe4e961a60730a"},
      {"bloom/postcode",
       "2d9ef7b4c11353f79cc1b872c3ca4c2dfce82318857818569d2f274822085ac2"},
      {"bloom/locality",
       "4a77ae58ac481e24d61505363e9419ad03afe3f2ddab9323827bc27156022617"},
  };
  for (const auto& [purpose, hex] : expected) {
    EQ_ASSERT_OK_AND_ASSIGN(SecretBytes subkey,
                            DeriveSubkey(key.secret(), purpose));
    EXPECT_EQ(Hex(subkey.UnsafeSecretView()), hex) << purpose;
  }
}

TEST(PseudonymisationVectorsTest, NormalisedInputs) {
  const NormalisedIdentifiers n = NormaliseIdentifiers(VectorRecord());
  EXPECT_EQ(n.organisation_code, "8AB12");
  EXPECT_EQ(n.local_record_id, "REC-0001");
  EXPECT_EQ(n.local_client_id, "CL-42");
  EXPECT_EQ(n.nhs_number.digits, "9434765919");
  EXPECT_EQ(n.forename, "zoe");
  EXPECT_EQ(n.surname_words, "obrien smith");
  EXPECT_EQ(n.surname, "obriensmith");
  EXPECT_EQ(n.date_of_birth, "20140305");
  EXPECT_EQ(n.sex, "2");
  EXPECT_EQ(n.postcode, "B152TT");
  EXPECT_EQ(n.address, "12a saint johns road");
}

TEST(PseudonymisationVectorsTest, FullRecord) {
  EQ_ASSERT_OK_AND_ASSIGN(auto p,
                          RecordPseudonymiser::Create(TestLinkageKey()));
  EXPECT_EQ(p->key_id(), "test-key-1");
  v1::PseudonymisedRecord r;
  ASSERT_THAT(p->Pseudonymise(VectorRecord(), &r), IsOk());

  EXPECT_EQ(Hex(r.record_pseudonym()),
            "1a55a7beab65f3d4ad2777e0bbd8c54287e988440838129fce6fe8dce603501c");
  EXPECT_EQ(Hex(r.client_pseudonym()),
            "0067515c87bdd08f57e442f42abec375739f64935e435afef12de94b927822ec");
  EXPECT_EQ(r.nhs_number_status(), v1::NHS_NUMBER_VALID);
  EXPECT_EQ(Hex(r.nhs_number_token()),
            "a45256d7cc93dc21c92e998df2be7b5cf08813e2b6c08a0c6b38ce93b54c6abb");

  ASSERT_EQ(r.match_keys_size(), 4);
  const char* kMatch[] = {
      "98cec994901c3b510b5bd315e07cb7c658ff5cc8ea1768b35e935679809d3a67",
      "31b8bc59569808e612a985963cfb1a1882bd11bd260ba5022b07e91493fb2be3",
      "1592b3cc131810b7758e187bf33be843c0ced2c53682d573d38462083eff75d7",
      "dbbfa5c046aa90f1df9777919f35d00f14327841baafe815f7e72a46c75a2294",
  };
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(r.match_keys(i).kind(), static_cast<v1::MatchKeyKind>(i + 1));
    EXPECT_EQ(Hex(r.match_keys(i).token()), kMatch[i]) << i;
  }

  ASSERT_EQ(r.bloom_size(), 5);
  const char* kBloom[] = {
      "2480000c080002010020100400001020510440001800000002004000080200240012"
      "004200008000000000000800008008000000001006406088001402020020",
      "a9420230404ac01b91208764da01e8721d4028008018ad0141a4b00e601091b21820"
      "54a3d2634094a23002e00259124200610820a00a9004a0000002000d7100",
      "00902884241b62a204b32ca0f904607108d05c100c0a942ae013009420000a41",
      "199697864672a8140c81c4b6ba055552055650a0001c010109391034860682382083"
      "a4785a21412090204667800652004548e464986460a30800c4b2a1004a93",
      "4021221302420439ca2a00230040086808c010140020220410c2002b0420ac04",
  };
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(r.bloom(i).field(), static_cast<v1::BloomField>(i + 1));
    EXPECT_EQ(Hex(r.bloom(i).bits()), kBloom[i]) << i;
  }
  EXPECT_EQ(p->CountHmacEvaluations(VectorRecord()), 62);
}

// Section 8.4: a locality, a free-text postcode and an unchecked national id.
TEST(PseudonymisationVectorsTest, LocalityAndFreeTextRecord) {
  PersonIdentifiers ids;
  ids.organisation_code = "FEBRL";
  ids.local_record_id = "rec-1070-org";
  ids.national_id_scheme = NationalIdScheme::kUnchecked;
  ids.nhs_number = " 530 4218";
  ids.postcode_scheme = PostcodeScheme::kFreeText;
  ids.postcode = " 4223";
  ids.locality = "Winston Hills";

  const NormalisedIdentifiers n = NormaliseIdentifiers(ids);
  EXPECT_EQ(n.nhs_number.digits, "5304218");
  EXPECT_EQ(n.postcode, "4223");
  EXPECT_EQ(n.locality, "winston hills");

  EQ_ASSERT_OK_AND_ASSIGN(auto p,
                          RecordPseudonymiser::Create(TestLinkageKey()));
  v1::PseudonymisedRecord r;
  ASSERT_THAT(p->Pseudonymise(ids, &r), IsOk());
  EXPECT_EQ(Hex(r.record_pseudonym()),
            "76c4d390eabc9c5b7e1c292ab659becc63216198fa3b151db8a5d49d88f9f421");
  EXPECT_EQ(r.nhs_number_status(), v1::NATIONAL_ID_UNCHECKED);
  EXPECT_EQ(Hex(r.nhs_number_token()),
            "83426159d0c4aedacb7c3a885a451dd1fd583b340e3bdba85b2ff6fd92c5e96c");
  EXPECT_EQ(r.match_keys_size(), 0);  // no names or date of birth
  ASSERT_EQ(r.bloom_size(), 2);
  EXPECT_EQ(r.bloom(0).field(), v1::BLOOM_POSTCODE);
  EXPECT_EQ(Hex(r.bloom(0).bits()),
            "22804008280a844200c00101200c492020460b0c020800010104045002400805");
  EXPECT_EQ(r.bloom(1).field(), v1::BLOOM_LOCALITY);
  EXPECT_EQ(Hex(r.bloom(1).bits()),
            "160506b085500910403740021800400006008100406888120042866ee010a200"
            "3495090609028481004011044820001e189001060b0414281041149112049130");
  EXPECT_EQ(p->CountHmacEvaluations(ids), 21);
}

}  // namespace
}  // namespace equilink
