#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/table_format.hpp"

namespace atrous {
namespace {

Table sample() {
  Table t;
  t.columns = {"id", "seed", "miou"};
  t.rows = {{std::string("a,\"b\""), int64_t{1}, 0.123456789}, {std::string("c|d"), int64_t{22}, Cell{}}};
  return t;
}

TEST(TableFormat, AlignedTextRightAlignsNumbers) {
  EXPECT_EQ(format_table(sample(), TableFormat::table),
            "id     seed      miou\n"
            "-----  ----  --------\n"
            "a,\"b\"     1  0.123457\n"
            "c|d      22         -\n");
}

TEST(TableFormat, TerminalTablesClipLongCellsButMachineFormatsKeepThem) {
  Table t;
  t.columns = {"key", "value"};
  const std::string long_value(200, 'x');
  t.rows = {{std::string("model.layers"), long_value}};
  const std::string text = format_table(t, TableFormat::table);
  EXPECT_EQ(text.find(long_value), std::string::npos);
  EXPECT_NE(text.find(std::string(57, 'x') + "..."), std::string::npos) << text;
  EXPECT_NE(format_table(t, TableFormat::csv).find(long_value), std::string::npos);
  EXPECT_NE(format_table(t, TableFormat::json).find(long_value), std::string::npos);
}

TEST(TableFormat, CsvQuotesAndKeepsFullPrecision) {
  EXPECT_EQ(format_table(sample(), TableFormat::csv), "id,seed,miou\n\"a,\"\"b\"\"\",1,0.123456789\nc|d,22,\n");
}

TEST(TableFormat, JsonHasTypedValues) {
  auto j = nlohmann::json::parse(format_table(sample(), TableFormat::json));
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[0]["id"], "a,\"b\"");
  EXPECT_EQ(j[0]["seed"], 1);
  EXPECT_DOUBLE_EQ(j[0]["miou"].get<double>(), 0.123456789);
  EXPECT_TRUE(j[1]["miou"].is_null());
}

TEST(TableFormat, MarkdownEscapesPipes) {
  EXPECT_EQ(format_table(sample(), TableFormat::md),
            "| id | seed | miou |\n|---|---:|---:|\n| a,\"b\" | 1 | 0.123457 |\n| c\\|d | 22 | - |\n");
}

TEST(TableFormat, UnknownFormatNamesTheChoices) {
  EXPECT_EQ(parse_table_format("md"), TableFormat::md);
  try {
    parse_table_format("xml");
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "unknown format 'xml': expected table, csv, json or md");
    EXPECT_EQ(e.exit_code(), 2);
  }
}

}  // namespace
}  // namespace atrous
