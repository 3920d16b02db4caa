#pragma once
// Writes a file so that a crash at any moment leaves either the old file or the
// complete new one at `path`, never a truncated one: the bytes go to a temporary
// file in the same directory, which is fsync'ed and renamed over `path` (rename is
// atomic within a file system), then the directory is fsync'ed so that the rename
// itself survives a power loss.
#include <cstddef>
#include <string>

namespace atrous {

class AtomicFile {
 public:
  // Creates "<path>.tmp-<pid>-<n>"; errors name `path` and the failing call.
  explicit AtomicFile(std::string path);
  ~AtomicFile();  // removes the temporary file unless commit() succeeded
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(const void* data, size_t size);
  // fsync + rename over the target + fsync of the directory.
  void commit();
  const std::string& temp_path() const { return temp_; }

 private:
  [[noreturn]] void fail(const std::string& what);
  std::string path_, temp_;
  int fd_ = -1;
  bool committed_ = false;
};

}  // namespace atrous
