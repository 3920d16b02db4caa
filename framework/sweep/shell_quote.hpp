#pragma once
// Words of the commands atrous prints for copy and paste ("atrous status NAME
// --db PATH"): a path with a space, a quote or a `$` must reach the program as
// one unchanged argument when pasted into a POSIX shell.
#include <string>
#include <string_view>

namespace atrous {

// `word` as is when it is made only of characters no shell treats specially
// (letters, digits, and _ - . / : = @ % + ,), else in single quotes, each ' written
// as '\'' ("it's" -> 'it'\''s'); the empty word is ''.
std::string shell_quote(std::string_view word);

}  // namespace atrous
