// `atrous eval CHECKPOINT [--data D.yaml]`: the metrics of a trained checkpoint on
// a split (by default the validation split of the data it was trained on).
#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/int_range.hpp"
#include "eval/metrics_table.hpp"
#include "eval/scales.hpp"
#include "train/trained_model.hpp"

namespace atrous::cli {

void add_eval_command(CLI::App& app) {
  struct Args {
    std::string checkpoint, data, split = "val", format = "table";
    std::vector<std::string> overrides;
    std::vector<double> scales;
    bool flip = false;
    int threads = 0;
    int64_t batch_size = 8;
  };
  static Args a;
  auto* sub = app.add_subcommand("eval", "Evaluate a trained checkpoint");
  sub->add_option("checkpoint", a.checkpoint, "A checkpoint written by atrous train")->required();
  sub->add_option("--data", a.data, "Data config (default: the one the checkpoint was trained with)");
  sub->add_option("--set", a.overrides, "Override a key of --data: --set val.count=100")->allow_extra_args(false);
  sub->add_option("--split", a.split, "val or train")->check(CLI::IsMember({"val", "train"}));
  auto* scales = sub->add_option("--scales", a.scales, "Multi-scale evaluation, scales in (0, 4] (default: the recipe's eval.multi_scale)")
      ->delimiter(',');
  sub->add_flag("--flip", a.flip, "Also average the mirrored images' logits (default: the recipe's eval.flip)");
  sub->add_option("--batch-size", a.batch_size, "Images per forward pass, 1 to 1024")->check(int_range(1, 1024));
  sub->add_option("--format", a.format, "table or json")->check(CLI::IsMember({"table", "json"}));
  add_threads_option(*sub, a.threads);
  sub->callback([scales] {
    if (scales->count() > 0) check_scales(a.scales);
    TrainedModel model = load_trained_model(a.checkpoint);
    if (!a.overrides.empty() && a.data.empty())
      throw Error("--set needs --data (it overrides keys of that file)", Error::Kind::usage);
    const DataConfig data = a.data.empty() ? model.run.data : load_data_config_file(a.data, a.overrides);
    const int64_t classes = model.graph.shape(model.graph.output_name()).c;
    if (data.dataset->classes() != classes)
      throw Error(fmt::format("{}: the model predicts {} classes but the data has {}", a.checkpoint, classes,
                              data.dataset->classes()),
                  Error::Kind::usage);
    EvalSettings s;
    s.passes = {a.scales.empty() ? model.run.train.eval.scales : a.scales, a.flip || model.run.train.eval.flip};
    s.batch_size = a.batch_size;
    s.boundary_band = model.run.train.eval.boundary_band;
    const Metrics m = evaluate_split(model.graph, data, parse_split(a.split), s);
    if (a.format == "json") {
      nlohmann::json j = m.to_json();
      j["checkpoint"] = a.checkpoint;
      j["step"] = model.step;
      j["split"] = a.split;
      j["scales"] = s.passes.scales;
      j["flip"] = s.passes.flip;
      fmt::print("{}\n", j.dump(2));
    } else {
      fmt::print("{} (step {}), {} split, scales {}, flip {}\n", a.checkpoint, model.step, a.split,
                 nlohmann::json(s.passes.scales).dump(), s.passes.flip);
      fmt::print("{}", format_metrics_table(m, data.dataset->class_names()));
    }
  });
}

}  // namespace atrous::cli
