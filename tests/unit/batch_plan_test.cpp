// The batch plan: which mode, load path, reconciliation, table reads and follow-up batches a
// polling batch gets from what was requested and what the target holds.
#include "acme/etl/batch_plan.hpp"

#include <gtest/gtest.h>

using namespace acme::etl;

TEST(BatchPlan, ALoadedTargetGetsAnIncrementalBatchThatReadsChanges) {
  const auto plan = plan_batch({});
  EXPECT_EQ(plan.mode, BatchMode::incremental);
  EXPECT_EQ(plan.load, FullLoadPath::none);
  EXPECT_FALSE(plan.reconcile);
  EXPECT_EQ(run_mode(plan.mode), "incremental");
  for (const auto* table : {"customers", "products", "orders", "order_items"}) {
    EXPECT_EQ(table_read(plan, table), TableRead::changes) << table;
  }
  EXPECT_EQ(history_observer(plan, false), "poll");
}

TEST(BatchPlan, ReconcileIsKeptOnlyForIncrementalBatches) {
  BatchFacts facts;
  facts.reconcile_requested = true;
  EXPECT_TRUE(plan_batch(facts).reconcile);
  facts.full_requested = true; // a full read compares every key itself
  EXPECT_FALSE(plan_batch(facts).reconcile);
  facts = {};
  facts.reconcile_requested = true;
  facts.every_table_loaded = false;
  EXPECT_FALSE(plan_batch(facts).reconcile);
}

TEST(BatchPlan, ATableNeverLoadedMakesTheBatchFull) {
  BatchFacts facts;
  facts.every_table_loaded = false;
  EXPECT_TRUE(full_read_needed(facts));
  const auto plan = plan_batch(facts);
  EXPECT_EQ(plan.mode, BatchMode::full);
  EXPECT_EQ(run_mode(plan.mode), "full");
  EXPECT_EQ(plan.load, FullLoadPath::shadow_swap);
  EXPECT_FALSE(full_read_needed({}));
}

TEST(BatchPlan, AShadowSwapLoadsOrdersAndItemsAheadAndCopiesTheDimensionsWhole) {
  BatchFacts facts;
  facts.full_requested = true;
  const auto plan = plan_batch(facts);
  EXPECT_EQ(table_read(plan, "orders"), TableRead::shadowed);
  EXPECT_EQ(table_read(plan, "order_items"), TableRead::shadowed);
  EXPECT_EQ(table_read(plan, "customers"), TableRead::whole);
  EXPECT_EQ(table_read(plan, "products"), TableRead::whole);
  EXPECT_EQ(history_observer(plan, true), "load");
  EXPECT_EQ(history_observer(plan, false), "poll"); // a reload of a target that had rows
}

TEST(BatchPlan, ASwapBlockedByDependentObjectsLoadsEveryTableInPlace) {
  BatchFacts facts;
  facts.full_requested = true;
  facts.swap_blocked = true;
  const auto plan = plan_batch(facts);
  EXPECT_EQ(plan.load, FullLoadPath::in_place);
  for (const auto* table : {"customers", "products", "orders", "order_items"}) {
    EXPECT_EQ(table_read(plan, table), TableRead::whole) << table;
  }
  EXPECT_EQ(history_observer(plan, true), "poll");
}

TEST(BatchPlan, AHandoffIsAFullReadRecordedAsCdcSnapshotAndAttributedToTheLoad) {
  BatchFacts facts;
  facts.handoff = true;
  facts.reconcile_requested = true;
  const auto plan = plan_batch(facts);
  EXPECT_EQ(plan.mode, BatchMode::cdc_snapshot);
  EXPECT_EQ(run_mode(plan.mode), "cdc-snapshot");
  EXPECT_TRUE(plan.full());
  EXPECT_FALSE(plan.reconcile);
  EXPECT_EQ(history_observer(plan, false), "load");
  facts.swap_blocked = true;
  EXPECT_EQ(history_observer(plan_batch(facts), false), "load");
}

TEST(BatchPlan, AnotherBatchFollowsAFullIncrementalBatchWhoseCursorMoves) {
  const auto incremental = plan_batch({});
  EXPECT_TRUE(more_batches(incremental, 1000, 1000, false, true));
  EXPECT_FALSE(more_batches(incremental, 999, 1000, false, true));
  // Held back by the horizon: only worth another batch while the cursor still advances.
  EXPECT_TRUE(more_batches(incremental, 1000, 1000, true, true));
  EXPECT_FALSE(more_batches(incremental, 1000, 1000, true, false));
  BatchFacts facts;
  facts.full_requested = true;
  EXPECT_FALSE(more_batches(plan_batch(facts), 5000, 1000, false, true));
}
