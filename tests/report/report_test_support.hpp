#pragma once
// A fixture database for the report tests, written through store::Store:
//   experiment "abl", spec {variants: base, wide, deep; seeds [1,2,3]; report: val.miou vs base}
//   base  seeds 1 2 3  done    val.miou 0.70 0.72 0.74
//   wide  seeds 1 2 3  done    val.miou 0.76 0.79 0.82   (model.width 8 -> 16)
//   deep  seed 1       done    val.miou 0.75             (model.rates [1,2] -> [1,2,4])
//   deep  seed 2       failed  "diverged: loss is NaN at step 12"
//   deep  seed 3       missing (planned in the spec, no run)
// Other summaries per run: val.pixel_acc = miou + 0.1, val.boundary_f = miou − 0.2,
// val.iou.{disc,square} = miou ± 0.05, train_img_per_s 100·variant index + seed,
// wall_seconds 10·seed, params 1000·(variant index + 1). Curves per done run, epochs 1..3
// (steps 10, 20, 30): val.miou = final − 0.05·(3 − epoch), train.loss = 1/epoch + seed/100.
#include <fmt/format.h>

#include <map>
#include <string>
#include <vector>

#include "store/store.hpp"

namespace atrous::testing {

struct FixtureRun {
  std::string variant;
  int variant_index;
  int seed;
  double miou;
};

inline const std::vector<FixtureRun>& fixture_done_runs() {
  static const std::vector<FixtureRun> runs = {
      {"base", 0, 1, 0.70}, {"base", 0, 2, 0.72}, {"base", 0, 3, 0.74}, {"wide", 1, 1, 0.76},
      {"wide", 1, 2, 0.79}, {"wide", 1, 3, 0.82}, {"deep", 2, 1, 0.75}};
  return runs;
}

inline std::string fixture_config(const std::string& variant, int seed) {
  const int width = variant == "wide" ? 16 : 8;
  const std::string rates = variant == "deep" ? "[1,2,4]" : "[1,2]";
  return fmt::format(R"({{"model": {{"width": {}, "rates": {}}}, "train": {{"seed": {}, "epochs": 2}}}})", width, rates,
                     seed);
}

inline void fill_report_fixture(store::Store& s) {
  s.ensure_experiment("abl", "width and depth ablation",
                      R"({"name": "abl", "variants": {"base": {}, "wide": {"model.width": 16}, "deep": {}},
                          "seeds": [1, 2, 3], "report": {"metric": "val.miou", "baseline": "base"}})");
  store::RuntimeInfo info;
  info.host = "testhost";
  info.pid = 1;
  info.atrous_version = "0.1.0";
  info.onednn_version = "2.6.3";
  info.onednn_isa = "avx2";
  info.threads = 2;
  for (const auto& r : fixture_done_runs()) {
    store::RunRecord rec;
    rec.id = fmt::format("{}{}", r.variant, r.seed);
    rec.experiment = "abl";
    rec.variant = r.variant;
    rec.seed = r.seed;
    rec.config_json = fixture_config(r.variant, r.seed);
    s.upsert_run(rec);
    s.claim_run(rec.id, info);
    s.set_status(rec.id, store::RunStatus::done);
    s.set_summaries(rec.id, {{"val.miou", r.miou},
                             {"val.pixel_acc", r.miou + 0.1},
                             {"val.boundary_f", r.miou - 0.2},
                             {"val.iou.disc", r.miou + 0.05},
                             {"val.iou.square", r.miou - 0.05},
                             {"train_img_per_s", 100.0 * r.variant_index + r.seed},
                             {"wall_seconds", 10.0 * r.seed},
                             {"params", 1000.0 * (r.variant_index + 1)}});
    // Curves: val.miou climbs by 0.05 per epoch to its final value; train.loss = 1/epoch + seed/100.
    for (int epoch = 1; epoch <= 3; ++epoch)
      s.log_metrics(rec.id, 10 * epoch, epoch,
                    {{"val.miou", r.miou - 0.05 * (3 - epoch)}, {"train.loss", 1.0 / epoch + r.seed / 100.0}});
  }
  store::RunRecord failed;
  failed.id = "deep2";
  failed.experiment = "abl";
  failed.variant = "deep";
  failed.seed = 2;
  failed.config_json = fixture_config("deep", 2);
  s.upsert_run(failed);
  s.claim_run(failed.id, info);
  s.set_status(failed.id, store::RunStatus::failed, "diverged: loss is NaN at step 12");
}

}  // namespace atrous::testing
