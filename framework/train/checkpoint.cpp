#include "train/checkpoint.hpp"

#include <fmt/ranges.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "core/error.hpp"
#include "train/atomic_file.hpp"

namespace atrous {

// The data section is the in-memory float representation.
static_assert(std::endian::native == std::endian::little, "checkpoints assume a little-endian host");

using nlohmann::json;

namespace {

constexpr std::string_view kMetadataKey = "__metadata__";

std::string what_of(const std::string& source) {
  return source.empty() ? "checkpoint" : fmt::format("checkpoint '{}'", source);
}

std::string shape_str(const Dims& d) { return fmt::format("[{}]", fmt::join(d, ", ")); }

// The header text, padded with spaces to a multiple of 8 bytes.
std::string header_of(const Checkpoint& c) {
  json h = json::object();
  uint64_t offset = 0;
  for (const auto& [name, t] : c.tensors) {
    check(name != kMetadataKey, "a tensor cannot be named '{}'", kMetadataKey);
    check(static_cast<int64_t>(t.data.size()) == product(t.shape), "checkpoint tensor '{}' has {} values for shape {}",
          name, t.data.size(), shape_str(t.shape));
    const uint64_t bytes = t.data.size() * sizeof(float);
    h[name] = {{"dtype", "F32"}, {"shape", t.shape}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  if (!c.metadata.empty()) h[std::string(kMetadataKey)] = c.metadata;
  std::string text = h.dump();
  text.append((8 - text.size() % 8) % 8, ' ');
  return text;
}

void put_u64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint64_t get_u64(std::string_view bytes) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(static_cast<unsigned char>(bytes[i])) << (8 * i);
  return v;
}

// One error message listing every difference between what the model (or optimizer)
// expects and what the checkpoint holds.
struct Mismatch {
  std::vector<std::string> missing, unexpected, shapes;
  bool empty() const { return missing.empty() && unexpected.empty() && shapes.empty(); }
  std::string str() const {
    std::string s;
    if (!missing.empty()) s += fmt::format("\n  missing ({}): {}", missing.size(), fmt::join(missing, ", "));
    if (!unexpected.empty())
      s += fmt::format("\n  unexpected ({}): {}", unexpected.size(), fmt::join(unexpected, ", "));
    for (const auto& m : shapes) s += "\n  shape mismatch: " + m;
    return s;
  }
};

bool is_optimizer_name(const std::string& name) { return name.starts_with(kOptimizerPrefix); }

}  // namespace

int64_t Checkpoint::step() const {
  auto it = metadata.find("step");
  check(it != metadata.end(), "{} has no 'step' in its metadata", what_of(source));
  size_t used = 0;
  int64_t v = 0;
  try {
    v = std::stoll(it->second, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  check(used == it->second.size() && used > 0 && v >= 0, "{}: metadata 'step' is '{}', not a step number",
        what_of(source), it->second);
  return v;
}

std::string to_safetensors(const Checkpoint& c) {
  const std::string header = header_of(c);
  size_t total = 8 + header.size();
  for (const auto& [name, t] : c.tensors) total += t.data.size() * sizeof(float);
  std::string out;
  out.reserve(total);
  put_u64(out, header.size());
  out += header;
  for (const auto& [name, t] : c.tensors)
    out.append(reinterpret_cast<const char*>(t.data.data()), t.data.size() * sizeof(float));
  return out;
}

Checkpoint from_safetensors(std::string_view bytes, const std::string& source) {
  const std::string what = what_of(source);
  auto fail = [&](const std::string& problem) -> Error { return Error(fmt::format("{}: {}", what, problem)); };
  if (bytes.size() < 8)
    throw fail(fmt::format("file is {} bytes, too short for the 8-byte header length", bytes.size()));
  const uint64_t n = get_u64(bytes);
  if (n > bytes.size() - 8)
    throw fail(
        fmt::format("bad header length {}: the file has only {} bytes after the length field", n, bytes.size() - 8));
  json h;
  try {
    h = json::parse(bytes.substr(8, n));
  } catch (const json::exception& e) {
    throw fail(fmt::format("header is not valid JSON: {}", e.what()));
  }
  if (!h.is_object()) throw fail("header is not a JSON object");
  const uint64_t data_size = bytes.size() - 8 - n;
  const char* data = bytes.data() + 8 + n;

  Checkpoint c;
  c.source = source;
  struct Span {
    uint64_t begin, end;
    std::string name;
  };
  std::vector<Span> spans;
  for (const auto& [name, entry] : h.items()) {
    if (name == kMetadataKey) {
      if (!entry.is_object()) throw fail("__metadata__ is not an object");
      for (const auto& [k, v] : entry.items()) {
        if (!v.is_string()) throw fail(fmt::format("metadata '{}' is not a string", k));
        c.metadata[k] = v.get<std::string>();
      }
      continue;
    }
    if (!entry.is_object()) throw fail(fmt::format("tensor '{}': entry is not an object", name));
    for (const char* key : {"dtype", "shape", "data_offsets"})
      if (!entry.contains(key)) throw fail(fmt::format("tensor '{}' has no '{}'", name, key));
    if (!entry["dtype"].is_string()) throw fail(fmt::format("tensor '{}': dtype is not a string", name));
    const std::string dtype = entry["dtype"].get<std::string>();
    if (dtype != "F32") throw fail(fmt::format("tensor '{}' has unsupported dtype '{}' (only F32)", name, dtype));
    const json& shape = entry["shape"];
    if (!shape.is_array()) throw fail(fmt::format("tensor '{}': shape is not an array", name));
    CheckpointTensor t;
    uint64_t count = 1;
    for (const auto& d : shape) {
      if (!d.is_number_unsigned())
        throw fail(fmt::format("tensor '{}': shape {} has a non-integer or negative dim", name, shape.dump()));
      const uint64_t v = d.get<uint64_t>();
      if (v != 0 && count > (uint64_t{1} << 60) / v)
        throw fail(fmt::format("tensor '{}': shape {} is too large", name, shape.dump()));
      count *= v;
      t.shape.push_back(static_cast<int64_t>(v));
    }
    const json& off = entry["data_offsets"];
    if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() || !off[1].is_number_unsigned())
      throw fail(fmt::format("tensor '{}': data_offsets {} is not a pair of non-negative integers", name, off.dump()));
    const uint64_t begin = off[0].get<uint64_t>(), end = off[1].get<uint64_t>();
    if (begin > end || end > data_size)
      throw fail(fmt::format("tensor '{}': data_offsets [{}, {}] out of range (the data section has {} bytes)", name,
                             begin, end, data_size));
    if (end - begin != count * sizeof(float))
      throw fail(fmt::format("tensor '{}': shape {} needs {} bytes but data_offsets [{}, {}] span {}", name,
                             shape_str(t.shape), count * sizeof(float), begin, end, end - begin));
    t.data.resize(count);
    if (count) std::memcpy(t.data.data(), data + begin, count * sizeof(float));
    spans.push_back({begin, end, name});
    c.tensors.emplace(name, std::move(t));
  }
  // As the reference implementation: the tensors tile the data section exactly.
  std::sort(spans.begin(), spans.end(),
            [](const Span& a, const Span& b) { return a.begin != b.begin ? a.begin < b.begin : a.end < b.end; });
  uint64_t pos = 0;
  for (const auto& s : spans) {
    if (s.begin != pos)
      throw fail(fmt::format("tensor '{}': data_offsets [{}, {}] {} the previous tensor's data (ending at {})", s.name,
                             s.begin, s.end, s.begin < pos ? "overlap" : "leave a gap after", pos));
    pos = s.end;
  }
  if (pos != data_size)
    throw fail(fmt::format("the data section has {} bytes but the tensors cover {}", data_size, pos));
  return c;
}

void save_checkpoint(const std::string& path, const Checkpoint& c) {
  // Streams header and tensors without building the whole file in memory.
  const std::string header = header_of(c);
  std::string len;
  put_u64(len, header.size());
  AtomicFile f(path);
  f.write(len.data(), len.size());
  f.write(header.data(), header.size());
  for (const auto& [name, t] : c.tensors) f.write(t.data.data(), t.data.size() * sizeof(float));
  f.commit();
}

Checkpoint load_checkpoint(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(fmt::format("checkpoint '{}': cannot open: {}", path, std::strerror(errno)));
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw Error(fmt::format("checkpoint '{}': read error", path));
  return from_safetensors(bytes, path);
}

void add_parameters(Checkpoint& c, Graph& graph) {
  for (const auto& np : graph.params()) c.tensors[np.name] = {np.param->dims, np.param->value};
}

void load_parameters(Graph& graph, const Checkpoint& c) {
  const auto params = graph.params();
  Mismatch m;
  std::set<std::string> model_names;
  for (const auto& np : params) {
    model_names.insert(np.name);
    auto it = c.tensors.find(np.name);
    if (it == c.tensors.end()) {
      m.missing.push_back(np.name);
    } else if (it->second.shape != np.param->dims) {
      m.shapes.push_back(
          fmt::format("{}: checkpoint {}, model {}", np.name, shape_str(it->second.shape), shape_str(np.param->dims)));
    }
  }
  for (const auto& [name, t] : c.tensors)
    if (!is_optimizer_name(name) && !model_names.count(name)) m.unexpected.push_back(name);
  if (!m.empty()) throw Error(fmt::format("{} does not match the model:{}", what_of(c.source), m.str()));
  for (const auto& np : params) np.param->value = c.tensors.at(np.name).data;
}

void add_optimizer_state(Checkpoint& c, Optimizer& optimizer, const std::vector<NamedParam>& params) {
  for (const auto& [name, arr] : optimizer.state(params))
    c.tensors[std::string(kOptimizerPrefix) + name] = {{static_cast<int64_t>(arr->size())}, *arr};
  c.metadata["optimizer"] = optimizer.type();
}

void load_optimizer_state(Optimizer& optimizer, const std::vector<NamedParam>& params, const Checkpoint& c) {
  auto type = c.metadata.find("optimizer");
  if (type != c.metadata.end() && type->second != optimizer.type())
    throw Error(fmt::format("{} holds the state of a '{}' optimizer, not of '{}'", what_of(c.source), type->second,
                            optimizer.type()));
  const StateArrays state = optimizer.state(params);
  Mismatch m;
  std::set<std::string> names;
  for (const auto& [name, arr] : state) {
    const std::string key = std::string(kOptimizerPrefix) + name;
    names.insert(key);
    auto it = c.tensors.find(key);
    if (it == c.tensors.end()) {
      m.missing.push_back(key);
    } else if (it->second.data.size() != arr->size()) {
      m.shapes.push_back(
          fmt::format("{}: checkpoint {}, optimizer [{}]", key, shape_str(it->second.shape), arr->size()));
    }
  }
  for (const auto& [name, t] : c.tensors)
    if (is_optimizer_name(name) && !names.count(name)) m.unexpected.push_back(name);
  if (!m.empty())
    throw Error(fmt::format("{}: optimizer state does not match the '{}' optimizer:{}", what_of(c.source),
                            optimizer.type(), m.str()));
  for (const auto& [name, arr] : state) *arr = c.tensors.at(std::string(kOptimizerPrefix) + name).data;
}

}  // namespace atrous
