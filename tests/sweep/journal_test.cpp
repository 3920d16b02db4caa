// The run journal: one event per line, a half-written line skipped (and a writer
// opening such a journal keeps its own lines whole), sessions folded in order.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "../support/temp_dir.hpp"
#include "sweep/journal.hpp"
#include "sweep/journal_recorder.hpp"

namespace atrous {
namespace {

using testing::TempDir;

void append_raw(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::app) << text; }

TEST(Journal, AHalfWrittenLastLineIsSkippedNotFatal) {
  TempDir dir("journal_half");
  const std::string path = dir / "journal.jsonl";
  {
    JournalWriter w(path);
    w.append({{"event", "start"}, {"host", "h"}, {"pid", 7}});
    w.append({{"event", "epoch"}, {"step", 2}, {"epoch", 1}, {"metrics", {{"train.loss", 0.5}}}});
  }
  append_raw(path, R"({"event": "epoch", "step": 4, "metr)");  // killed mid-write
  const JournalRead r = read_journal(path);
  ASSERT_EQ(r.events.size(), 2u);
  ASSERT_EQ(r.skipped.size(), 1u);
  EXPECT_NE(r.skipped[0].find("journal.jsonl:3: a half-written last line"), std::string::npos) << r.skipped[0];

  // The re-run's writer ends the broken line first: its own events all survive.
  {
    JournalWriter w(path);
    w.append({{"event", "start"}, {"host", "h2"}, {"pid", 8}});
    w.append({{"event", "status"}, {"status", "done"}, {"reason", ""}});
  }
  const JournalRead again = read_journal(path);
  ASSERT_EQ(again.events.size(), 4u);
  ASSERT_EQ(again.skipped.size(), 1u);
  EXPECT_NE(again.skipped[0].find("journal.jsonl:3: not a journal event"), std::string::npos) << again.skipped[0];
  const JournalFold f = fold_journal(again.events);
  EXPECT_EQ(f.info.host, "h2");
  EXPECT_EQ(f.info.pid, 8);
  ASSERT_TRUE(f.status.has_value());
  EXPECT_EQ(*f.status, RunStatus::done);
}

TEST(Journal, GarbageLinesAndMalformedEventsAreReportedAndSkipped) {
  TempDir dir("journal_garbage");
  const std::string path = dir.write("journal.jsonl",
                                     "\n"
                                     "not json\n"
                                     "[1, 2]\n"
                                     "{\"no_event\": 1}\n"
                                     "{\"event\": \"start\", \"time\": \"2026-01-01T00:00:00.000Z\"}\n"
                                     "{\"event\": \"epoch\", \"step\": \"x\", \"metrics\": {}}\n"
                                     "{\"event\": \"status\", \"status\": \"exploded\"}\n"
                                     "{\"event\": \"from_the_future\"}\n"
                                     "{\"event\": \"heartbeat\", \"time\": \"2026-01-01T00:01:00.000Z\"}\n");
  const JournalRead r = read_journal(path);
  EXPECT_EQ(r.skipped.size(), 3u);  // lines 2, 3, 4; the empty line is nothing
  ASSERT_EQ(r.events.size(), 5u);
  std::vector<std::string> bad;
  const JournalFold f = fold_journal(r.events, &bad);
  EXPECT_EQ(bad.size(), 2u);  // the epoch without an integer step, the unknown status
  EXPECT_TRUE(f.started);
  EXPECT_TRUE(f.epochs.empty());
  EXPECT_FALSE(f.status.has_value());
  EXPECT_EQ(f.start_time, "2026-01-01T00:00:00.000Z");
  EXPECT_EQ(f.last_time, "2026-01-01T00:01:00.000Z");  // the heartbeat
  EXPECT_TRUE(read_journal(dir / "absent.jsonl").events.empty());
}

TEST(Journal, SessionsFoldInOrder) {
  TempDir dir("journal_fold");
  const std::string path = dir / "journal.jsonl";
  JournalWriter w(path);
  {
    w.append({{"event", "start"}, {"pid", 1}});
    JournalRecorder rec(w);
    EXPECT_EQ(rec.previous_wall_seconds(), 0);
    rec.epoch(2, 1, {{"train.loss", 0.9}, {"val.miou", std::nan("")}});
    rec.artifact("checkpoint", "/x/last.safetensors");
    rec.summaries({{"wall_seconds", 3.0}, {"val.miou", 0.1}});
    rec.status(RunStatus::interrupted, "stopped by signal 10");
  }
  {
    w.append({{"event", "start"}, {"pid", 2}});
    JournalRecorder rec(w);
    EXPECT_EQ(rec.previous_wall_seconds(), 3.0);  // the earlier session's
    rec.epoch(2, 1, {{"train.loss", 0.8}});       // a replayed epoch
    rec.epoch(4, 2, {{"train.loss", 0.7}});
    rec.artifact("checkpoint", "/x/last.safetensors");
    rec.summaries({{"wall_seconds", 5.0}});
  }
  const JournalFold f = fold_journal(read_journal(path).events);
  EXPECT_EQ(f.info.pid, 2);
  EXPECT_FALSE(f.status.has_value()) << "the second session has not ended";
  ASSERT_EQ(f.epochs.size(), 3u);
  EXPECT_TRUE(std::isnan(f.epochs[0].metrics.at("val.miou")));  // written as null
  EXPECT_EQ(f.epochs[2].step, 4);
  EXPECT_EQ(f.artifacts.size(), 1u);
  EXPECT_EQ(f.summaries.at("wall_seconds"), 5.0);
  EXPECT_EQ(f.summaries.at("val.miou"), 0.1);
  // Every line is one event: nothing was skipped.
  EXPECT_TRUE(read_journal(path).skipped.empty());
}

TEST(Journal, HeartbeatsComeFromTheirOwnThreadUntilStopped) {
  TempDir dir("journal_heartbeat");
  const std::string path = dir / "journal.jsonl";
  JournalWriter w(path);
  {
    Heartbeat beat(w, std::chrono::milliseconds(20));
    for (int i = 0; i < 200 && read_journal(path).events.size() < 2; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const size_t n = read_journal(path).events.size();
  EXPECT_GE(n, 2u);
  std::this_thread::sleep_for(std::chrono::milliseconds(60));
  EXPECT_EQ(read_journal(path).events.size(), n) << "a heartbeat after the Heartbeat was destroyed";
  for (const auto& e : read_journal(path).events) EXPECT_EQ(e["event"], "heartbeat");
}

}  // namespace
}  // namespace atrous
