// `atrous info`: what this build runs on (versions, ISA, threads, layer types).
#include <fmt/format.h>

#include "cli/commands.hpp"
#include "core/context.hpp"
#include "nn/precision.hpp"
#include "nn/registry.hpp"

namespace atrous::cli {

void add_info_command(CLI::App& app) {
  auto* sub = app.add_subcommand("info", "Print versions, the CPU ISA oneDNN uses, threads and layer types");
  static int threads = 0;
  add_threads_option(*sub, threads);
  sub->callback([] {
    fmt::print("atrous   {}\n", ATROUS_VERSION);
    fmt::print("oneDNN   {} (isa {})\n", dnnl_version_string(), dnnl_isa_name());
    fmt::print("bf16     {}\n", cpu_has_bf16() ? "yes (train.precision: bf16, bench --precision bf16)"
                                               : "no: this CPU (as oneDNN sees it) has no bf16 instructions");
    fmt::print("threads  {} of {} cores\n", thread_count(), core_count());
    std::string types;
    for (const auto& t : layer_types()) {
      if (!types.empty()) types += ", ";
      types += t;
    }
    fmt::print("layers   {}\n", types);
  });
}

}  // namespace atrous::cli
