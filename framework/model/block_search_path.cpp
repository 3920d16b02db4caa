#include "model/block_search_path.hpp"

#include <algorithm>

namespace atrous {

namespace fs = std::filesystem;

namespace {

bool is_existing_directory(const fs::path& p) {
  std::error_code ec;  // unreadable or absent: not a place to look
  return fs::is_directory(p, ec);
}

}  // namespace

std::optional<std::string> project_blocks_dir(const fs::path& start) {
  for (fs::path p = start;; p = p.parent_path()) {
    if (is_existing_directory(p / "configs" / "blocks")) return (p / "configs" / "blocks").string();
    if (p == p.parent_path() || p.empty()) return std::nullopt;
  }
}

std::string installed_blocks_dir(const fs::path& executable) {
  return (executable.parent_path().parent_path() / "share" / "atrous" / "blocks").string();
}

std::vector<std::string> default_block_dirs() {
  std::vector<std::string> dirs;
  std::error_code ec;
  // The project the user works in: atrous is run from a checkout's root or a
  // folder below it (build/, experiments/), so the nearest ancestor with
  // configs/blocks is the project's shared blocks, the way git finds its
  // repository — and a model file anywhere else (or a model given as text) can
  // use them without the binary knowing where it was built.
  const fs::path cwd = fs::current_path(ec);
  if (!ec)
    if (auto project = project_blocks_dir(cwd)) dirs.push_back(*project);
  // The blocks installed beside the binary, for a model outside any project.
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const std::string installed = installed_blocks_dir(exe);
    if (is_existing_directory(installed) && std::find(dirs.begin(), dirs.end(), installed) == dirs.end())
      dirs.push_back(installed);
  }
  return dirs;
}

}  // namespace atrous
