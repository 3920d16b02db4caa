#include "data/folder_export.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "core/error.hpp"
#include "core/json_to_yaml.hpp"
#include "image/palette.hpp"
#include "image/png.hpp"

namespace atrous {

namespace fs = std::filesystem;

namespace {

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  out.close();
  if (!out) throw Error(fmt::format("cannot write '{}'", path.string()));
}

// The sample's intensities as 8 bits, channels interleaved; `worst` grows to the
// largest rounding difference.
Image to_8bit(const Sample& s, double& worst) {
  check(s.channels == 1 || s.channels == 3, "export: {} channels cannot be written as a PNG (need 1 or 3)",
        s.channels);
  Image out(s.height, s.width, s.channels);
  for (int64_t y = 0; y < s.height; ++y)
    for (int64_t x = 0; x < s.width; ++x)
      for (int64_t c = 0; c < s.channels; ++c) {
        const double v = s.pixel(c, y, x);
        const long q = std::lround(std::clamp(v, 0.0, 1.0) * 255.0);
        worst = std::max(worst, std::abs(v - static_cast<double>(q) / 255.0));
        out.at(y, x, c) = static_cast<uint8_t>(q);
      }
  return out;
}

}  // namespace

FolderExportResult export_folder(const DataConfig& config, Split split, const std::string& dir, int64_t limit) {
  const Dataset& data = *config.dataset;
  const int64_t available = data.size(split);
  const int64_t n = limit > 0 ? std::min(limit, available) : available;
  if (n <= 0) throw Error(fmt::format("the {} split has no images", to_string(split)), Error::Kind::usage);
  const fs::path root = fs::absolute(dir);
  std::error_code ec;
  for (const char* sub : {"images", "masks", "lists"}) {
    fs::create_directories(root / sub, ec);
    if (ec) throw Error(fmt::format("cannot create '{}': {}", (root / sub).string(), ec.message()));
  }
  const int digits = std::max<int>(6, static_cast<int>(std::to_string(n - 1).size()));
  FolderExportResult result;
  std::string list;
  for (int64_t i = 0; i < n; ++i) {
    const Sample s = data.get(split, i);
    const std::string id = fmt::format("{}_{:0{}}", to_string(split), i, digits);
    write_png((root / "images" / (id + ".png")).string(), to_8bit(s, result.max_rounding));
    Image mask(s.height, s.width, 1);
    mask.pixels = s.mask;
    write_png_indexed((root / "masks" / (id + ".png")).string(), mask, voc_palette());
    list += id + "\n";
  }
  write_text(root / "lists" / (to_string(split) + ".txt"), list);
  // The folder dataset reads both lists: the other split stays as a previous export left it.
  const fs::path other = root / "lists" / (to_string(split == Split::train ? Split::val : Split::train) + ".txt");
  if (!fs::exists(other)) write_text(other, "");

  const nlohmann::json source = config.resolved();
  nlohmann::json folder = {{"type", "folder"},       {"root", root.string()}, {"images", "images"},
                           {"masks", "masks"},       {"lists", "lists"},      {"image_ext", ".png"},
                           {"mask_ext", ".png"},     {"classes", data.classes()},
                           {"class_names", data.class_names()}};
  for (const char* key : {"normalize", "augment"})
    if (source.contains(key)) folder[key] = source[key];
  result.config = (root / "data.yaml").string();
  write_text(result.config, fmt::format("# atrous data export of a {} dataset ({} split and any other exported)\n{}",
                                        data.type(), to_string(split), json_to_yaml(folder)));
  result.images = n;
  return result;
}

}  // namespace atrous
