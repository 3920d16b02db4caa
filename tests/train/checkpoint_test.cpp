#include "train/checkpoint.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/rng.hpp"
#include "nn/registry.hpp"
#include "support/gradient_checker.hpp"

namespace atrous {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// A fresh directory per test.
class CheckpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "atrous_ckpt_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  std::vector<std::string> files() const {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir_)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
  }
  fs::path dir_;
};

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string le64(uint64_t v) {
  std::string s;
  for (int i = 0; i < 8; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  return s;
}

// A file made of a header text and raw data bytes (for malformed-file tests).
std::string make_file(const std::string& header, const std::string& data) {
  return le64(header.size()) + header + data;
}

std::string f32_bytes(std::initializer_list<float> values) {
  std::string s;
  for (float v : values) s.append(reinterpret_cast<const char*>(&v), 4);
  return s;
}

Graph small_graph(int64_t c1_out = 4, bool with_c3 = false) {
  Graph g;
  g.add_input("x", {3, 6, 6});
  g.add("c1", create_layer("conv", json{{"out", c1_out}}), {"x"});
  g.add("c2", create_layer("conv", json{{"out", 2}, {"kernel", 1}}), {"c1"});
  if (with_c3) g.add("c3", create_layer("conv", json{{"out", 2}, {"bias", false}}), {"c2"});
  g.init(11);
  return g;
}

TEST_F(CheckpointTest, HeaderLayoutByteByByte) {
  Checkpoint c;
  c.tensors["b"] = {{2}, {1.0f, -2.0f}};
  c.tensors["a"] = {{1, 1}, {0.5f}};
  c.set_step(7);
  const std::string bytes = to_safetensors(c);
  // Keys sorted ("__metadata__" < "a" < "b" in byte order), data in name order.
  const std::string header = R"({"__metadata__":{"step":"7"},"a":{"data_offsets":[0,4],"dtype":"F32","shape":[1,1]},)"
                             R"("b":{"data_offsets":[4,12],"dtype":"F32","shape":[2]}})";
  const size_t padded = (header.size() + 7) / 8 * 8;  // spaces up to a multiple of 8
  ASSERT_EQ(bytes.size(), 8 + padded + 12);
  EXPECT_EQ(bytes.substr(0, 8), le64(padded));
  EXPECT_EQ(bytes.substr(8, header.size()), header);
  EXPECT_EQ(bytes.substr(8 + header.size(), padded - header.size()), std::string(padded - header.size(), ' '));
  // 0.5f = 0x3F000000, 1.0f = 0x3F800000, -2.0f = 0xC0000000, little-endian.
  const unsigned char data[12] = {0, 0, 0, 0x3F, 0, 0, 0x80, 0x3F, 0, 0, 0, 0xC0};
  EXPECT_EQ(std::memcmp(bytes.data() + 8 + padded, data, 12), 0);
  // And the file written by save_checkpoint is the same bytes.
  save_checkpoint(path("h.safetensors"), c);
  EXPECT_EQ(read_bytes(path("h.safetensors")), bytes);
}

TEST_F(CheckpointTest, RoundTripIsByteExact) {
  Graph g = small_graph();
  auto params = g.params();
  for (auto& np : params)
    for (auto& v : np.param->grad) v = 0.01f;
  OptimizerConfig oc;
  oc.type = "adam";
  auto opt = make_optimizer(oc);
  opt->step(params, 0.1);
  Checkpoint c;
  add_parameters(c, g);
  add_optimizer_state(c, *opt, params);
  c.set_step(1234);
  c.metadata["config"] = R"({"model": "dilated \"ctx\"", "unicode": "é"})";
  // Special values survive bit for bit.
  c.tensors["special"] = {{6},
                          {-0.0f, std::numeric_limits<float>::denorm_min(), std::numeric_limits<float>::infinity(),
                           -std::numeric_limits<float>::infinity(), std::numeric_limits<float>::quiet_NaN(),
                           std::numeric_limits<float>::max()}};
  const std::string file = path("ckpt.safetensors");
  save_checkpoint(file, c);
  const std::string bytes = read_bytes(file);
  const Checkpoint back = load_checkpoint(file);
  EXPECT_EQ(back.source, file);
  EXPECT_EQ(back.metadata, c.metadata);
  EXPECT_EQ(back.step(), 1234);
  ASSERT_EQ(back.tensors.size(), c.tensors.size());
  for (const auto& [name, t] : c.tensors) {
    const auto& u = back.tensors.at(name);
    EXPECT_EQ(u.shape, t.shape) << name;
    ASSERT_EQ(u.data.size(), t.data.size()) << name;
    EXPECT_EQ(std::memcmp(u.data.data(), t.data.data(), t.data.size() * 4), 0) << name;
  }
  EXPECT_EQ(to_safetensors(back), bytes);                             // re-encoding gives the identical file
  EXPECT_EQ(back.tensors.at("c1.weight").shape, (Dims{4, 3, 3, 3}));  // plain OIHW
  EXPECT_TRUE(back.tensors.count("optimizer/c1.weight.exp_avg_sq"));
  EXPECT_EQ(back.metadata.at("optimizer"), "adam");
  EXPECT_EQ(files(), std::vector<std::string>{"ckpt.safetensors"});  // no temporary left behind
}

TEST_F(CheckpointTest, LoadParametersRestoresTheModel) {
  Graph a = small_graph();
  Checkpoint c;
  add_parameters(c, a);
  Graph b = small_graph();
  b.init(99);  // different values
  load_parameters(b, c);
  const Tensor x = testing::random_tensor({1, 3, 6, 6}, 4);
  EXPECT_EQ(a.forward(x, false).to_vector(), b.forward(x, false).to_vector());
}

TEST_F(CheckpointTest, LoadParametersListsEveryDifference) {
  Graph saved = small_graph(5, true);  // c1 has 5 outputs (c2's weight 2x5x1x1), and a c3
  Checkpoint c;
  add_parameters(c, saved);
  c.tensors.erase("c2.bias");
  c.source = "run/best.safetensors";
  Graph model = small_graph(4, false);
  const auto before = model.params()[0].param->value;
  try {
    load_parameters(model, c);
    FAIL() << "no error";
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("checkpoint 'run/best.safetensors' does not match the model"), std::string::npos) << m;
    EXPECT_NE(m.find("missing (1): c2.bias"), std::string::npos) << m;
    EXPECT_NE(m.find("unexpected (1): c3.weight"), std::string::npos) << m;
    EXPECT_NE(m.find("shape mismatch: c1.weight: checkpoint [5, 3, 3, 3], model [4, 3, 3, 3]"), std::string::npos) << m;
    EXPECT_NE(m.find("shape mismatch: c1.bias: checkpoint [5], model [4]"), std::string::npos) << m;
    EXPECT_NE(m.find("shape mismatch: c2.weight: checkpoint [2, 5, 1, 1], model [2, 4, 1, 1]"), std::string::npos) << m;
  }
  EXPECT_EQ(model.params()[0].param->value, before);  // nothing was loaded
}

TEST_F(CheckpointTest, OptimizerStateResumesExactly) {
  // Three steps straight, against one step, a save to disk, a load into a fresh
  // model and optimizer, and two more steps: bit-identical parameters.
  auto set_grads = [](std::vector<NamedParam>& params, int t) {
    Rng rng(static_cast<uint64_t>(t) + 100);
    for (auto& np : params)
      for (auto& v : np.param->grad) v = static_cast<float>(rng.uniform(-1, 1));
  };
  for (const std::string type : {"sgd", "adam", "adamw"}) {
    OptimizerConfig oc;
    oc.type = type;
    oc.weight_decay = 1e-3;
    Graph a = small_graph();
    auto pa = a.params();
    auto oa = make_optimizer(oc);
    for (int t = 0; t < 3; ++t) {
      set_grads(pa, t);
      oa->step(pa, 0.1);
    }
    Graph b = small_graph();
    auto pb = b.params();
    auto ob = make_optimizer(oc);
    set_grads(pb, 0);
    ob->step(pb, 0.1);
    Checkpoint c;
    add_parameters(c, b);
    add_optimizer_state(c, *ob, pb);
    c.set_step(1);
    save_checkpoint(path("resume.safetensors"), c);

    const Checkpoint r = load_checkpoint(path("resume.safetensors"));
    Graph d = small_graph();
    d.init(5);
    auto pd = d.params();
    auto od = make_optimizer(oc);
    load_parameters(d, r);
    load_optimizer_state(*od, pd, r);
    for (int t = r.step(); t < 3; ++t) {
      set_grads(pd, t);
      od->step(pd, 0.1);
    }
    for (size_t i = 0; i < pa.size(); ++i)
      EXPECT_EQ(pd[i].param->value, pa[i].param->value) << type << " " << pa[i].name;
  }
}

TEST_F(CheckpointTest, OptimizerStateMismatches) {
  Graph g = small_graph();
  auto params = g.params();
  auto sgd = make_optimizer({});
  Checkpoint c;
  add_optimizer_state(c, *sgd, params);
  c.source = "x.safetensors";
  OptimizerConfig oc;
  oc.type = "adam";
  auto adam = make_optimizer(oc);
  try {
    load_optimizer_state(*adam, params, c);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("holds the state of a 'sgd' optimizer, not of 'adam'"), std::string::npos)
        << e.what();
  }
  // Same type, other model: every difference is listed.
  Graph other = small_graph(5, true);
  auto po = other.params();
  try {
    load_optimizer_state(*make_optimizer({}), po, c);
    FAIL() << "no error";
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("missing (2): optimizer/c3.weight.step, optimizer/c3.weight.momentum"), std::string::npos) << m;
    EXPECT_NE(m.find("shape mismatch: optimizer/c1.weight.momentum: checkpoint [108], optimizer [135]"),
              std::string::npos)
        << m;
  }
  // Without the type in the metadata, an Adam checkpoint still fails on its names.
  Checkpoint ca;
  add_optimizer_state(ca, *adam, params);
  ca.metadata.erase("optimizer");
  try {
    load_optimizer_state(*make_optimizer({}), params, ca);
    FAIL() << "no error";
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("missing (4)"), std::string::npos) << m;
    EXPECT_NE(m.find("unexpected (8)"), std::string::npos) << m;
  }
}

TEST_F(CheckpointTest, StepMetadata) {
  Checkpoint c;
  c.source = "s.safetensors";
  EXPECT_THROW(c.step(), Error);
  c.metadata["step"] = "12x";
  try {
    c.step();
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'12x'"), std::string::npos) << e.what();
  }
  c.set_step(9000000000);
  EXPECT_EQ(c.step(), 9000000000);
}

// Each malformed file gives an error naming the file and the problem.
TEST_F(CheckpointTest, ReadErrorsNameTheFileAndTheProblem) {
  const std::string good_tensor = R"("w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]})";
  struct Bad {
    const char* label;
    std::string bytes;
    const char* problem;
  };
  const std::vector<Bad> cases = {
      {"short", std::string("\x05\x00\x00", 3), "too short for the 8-byte header length"},
      {"length_too_big", le64(1000) + "{}", "bad header length 1000"},
      {"bad_json", make_file(R"({"w":{"dtype":)", ""), "header is not valid JSON"},
      {"not_object", make_file("[1,2]", ""), "header is not a JSON object"},
      {"dtype", make_file(R"({"w":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}})", f32_bytes({1})),
       "tensor 'w' has unsupported dtype 'F16' (only F32)"},
      {"out_of_range", make_file(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", f32_bytes({1})),
       "tensor 'w': data_offsets [0, 8] out of range (the data section has 4 bytes)"},
      {"size_vs_shape", make_file(R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", f32_bytes({1, 2})),
       "shape [3] needs 12 bytes but data_offsets [0, 8] span 8"},
      {"overlap",
       make_file("{" + good_tensor + R"(,"v":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", f32_bytes({1, 2})),
       "overlap"},
      {"gap", make_file(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", f32_bytes({1, 2})), "leave a gap"},
      {"trailing_data", make_file("{" + good_tensor + "}", f32_bytes({1, 2, 3})),
       "the data section has 12 bytes but the tensors cover 8"},
      {"negative_dim", make_file(R"({"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", f32_bytes({1, 2})),
       "non-integer or negative dim"},
      {"no_offsets", make_file(R"({"w":{"dtype":"F32","shape":[2]}})", f32_bytes({1, 2})),
       "tensor 'w' has no 'data_offsets'"},
      {"bad_offsets", make_file(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[8]}})", f32_bytes({1, 2})),
       "data_offsets [8] is not a pair"},
      {"metadata_not_string", make_file("{" + good_tensor + R"(,"__metadata__":{"step":7}})", f32_bytes({1, 2})),
       "metadata 'step' is not a string"},
  };
  for (const auto& bad : cases) {
    const std::string file = path(std::string(bad.label) + ".safetensors");
    write_bytes(file, bad.bytes);
    try {
      load_checkpoint(file);
      ADD_FAILURE() << bad.label << ": no error";
    } catch (const Error& e) {
      const std::string m = e.what();
      EXPECT_NE(m.find("checkpoint '" + file + "'"), std::string::npos) << bad.label << ": " << m;
      EXPECT_NE(m.find(bad.problem), std::string::npos) << bad.label << ": " << m;
    }
  }
  // The well-formed variant of the same file loads (so the cases above fail for their stated reason).
  write_bytes(path("good.safetensors"), make_file("{" + good_tensor + "}", f32_bytes({1, 2})));
  EXPECT_EQ(load_checkpoint(path("good.safetensors")).tensors.at("w").data, (std::vector<float>{1, 2}));
  try {
    load_checkpoint(path("absent.safetensors"));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("absent.safetensors': cannot open"), std::string::npos) << e.what();
  }
}

TEST_F(CheckpointTest, FailedWritesLeaveTheOldFileAndNoTemporary) {
  Checkpoint a;
  a.tensors["w"] = {{1}, {1.f}};
  save_checkpoint(path("c.safetensors"), a);
  const std::string old = read_bytes(path("c.safetensors"));
  // The target is an existing non-empty directory: rename fails after the data is written.
  fs::create_directory(dir_ / "d.safetensors");
  write_bytes(path("d.safetensors/keep"), "x");
  try {
    save_checkpoint(path("d.safetensors"), a);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot write '" + path("d.safetensors") + "': rename"), std::string::npos)
        << e.what();
  }
  // A missing directory: the temporary cannot even be created.
  EXPECT_THROW(save_checkpoint(path("no/such/dir/c.safetensors"), a), Error);
  // Overwriting replaces the content completely.
  Checkpoint b;
  b.tensors["v"] = {{2}, {2.f, 3.f}};
  save_checkpoint(path("c.safetensors"), b);
  EXPECT_NE(read_bytes(path("c.safetensors")), old);
  EXPECT_EQ(load_checkpoint(path("c.safetensors")).tensors.count("v"), 1u);
  EXPECT_EQ(files(), (std::vector<std::string>{"c.safetensors", "d.safetensors"}));
}

// A writer killed (SIGKILL) at arbitrary moments while it overwrites a checkpoint
// again and again: the file at the path is always one of the two complete versions.
TEST_F(CheckpointTest, KilledWriterNeverLeavesATornFile) {
  Checkpoint v1, v2;
  v1.tensors["w"] = {{1 << 20}, std::vector<float>(1 << 20, 1.f)};  // 4 MiB
  v2.tensors["w"] = {{1 << 20}, std::vector<float>(1 << 20, 2.f)};
  v1.set_step(1);
  v2.set_step(2);
  const std::string file = path("k.safetensors");
  save_checkpoint(file, v1);
  const std::string b1 = to_safetensors(v1), b2 = to_safetensors(v2);
  for (int round = 0; round < 6; ++round) {
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {  // the child only writes files (no OpenMP, no oneDNN): safe after fork
      for (;;) {
        save_checkpoint(file, v2);
        save_checkpoint(file, v1);
      }
    }
    ::usleep(static_cast<useconds_t>(3000 + 7000 * round));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    const std::string now = read_bytes(file);
    EXPECT_TRUE(now == b1 || now == b2) << "round " << round << ": " << now.size() << " bytes";
  }
}

}  // namespace
}  // namespace atrous
