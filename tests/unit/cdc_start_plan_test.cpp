// How a CDC start proceeds, from the target's record and the slot (cdc::plan_start).
#include "acme/cdc/start_plan.hpp"

#include <gtest/gtest.h>

namespace {

using acme::cdc::Lsn;
using acme::cdc::plan_start;
using acme::cdc::SlotView;
using acme::cdc::StoredPosition;
using Kind = acme::cdc::StartPlan::Kind;

const Lsn k_stored = Lsn::parse("0/3000000");

TEST(CdcStartPlan, StreamsWhenTheSlotIsAtOrBehindTheStoredPosition) {
  for (const char* confirmed : {"0/3000000", "0/2FFFFFF", "0/1000000"}) {
    const auto p =
        plan_start(StoredPosition{k_stored, false}, SlotView{false, Lsn::parse(confirmed)}, "acme");
    EXPECT_EQ(p.kind, Kind::stream) << confirmed;
    EXPECT_FALSE(p.lost_changes);
  }
}

TEST(CdcStartPlan, ASlotAheadOfTheTargetIsResyncedNamingBothPositions) {
  const auto p =
      plan_start(StoredPosition{k_stored, false}, SlotView{false, Lsn::parse("0/3000001")}, "s");
  EXPECT_EQ(p.kind, Kind::snapshot);
  EXPECT_TRUE(p.lost_changes);
  EXPECT_NE(p.reason.find("0/3000001"), std::string::npos) << p.reason;
  EXPECT_NE(p.reason.find("0/3000000"), std::string::npos) << p.reason;
}

TEST(CdcStartPlan, ALostOrDroppedSlotIsResynced) {
  const auto dropped = plan_start(StoredPosition{k_stored, false}, std::nullopt, "s");
  EXPECT_EQ(dropped.kind, Kind::snapshot);
  EXPECT_TRUE(dropped.lost_changes);
  EXPECT_NE(dropped.reason.find("dropped"), std::string::npos);
  const auto lost = plan_start(StoredPosition{k_stored, false}, SlotView{true, k_stored}, "s");
  EXPECT_EQ(lost.kind, Kind::snapshot);
  EXPECT_TRUE(lost.lost_changes);
  EXPECT_NE(lost.reason.find("invalidated"), std::string::npos);
}

// A needed snapshot wins over any slot: a re-snapshot or first hand-off that did not commit
// left a slot whose position has nothing to do with the target's.
TEST(CdcStartPlan, ARecordThatNeedsASnapshotNeverStreams) {
  for (const auto& slot : {std::optional<SlotView>{}, std::optional<SlotView>{SlotView{}},
                           std::optional<SlotView>{SlotView{false, Lsn::parse("0/9000000")}}}) {
    const auto p = plan_start(StoredPosition{k_stored, true}, slot, "s");
    EXPECT_EQ(p.kind, Kind::snapshot);
    EXPECT_FALSE(p.lost_changes);
  }
}

TEST(CdcStartPlan, ASlotThisTargetNeverRecordedIsRefused) {
  EXPECT_EQ(plan_start(std::nullopt, SlotView{}, "s").kind, Kind::refuse);
  EXPECT_EQ(plan_start(std::nullopt, std::nullopt, "s").kind, Kind::snapshot);
}

} // namespace
