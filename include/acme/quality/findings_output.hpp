// How `acme quality` shows what is not a rule: the column profile (--profile), the daily series'
// flagged days and the stuck orders, as text. Pure.
#pragma once

#include "acme/quality/anomalies.hpp"
#include "acme/quality/profile.hpp"

#include <string>

namespace acme::quality {

// One line per column: table, column, type, null share, distinct count (and how it was
// counted), min, max, top values.
std::string profile_text(const ProfileResult& profile);

// Per series, the days flagged against their trailing baseline (value, baseline median, z);
// per status, the open orders stuck in it longer than its completed intervals allow.
std::string findings_text(const AnomalyResult& anomalies, const StuckResult& stuck);

} // namespace acme::quality
