// `atrous predict CHECKPOINT INPUT.png [-o OUT.png] [--raw] [--logits F] [--probabilities F]`:
// segment one image with a trained checkpoint, optionally writing the per-class
// outputs (.npy or .safetensors) that the mask is the argmax of.
#include <fmt/format.h>

#include <filesystem>
#include <fstream>

#include "cli/commands.hpp"
#include "data/config_reader.hpp"
#include "eval/argmax.hpp"
#include "eval/scales.hpp"
#include "image/palette.hpp"
#include "image/png_encode.hpp"
#include "train/atomic_file.hpp"
#include "train/score_file.hpp"
#include "train/trained_model.hpp"

namespace atrous::cli {

namespace {

// Temporary file + rename: a failed write (full disk, ...) leaves no partial PNG.
// An existing device or pipe (/dev/stdout) is written in place: renaming over it
// would replace it, and it holds no file to leave half-written.
void write_atomically(const std::string& path, const std::string& bytes) {
  std::error_code ec;
  if (std::filesystem::exists(path, ec) && !std::filesystem::is_regular_file(path, ec)) {
    std::ofstream out(path, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.flush();
    if (!out) throw Error(fmt::format("cannot write '{}'", path));
    return;
  }
  AtomicFile f(path);
  f.write(bytes.data(), bytes.size());
  f.commit();
}

}  // namespace

void add_predict_command(CLI::App& app) {
  struct Args {
    std::string checkpoint, input, output, logits, probabilities;
    bool raw = false, flip = false;
    std::vector<double> scales{1.0};
    int threads = 0;
  };
  static Args a;
  auto* sub = app.add_subcommand("predict", "Segment an image with a trained checkpoint");
  sub->add_option("checkpoint", a.checkpoint, "A checkpoint written by atrous train")->required();
  sub->add_option("input", a.input, "Image (PNG, 8 or 16 bits, or JPEG)")->required();
  sub->add_option("-o,--output", a.output, "Output PNG (default: INPUT_mask.png)");
  sub->add_flag("--raw", a.raw, "Write the class indices as a greyscale PNG instead of colours");
  sub->add_option("--scales", a.scales, "Multi-scale inference: average logits over these scales, in (0, 4]")
      ->delimiter(',');
  sub->add_flag("--flip", a.flip, "Also average the mirrored image's logits");
  sub->add_option("--logits", a.logits,
                  "Also write the logits the mask is the argmax of (averaged over --scales/--flip), float32 "
                  "C x H x W, as .npy or .safetensors (by the extension)");
  sub->add_option("--probabilities", a.probabilities,
                  "Also write the softmax of those logits (sigmoid for a 1-channel model), same formats");
  add_threads_option(*sub, a.threads);
  sub->callback([] {
    // Bad file names and scales fail before the model runs.
    check_scales(a.scales);
    if (!a.logits.empty()) score_format(a.logits, "--logits");
    if (!a.probabilities.empty()) score_format(a.probabilities, "--probabilities");
    TrainedModel model = load_trained_model(a.checkpoint);
    const Image image = read_image(a.input);
    // An upscaled pass must stay within the largest image a data config may ask for (or the image itself):
    // a 4000-pixel photo at --scales 4 would need tens of GB of activations.
    for (double s : a.scales) {
      const double longest = static_cast<double>(std::max(image.height, image.width));
      if (s > 1.0 && longest * s > static_cast<double>(std::max<int64_t>(kMaxImageSide, static_cast<int64_t>(longest))))
        throw Error(fmt::format("--scales: {} would resize '{}' ({}x{}) past {} pixels a side; use a smaller scale",
                                s, a.input, image.width, image.height, kMaxImageSide),
                    Error::Kind::usage);
    }
    const Tensor logits = predict_logits(model, image, {a.scales, a.flip});
    const auto labels = argmax_labels(logits);
    std::string out = a.output;
    if (out.empty()) {
      const std::filesystem::path p(a.input);
      out = (p.parent_path() / (p.stem().string() + "_mask.png")).string();
    }
    if (a.raw) {
      Image index(image.height, image.width, 1);
      index.pixels = labels;
      write_atomically(out, encode_png(index));
    } else {
      write_atomically(out, encode_png(colorize(labels.data(), image.height, image.width)));
    }
    fmt::print(stderr, "wrote {} ({}x{}, {})\n", out, image.width, image.height, a.raw ? "class indices" : "colours");
    if (a.logits.empty() && a.probabilities.empty()) return;
    const Dims d = logits.dims();  // 1×K×H×W
    const std::vector<int64_t> chw{d[1], d[2], d[3]};
    const std::vector<float> values = logits.to_vector();
    if (!a.logits.empty()) {
      write_scores(a.logits, "logits", chw, values);
      fmt::print(stderr, "wrote {} (logits, float32 {}x{}x{})\n", a.logits, d[1], d[2], d[3]);
    }
    if (!a.probabilities.empty()) {
      write_scores(a.probabilities, "probabilities", chw, channel_softmax(values, d[1]));
      fmt::print(stderr, "wrote {} (probabilities, float32 {}x{}x{})\n", a.probabilities, d[1], d[2], d[3]);
    }
  });
}

}  // namespace atrous::cli
