// `atrous bench`: training/inference throughput of the reference models, per-layer
// times, achieved GFLOP/s against a single large conv, and (with --torch) the
// same models in PyTorch measured in the same run.
#include <fmt/format.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "bench/benchmark.hpp"
#include "bench/data_parallel.hpp"
#include "bench/memory_scenarios.hpp"
#include "bench/planned_memory.hpp"
#include "bench/reference_models.hpp"
#include "bench/timing.hpp"
#include "cli/commands.hpp"
#include "cli/int_range.hpp"
#include "core/context.hpp"
#include "data/config_reader.hpp"  // kMaxImageSide
#include "model/build.hpp"
#include "model/load.hpp"
#include "sweep/shell_quote.hpp"
#include "train/collective.hpp"
#include "train/gradient_allreduce.hpp"

namespace atrous::cli {

namespace {

bool is_model_file(const std::string& name) {
  return name.size() > 5 && (name.ends_with(".yaml") || name.ends_with(".yml"));
}

struct BenchArgs {
  std::vector<std::string> models;
  int threads = 0;
  bench::BenchOptions options;
  std::vector<std::string> overrides;
  bool no_fuse = false, torch = false, layers = false, no_peak = false;
  std::string format = "table";
  std::vector<std::string> precisions{"f32"};  // --precision f32,bf16: one row per model and precision
  std::vector<int> ranks;   // --ranks: data-parallel scaling, one mpirun per entry
  bool rank_child = false;  // set on the command mpirun runs
  std::string memory;       // --memory: multiscale, large or all
  std::string data;         // --data: the multiscale scenario's data config
  bool steps_given = false;
  int rounds = 1;  // --rounds: atrous's timing and PyTorch's alternate this many times per model
};

// The model a benchmark runs (a reference model's name or a model file) and the batch
// and input size it runs at: the options' when given, else the model's own.
Graph load_bench_model(const std::string& name, const std::vector<std::string>& overrides, bench::BenchOptions& o,
                       std::string& label) {
  label = name;
  if (is_model_file(name)) {
    // A model file: its declared input size, batch 8 unless --batch says otherwise.
    ModelOptions mo;
    mo.overrides = overrides;
    const ResolvedModel m = load_model(name, mo);
    label = m.name();
    if (o.batch == 0) o.batch = 8;
    if (o.height == 0) o.height = m.spec["input"]["height"].get<int64_t>();
    if (o.width == 0) o.width = m.spec["input"]["width"].get<int64_t>();
    return build_graph(m);
  }
  const auto& spec = bench::reference_model(name);
  if (o.batch == 0) o.batch = spec.batch;
  if (o.height == 0) o.height = spec.height;
  if (o.width == 0) o.width = spec.width;
  return bench::build_reference_model(name);
}

void print_layers(const bench::BenchResult& r) {
  double total = 0;
  for (const auto& l : r.layers) total += l.forward_ms + l.backward_ms;
  fmt::print("\n{} ({}) per layer (ms per training step; forward GFLOP for the batch):\n", r.model,
             precision_name(r.precision));
  fmt::print("  {:<22} {:<15} {:>9} {:>9} {:>7} {:>8} {:>9}  {}\n", "layer", "type", "fwd ms", "bwd ms", "share",
             "GFLOP", "GFLOP/s", "implementation");
  for (const auto& l : r.layers) {
    const double ms = l.forward_ms + l.backward_ms;
    const double rate = ms > 0 ? 3.0 * l.gflops / (ms / 1000.0) : 0.0;
    fmt::print("  {:<22} {:<15} {:>9.2f} {:>9.2f} {:>6.1f}% {:>8.3f} {:>9.1f}  {}\n", l.name, l.type, l.forward_ms,
               l.backward_ms, total > 0 ? 100.0 * ms / total : 0.0, l.gflops, l.gflops > 0 ? rate : 0.0,
               l.implementation);
  }
}

std::string mib(const nlohmann::json& bytes) {
  return bytes.is_number() ? fmt::format("{:.0f}", bytes.get<double>() / (1 << 20)) : std::string("-");
}

// A bf16 row says so after the model's name; f32 rows read as before (both tables).
std::string row_label(const nlohmann::json& j) {
  const std::string p = j.value("precision", "f32");
  return j["model"].get<std::string>() + (p == "f32" ? "" : " " + p);
}

// Peak RSS beside the graph's planned bytes, and PyTorch's peaks when it ran.
void print_memory(const nlohmann::json& models, bool torch) {
  fmt::print("\n{:<24} {:>12} {:>12} {:>12} {:>12} {:>12} {:>12}", "peak memory MiB", "train RSS", "infer RSS",
             "infer growth", "infer bound", "train plan", "infer plan");
  if (torch) fmt::print(" {:>12} {:>12} {:>8}", "torch train", "torch infer", "train x");
  fmt::print("\n");
  for (const auto& j : models) {
    const auto& infer_peak = j["infer_peak_rss_bytes"];
    const auto& infer_base = j["infer_rss_base_bytes"];
    fmt::print("{:<24} {:>12} {:>12} {:>12} {:>12} {:>12} {:>12}", row_label(j),
               mib(j["train_peak_rss_bytes"]), mib(infer_peak),
               mib(infer_peak.is_number() && infer_base.is_number()
                       ? nlohmann::json(infer_peak.get<double>() - infer_base.get<double>())
                       : nlohmann::json()),
               mib(2 * j["largest_activation_bytes"].get<double>() + j["parameter_bytes"].get<double>()),
               mib(j["train_planned_bytes"]), mib(j["infer_planned_bytes"]));
    if (j.contains("torch")) {
      const auto& t = j["torch"];
      const nlohmann::json none;
      const auto& tt = t.contains("train_peak_rss_bytes") ? t["train_peak_rss_bytes"] : none;
      fmt::print(" {:>12} {:>12} {:>8}", mib(tt), mib(t.contains("infer_peak_rss_bytes") ? t["infer_peak_rss_bytes"] : none),
                 tt.is_number() && j["train_peak_rss_bytes"].is_number()
                     ? fmt::format("{:.2f}x", j["train_peak_rss_bytes"].get<double>() / tt.get<double>())
                     : std::string("-"));
    }
    fmt::print("\n");
  }
  fmt::print("(process peak RSS (VmHWM, reset before each pass) while the timed training steps ran, and over two "
             "inference passes of a fresh copy of the model; infer growth: that peak less what was resident before the "
             "passes (the program, the copy's parameters); infer bound: 2 x its largest activation + its parameters, "
             "the inference peak issue #15 asks for; train plan, infer plan: {}{})\n",
             bench::kPlannedMemorySource, torch ? "; train x: atrous's training peak divided by PyTorch's" : "");
}

void run(BenchArgs& a) {
  if (a.models.empty() || (a.models.size() == 1 && a.models[0] == "all")) {
    a.models.clear();
    for (const auto& m : bench::reference_models()) a.models.push_back(m.name);
  }
  std::vector<Precision> precisions;
  for (const auto& p : a.precisions) precisions.push_back(parse_precision(p));
  // One reference conv per precision, so that "of peak" compares like with like.
  std::map<Precision, bench::ConvPeak> peaks;
  if (!a.no_peak)
    for (Precision p : precisions) peaks[p] = bench::measure_conv_peak(std::max(3, a.options.steps), p);
  nlohmann::json out = {{"threads", thread_count()},
                        {"isa", dnnl_isa_name()},
                        {"onednn", dnnl_version_string()},
                        {"models", nlohmann::json::array()}};
  for (const auto& [p, peak] : peaks)
    out[p == Precision::f32 ? "conv_peak" : "conv_peak_" + precision_name(p)] = {
        {"config", peak.config},
        {"forward_gflops_per_s", peak.forward_gflops_per_s},
        {"train_gflops_per_s", peak.train_gflops_per_s}};
  std::vector<bench::BenchResult> results;
  for (const auto& name : a.models) {
    const bool is_file = is_model_file(name);
    // Per round: every precision's timing, then PyTorch's (in f32: every
    // precision's row is compared with it). Alternating them, rather than timing
    // all of one and then all of the other, keeps a machine whose speed drifts
    // over minutes (a shared host) from skewing the ratio: each round gives one.
    std::vector<std::vector<bench::BenchResult>> timed(precisions.size());
    std::vector<nlohmann::json> torch_rounds;
    std::string torch_error;
    for (int round = 0; round < a.rounds; ++round) {
      for (size_t pi = 0; pi < precisions.size(); ++pi) {
        bench::BenchOptions o = a.options;
        o.fuse = !a.no_fuse;
        o.precision = precisions[pi];
        std::string label;
        // A fresh graph per round, so that no other graph's buffers are resident in its peak RSS.
        Graph g = load_bench_model(name, a.overrides, o, label);
        fmt::print(stderr, "bench: {} ({}x{}x{}x{}, {}){} ...\n", label, o.batch, g.shape("input").c, o.height,
                   o.width, precision_name(o.precision),
                   a.rounds > 1 ? fmt::format(", round {} of {}", round + 1, a.rounds) : "");
        bench::InferenceMemory infer;
        if (round == 0) {
          // On a copy that has not trained: the timed graph keeps its training buffers.
          bench::BenchOptions copy_options = o;
          std::string copy_label;
          Graph copy = load_bench_model(name, a.overrides, copy_options, copy_label);
          infer = bench::measure_inference_memory(copy, o);
        }
        timed[pi].push_back(bench::run_benchmark(label, g, o));
        if (round == 0) {
          timed[pi].back().infer_rss = infer.rss;
          timed[pi].back().largest_activation_bytes = infer.largest_activation_bytes;
          timed[pi].back().parameter_bytes = infer.parameter_bytes;
        }
      }
      if (a.torch && !is_file && torch_error.empty()) {
        std::string why;
        auto t = bench::run_torch_reference(name, thread_count(), a.options.warmup, a.options.steps, &why);
        if (t && t->contains("models") && !(*t)["models"].empty()) {
          nlohmann::json r = (*t)["models"][0];
          r["torch_version"] = (*t).value("torch_version", "");
          torch_rounds.push_back(r);
        } else {
          torch_error = why.empty() ? "no result" : why;
        }
      }
    }
    for (size_t pi = 0; pi < precisions.size(); ++pi) {
      // The first round's result (its memory figures and layers), with the rounds' median speeds.
      bench::BenchResult r = timed[pi].front();
      std::vector<double> train, infer, gflops, train_x, infer_x;
      for (size_t k = 0; k < timed[pi].size(); ++k) {
        const bench::BenchResult& t = timed[pi][k];
        train.push_back(t.train_img_per_s);
        infer.push_back(t.infer_img_per_s);
        gflops.push_back(t.train_gflops_per_s);
        if (k < torch_rounds.size()) {
          train_x.push_back(t.train_img_per_s / torch_rounds[k]["train_img_per_s"].get<double>());
          infer_x.push_back(t.infer_img_per_s / torch_rounds[k]["infer_img_per_s"].get<double>());
        }
      }
      r.train_img_per_s = bench::median(train);
      r.infer_img_per_s = bench::median(infer);
      r.train_gflops_per_s = bench::median(gflops);
      r.train_step_ms = 1000.0 * static_cast<double>(r.batch) / r.train_img_per_s;
      r.infer_step_ms = 1000.0 * static_cast<double>(r.batch) / r.infer_img_per_s;
      results.push_back(r);
      nlohmann::json j = r.to_json();
      j["rounds"] = a.rounds;
      if (a.rounds > 1) {
        j["train_img_per_s_rounds"] = train;
        j["infer_img_per_s_rounds"] = infer;
      }
      if (a.torch && is_file) {
        j["torch_error"] = "the PyTorch reference covers the built-in reference models only";
      } else if (a.torch && !torch_rounds.empty()) {
        nlohmann::json t = torch_rounds.front();  // its peaks; the speeds below are the rounds' medians
        std::vector<double> tt, ti;
        for (const auto& x : torch_rounds) {
          tt.push_back(x["train_img_per_s"].get<double>());
          ti.push_back(x["infer_img_per_s"].get<double>());
        }
        t["train_img_per_s"] = bench::median(tt);
        t["infer_img_per_s"] = bench::median(ti);
        j["torch"] = t;
        j["torch_version"] = t.value("torch_version", "");
        // The median of the rounds' ratios, each from one round's atrous and PyTorch timings.
        j["train_x"] = bench::median(train_x);
        j["infer_x"] = bench::median(infer_x);
        if (a.rounds > 1) {
          j["train_x_rounds"] = train_x;
          j["torch"]["train_img_per_s_rounds"] = tt;
        }
      } else if (a.torch) {
        j["torch_error"] = torch_error;
      }
      out["models"].push_back(j);
    }
  }
  if (a.format == "json") {
    fmt::print("{}\n", out.dump(2));
    return;
  }
  fmt::print("atrous bench: oneDNN {} ({}), {} threads\n", dnnl_version_string(), dnnl_isa_name(), thread_count());
  for (const auto& [p, peak] : peaks)
    fmt::print("reference: {}: forward {:.1f} GFLOP/s, training {:.1f} GFLOP/s\n", peak.config,
               peak.forward_gflops_per_s, peak.train_gflops_per_s);
  size_t width = 20;
  for (const auto& j : out["models"]) width = std::max(width, row_label(j).size());
  fmt::print("\n{:<{}} {:>10} {:>9} {:>12} {:>10} {:>10} {:>10} {:>8}", "model", width, "params", "GFLOP/img", "input",
             "train im/s", "infer im/s", "train GF/s", "of peak");
  if (a.torch) fmt::print(" {:>11} {:>11} {:>7} {:>7}", "torch train", "torch infer", "train x", "infer x");
  fmt::print("\n");
  for (const auto& j : out["models"]) {
    const double gfs = j["train_gflops_per_s"];
    const auto peak = peaks.find(parse_precision(j["precision"].get<std::string>()));
    fmt::print("{:<{}} {:>10} {:>9.3f} {:>12} {:>10.2f} {:>10.2f} {:>10.1f} {:>8}",
               row_label(j), width, j["params"].get<int64_t>(), j["gflops_per_image"].get<double>(),
               fmt::format("{}x{}x{}", j["batch"].get<int64_t>(), j["height"].get<int64_t>(),
                           j["width"].get<int64_t>()),
               j["train_img_per_s"].get<double>(), j["infer_img_per_s"].get<double>(), gfs,
               peak != peaks.end() ? fmt::format("{:.0f}%", 100.0 * gfs / peak->second.train_gflops_per_s)
                                   : std::string("-"));
    if (j.contains("torch")) {
      const double tt = j["torch"]["train_img_per_s"], ti = j["torch"]["infer_img_per_s"];
      fmt::print(" {:>11.2f} {:>11.2f} {:>6.2f}x {:>6.2f}x", tt, ti, j["train_x"].get<double>(),
                 j["infer_x"].get<double>());
    } else if (j.contains("torch_error")) {
      fmt::print("  torch: {}", j["torch_error"].get<std::string>());
    }
    fmt::print("\n");
  }
  if (a.torch)
    fmt::print("(train x / infer x: atrous images/s divided by PyTorch's in f32, same models, threads and batch{})\n",
               a.rounds > 1 ? fmt::format("; images/s are medians of {} rounds, each timing atrous then PyTorch, and "
                                          "the ratios the medians of the rounds' ratios",
                                          a.rounds)
                            : "");
  print_memory(out["models"], a.torch);
  if (a.layers)
    for (const auto& r : results) print_layers(r);
}


// Under mpirun: this rank's part of `--ranks`; rank 0 prints the JSON the parent reads.
void run_rank_child(const BenchArgs& a) {
  bench::BenchOptions o = a.options;
  o.fuse = !a.no_fuse;
  std::string label;
  Graph g = load_bench_model(a.models.at(0), a.overrides, o, label);
  Collective& comm = Collective::world();
  const bench::ScalingResult r = bench::run_data_parallel_benchmark(label, g, o, comm);
  if (comm.root()) fmt::print("{}\n", r.to_json().dump());
}

std::string format_bytes(int64_t bytes) {
  if (bytes >= (int64_t{1} << 20)) return fmt::format("{:.1f} MiB", static_cast<double>(bytes) / (1 << 20));
  return fmt::format("{:.0f} KiB", static_cast<double>(bytes) / (1 << 10));
}

// `--ranks 1,2`: one `mpirun -np N` of this binary per entry, each rank with --threads
// threads (default 1: N ranks use N cores); then speedup, efficiency and the allreduce cost.
void run_ranks(BenchArgs& a) {
  if (a.models.size() > 1 || (a.models.size() == 1 && a.models[0] == "all"))
    throw Error("bench --ranks measures one model: give --model NAME (default dilated_segnet_w16)",
                Error::Kind::usage);
  const std::string model = a.models.empty() ? "dilated_segnet_w16" : a.models[0];
  if (!Collective::built_with_mpi())
    throw Error("bench --ranks needs MPI: this atrous was built without it (install libopenmpi-dev, reconfigure)",
                Error::Kind::usage);
  if (std::system("command -v mpirun > /dev/null 2>&1") != 0)
    throw Error("bench --ranks needs mpirun on the PATH (Debian: openmpi-bin, installed by scripts/bootstrap)",
                Error::Kind::usage);
  const int threads = a.threads > 0 ? a.threads : 1;
  const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
  std::vector<bench::ScalingResult> results;
  for (int n : a.ranks) {
    // Not bound to cores: a rank's OpenMP threads use the cores it was given, and one rank may use all.
    std::string cmd = fmt::format("mpirun -np {} --oversubscribe --bind-to none {}{} bench --rank-child --model {} "
                                  "--threads {} --warmup {} --steps {}",
                                  n, geteuid() == 0 ? "--allow-run-as-root " : "", shell_quote(self),
                                  shell_quote(model), threads, a.options.warmup, a.options.steps);
    if (a.options.batch > 0) cmd += fmt::format(" --batch {}", a.options.batch);
    if (a.options.height > 0) cmd += fmt::format(" --height {}", a.options.height);
    if (a.options.width > 0) cmd += fmt::format(" --width {}", a.options.width);
    for (const auto& o : a.overrides) cmd += " --set " + shell_quote(o);
    if (a.no_fuse) cmd += " --no-fuse";
    fmt::print(stderr, "bench: {}\n", cmd);
    FILE* pipe = popen(cmd.c_str(), "r");
    if (!pipe) throw Error("could not start " + cmd);
    std::string out;
    char buf[4096];
    while (size_t k = fread(buf, 1, sizeof buf, pipe)) out.append(buf, k);
    const int status = pclose(pipe);
    // Rank 0's JSON is the last line that starts with '{' (mpirun may add lines of its own).
    size_t line = std::string::npos;
    for (size_t at = 0; at < out.size(); at = out.find('\n', at) == std::string::npos ? out.size() : out.find('\n', at) + 1)
      if (out[at] == '{') line = at;
    if (status != 0 || line == std::string::npos)
      throw Error(fmt::format("'{}' failed (status {}){}", cmd, status, out.empty() ? "" : ": " + out));
    results.push_back(bench::ScalingResult::from_json(nlohmann::json::parse(out.substr(line, out.find('\n', line) - line))));
  }
  if (a.format == "json") {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& r : results) j.push_back(r.to_json());
    fmt::print("{}\n", nlohmann::json{{"threads_per_rank", threads}, {"runs", j}}.dump(2));
    return;
  }
  const auto& first = results.front();
  fmt::print("data-parallel scaling of {} on this machine: global batch {} at {}x{}, {} thread(s) per rank\n",
             first.model, first.global_batch, first.height, first.width, threads);
  fmt::print("gradients: {} per step ({} MPI_Allreduce calls in buckets of {})\n\n",
             format_bytes(first.gradient_bytes), results.back().allreduce_calls,
             format_bytes(GradientAllreduce::kBucketBytes));
  fmt::print("{:>5} {:>8} {:>10} {:>9} {:>8} {:>10} {:>18} {:>8}\n", "ranks", "threads", "step ms", "img/s",
             "speedup", "efficiency", "allreduce ms (min)", "of step");
  for (const auto& r : results) {
    const double speedup = r.img_per_s / first.img_per_s;
    const double ideal = static_cast<double>(r.ranks) / static_cast<double>(first.ranks);
    const auto& g = r.gradient_allreduce;
    fmt::print("{:>5} {:>8} {:>10.1f} {:>9.1f} {:>7.2f}x {:>9.0f}% {:>18} {:>8}\n", r.ranks, r.threads_per_rank,
               r.step_ms, r.img_per_s, speedup, 100.0 * speedup / ideal,
               r.ranks > 1 ? fmt::format("{:.3f} ({:.3f})", g.ms, g.min_ms) : "-",
               r.ranks > 1 ? fmt::format("{:.2f}%", 100.0 * g.ms / r.step_ms) : "-");
  }
  for (const auto& r : results) {
    if (r.sweep.empty()) continue;
    fmt::print("\nMPI_Allreduce (sum, float) over {} ranks on this machine:\n", r.ranks);
    fmt::print("{:>10} {:>10} {:>10} {:>16}\n", "bytes", "median ms", "min ms", "GB/s (at min)");
    for (const auto& s : r.sweep)
      fmt::print("{:>10} {:>10.3f} {:>10.3f} {:>16.2f}\n", format_bytes(s.bytes), s.ms, s.min_ms,
                 s.min_ms > 0 ? static_cast<double>(s.bytes) / (s.min_ms * 1e6) : 0.0);
  }
  fmt::print("\n(speedup: images/s against the first entry; efficiency: speedup / (N / its ranks). The ranks share "
             "this machine and its memory bandwidth; other processes running at the same time lower the figures)\n");
}

// `--memory multiscale|large|all`: peak RSS of the training configurations issue #15 names.
void run_memory(BenchArgs& a) {
  if (a.torch || a.layers)
    throw Error("bench --memory measures atrous's training scenarios only: drop --torch and --layers (the PyTorch "
                "peaks are in the memory table of `bench --torch`)",
                Error::Kind::usage);
  if (a.models.size() > 1 || (a.models.size() == 1 && a.models[0] == "all"))
    throw Error("bench --memory measures one model: give --model NAME or FILE (default configs/models/dilated.yaml)",
                Error::Kind::usage);
  const std::string model = a.models.empty() ? bench::default_memory_model() : a.models[0];
  bench::MemoryScenarioOptions so;
  so.batch = a.options.batch > 0 ? a.options.batch : 8;
  so.steps = a.steps_given ? a.options.steps : 2;
  so.fuse = !a.no_fuse;
  so.seed = a.options.seed;
  std::string label = model;
  const auto make_graph = [&] {
    bench::BenchOptions o = a.options;
    return load_bench_model(model, a.overrides, o, label);
  };
  make_graph();  // the label, and a model error before anything is measured
  std::vector<bench::MemoryScenarioResult> results;
  if (a.memory == "multiscale" || a.memory == "all") {
    const std::string data = a.data.empty() ? bench::default_multiscale_data() : a.data;
    std::optional<std::pair<int64_t, int64_t>> base;
    if (a.options.height > 0 || a.options.width > 0) {
      if (a.options.height == 0 || a.options.width == 0)
        throw Error("bench --memory multiscale: give both --height and --width (the size the scales multiply)",
                    Error::Kind::usage);
      base = std::make_pair(a.options.height, a.options.width);
    }
    const auto sizes = bench::multiscale_sizes(data, base);
    fmt::print(stderr, "bench --memory multiscale: {} at batch {}, {} sizes from {} ...\n", label, so.batch,
               sizes.size(), data);
    for (auto& r : bench::measure_multiscale_memory(make_graph, label, sizes, so)) results.push_back(std::move(r));
  }
  if (a.memory == "large" || a.memory == "all") {
    const int64_t h = a.options.height > 0 ? a.options.height : 512, w = a.options.width > 0 ? a.options.width : 512;
    fmt::print(stderr, "bench --memory large: {} at batch {}, {}x{} ...\n", label, so.batch, h, w);
    results.push_back(bench::measure_training_memory(make_graph, label, h, w, so));
  }
  nlohmann::json out = {{"threads", thread_count()}, {"scenarios", nlohmann::json::array()}};
  for (const auto& r : results) out["scenarios"].push_back(r.to_json());
  const bench::MemoryScenarioResult* multi = nullptr;
  const bench::MemoryScenarioResult* single = nullptr;
  for (const auto& r : results) {
    if (r.scenario == "multiscale") multi = &r;
    if (r.scenario == "single scale") single = &r;
  }
  const bool ratio = multi && single && multi->rss.peak > 0 && single->rss.peak > 0;
  if (ratio) {
    out["multiscale_over_single"] = static_cast<double>(multi->rss.peak) / static_cast<double>(single->rss.peak);
    // The same without what each fresh graph found resident (the program, and what the earlier scenario left).
    const double multi_growth = static_cast<double>(multi->rss.peak - multi->rss.base);
    const double single_growth = static_cast<double>(single->rss.peak - single->rss.base);
    if (single_growth > 0) out["multiscale_over_single_above_base"] = multi_growth / single_growth;
  }
  if (a.format == "json") {
    fmt::print("{}\n", out.dump(2));
    return;
  }
  fmt::print("atrous bench --memory: {} threads, {} training step(s) per size, SGD with momentum\n\n", thread_count(),
             so.steps);
  fmt::print("{:<13} {:<16} {:<40} {:>10} {:>10} {:>10}\n", "scenario", "model", "input", "peak MiB", "base MiB",
             "plan MiB");
  for (const auto& r : results) {
    std::string sizes;
    for (const auto& [h, w] : r.sizes) sizes += fmt::format("{}{}x{}", sizes.empty() ? "" : ",", h, w);
    fmt::print("{:<13} {:<16} {:<40} {:>10} {:>10} {:>10}\n", r.scenario, r.model,
               fmt::format("batch {} at {}", r.batch, sizes), mib(r.rss.peak > 0 ? nlohmann::json(r.rss.peak) : nullptr),
               mib(r.rss.base > 0 ? nlohmann::json(r.rss.base) : nullptr),
               mib(r.planned_bytes ? nlohmann::json(*r.planned_bytes) : nullptr));
  }
  if (ratio)
    fmt::print("\nmultiscale / single scale: peak {:.2f}, peak above base {}\n", out["multiscale_over_single"].get<double>(),
               out.contains("multiscale_over_single_above_base")
                   ? fmt::format("{:.2f}", out["multiscale_over_single_above_base"].get<double>())
                   : std::string("-"));
  fmt::print("(peak: process peak RSS (VmHWM) from just before the first step, each scenario on a fresh graph; base: "
             "resident then; plan: {} at the largest size)\n",
             bench::kPlannedMemorySource);
}

}  // namespace

void add_bench_command(CLI::App& app) {
  static BenchArgs a;
  auto* sub = app.add_subcommand("bench", "Time training and inference of the reference models");
  std::vector<std::string> names{"all"};
  for (const auto& m : bench::reference_models()) names.push_back(m.name);
  sub->add_option("--model", a.models,
                  "Reference model(s) (all, the default, or names) or model files (configs/models/*.yaml)")
      ->check(CLI::IsMember(names) | CLI::ExistingFile);
  sub->add_option("--set", a.overrides, "Model parameter overrides for model files (key=value)");
  add_threads_option(*sub, a.threads);
  // Bounded so that a typo is a usage error rather than an hour-long run or a failed allocation.
  sub->add_option("--warmup", a.options.warmup, "Untimed steps first, 0 to 1000 (default 3)")->check(int_range(0, 1000));
  CLI::Option* steps_option = sub->add_option("--steps", a.options.steps, "Timed steps, 1 to 10000 (default 10); the median is reported")
      ->check(int_range(1, 10000));
  sub->add_option("--batch", a.options.batch, "Override the model's batch size, 1 to 1024")
      ->check(int_range(1, 1024));
  sub->add_option("--height", a.options.height, fmt::format("Override the input height, 1 to {}", kMaxImageSide))
      ->check(int_range(1, kMaxImageSide));
  sub->add_option("--width", a.options.width, fmt::format("Override the input width, 1 to {}", kMaxImageSide))
      ->check(int_range(1, kMaxImageSide));
  sub->add_flag("--no-fuse", a.no_fuse, "Do not fuse ReLUs into convs and batch norms");
  sub->add_flag("--torch", a.torch, "Also run bench/torch_reference.py (PyTorch) on the same models");
  sub->add_option("--rounds", a.rounds,
                  "Time each model this many times, 1 to 20 (default 1), alternating with PyTorch (--torch): "
                  "median images/s, and the median of the rounds' ratios, for machines whose speed drifts")
      ->check(int_range(1, 20));
  sub->add_flag("--layers", a.layers, "Print the per-layer forward/backward times");
  sub->add_option("--precision", a.precisions,
                  "Compute format(s) of the convolutions: f32 (default), bf16, or f32,bf16 for one row of each")
      ->delimiter(',')
      ->check(CLI::IsMember(precision_names()));
  sub->add_flag("--no-peak", a.no_peak, "Skip the single-conv reference measurement");
  sub->add_option("--format", a.format, "table (default) or json")->check(CLI::IsMember({"table", "json"}));
  sub->add_option("--ranks", a.ranks,
                  "Data-parallel scaling: run the training step under `mpirun -np N` for each N (e.g. 1,2), the "
                  "cores divided among the ranks, the global batch fixed; reports efficiency and allreduce cost")
      ->delimiter(',')
      ->check(CLI::Range(1, 256));
  sub->add_option("--memory", a.memory,
                  "Peak memory of training scenarios instead of timing: multiscale (the --data config's scales "
                  "through one graph against its largest scale alone), large (512x512 batch 8 unless --height, "
                  "--width, --batch say otherwise) or all; --model (default configs/models/dilated.yaml), "
                  "--steps per size (default 2)")
      ->check(CLI::IsMember({"multiscale", "large", "all"}));
  sub->add_option("--data", a.data, "Data config whose augment.scales --memory multiscale uses "
                                    "(default configs/data/shapes_multiscale.yaml)")
      ->check(CLI::ExistingFile);
  sub->add_flag("--rank-child", a.rank_child, "(internal) one rank of --ranks")->group("");
  sub->callback([steps_option] {
    if (a.rank_child) {
      // An error on one rank ends the others too instead of leaving them in a collective.
      try {
        run_rank_child(a);
      } catch (const std::exception& e) {
        const auto* error = dynamic_cast<const Error*>(&e);
        Collective::abort_if_parallel(e.what(), error ? error->exit_code() : 1);
        throw;
      }
    } else if (!a.ranks.empty()) {
      if (a.precisions != std::vector<std::string>{"f32"})
        throw Error("bench --ranks measures f32 only; drop --precision", Error::Kind::usage);
      run_ranks(a);
    } else if (!a.memory.empty()) {
      a.steps_given = steps_option->count() > 0;
      run_memory(a);
    } else {
      run(a);
    }
  });
}

}  // namespace atrous::cli
