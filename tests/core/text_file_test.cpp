// read_text_file: the one reader of user-named config files refuses what would
// hang, read forever or fail later with a raw message, naming the file.
#include "core/text_file.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "core/config.hpp"
#include "support/error_of.hpp"
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

}  // namespace
}  // namespace atrous
