#pragma once
// The one way to read a text file a user named (model, data, recipe, run files,
// experiment specs, block files): refuses up front what would otherwise hang
// (a FIFO), read without end (/dev/zero), fail later with a misleading message
// (a directory read as an empty document) or with a raw exception (a symlink
// loop, bytes that are not UTF-8). Every refusal is a usage error naming the
// file and what was expected.
#include <cstddef>
#include <string>

namespace atrous {

// Config files are hand-written; anything larger is a mistake or an attack.
inline constexpr size_t kMaxTextFileBytes = size_t{16} << 20;  // 16 MiB

// Reads all of `path`: a regular file (symbolic links followed) of at most
// `max_bytes` bytes whose path is UTF-8 (the contents are the caller's to check:
// ConfigDoc::load_string locates a bad byte at its line and column). `what`
// names the file's role in messages ("config file", "model file", ...).
std::string read_text_file(const std::string& path, const std::string& what = "config file",
                           size_t max_bytes = kMaxTextFileBytes);

}  // namespace atrous
