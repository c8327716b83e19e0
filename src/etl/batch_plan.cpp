#include "acme/etl/batch_plan.hpp"

namespace acme::etl {

bool full_read_needed(const BatchFacts& facts) {
  return facts.full_requested || facts.handoff || !facts.every_table_loaded;
}

BatchPlan plan_batch(const BatchFacts& facts) {
  BatchPlan plan;
  if (!full_read_needed(facts)) {
    plan.reconcile = facts.reconcile_requested;
    return plan;
  }
  plan.mode = facts.handoff ? BatchMode::cdc_snapshot : BatchMode::full;
  plan.load = facts.swap_blocked ? FullLoadPath::in_place : FullLoadPath::shadow_swap;
  return plan;
}

std::string_view run_mode(BatchMode mode) {
  switch (mode) {
  case BatchMode::full:
    return "full";
  case BatchMode::cdc_snapshot:
    return "cdc-snapshot";
  case BatchMode::incremental:
    break;
  }
  return "incremental";
}

TableRead table_read(const BatchPlan& plan, std::string_view source_table) {
  if (!plan.full()) {
    return TableRead::changes;
  }
  if (plan.shadow_swap() && (source_table == "orders" || source_table == "order_items")) {
    return TableRead::shadowed;
  }
  return TableRead::whole;
}

std::string_view history_observer(const BatchPlan& plan, bool target_was_empty) {
  const bool first_load = plan.shadow_swap() && target_was_empty;
  return first_load || plan.mode == BatchMode::cdc_snapshot ? "load" : "poll";
}

bool more_batches(const BatchPlan& plan, std::int64_t rows_read, std::int64_t batch_size,
                  bool clamped, bool cursor_advanced) {
  return !plan.full() && rows_read >= batch_size && (!clamped || cursor_advanced);
}

} // namespace acme::etl
