#include "bench/reference_models.hpp"

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "nn/registry.hpp"

namespace atrous::bench {

using nlohmann::json;

namespace {

// Appends layers, naming their outputs; `last` is the default input of the next layer.
class Builder {
 public:
  explicit Builder(Graph& g) : g_(g) {}
  std::string add(const std::string& name, const std::string& type, json attrs = json::object(),
                  std::vector<std::string> inputs = {}) {
    if (inputs.empty()) inputs = {last};
    g_.add(name, create_layer(type, attrs, "layer '" + name + "' (" + type + ")"), inputs);
    last = name;
    return name;
  }
  // conv (3x3 unless given) -> batchnorm -> relu; the conv has no bias when `bias` is false.
  std::string cbr(const std::string& name, int64_t out, int64_t dilation = 1, int64_t kernel = 3, bool bias = true,
                  std::vector<std::string> inputs = {}) {
    add(name + ".conv", "conv", {{"out", out}, {"kernel", kernel}, {"dilation", dilation}, {"bias", bias}}, inputs);
    add(name + ".bn", "batchnorm");
    return add(name, "relu");
  }
  std::string last = "input";

 private:
  Graph& g_;
};

// DeepLab's ASPP as in the lesson: 1x1, three 3x3 at rates 6/12/18, image pooling,
// concat, 1x1 projection, dropout 0.5.
std::string aspp(Builder& b, const std::string& in, int64_t out) {
  std::vector<std::string> branches;
  branches.push_back(b.cbr("aspp.b0", out, 1, 1, false, {in}));
  for (int64_t rate : {6, 12, 18}) branches.push_back(b.cbr("aspp.d" + std::to_string(rate), out, rate, 3, false, {in}));
  b.add("aspp.pool.gap", "global_avgpool", json::object(), {in});
  b.cbr("aspp.pool", out, 1, 1, false);
  branches.push_back(b.add("aspp.pool.up", "resize", {{"mode", "bilinear"}, {"align_corners", true}},
                           {"aspp.pool", in}));
  b.add("aspp.cat", "concat", json::object(), branches);
  b.cbr("aspp.proj", out, 1, 1, false);
  return b.add("aspp.drop", "dropout", {{"p", 0.5}});
}

Graph dilated_segnet(int64_t w) {
  Graph g;
  g.add_input("input", {3, 128, 128});
  Builder b(g);
  b.cbr("conv1", w);
  b.cbr("dil1", 2 * w, 1);
  b.cbr("dil2", 2 * w, 2);
  b.cbr("dil4", 2 * w, 4);
  const std::string feat = b.cbr("dil8", 4 * w, 8);
  aspp(b, feat, 4 * w);
  b.cbr("dec1", 2 * w);
  b.cbr("dec2", w);
  b.add("logits", "conv", {{"out", 3}, {"kernel", 1}});
  return g;
}

Graph unet_dilated() {
  Graph g;
  g.add_input("input", {3, 64, 64});
  Builder b(g);
  b.cbr("enc1.a", 64);
  const std::string e1 = b.cbr("enc1.b", 64);
  b.add("pool1", "maxpool", {{"kernel", 2}});
  b.cbr("enc2.a", 128);
  const std::string e2 = b.cbr("enc2.b", 128);
  b.add("pool2", "maxpool", {{"kernel", 2}});
  b.cbr("bott.d1", 256, 1);
  b.cbr("bott.d2", 256, 2);
  b.cbr("bott.d4", 256, 4);
  b.add("up2", "deconv", {{"out", 128}, {"kernel", 4}, {"stride", 2}, {"padding", 1}});
  b.add("cat2", "concat", json::object(), {"up2", e2});
  b.cbr("dec2.a", 128);
  b.cbr("dec2.b", 128);
  b.add("up1", "deconv", {{"out", 64}, {"kernel", 4}, {"stride", 2}, {"padding", 1}});
  b.add("cat1", "concat", json::object(), {"up1", e1});
  b.cbr("dec1.a", 64);
  b.cbr("dec1.b", 64);
  b.add("logits", "conv", {{"out", 1}, {"kernel", 1}});
  return g;
}

}  // namespace

const std::vector<ReferenceModel>& reference_models() {
  static const std::vector<ReferenceModel> models = {
      {"dilated_segnet", "the lesson's DilatedSegNet (64/128/256, ASPP 256), 128x128, batch 4", 4, 128, 128, 3},
      {"dilated_segnet_w16", "DilatedSegNet at width 16 (16/32/64, ASPP 64), 64x64, batch 8", 8, 64, 64, 3},
      {"unet_dilated", "the lesson's U-Net with a dilated bottleneck (d1/d2/d4), 64x64, batch 8", 8, 64, 64, 1},
  };
  return models;
}

const ReferenceModel& reference_model(const std::string& name) {
  for (const auto& m : reference_models())
    if (m.name == name) return m;
  std::string known;
  for (const auto& m : reference_models()) {
    if (!known.empty()) known += ", ";
    known += m.name;
  }
  throw Error("unknown reference model '" + name + "' (known: " + known + ")", Error::Kind::usage);
}

Graph build_reference_model(const std::string& name) {
  reference_model(name);
  if (name == "dilated_segnet") return dilated_segnet(64);
  if (name == "dilated_segnet_w16") return dilated_segnet(16);
  return unet_dilated();
}

}  // namespace atrous::bench
