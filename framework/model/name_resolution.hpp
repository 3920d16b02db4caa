#pragma once
// Names of the model language: defining a layer's local name in its scope, and
// resolving a reference (`from`, `like`, `output`) to the resolved tensor names
// it stands for — through block uses (`enc.pool3`), block outputs, the
// instances of a parallel repeat, and `NAME.*` / `NAME.*.inner`: every instance
// of the repeated entry NAME (or the layer `inner` in each), in order, which is
// how WaveNet sums the skip outputs of its repeated layers. Resolution runs after everything is expanded,
// so references may point forward.
#include <string>
#include <vector>

#include "model/expansion.hpp"

namespace atrous::expansion {

// Defines `local` in scope `sc`; a duplicate or the reserved `input` is an error at `src`.
void define(Scopes& scopes, int sc, const std::string& local, Target t, const Src& src);

// What `local` means in scope `sc`: a name of the scope, `use.name` inside the block use `use`,
// or `group.*[.name]` for every instance of a repeat (a group of targets).
Target lookup(const Scopes& scopes, int sc, const std::string& local, const SourceLocation& where, int depth = 0);

// The resolved tensor names `t` stands for (several for a parallel repeat).
std::vector<std::string> resolve(const Scopes& scopes, const Target& t, int depth = 0);

}  // namespace atrous::expansion
