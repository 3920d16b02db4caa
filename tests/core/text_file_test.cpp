// read_text_file: the one reader of user-named config files refuses what would
// hang, read forever or fail later with a raw message, naming the file.
#include "core/text_file.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "core/config.hpp"
#include "data/data_config.hpp"
#include "model/load.hpp"
#include "support/error_of.hpp"
#include "sweep/experiment.hpp"
#include "train/recipe.hpp"
#include "train/run_config.hpp"
#include "support/temp_dir.hpp"

namespace atrous {
namespace {

using testing::error_of;

TEST(TextFile, ReadsARegularFile) {
  testing::TempDir dir("textfile");
  const std::string p = dir.write("a.yaml", "a: 1\n");
  EXPECT_EQ(read_text_file(p), "a: 1\n");
  std::filesystem::create_symlink(p, dir / "link.yaml");
  EXPECT_EQ(read_text_file(dir / "link.yaml"), "a: 1\n");
}

TEST(TextFile, RefusesWhatIsNotARegularFile) {
  testing::TempDir dir("textfile");
  EXPECT_EQ(error_of([&] { read_text_file(dir.path(), "model file"); }),
            "model file '" + dir.path() + "': is a directory, not a file");
  ASSERT_EQ(::mkfifo((dir / "fifo.yaml").c_str(), 0600), 0);
  // Would block forever in open() or read() without a writer.
  EXPECT_EQ(error_of([&] { read_text_file(dir / "fifo.yaml"); }),
            "config file '" + dir / "fifo.yaml" + "': is a FIFO (named pipe), not a file");
  EXPECT_EQ(error_of([&] { read_text_file("/dev/zero"); }), "config file '/dev/zero': is a character device, not a file");
  EXPECT_EQ(error_of([&] { read_text_file(dir / "none.yaml"); }), "config file '" + dir / "none.yaml" + "': no such file");
}

TEST(TextFile, RefusesASymlinkLoop) {
  testing::TempDir dir("textfile");
  std::filesystem::create_symlink(dir / "b.yaml", dir / "a.yaml");
  std::filesystem::create_symlink(dir / "a.yaml", dir / "b.yaml");
  const std::string e = error_of([&] { ConfigDoc::load_file(dir / "a.yaml"); });
  EXPECT_EQ(e, "config file '" + dir / "a.yaml" +
                   "': too many levels of symbolic links (a symlink loop?); expected a regular file");
}

TEST(TextFile, RefusesAFileOverTheSizeLimit) {
  testing::TempDir dir("textfile");
  const std::string p = dir.write("big.yaml", "");
  std::filesystem::resize_file(p, (size_t{16} << 20) + 1);  // sparse: no disk, no time
  EXPECT_EQ(error_of([&] { read_text_file(p); }),
            "config file '" + p + "': is 16777217 bytes; files are limited to 16 MiB");
  EXPECT_NE(error_of([&] { read_text_file(dir.write("small.yaml", "abcdef"), "config file", 4); })
                .find("files are limited to"),
            std::string::npos);
}

TEST(TextFile, RefusesAPathThatIsNotUtf8) {
  testing::TempDir dir("textfile");
  const std::string p = dir.write("bad\xff.yaml", "a: 1\n");
  EXPECT_EQ(error_of([&] { read_text_file(p); }),
            "config file '" + dir.path() + "/bad\\xFF.yaml': the path is not UTF-8 (names must be UTF-8 text)");
}

TEST(TextFile, EveryConfigEntryPointReadsThroughIt) {
  // A FIFO used to hang each of them in open(); now each refuses it at once, naming the file.
  testing::TempDir dir("textfile");
  const std::string fifo = dir / "fifo.yaml";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const std::string refused = "'" + fifo + "': is a FIFO (named pipe), not a file";
  EXPECT_EQ(error_of([&] { load_model(fifo); }), "model file " + refused);
  EXPECT_EQ(error_of([&] { load_data_config_file(fifo, {}); }), "config file " + refused);
  EXPECT_EQ(error_of([&] { load_recipe_file(fifo, {}); }), "config file " + refused);
  EXPECT_EQ(error_of([&] { load_run_file(fifo, {}); }), "config file " + refused);
  EXPECT_EQ(error_of([&] { load_experiment(fifo); }), "experiment spec " + refused);
}

TEST(TextFile, AKeyAddedByAnOverrideIsLocatedAtIt) {
  // `--set +x.y.z=1` on a data config: the unknown key is reported at the --set, not the file.
  testing::TempDir dir("textfile");
  const std::string data = dir.write("d.yaml", "type: shapes\nimage_size: 32\n");
  EXPECT_EQ(error_of([&] { load_data_config_file(data, {"+x.y.z=1"}); })
                .rfind("--set +x.y.z=1: unknown key 'x' (known here: ", 0),
            0u);
  EXPECT_EQ(error_of([&] { load_data_config_file(data, {"+augment.x.y=1"}); })
                .rfind("--set +augment.x.y=1: unknown key 'augment.x' (known here: ", 0),
            0u);
}

}  // namespace
}  // namespace atrous
