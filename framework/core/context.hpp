#pragma once
// The process-wide oneDNN CPU engine and stream, and the thread setting.
#include <dnnl.hpp>
#include <string>

namespace atrous {

dnnl::engine& cpu_engine();
dnnl::stream& cpu_stream();

// Sets the number of OpenMP threads oneDNN and our own loops use; n <= 0 means all cores.
void set_threads(int n);
int thread_count();
int core_count();

// The instruction set oneDNN dispatches to (e.g. "avx512_core_bf16") and its version.
std::string dnnl_isa_name();
std::string dnnl_version_string();

}  // namespace atrous
