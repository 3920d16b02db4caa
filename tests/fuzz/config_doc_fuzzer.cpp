// libFuzzer harness for ConfigDoc (YAML -> JSON with locations, aliases bounded,
// UTF-8 checked) and its overrides. The seeded test tests/core/config_fuzz_test.cpp
// is the one the suite runs; this one is for long coverage-guided runs with
// AddressSanitizer. Not part of the CMake build (it needs clang); from the
// checkout root:
//
//   clang++ -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -Iframework \
//     tests/fuzz/config_doc_fuzzer.cpp framework/core/config.cpp framework/core/utf8.cpp \
//     framework/core/text_file.cpp framework/core/error.cpp -lyaml-cpp -lfmt -o /tmp/config_doc_fuzzer
//   mkdir -p /tmp/corpus && cp configs/*/*.yaml experiments/*.yaml /tmp/corpus/
//   /tmp/config_doc_fuzzer -max_total_time=600 -rss_limit_mb=2048 -max_len=65536 /tmp/corpus
//
// Input: YAML text; if it contains a line "#--set ", what follows is applied as an override.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const auto marker = input.find("#--set ");
  const std::string yaml = input.substr(0, marker);
  try {
    atrous::ConfigDoc doc = atrous::ConfigDoc::load_string(yaml, "fuzz.yaml");
    (void)doc.root().dump();
    (void)doc.where("/a/0/b").str();
    if (marker != std::string::npos) {
      const auto eol = input.find('\n', marker);
      doc.apply_override(input.substr(marker + 7, eol == std::string::npos ? std::string::npos : eol - marker - 7));
      (void)doc.root().dump();
    }
  } catch (const atrous::Error&) {
    // the expected way to refuse input
  }
  // Anything else propagates: libFuzzer reports an uncaught exception as a crash.
  return 0;
}
