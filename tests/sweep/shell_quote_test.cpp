// shell_quote: what a POSIX shell reads back is the original word.
#include "sweep/shell_quote.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdio>

namespace atrous {
namespace {

// The word `sh` receives from `printf %s <quoted>`.
std::string through_sh(const std::string& quoted) {
  const std::string cmd = "printf %s " + quoted;
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  std::array<char, 256> buf;
  while (size_t n = fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
  pclose(p);
  return out;
}

TEST(ShellQuote, PlainWordsStayAndOthersRoundTripThroughSh) {
  EXPECT_EQ(shell_quote("results/atrous.db"), "results/atrous.db");
  EXPECT_EQ(shell_quote("abl-1_x.yaml"), "abl-1_x.yaml");
  EXPECT_EQ(shell_quote(""), "''");
  EXPECT_EQ(shell_quote("it's"), "'it'\\''s'");
  EXPECT_EQ(shell_quote("my dir/r.db"), "'my dir/r.db'");
  for (const std::string word : {"my dir/it's here.db", "$HOME", "a;rm -rf x", "`id`", "*", "~", "a\"b", "x'y'z",
                                 "tab\there", "new\nline", "back\\slash", "!bang", "''"})
    EXPECT_EQ(through_sh(shell_quote(word)), word) << shell_quote(word);
}

}  // namespace
}  // namespace atrous
