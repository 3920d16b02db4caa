#include "train/trained_model.hpp"

#include "data/transforms.hpp"
#include "eval/argmax.hpp"
#include "model/build.hpp"
#include "train/checkpoint.hpp"

namespace atrous {

TrainedModel load_trained_model(const std::string& checkpoint_path) {
  const Checkpoint ck = load_checkpoint(checkpoint_path);
  const auto it = ck.metadata.find("run");
  if (it == ck.metadata.end())
    throw Error(fmt::format("{}: no run configuration in the metadata (not written by atrous train)",
                            checkpoint_path),
                Error::Kind::usage);
  nlohmann::json resolved = nlohmann::json::parse(it->second, nullptr, false);
  if (resolved.is_discarded()) throw Error(fmt::format("{}: metadata 'run' is not JSON", checkpoint_path));
  TrainedModel m{run_from_json(resolved, checkpoint_path + " (metadata 'run')"), {}, ck.step()};
  m.graph = build_graph(m.run.model);
  m.graph.fuse();
  load_parameters(m.graph, ck);
  return m;
}

Tensor predict_logits(TrainedModel& model, const Image& image, const EvalPasses& passes) {
  const int64_t channels = model.graph.shape("input").c;
  Sample s(channels, image.height, image.width);
  for (int64_t y = 0; y < image.height; ++y)
    for (int64_t x = 0; x < image.width; ++x) {
      double grey = 0;
      for (int64_t c = 0; c < image.channels; ++c) grey += image.at(y, x, c);
      grey /= static_cast<double>(image.channels);
      for (int64_t c = 0; c < channels; ++c) {
        const double v = image.channels == channels ? image.at(y, x, c) : grey;
        s.pixel(c, y, x) = static_cast<float>(v / 255.0);
      }
    }
  normalize_sample(s, model.run.data.val.normalize);
  const Tensor x = Tensor::from_plain({1, channels, s.height, s.width}, s.image);
  return infer_logits(model.graph, x, passes);
}

std::vector<uint8_t> predict_image(TrainedModel& model, const Image& image, const EvalPasses& passes) {
  return argmax_labels(predict_logits(model, image, passes));
}

}  // namespace atrous
