#pragma once
// UTF-8 checks for text a user hands us (config files, --set values, paths).
// Everything downstream ends up in JSON, and nlohmann::json refuses to dump
// invalid UTF-8 (it throws a raw type_error), so invalid text must be refused
// where it enters, with a message saying where.
#include <cstddef>
#include <string>
#include <string_view>

namespace atrous {

// The byte offset of the first byte that does not start a valid UTF-8 sequence
// (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF), or
// std::string_view::npos when all of `text` is valid.
size_t invalid_utf8_at(std::string_view text);

inline bool is_valid_utf8(std::string_view text) { return invalid_utf8_at(text) == std::string_view::npos; }

// `text` with every byte of an invalid sequence, and every control character
// (newlines, NUL), written as \xNN: a message quoting it stays one line of
// valid UTF-8.
std::string printable_utf8(std::string_view text);

}  // namespace atrous
