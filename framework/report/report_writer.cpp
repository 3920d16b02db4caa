#include "report/report_writer.hpp"

#include <fmt/format.h>

#include <cctype>
#include <set>

#include "analysis/checkpoint_model.hpp"
#include "analysis/rf_report.hpp"
#include "core/error.hpp"
#include "data/wav.hpp"
#include "image/png.hpp"
#include "report/audio_clips.hpp"
#include "report/audio_picture.hpp"
#include "report/markdown_html.hpp"
#include "report/prediction_grid.hpp"
#include "report/report_charts.hpp"
#include "train/atomic_file.hpp"

namespace atrous::report {

namespace fs = std::filesystem;

namespace {

// Two inputs of 16 samples each per group: a VGG front end (field ~400) at its
// default ~600×600 would take minutes on two cores.
constexpr int64_t kMaxErfSide = 256;

void write_text(const fs::path& path, const std::string& text) {
  AtomicFile f(path.string());
  f.write(text.data(), text.size());
  f.commit();
}

// A name that needs no escaping in a markdown link: letters, digits, '.', '-',
// '_' kept, spaces become '_', anything else '-' ("dataset=shapes lr=0.01" ->
// "dataset-shapes_lr-0.01").
std::string safe_name(const std::string& text) {
  std::string out;
  for (char c : text) {
    const bool plain = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_';
    out += plain ? c : (c == ' ' ? '_' : '-');
  }
  // A leading '.' would make "." or ".." (a folder outside the report's) or a hidden file.
  for (char& c : out) {
    if (c != '.') break;
    c = '_';
  }
  return out.empty() ? std::string("_") : out;
}

// Defence in depth: every file beside the report goes inside the report's own
// folder, whatever names reach here (a symlinked subfolder pointing elsewhere
// counts as outside).
void require_inside(const fs::path& folder, const fs::path& file) {
  const fs::path base = fs::weakly_canonical(folder), target = fs::weakly_canonical(file);
  const fs::path rel = target.lexically_relative(base);
  if (rel.empty() || rel.is_absolute() || *rel.begin() == "..")
    throw Error(fmt::format("refusing to write {}: it lies outside the report's folder {}", file.string(),
                            folder.string()));
}

std::string columns_caption(const std::vector<std::string>& columns) {
  std::string out;
  for (const auto& c : columns) out += (out.empty() ? "" : " | ") + c;
  return out;
}

// The audio clips of one grid point: a WAV and a picture each, beside the report.
void write_audio(const ReportData& at, const WriteOptions& options, const fs::path& dir, const std::string& stem,
                 const fs::path& rel, PointExtras& e, WrittenReport& out) {
  AudioOptions ao;
  ao.seconds = options.audio_seconds;
  AudioClips clips;
  try {
    clips = audio_clips(at, ao, e.audio_notes);
  } catch (const std::exception& ex) {
    e.audio_notes.push_back(fmt::format("no generated audio: {}", ex.what()));
    return;
  }
  std::set<std::string> names;
  for (auto& clip : clips.clips) {
    std::string name = safe_name(clip.name);
    for (int n = 2; !names.insert(name).second; ++n) name = safe_name(clip.name) + "_" + std::to_string(n);
    const fs::path wav = dir / rel / (name + ".wav"), png = dir / rel / (name + ".png");
    require_inside(dir / stem, wav);
    require_inside(dir / stem, png);
    const std::vector<uint8_t> bytes = encode_wav(clip.waveform, clips.sample_rate);
    AtomicFile f(wav.string());
    f.write(bytes.data(), bytes.size());
    f.commit();
    write_png(png.string(), audio_picture(clip.waveform));
    out.files.push_back(wav);
    out.files.push_back(png);
    clip.row.wav = (rel / (name + ".wav")).generic_string();
    clip.row.picture = (rel / (name + ".png")).generic_string();
    e.audio.push_back(std::move(clip.row));
  }
}

}  // namespace

std::vector<ErfRow> measure_receptive_fields(const ReportData& at, std::vector<std::string>& notes) {
  std::vector<ErfRow> rows;
  for (const auto& g : at.groups) {
    const RunData* run = first_checkpointed_run(g);
    if (!run) {
      notes.push_back(fmt::format("{}: no done run with a checkpoint on disk, no effective receptive field", g.label()));
      continue;
    }
    try {
      RfRequest request;
      request.checkpoint = run->checkpoint;
      request.max_side = kMaxErfSide;
      const RfReport r = analyse_receptive_fields(checkpoint_model_loader(run->checkpoint), request);
      ErfRow row;
      row.label = g.label();
      row.input = fmt::format("{}×{}", r.input.h, r.input.w);
      row.theoretical = r.rf.str();
      row.capped = r.capped;
      for (const auto& s : r.results) {
        if (s.weights == "random") row.random_side95 = s.side95;
        if (s.weights == "trained") {
          row.trained_side95 = s.side95;
          row.trained_area10 = s.area10;
          row.trained_gridding = s.gridding;
        }
      }
      rows.push_back(std::move(row));
    } catch (const std::exception& e) {
      notes.push_back(fmt::format("{}: effective receptive field not measured ({})", g.label(), e.what()));
    }
  }
  return rows;
}

WrittenReport write_report(const ReportData& data, const fs::path& report, const WriteOptions& options) {
  if (report.extension() != ".md")
    throw Error(fmt::format("the report file {} must end in .md (its charts go in a folder named after it)",
                            report.string()),
                Error::Kind::usage);
  WrittenReport out;
  out.report = report;
  const fs::path dir = report.parent_path();
  const std::string stem = safe_name(report.stem().string());
  if (!dir.empty()) fs::create_directories(dir);

  ReportExtras extras;
  const auto points = data.grid_points();
  const bool split = points.size() > 1 || !points.front().empty();
  std::set<std::string> folders;
  for (const auto& point : points) {
    const ReportData at = data.at_grid_point(point);
    // Relative to the report: "<stem>/" or "<stem>/<grid point>/" (unique even when
    // two points sanitise to the same name).
    std::string folder = safe_name(grid_point_label(point));
    for (int n = 2; split && !folders.insert(folder).second; ++n) folder = safe_name(grid_point_label(point)) + "_" + std::to_string(n);
    const fs::path rel = split ? fs::path(stem) / folder : fs::path(stem);
    require_inside(dir / stem, dir / rel);
    fs::create_directories(dir / rel);
    PointExtras& e = extras[point];
    e.charts_skipped = !options.charts;
    e.predictions_skipped = !options.predictions;
    e.erf_skipped = !options.receptive_fields;
    if (options.charts)
      for (const auto& chart : report_charts(at)) {
        require_inside(dir / stem, dir / rel / chart.name);
        write_text(dir / rel / chart.name, chart.svg);
        out.files.push_back(dir / rel / chart.name);
        e.charts.push_back({(rel / chart.name).generic_string(), chart.caption});
      }
    if (at.sequence()) {
      if (options.predictions) write_audio(at, options, dir, stem, rel, e, out);
      continue;
    }
    if (options.receptive_fields) e.erf = measure_receptive_fields(at, e.erf_notes);
    std::optional<PredictionGrid> grid;
    if (options.predictions) try {
        grid = prediction_grid(at, options.prediction_images, options.zoom, e.prediction_notes);
      } catch (const std::exception& ex) {
        e.prediction_notes.push_back(fmt::format("no prediction grid: {}", ex.what()));
      }
    if (grid) {
        const fs::path png = dir / rel / "predictions.png";
        require_inside(dir / stem, png);
        write_png(png.string(), grid->image);
        out.files.push_back(png);
        e.predictions = Figure{(rel / "predictions.png").generic_string(),
                               fmt::format("Predictions on the first {} validation images, columns: {}",
                                           grid->rows, columns_caption(grid->columns))};
      }
  }
  const std::string markdown = markdown_report(data, extras);
  if (options.html) {
    fs::path html = report;
    html.replace_extension(".html");
    write_text(html, markdown_to_html(markdown, data.experiment));
    out.files.push_back(html);
  }
  write_text(report, markdown);
  out.files.push_back(report);
  return out;
}

}  // namespace atrous::report
