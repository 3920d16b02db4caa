#include "data/idx.hpp"

#include <zlib.h>

#include <memory>

#include "core/error.hpp"

namespace atrous {

namespace {

struct GzCloser {
  void operator()(gzFile f) const { gzclose(f); }
};

void read_exact(gzFile f, void* buffer, size_t bytes, const std::string& path, const char* what) {
  auto* out = static_cast<unsigned char*>(buffer);
  while (bytes > 0) {
    const unsigned chunk = static_cast<unsigned>(std::min<size_t>(bytes, 1u << 30));
    const int got = gzread(f, out, chunk);
    if (got <= 0) {
      int code = 0;
      const char* message = gzerror(f, &code);
      throw Error(fmt::format("IDX file '{}' is truncated or corrupt while reading {}{}", path, what,
                              code != Z_OK && message ? fmt::format(" ({})", message) : ""));
    }
    out += got;
    bytes -= static_cast<size_t>(got);
  }
}

}  // namespace

IdxArray read_idx(const std::string& path) {
  // gzopen reads plain files transparently too.
  std::unique_ptr<gzFile_s, GzCloser> f(gzopen(path.c_str(), "rb"));
  if (!f) throw Error(fmt::format("cannot open IDX file '{}'", path));
  unsigned char magic[4];
  read_exact(f.get(), magic, 4, path, "the header");
  if (magic[0] != 0 || magic[1] != 0 || magic[2] != 0x08 || magic[3] == 0 || magic[3] > 4)
    throw Error(fmt::format("'{}' is not an unsigned-byte IDX file (magic {:02x}{:02x}{:02x}{:02x})", path, magic[0],
                            magic[1], magic[2], magic[3]));
  IdxArray a;
  int64_t total = 1;
  for (int d = 0; d < magic[3]; ++d) {
    unsigned char be[4];
    read_exact(f.get(), be, 4, path, "the dimensions");
    const int64_t n = (int64_t{be[0]} << 24) | (be[1] << 16) | (be[2] << 8) | be[3];
    a.dims.push_back(n);
    total *= n;
    if (total > (int64_t{1} << 33)) throw Error(fmt::format("IDX file '{}': implausible dimensions", path));
  }
  a.data.resize(static_cast<size_t>(total));
  read_exact(f.get(), a.data.data(), a.data.size(), path, "the data");
  return a;
}

}  // namespace atrous
