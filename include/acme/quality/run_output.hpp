// How a quality run is shown: the text of `acme quality` (one line per rule, then the scores)
// and its --json document. Pure.
#pragma once

#include "acme/quality/evaluator.hpp"

#include <nlohmann/json.hpp>
#include <string>

namespace acme::quality {

// "3d 04h", "5h 12m", "42m 10s", "12s": how long a violation has stood.
std::string format_age(double seconds);

// The run as printed by `acme quality`: one line per rule, then the scores.
std::string to_text(const QualityRun& run);

// The run as printed by `acme quality --json`.
nlohmann::json to_json(const QualityRun& run);

} // namespace acme::quality
