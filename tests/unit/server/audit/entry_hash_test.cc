#include "server/audit/entry_hash.h"

#include <functional>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/unit/server/audit/audit_test_util.h"

namespace equilink::audit {
namespace {

using equilink::v1::AuditEntry;

AuditEntry ChainedEntry() {
  AuditEntry entry = testing::BatchDecision(1);
  entry.set_sequence(1);
  entry.set_time_unix_micros(1'750'000'000'000'000);
  entry.set_previous_hash(GenesisHash());
  return entry;
}

TEST(EntryHashTest, IsDeterministicAndIgnoresTheStoredHash) {
  AuditEntry entry = ChainedEntry();
  const std::string hash = ComputeEntryHash(entry);
  EXPECT_EQ(hash.size(), kHashBytes);
  entry.set_entry_hash("anything");
  EXPECT_EQ(ComputeEntryHash(entry), hash);
}

TEST(EntryHashTest, EveryHashedFieldChangesTheHash) {
  const std::string original = ComputeEntryHash(ChainedEntry());
  const std::vector<std::function<void(AuditEntry*)>> edits = {
      [](AuditEntry* e) { e->set_sequence(2); },
      [](AuditEntry* e) { e->set_time_unix_micros(1); },
      [](AuditEntry* e) { e->mutable_principal()->set_organisation_code("Y"); },
      [](AuditEntry* e) { e->mutable_principal()->set_role("admin"); },
      [](AuditEntry* e) {
        e->mutable_principal()->set_person("urn:equilink:person:siro-01");
      },
      [](AuditEntry* e) { e->set_action("extract"); },
      [](AuditEntry* e) { e->set_decision(equilink::v1::AUDIT_QUARANTINE); },
      [](AuditEntry* e) { e->set_rule_id("S1"); },
      [](AuditEntry* e) { e->set_reason("changed"); },
      [](AuditEntry* e) { e->set_agreement_id("other"); },
      [](AuditEntry* e) { e->set_agreement_version(4); },
      [](AuditEntry* e) { e->set_agreement_version_hash(std::string(32, 1)); },
      [](AuditEntry* e) { e->mutable_counts()->set_records_accepted(7); },
      [](AuditEntry* e) { e->mutable_counts()->set_records_rejected(7); },
      [](AuditEntry* e) { e->mutable_counts()->set_records_quarantined(7); },
      [](AuditEntry* e) { e->mutable_counts()->set_records_opted_out(7); },
      [](AuditEntry* e) { e->set_request_id("sub-2"); },
      [](AuditEntry* e) { e->set_previous_hash(std::string(32, 1)); },
  };
  for (size_t i = 0; i < edits.size(); ++i) {
    AuditEntry entry = ChainedEntry();
    edits[i](&entry);
    EXPECT_NE(ComputeEntryHash(entry), original) << "edit " << i;
  }
}

TEST(EntryHashTest, LengthPrefixesKeepAdjacentStringsApart) {
  AuditEntry a = ChainedEntry();
  a.set_rule_id("ab");
  a.set_reason("c");
  AuditEntry b = ChainedEntry();
  b.set_rule_id("a");
  b.set_reason("bc");
  EXPECT_NE(ComputeEntryHash(a), ComputeEntryHash(b));
}

TEST(EntryHashTest, CheckpointBytesCoverEverythingButTheSignature) {
  equilink::v1::AuditCheckpoint checkpoint;
  checkpoint.set_sequence(8);
  checkpoint.set_entry_hash(std::string(32, 2));
  checkpoint.set_time_unix_micros(5);
  checkpoint.set_key_id("0123456789abcdef");
  const std::string bytes = CheckpointSignedBytes(checkpoint);
  checkpoint.set_signature("sig");
  EXPECT_EQ(CheckpointSignedBytes(checkpoint), bytes);
  checkpoint.set_sequence(9);
  EXPECT_NE(CheckpointSignedBytes(checkpoint), bytes);
}

}  // namespace
}  // namespace equilink::audit
