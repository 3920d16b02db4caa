// Seeded mutation fuzzing of every config parser: the committed models, data
// configs, recipes and experiment specs, and typical --set strings, mutated at
// the byte and the token level (bit flips, inserted and deleted bytes, lines
// duplicated and swapped, anchors and aliases, deep nesting, huge numbers,
// bytes that are not UTF-8, hostile expressions and repeats), then parsed
// through the real entry points. Every outcome must be success or an
// atrous::Error whose message is one line of UTF-8: never another exception
// type, never a crash.
//
// Each test runs for a share of ATROUS_FUZZ_SECONDS (default 8 s for the five
// tests; e.g. ATROUS_FUZZ_SECONDS=180 for a long run). ATROUS_FUZZ_SEED changes
// the base seed. ATROUS_FUZZ_BUILD=1 also builds each accepted model's graph
// (parameters are allocated: run it under `ulimit -v`). A failure prints the
// seed of the input; ATROUS_FUZZ_REPLAY=<seed>
// runs that one input and prints it with its outcome. A crash prints the seed
// from a signal handler.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "atrous_paths.hpp"  // ATROUS_SOURCE_DIR
#include "core/config.hpp"
#include "core/utf8.hpp"
#include "data/data_config.hpp"
#include "model/document.hpp"
#include "model/build.hpp"
#include "model/load.hpp"
#include "support/temp_dir.hpp"
#include "sweep/experiment.hpp"
#include "train/recipe.hpp"

namespace atrous {
namespace {

namespace fs = std::filesystem;

// ---- run control -----------------------------------------------------------------

constexpr int kTests = 5;

double seconds_per_test() {
  const char* s = std::getenv("ATROUS_FUZZ_SECONDS");
  const double total = s ? std::atof(s) : 8.0;
  return std::max(0.05, total / kTests);
}

uint64_t base_seed() {
  const char* s = std::getenv("ATROUS_FUZZ_SEED");
  return s ? std::strtoull(s, nullptr, 10) : 20261201;
}

// What is being parsed right now, for the crash handler (written before each input).
char g_current[256] = "nothing yet";

void on_crash(int sig) {
  const char prefix[] = "\nconfig fuzz: crashed on ";
  (void)!::write(2, prefix, sizeof prefix - 1);
  (void)!::write(2, g_current, std::strlen(g_current));
  (void)!::write(2, "\n", 1);
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

void install_crash_handler() {
  static bool done = false;
  if (done) return;
  done = true;
  static std::vector<char> alt(1 << 16);  // a stack overflow needs its own stack to report on
  stack_t ss{};
  ss.ss_sp = alt.data();
  ss.ss_size = alt.size();
  sigaltstack(&ss, nullptr);
  struct sigaction sa {};
  sa.sa_handler = on_crash;
  sa.sa_flags = SA_ONSTACK;
  for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGABRT, SIGILL}) sigaction(sig, &sa, nullptr);
}

// ---- inputs ------------------------------------------------------------------

std::vector<std::string> read_configs(const std::string& relative_dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(std::string(ATROUS_SOURCE_DIR) + "/" + relative_dir))
    if (e.path().extension() == ".yaml") {
      std::ifstream in(e.path());
      std::stringstream ss;
      ss << in.rdbuf();
      out.push_back(ss.str());
    }
  std::sort(out.begin(), out.end());  // directory order is not deterministic
  return out;
}

const std::vector<std::string> kOverrides = {
    "width=32",        "params.width=16",          "input.height=96",      "layers.0.out=64",
    "rates=[1,2,4,8]", "+newparam=1",              "classes=3",            "dense=true",
    "train.count=100", "augment.scales=[0.5, 1.0]", "image_size=[24, 40]", "type=folder",
    "seed=3",          "normalize.mean=[0.5]",     "+extra.key=1",         "layers.0=~",
    "params={}",       "name=x",                   "val.count=7",          "optimizer.lr=0.1"};

const std::vector<std::string> kTokens = {
    ":", ": ", "- ", "[", "]", "{", "}", ",", "&a ", "*a", "&b ", "*b", "!!str ", "!!int ", "!!map ", "? ",
    "|\n", ">\n", "'", "\"", "#", "~", "null", "${", "}", "${w*w}", "${-w}", "${(((w)))}", "<<: ", "---\n",
    "...\n", "%YAML 1.2\n", "\t", "\\u", "\"\\ud800\"", "\"\\x00\"", "1e999", "nan", ".inf", "-.inf",
    "-9223372036854775808", "9223372036854775807", "99999999999999999999", "0x7f", "0o17", "repeat: 1000000000",
    "repeat: 100000", "repeat: {d: [1, 2]}", "extends: /dev/zero", "extends: .", "block: cbr", "block: ../x.yaml",
    "type: conv", "from: ", "parallel: true", "like: input", "params: ", "override: ", "\xff", "\xc3", "\xed\xa0\x80",
    std::string(1, '\0'), "\r\n", "\xef\xbb\xbf", "%", "@", "`", "!", "*", "&", "$", "${w/-1}", "${9223372036854775807+1}",
    "min(", "max(1,", "layers: ", "input: ", "seeds: [1, 1]", "grid: ", "variants: ", "base: ", "set: "};

const std::vector<std::string> kHugeNumbers = {"0", "-1", "9223372036854775807", "-9223372036854775808",
                                               "18446744073709551616", "1e308", "1e-308", "4294967296", "2147483648",
                                               "100000000", "65536", "1.5", "-0", "1e999", "nan"};

class Mutator {
 public:
  explicit Mutator(uint64_t seed) : rng_(seed) {}

  size_t below(size_t n) { return n == 0 ? 0 : static_cast<size_t>(rng_() % n); }
  bool chance(int percent) { return below(100) < static_cast<size_t>(percent); }
  template <typename T>
  const T& pick(const std::vector<T>& v) { return v[below(v.size())]; }

  std::string mutate(std::string s) {
    const size_t n = 1 + below(4);
    for (size_t i = 0; i < n; ++i) s = once(std::move(s));
    return s;
  }

 private:
  static std::vector<std::string> lines_of(const std::string& s) {
    std::vector<std::string> lines;
    std::stringstream ss(s);
    std::string line;
    while (std::getline(ss, line)) lines.push_back(line);
    return lines;
  }
  static std::string join(const std::vector<std::string>& lines) {
    std::string out;
    for (const auto& l : lines) out += l + "\n";
    return out;
  }

  std::string once(std::string s) {
    const size_t at = below(s.size() + 1);
    switch (below(16)) {
      case 0:  // flip a bit
        if (!s.empty()) s[below(s.size())] ^= static_cast<char>(1 << below(8));
        return s;
      case 1:  // insert random bytes
        for (size_t k = 0, m = 1 + below(4); k < m; ++k) s.insert(s.begin() + at, static_cast<char>(below(256)));
        return s;
      case 2:  // insert a token
        return s.insert(at, pick(kTokens));
      case 3:  // delete a range
        return s.erase(at, 1 + below(32));
      case 4: {  // duplicate a line
        auto lines = lines_of(s);
        if (lines.empty()) return s;
        const size_t i = below(lines.size());
        lines.insert(lines.begin() + i, lines[i]);
        return join(lines);
      }
      case 5: {  // swap two lines
        auto lines = lines_of(s);
        if (lines.size() < 2) return s;
        std::swap(lines[below(lines.size())], lines[below(lines.size())]);
        return join(lines);
      }
      case 6: {  // an anchor on one value and aliases to it elsewhere (possibly inside it)
        auto lines = lines_of(s);
        if (lines.empty()) return s;
        const std::string name = "x" + std::to_string(below(3));
        auto& a = lines[below(lines.size())];
        const auto colon = a.find(": ");
        if (colon != std::string::npos) a.insert(colon + 2, "&" + name + " ");
        for (size_t k = 0, m = 1 + below(3); k < m; ++k) {
          auto& b = lines[below(lines.size())];
          const auto c = b.find(": ");
          if (c != std::string::npos) b = b.substr(0, c + 2) + "*" + name;
        }
        return join(lines);
      }
      case 7: {  // aliases of aliases appended; now and then enough for a "billion laughs" (slow to refuse)
        std::string y = "\nlaugh0: &l0 [1, 1, 1, 1, 1, 1, 1, 1, 1]\n";
        for (int i = 1, levels = chance(20) ? 9 : 3; i < levels; ++i)
          y += "laugh" + std::to_string(i) + ": &l" + std::to_string(i) + " [*l" + std::to_string(i - 1) + ", *l" +
               std::to_string(i - 1) + ", *l" + std::to_string(i - 1) + ", *l" + std::to_string(i - 1) + ", *l" +
               std::to_string(i - 1) + ", *l" + std::to_string(i - 1) + ", *l" + std::to_string(i - 1) + "]\n";
        return chance(50) ? s + y : y + s;
      }
      case 8: {  // deep nesting
        const size_t depth = 1 + below(chance(20) ? 5000 : 300);
        const bool map = chance(50);
        std::string open, close;
        for (size_t k = 0; k < depth; ++k) {
          open += map ? "{a: " : "[";
          close += map ? "}" : "]";
        }
        return s.insert(at, open + "1" + close);
      }
      case 9: {  // a number replaced by a huge or odd one
        const size_t d = s.find_first_of("0123456789", at);
        if (d == std::string::npos) return s;
        size_t e = d;
        while (e < s.size() && std::isdigit(static_cast<unsigned char>(s[e]))) ++e;
        return s.replace(d, e - d, pick(kHugeNumbers));
      }
      case 10: {  // bytes that are not UTF-8
        static const std::vector<std::string> bad = {"\xff", "\xfe\xff", "\xc3\x28", "\xed\xa0\x80", "\xf4\x90\x80\x80",
                                                     "\xe2\x82", "\xc0\xaf", "\x80"};
        return s.insert(at, pick(bad));
      }
      case 11: {  // a hostile expression as a value
        static const std::vector<std::string> ops = {"+", "-", "*", "/", ","};
        std::string e;
        for (size_t k = 0, m = 1 + below(6); k < m; ++k)
          e += (k ? pick(ops) : "") + (chance(50) ? pick(kHugeNumbers) : std::string(chance(50) ? "w" : "width"));
        if (chance(10)) e = std::string(200, '(') + e + std::string(200, ')');
        const auto colon = s.find(": ", at);
        if (colon == std::string::npos) return s;
        const auto eol = s.find('\n', colon);
        return s.replace(colon + 2, (eol == std::string::npos ? s.size() : eol) - colon - 2, "'${" + e + "}'");
      }
      case 12: {  // a repeat on some mapping
        const auto brace = s.find('{', at);
        if (brace == std::string::npos) return s;
        return s.insert(brace + 1, "repeat: " + pick(kHugeNumbers) + ", ");
      }
      case 13:  // truncate
        return s.substr(0, at);
      case 14: {  // re-indent a line
        auto lines = lines_of(s);
        if (lines.empty()) return s;
        auto& l = lines[below(lines.size())];
        if (chance(50)) l.insert(0, std::string(1 + below(4), ' '));
        else l.erase(0, std::min(l.size(), below(4)));
        return join(lines);
      }
      default: {  // splice in a line of another token
        return s.insert(at, "\n" + pick(kTokens) + pick(kTokens) + "\n");
      }
    }
  }

  std::mt19937_64 rng_;
};

// ---- the oracle ----------------------------------------------------------------

struct Tally {
  long inputs = 0, accepted = 0, errors = 0, failures = 0;
  long runtime_errors = 0;  // atrous::Error of Kind::runtime (exit 1) for bad input: the first is shown
  std::string first_runtime;
  double slowest = 0;  // seconds, and the seed of that input
  uint64_t slowest_seed = 0;
};

std::string shown(const std::string& input) {
  const std::string p = printable_utf8(input);
  return p.size() > 3000 ? p.substr(0, 3000) + "... (" + std::to_string(input.size()) + " bytes)" : p;
}

// Runs one input: success or an atrous::Error with a one-line UTF-8 message.
void check_one(Tally& t, const char* entry, uint64_t seed, const std::string& input, const std::function<void()>& f) {
  std::snprintf(g_current, sizeof g_current, "%s input with ATROUS_FUZZ_REPLAY=%llu", entry,
                static_cast<unsigned long long>(seed));
  ++t.inputs;
  const auto start = std::chrono::steady_clock::now();
  struct Timer {  // records the slowest input, however it ends
    Tally& t;
    uint64_t seed;
    std::chrono::steady_clock::time_point start;
    ~Timer() {
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (s > t.slowest) t.slowest = s, t.slowest_seed = seed;
    }
  } timer{t, seed, start};
  const bool replay = std::getenv("ATROUS_FUZZ_REPLAY") != nullptr;
  if (replay) std::printf("%s input:\n%s\n", entry, shown(input).c_str());
  try {
    f();
    ++t.accepted;
    if (replay) std::printf("accepted\n");
  } catch (const Error& e) {
    ++t.errors;
    const std::string m = e.what();
    if (replay) std::printf("atrous::Error: %s\n", m.c_str());
    if (e.kind() != Error::Kind::usage && t.runtime_errors++ == 0) t.first_runtime = m;
    if (!is_valid_utf8(m) || m.find('\n') != std::string::npos) {
      ++t.failures;
      ADD_FAILURE() << entry << " seed " << seed << ": the message is not one line of UTF-8: " << printable_utf8(m)
                    << "\ninput:\n" << shown(input);
    }
  } catch (const std::exception& e) {
    ++t.failures;
    ADD_FAILURE() << entry << " seed " << seed << ": " << typeid(e).name() << ": " << printable_utf8(e.what())
                  << "\ninput:\n" << shown(input);
  }
}

// Runs `one(seed)` for this test's share of the time (or once for a replay).
void fuzz(const char* entry, int index, const std::function<void(uint64_t)>& one) {
  install_crash_handler();
  if (const char* replay = std::getenv("ATROUS_FUZZ_REPLAY")) {
    one(std::strtoull(replay, nullptr, 10));
    return;
  }
  const auto start = std::chrono::steady_clock::now();
  const auto budget = std::chrono::duration<double>(seconds_per_test());
  uint64_t i = 0;
  for (; std::chrono::steady_clock::now() - start < budget; ++i)
    one(base_seed() * 1000003 + static_cast<uint64_t>(index) * 1000000007ULL + i);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("[ fuzz     ] %s: %llu inputs in %.1f s\n", entry, static_cast<unsigned long long>(i), seconds);
}

void report(const char* entry, const Tally& t) {
  std::printf("[ fuzz     ] %s: %ld parsed, %ld accepted, %ld atrous::Error, %ld failures; slowest %.2f s "
              "(ATROUS_FUZZ_REPLAY=%llu)\n",
              entry, t.inputs, t.accepted, t.errors, t.failures, t.slowest,
              static_cast<unsigned long long>(t.slowest_seed));
  if (t.runtime_errors > 0)
    std::printf("[ fuzz     ] %s: %ld errors of kind runtime (exit 1), e.g. %s\n", entry, t.runtime_errors,
                t.first_runtime.c_str());
}

// ---- the tests ---------------------------------------------------------------------

TEST(ConfigFuzz, ModelFiles) {
  const bool build_models = std::getenv("ATROUS_FUZZ_BUILD") != nullptr;
  const auto seeds = read_configs("configs/models");
  ASSERT_FALSE(seeds.empty());
  Tally t;
  fuzz("model", 0, [&](uint64_t seed) {
    Mutator m(seed);
    const std::string input = m.mutate(m.pick(seeds));
    check_one(t, "model", seed, input, [&] {
      const ResolvedModel r = load_model_string(input, "fuzz.yaml");
      (void)r.canonical();  // must dump: JSON refuses text that is not UTF-8
      // Building the graph allocates the parameters, so a mutated `out: 4294967296` asks for
      // gigabytes: only on request, and only under a memory limit (ulimit -v).
      if (build_models) check_model(r);
    });
  });
  report("model", t);
}

TEST(ConfigFuzz, DataConfigsAndRecipes) {
  auto seeds = read_configs("configs/data");
  const auto recipes = read_configs("configs/train");
  ASSERT_FALSE(seeds.empty());
  Tally t;
  fuzz("data/train", 1, [&](uint64_t seed) {
    Mutator m(seed);
    const bool recipe = !recipes.empty() && m.chance(30);
    const std::string input = m.mutate(m.pick(recipe ? recipes : seeds));
    check_one(t, recipe ? "recipe" : "data config", seed, input, [&] {
      const ConfigDoc doc = ConfigDoc::load_string(input, "fuzz.yaml");
      if (recipe) (void)read_recipe(doc).resolved().dump();
      else (void)load_data_config(doc).resolved().dump();
    });
  });
  report("data/train", t);
}

TEST(ConfigFuzz, ExperimentSpecs) {
  const auto seeds = read_configs("experiments");
  ASSERT_FALSE(seeds.empty());
  // The spec sits in <dir>/experiments/, so its `configs/...` paths resolve in <dir>/configs.
  testing::TempDir dir("config_fuzz");
  fs::create_directories(dir / "experiments");
  fs::create_directory_symlink(std::string(ATROUS_SOURCE_DIR) + "/configs", dir / "configs");
  const std::string path = dir / "experiments/fuzz.yaml";
  Tally t;
  fuzz("experiment", 2, [&](uint64_t seed) {
    Mutator m(seed);
    const std::string input = m.mutate(m.pick(seeds));
    std::ofstream(path, std::ios::binary | std::ios::trunc) << input;
    check_one(t, "experiment", seed, input, [&] {
      const ExperimentSpec spec = load_experiment(path);
      // Expanding is cheap unless the grid is huge; planning (resolving every run) is the sweep's test.
      size_t runs = spec.variants.size() * spec.seeds.size();
      for (const auto& axis : spec.grid) runs *= std::max<size_t>(1, axis.values.size());
      if (runs <= 10000) (void)expand(spec);
    });
  });
  report("experiment", t);
}

TEST(ConfigFuzz, Overrides) {
  const auto models = read_configs("configs/models");
  const auto data = read_configs("configs/data");
  Tally t;
  fuzz("override", 3, [&](uint64_t seed) {
    Mutator m(seed);
    std::vector<std::string> overrides;
    for (size_t k = 0, n = 1 + m.below(3); k < n; ++k) {
      std::string o = m.pick(kOverrides);
      if (m.chance(80)) o = m.mutate(o);
      if (m.chance(20)) o = "+" + o;
      overrides.push_back(o);
    }
    const bool model = m.chance(50);
    const std::string base = model ? m.pick(models) : m.pick(data);
    const std::string shown_input = [&] {
      std::string s = base + "\n# overrides:\n";
      for (const auto& o : overrides) s += "# --set " + o + "\n";
      return s;
    }();
    check_one(t, model ? "model override" : "data override", seed, shown_input, [&] {
      if (model) {
        ModelOptions o;
        o.overrides = overrides;
        (void)load_model_string(base, "fuzz.yaml", o).canonical();
      } else {
        ConfigDoc doc = ConfigDoc::load_string(base, "fuzz.yaml");
        for (const auto& o : overrides) doc.apply_override(o, true);
        (void)load_data_config(doc).resolved().dump();
      }
    });
  });
  report("override", t);
}

TEST(ConfigFuzz, RawDocumentsAndOverrides) {
  // ConfigDoc alone, on every kind of seed: parse, override, locate, dump.
  std::vector<std::string> seeds = read_configs("configs/models");
  for (const auto* d : {"configs/data", "configs/train", "experiments", "configs/blocks"})
    for (auto& s : read_configs(d)) seeds.push_back(std::move(s));
  Tally t;
  fuzz("document", 4, [&](uint64_t seed) {
    Mutator m(seed);
    const std::string input = m.mutate(m.pick(seeds));
    const std::string o = m.mutate(m.pick(kOverrides));
    check_one(t, "document", seed, input + "\n# --set " + o + "\n", [&] {
      ConfigDoc doc = ConfigDoc::load_string(input, "fuzz.yaml");
      (void)doc.root().dump();
      (void)doc.where("/layers/0/out").str();
      if (m.chance(50)) apply_model_override(doc, o);
      else doc.apply_override(o, m.chance(50));
      (void)doc.root().dump();
    });
  });
  report("document", t);
}

}  // namespace
}  // namespace atrous
