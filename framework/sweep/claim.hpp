#pragma once
// A claim of a spec's report (`report: {claims: ["os8 > os16 > os32"]}`): the
// ordering a paper states, which the report tests step by step. `>` reads "is
// better than" on the report metric, whichever way that metric improves (the
// metric catalogue says), so a claim is written the same for mIoU and for a loss.
// Parsed here once for the spec's validation and for the report's reading of the
// stored spec.
#include <optional>
#include <string>
#include <vector>

namespace atrous {

// The variant names of "a > b > c", best first (at least two, each a name of
// letters, digits, '_', '-' or '.'). nullopt when the text is not such a chain.
std::optional<std::vector<std::string>> parse_claim(const std::string& text);

}  // namespace atrous
