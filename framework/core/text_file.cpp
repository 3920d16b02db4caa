#include "core/text_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/error.hpp"
#include "core/utf8.hpp"

namespace atrous {

namespace {

[[noreturn]] void refuse(const std::string& what, const std::string& path, const std::string& why) {
  throw Error(fmt::format("{} '{}': {}", what, printable_utf8(path), why), Error::Kind::usage);
}

std::string open_error(int err) {
  switch (err) {
    case ENOENT: return "no such file";
    case ELOOP: return "too many levels of symbolic links (a symlink loop?); expected a regular file";
    case EACCES: return "permission denied";
    case ENOTDIR: return "a component of the path is not a directory";
    case ENAMETOOLONG: return "the path is too long";
    default: return std::strerror(err);
  }
}

std::string kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

std::string mib(size_t bytes) { return fmt::format("{:g} MiB", static_cast<double>(bytes) / (1 << 20)); }

// Closes the descriptor on every path out.
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

std::string read_text_file(const std::string& path, const std::string& what, size_t max_bytes) {
  if (path.empty()) refuse(what, path, "the path is empty");
  if (path.find('\0') != std::string::npos) refuse(what, path, "the path contains a NUL byte");
  if (!is_valid_utf8(path)) refuse(what, path, "the path is not UTF-8 (names must be UTF-8 text)");
  // stat before open: opening a FIFO blocks until a writer comes, and opening a
  // device may have side effects.
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) refuse(what, path, open_error(errno));
  if (!S_ISREG(st.st_mode)) refuse(what, path, "is " + kind_of(st.st_mode) + ", not a file");
  if (static_cast<unsigned long long>(st.st_size) > max_bytes)
    refuse(what, path, fmt::format("is {} bytes; files are limited to {}", st.st_size, mib(max_bytes)));
  // O_NONBLOCK: should the path have been swapped for a FIFO since stat, open must not wait.
  const Fd f{::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC)};
  if (f.fd < 0) refuse(what, path, open_error(errno));
  if (::fstat(f.fd, &st) != 0 || !S_ISREG(st.st_mode)) refuse(what, path, "is " + kind_of(st.st_mode) + ", not a file");
  std::string text;
  char buffer[65536];
  while (true) {
    const ssize_t n = ::read(f.fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) refuse(what, path, fmt::format("read failed: {}", std::strerror(errno)));
    if (n == 0) break;
    text.append(buffer, static_cast<size_t>(n));
    if (text.size() > max_bytes)  // it grew while we read it
      refuse(what, path, fmt::format("is more than {} bytes; files are limited to {}", max_bytes, mib(max_bytes)));
  }
  return text;
}

}  // namespace atrous
