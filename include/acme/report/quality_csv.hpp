// data_profile.csv: the column profiles of acme::quality::profile() as RFC 4180 CSV, written with
// the reports' CSV rules (csv_writer.hpp). It lives in report/ because quality sits below report
// and the CSV writer is here.
#pragma once

#include "acme/quality/profile.hpp"

#include <ostream>

namespace acme::report {

// Writes the header and one row per profiled column to `out`. Counts, shares and the min/max of
// numbers and dates are number cells; every other cell is text (neutralized against formulas).
void write_profile_csv(const quality::ProfileResult& result, std::ostream& out);

} // namespace acme::report
