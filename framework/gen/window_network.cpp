#include "gen/window_network.hpp"

#include "core/error.hpp"

namespace atrous {

WindowNetwork::WindowNetwork(Graph& graph, int64_t receptive_field)
    : graph_(graph),
      receptive_field_(receptive_field),
      input_channels_(graph.shape(graph.input_names().at(0)).c),
      output_channels_(graph.shape(graph.output_name()).c) {
  check(receptive_field_ >= 1, "generation: receptive field {} < 1", receptive_field_);
}

void WindowNetwork::push(std::span<const float> input) {
  check(static_cast<int64_t>(input.size()) == input_channels_, "generation: {} input values for {} channels",
        input.size(), input_channels_);
  window_.emplace_back(input.begin(), input.end());
  if (static_cast<int64_t>(window_.size()) > receptive_field_) window_.pop_front();
}

const std::vector<float>& WindowNetwork::step(std::span<const float> input) {
  push(input);
  const auto t_len = static_cast<int64_t>(window_.size());
  std::vector<float> plain(static_cast<size_t>(input_channels_ * t_len));  // 1 × C × 1 × T
  for (int64_t t = 0; t < t_len; ++t)
    for (int64_t c = 0; c < input_channels_; ++c)
      plain[static_cast<size_t>(c * t_len + t)] = window_[static_cast<size_t>(t)][static_cast<size_t>(c)];
  const Tensor x = Tensor::from_plain({1, input_channels_, 1, t_len}, plain);
  const std::vector<float> out = graph_.forward(x, false).to_vector();  // 1 × K × 1 × T
  logits_.resize(static_cast<size_t>(output_channels_));
  for (int64_t k = 0; k < output_channels_; ++k)
    logits_[static_cast<size_t>(k)] = out[static_cast<size_t>(k * t_len + t_len - 1)];
  return logits_;
}

}  // namespace atrous
