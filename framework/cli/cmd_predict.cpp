// `atrous predict CHECKPOINT INPUT.png [-o OUT.png] [--raw]`: segment one image
// with a trained checkpoint.
#include <fmt/format.h>

#include <filesystem>

#include "cli/commands.hpp"
#include "image/palette.hpp"
#include "image/png.hpp"
#include "train/trained_model.hpp"

namespace atrous::cli {

void add_predict_command(CLI::App& app) {
  struct Args {
    std::string checkpoint, input, output;
    bool raw = false, flip = false;
    std::vector<double> scales{1.0};
    int threads = 0;
  };
  static Args a;
  auto* sub = app.add_subcommand("predict", "Segment an image with a trained checkpoint");
  sub->add_option("checkpoint", a.checkpoint, "A checkpoint written by atrous train")->required();
  sub->add_option("input", a.input, "Image (PNG or JPEG)")->required();
  sub->add_option("-o,--output", a.output, "Output PNG (default: INPUT_mask.png)");
  sub->add_flag("--raw", a.raw, "Write the class indices as a greyscale PNG instead of colours");
  sub->add_option("--scales", a.scales, "Multi-scale inference: average logits over these scales")->delimiter(',');
  sub->add_flag("--flip", a.flip, "Also average the mirrored image's logits");
  add_threads_option(*sub, a.threads);
  sub->callback([] {
    TrainedModel model = load_trained_model(a.checkpoint);
    const Image image = read_image(a.input);
    const auto labels = predict_image(model, image, {a.scales, a.flip});
    std::string out = a.output;
    if (out.empty()) {
      const std::filesystem::path p(a.input);
      out = (p.parent_path() / (p.stem().string() + "_mask.png")).string();
    }
    if (a.raw) {
      Image index(image.height, image.width, 1);
      index.pixels = labels;
      write_png(out, index);
    } else {
      write_png(out, colorize(labels.data(), image.height, image.width));
    }
    fmt::print(stderr, "wrote {} ({}x{}, {})\n", out, image.width, image.height, a.raw ? "class indices" : "colours");
  });
}

}  // namespace atrous::cli
