#pragma once
// The process-wide oneDNN CPU engine and stream, and the thread setting.
#include <dnnl.hpp>
#include <string>

namespace atrous {

dnnl::engine& cpu_engine();
dnnl::stream& cpu_stream();

// The most threads set_threads accepts. More than the cores only oversubscribes,
// and the OpenMP runtime crashes once it cannot create the threads (each reserves
// a stack), so a larger count is a usage error rather than a SIGSEGV.
inline constexpr int kMaxThreads = 256;

// Sets the number of OpenMP threads oneDNN and our own loops use; n <= 0 means all
// cores; n > kMaxThreads is a usage error.
void set_threads(int n);
int thread_count();
int core_count();

// The instruction set oneDNN dispatches to (e.g. "avx512_core_bf16") and its version.
std::string dnnl_isa_name();
std::string dnnl_version_string();

}  // namespace atrous
