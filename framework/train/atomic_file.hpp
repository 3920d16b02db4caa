#pragma once
// Writes a file so that a crash at any moment leaves either the old file or the
// complete new one at `path`, never a truncated one: the bytes go to a temporary
// file in the same directory, which is fsync'ed and renamed over `path` (rename is
// atomic within a file system), then the directory is fsync'ed so that the rename
// itself survives a power loss.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

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

// The whole file at once through AtomicFile (config.json, a rewritten metrics.jsonl).
void write_file_atomically(const std::string& path, std::string_view text);

// Appends `text` (a log or metrics line) and fsyncs, so that a full disk or an I/O
// error is an Error naming the file and the failing call instead of a silently
// short file (std::ofstream swallows them). Creates the file when absent.
void append_to_file(const std::string& path, std::string_view text);

// Removes the "<name>.tmp-<pid>-<n>" files in `dir` that AtomicFile left behind
// when its process was killed between creating and renaming them, but only those
// whose pid is no longer alive on this machine (a live writer's file is kept; so is
// this process's own). Returns the names removed.
std::vector<std::string> remove_stale_temporaries(const std::string& dir);

}  // namespace atrous
