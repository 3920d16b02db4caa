#include "train/atomic_file.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <regex>

#include "core/error.hpp"

namespace atrous {

namespace {

std::string parent_dir(const std::string& path) {
  const auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)) {
  static std::atomic<int> counter{0};
  temp_ = fmt::format("{}.tmp-{}-{}", path_, static_cast<long>(::getpid()), counter++);
  fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) fail(fmt::format("cannot create '{}'", temp_));
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_) ::unlink(temp_.c_str());
}

void AtomicFile::fail(const std::string& what) {
  const int err = errno;
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  ::unlink(temp_.c_str());
  throw Error(fmt::format("cannot write '{}': {}: {}", path_, what, std::strerror(err)));
}

void AtomicFile::write(const void* data, size_t size) {
  check(fd_ >= 0 && !committed_, "AtomicFile::write after commit or failure ('{}')", path_);
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd_, p, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("write");
    }
    p += n;
    size -= static_cast<size_t>(n);
  }
}

void AtomicFile::commit() {
  check(fd_ >= 0 && !committed_, "AtomicFile::commit twice or after a failure ('{}')", path_);
  if (::fsync(fd_) != 0) fail("fsync");
  if (::close(fd_) != 0) {
    fd_ = -1;
    fail("close");
  }
  fd_ = -1;
  if (::rename(temp_.c_str(), path_.c_str()) != 0) fail(fmt::format("rename from '{}'", temp_));
  committed_ = true;
  // Make the rename durable. A failure here cannot undo the (already visible)
  // rename, and some file systems refuse fsync on directories: best effort.
  const int dir = ::open(parent_dir(path_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

void write_file_atomically(const std::string& path, std::string_view text) {
  AtomicFile f(path);
  f.write(text.data(), text.size());
  f.commit();
}

void append_to_file(const std::string& path, std::string_view text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  const auto fail = [&](const char* call) {
    const int err = errno;
    if (fd >= 0) ::close(fd);
    throw Error(fmt::format("cannot write '{}': {}: {}", path, call, std::strerror(err)));
  };
  if (fd < 0) fail("open");
  const char* p = text.data();
  size_t left = text.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("write");
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  // Delayed allocation and network file systems report a full disk only here.
  if (::fsync(fd) != 0 && errno != EINVAL) fail("fsync");  // EINVAL: a device such as /dev/null
  if (::close(fd) != 0) {
    const int err = errno;
    throw Error(fmt::format("cannot write '{}': close: {}", path, std::strerror(err)));
  }
}

std::vector<std::string> remove_stale_temporaries(const std::string& dir) {
  static const std::regex temporary(R"(.+\.tmp-(\d+)-\d+)");
  std::vector<std::string> removed;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    std::smatch m;
    if (!entry.is_regular_file(ec) || !std::regex_match(name, m, temporary)) continue;
    const long long pid = std::strtoll(m[1].str().c_str(), nullptr, 10);
    // kill(pid, 0) fails with ESRCH only when no such process exists (EPERM: alive, not ours).
    const bool dead = pid > std::numeric_limits<pid_t>::max() ||
                      (pid > 0 && pid != ::getpid() && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH);
    if (dead && std::filesystem::remove(entry.path(), ec)) removed.push_back(name);
  }
  return removed;
}

}  // namespace atrous
