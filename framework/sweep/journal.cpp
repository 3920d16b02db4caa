#include "sweep/journal.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>

#include "core/error.hpp"
#include "train/atomic_file.hpp"

namespace atrous {

namespace fs = std::filesystem;

namespace {

// Whether the file is absent, empty or ends with a newline.
bool ends_with_newline(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return true;
  char last = '\n';
  const off_t size = ::lseek(fd, 0, SEEK_END);
  if (size > 0 && ::pread(fd, &last, 1, size - 1) != 1) last = '\n';
  ::close(fd);
  return last == '\n';
}

double metric_value(const nlohmann::json& v) {
  return v.is_number() ? v.get<double>() : std::numeric_limits<double>::quiet_NaN();
}

std::string text_of(const nlohmann::json& e, const char* key) {
  return e.contains(key) && e[key].is_string() ? e[key].get<std::string>() : std::string();
}

}  // namespace

JournalWriter::JournalWriter(std::string path) : path_(std::move(path)) {
  // A writer killed mid-line left a partial last line: end it, so that it stays one
  // skipped line instead of swallowing the first event of this session.
  if (!ends_with_newline(path_)) append_to_file(path_, "\n");
}

void JournalWriter::append(nlohmann::json event) {
  if (!event.contains("time")) event["time"] = store::utc_timestamp();
  // NaN and infinities have no JSON spelling: dump() writes null, read back as NaN.
  const std::string line = event.dump() + "\n";
  std::lock_guard lock(mutex_);
  append_to_file(path_, line);  // one write() of the whole line (O_APPEND), then fsync
}

JournalRead read_journal(const std::string& path) {
  JournalRead out;
  std::ifstream in(path, std::ios::binary);
  if (!in) return out;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    const bool last_without_newline = in.eof();
    if (line.empty()) continue;
    auto event = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (event.is_discarded() || !event.is_object() || !event.contains("event") || !event["event"].is_string()) {
      out.skipped.push_back(fmt::format("{}:{}: {}", path, number,
                                        last_without_newline ? "a half-written last line (its writer was killed)"
                                                             : "not a journal event (expected one JSON object with "
                                                               "an \"event\")"));
      continue;
    }
    out.events.push_back(std::move(event));
  }
  return out;
}

JournalFold fold_journal(const std::vector<nlohmann::json>& events, std::vector<std::string>* skipped) {
  JournalFold f;
  std::set<std::pair<std::string, std::string>> seen_artifacts;
  const auto skip = [&](const nlohmann::json& e, const char* why) {
    if (skipped) skipped->push_back(fmt::format("event {}: {}", e.dump(), why));
  };
  for (const auto& e : events) {
    const std::string kind = e["event"].get<std::string>();
    const std::string time = text_of(e, "time");
    if (!time.empty()) f.last_time = time;
    if (kind == "start") {
      f.started = true;
      f.start_time = time;
      f.info = store::RuntimeInfo{};
      f.info.host = text_of(e, "host");
      if (e.contains("pid") && e["pid"].is_number_integer()) f.info.pid = e["pid"].get<int64_t>();
      f.info.atrous_version = text_of(e, "atrous_version");
      f.info.onednn_version = text_of(e, "onednn_version");
      f.info.onednn_isa = text_of(e, "onednn_isa");
      if (e.contains("threads") && e["threads"].is_number_integer()) f.info.threads = e["threads"].get<int>();
      f.status.reset();
      f.reason.clear();
      f.status_time.clear();
    } else if (kind == "epoch") {
      if (!e.contains("step") || !e["step"].is_number_integer() || !e.contains("metrics") ||
          !e["metrics"].is_object()) {
        skip(e, "an epoch needs an integer \"step\" and an object \"metrics\"");
        continue;
      }
      JournalEpoch ep;
      ep.step = e["step"].get<int64_t>();
      if (e.contains("epoch") && e["epoch"].is_number_integer()) ep.epoch = e["epoch"].get<int64_t>();
      ep.time = time;
      for (const auto& [k, v] : e["metrics"].items()) ep.metrics[k] = metric_value(v);
      f.epochs.push_back(std::move(ep));
    } else if (kind == "artifact") {
      const std::string a_kind = text_of(e, "kind"), a_path = text_of(e, "path");
      if (a_kind.empty() || a_path.empty()) {
        skip(e, "an artifact needs a \"kind\" and a \"path\"");
        continue;
      }
      if (seen_artifacts.emplace(a_kind, a_path).second) f.artifacts.push_back({a_kind, a_path, time});
    } else if (kind == "summaries") {
      if (!e.contains("values") || !e["values"].is_object()) {
        skip(e, "summaries need an object \"values\"");
        continue;
      }
      for (const auto& [k, v] : e["values"].items()) f.summaries[k] = metric_value(v);
    } else if (kind == "status") {
      try {
        f.status = parse_run_status(text_of(e, "status"));
      } catch (const std::exception&) {
        skip(e, "a status needs a \"status\" that is a run status");
        continue;
      }
      f.reason = text_of(e, "reason");
      f.status_time = time;
    }
    // "heartbeat" only moves last_time; unknown kinds are a newer writer's.
  }
  return f;
}

}  // namespace atrous
