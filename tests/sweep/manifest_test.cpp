// The manifest file: written from a plan, read back, bad files named with the
// entry at fault; pending_indices from DONE markers and the database.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <filesystem>
#include <fstream>

#include "../support/temp_dir.hpp"
#include "core/error.hpp"
#include "store/store.hpp"
#include "sweep/manifest.hpp"
#include "sweep/plan.hpp"
#include "atrous_paths.hpp"  // ATROUS_SOURCE_DIR

namespace atrous {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

std::string config(const std::string& rel) { return std::string(ATROUS_SOURCE_DIR) + "/configs/" + rel; }

// Two variants, the second staged on the first, two seeds: four runs.
std::string staged_spec() {
  return fmt::format(
      "name: mt\n"
      "description: manifest test\n"
      "base:\n"
      "  model: {}\n  data: {}\n  train: {}\n"
      "  set: {{model.width: 4, model.rates: [1, 2], data.image_size: 32, data.train.count: 8,\n"
      "        data.val.count: 2, train.epochs: 1, train.batch_size: 4}}\n"
      "variants:\n"
      "  a: {{}}\n"
      "  b: {{needs: a, train.init.from: \"run:a\"}}\n"
      "seeds: [1, 2]\n",
      config("models/dilated.yaml"), config("data/shapes.yaml"), config("train/quick.yaml"));
}

Manifest sample(const TempDir& dir) {
  const std::string spec = dir.write("mt.yaml", staged_spec());
  return manifest_from_plan(load_sweep_plan(spec), spec);
}

std::string first_error(const std::string& path) {
  try {
    read_manifest(path);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Manifest, RoundTripsThePlanWithParentsFirst) {
  TempDir dir("manifest_rt");
  Manifest m;
  try {
    m = sample(dir);
  } catch (const Error& e) {
    GTEST_SKIP() << "staged variants unavailable: " << e.what();
  }
  ASSERT_EQ(m.runs.size(), 4u);
  const std::string file = dir / "out/manifest.json";
  write_manifest(file, m);
  const Manifest back = read_manifest(file);
  EXPECT_EQ(back.experiment, "mt");
  EXPECT_EQ(back.description, "manifest test");
  EXPECT_EQ(back.spec_json, m.spec_json);
  ASSERT_EQ(back.runs.size(), m.runs.size());
  std::set<std::string> seen;
  for (size_t i = 0; i < back.runs.size(); ++i) {
    const auto& r = back.runs[i];
    EXPECT_EQ(r.index, static_cast<int>(i));
    EXPECT_EQ(r.run_id, m.runs[i].run_id);
    EXPECT_EQ(r.config.dump(), m.runs[i].config.dump());  // the config is what the id hashes
    if (r.variant == "b") {
      EXPECT_TRUE(seen.count(r.needs)) << "parent after child";
      EXPECT_EQ(r.config["train"]["init"]["from"], "run:" + r.needs);
    } else {
      EXPECT_EQ(r.needs, "");
    }
    seen.insert(r.run_id);
  }
  // The same ids as the plan the local backend records.
  const SweepPlan plan = load_sweep_plan(dir / "mt.yaml");
  for (size_t i = 0; i < plan.runs.size(); ++i) {
    EXPECT_EQ(plan.runs[i].id, back.runs[i].run_id);
    EXPECT_EQ(plan.runs[i].config.canonical(), back.runs[i].config.dump());
  }
}

TEST(Manifest, PendingIndicesSkipDoneMarkersAndRunsDoneInTheDatabase) {
  TempDir dir("manifest_pending");
  Manifest m;
  for (int i = 0; i < 5; ++i) {
    ManifestRun r;
    r.index = i;
    r.run_id = fmt::format("{:016x}", 0xabc0 + i);
    r.variant = "v";
    r.config = nlohmann::json::object();
    m.runs.push_back(r);
  }
  m.experiment = "p";
  const std::string d = dir.str();
  EXPECT_EQ(pending_indices(m, d), (std::vector<int>{0, 1, 2, 3, 4}));
  fs::create_directories(manifest_run_dir(d, m.runs[1].run_id));
  write_done_marker(manifest_run_dir(d, m.runs[1].run_id), RunStatus::done);
  fs::create_directories(manifest_run_dir(d, m.runs[2].run_id));
  write_done_marker(manifest_run_dir(d, m.runs[2].run_id), RunStatus::failed);
  // A folder with a journal but no DONE is pending (it resumes).
  fs::create_directories(manifest_run_dir(d, m.runs[3].run_id));
  std::ofstream(manifest_run_dir(d, m.runs[3].run_id) + "/journal.jsonl") << "{\"event\":\"start\"}\n";
  EXPECT_EQ(pending_indices(m, d), (std::vector<int>{0, 3, 4}));
  EXPECT_EQ(read_done_marker(manifest_run_dir(d, m.runs[2].run_id)), RunStatus::failed);

  const std::string db = dir / "r.db";
  {
    store::Store s = store::Store::open(db);
    s.ensure_experiment("p");
    for (int i : {0, 4}) {
      store::RunRecord rec;
      rec.id = m.runs[i].run_id;
      rec.experiment = "p";
      rec.variant = "v";
      s.upsert_run(rec);
    }
    s.set_status(m.runs[4].run_id, RunStatus::done);  // run 0 stays queued
  }
  EXPECT_EQ(pending_indices(m, d, db), (std::vector<int>{0, 3}));
  EXPECT_EQ(index_ranges({0, 1, 2, 3, 5, 7, 8}), "0-3,5,7-8");
  EXPECT_EQ(index_ranges({}), "");
}

TEST(Manifest, BadFilesAreErrorsNamingTheFileAndTheEntry) {
  TempDir dir("manifest_bad");
  const auto write = [&](const std::string& text) { return dir.write("m.json", text); };
  EXPECT_NE(first_error(write("{\"format\": 1, ")).find("m.json: not a manifest (invalid JSON"), std::string::npos);
  EXPECT_NE(first_error(write("{\"format\": 2, \"experiment\": \"x\", \"spec\": \"s\", \"runs\": []}"))
                .find("manifest format 2 is not supported"),
            std::string::npos);
  const std::string run0 = R"({"index": 0, "run_id": "00000000000000aa", "variant": "v", "seed": 1, "grid": {},
                               "needs": null, "config": {}})";
  const auto with_runs = [&](const std::string& runs) {
    return write("{\"format\": 1, \"experiment\": \"x\", \"spec\": \"s\", \"runs\": [" + runs + "]}");
  };
  EXPECT_EQ(first_error(with_runs(run0)), "");
  EXPECT_NE(first_error(with_runs(run0 + "," + run0)).find("runs[1]: 'index' is 0, expected 1"), std::string::npos);
  std::string bad_needs = run0;
  bad_needs.replace(bad_needs.find("null"), 4, "\"00000000000000bb\"");
  EXPECT_NE(first_error(with_runs(bad_needs)).find("runs[0]: needs run 00000000000000bb, which is not an earlier run"),
            std::string::npos);
  std::string bad_id = run0;
  bad_id.replace(bad_id.find("00000000000000aa"), 16, "../../etc");
  EXPECT_NE(first_error(with_runs(bad_id)).find("runs[0]: 'run_id' '../../etc' is not a run id"), std::string::npos);
  std::string no_seed = run0;
  no_seed.replace(no_seed.find("\"seed\": 1"), 9, "\"seed\": \"1\"");
  EXPECT_NE(first_error(with_runs(no_seed)).find("runs[0]: 'seed' must be an integer"), std::string::npos);
}

}  // namespace
}  // namespace atrous
