#pragma once
// The vocabulary the steps of model expansion share (model/load.hpp is the
// entry point): where a value came from (`Src`), what a name refers to
// (`Target`), a parameter awaiting evaluation (`Slot`), the scopes of the model
// and of each block use (`Scopes`), and a layer whose inputs are not resolved
// yet (`PendingLayer`).
//
// Names are scoped: a block's layers see the block's own names and its inputs
// (`input`, or the names in its `inputs:`), never the caller's. A block used as
// `aspp` prefixes its layers' resolved names with "aspp."; the name `aspp` itself
// refers to the block's output. A repeated entry named `ctx` yields `ctx.0`,
// `ctx.1`, ...; `ctx` refers to the last one, or, with `parallel: true` (every
// instance reads the same inputs), to all of them: `from: [b0, rate]` reads
// b0, rate.0, rate.1, ... `from: enc.pool3` reaches into the block use `enc`.
// References may point forward (so cycles are possible and are reported); they
// are resolved after everything is expanded (model/name_resolution.hpp).
#include <deque>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "core/error.hpp"
#include "model/resolved.hpp"

namespace atrous::expansion {

// An error that already carries its location; the expander never relocates it.
// Its text is escaped (core/utf8.hpp): names and values quoted from the file may
// hold newlines, and a message must stay one line.
struct LocatedError : Error {
  LocatedError(const SourceLocation& at, const std::string& message);
};

[[noreturn]] void fail_at(const SourceLocation& at, const std::string& message);

// "a, b, c", or "none" for an empty list (for "known: ..." in messages).
std::string join(const std::vector<std::string>& items);

// Letters, digits and '_', not starting with a digit: layer, parameter and block names.
bool is_identifier(const std::string& s);

// A value's place in a document: (document, JSON pointer).
struct Src {
  const ConfigDoc* doc = nullptr;
  std::string ptr;
  SourceLocation loc() const { return doc ? doc->where(ptr) : SourceLocation{}; }
  Src at(const std::string& key) const { return {doc, ptr + "/" + escape_pointer_token(key)}; }
  Src at(size_t index) const { return {doc, ptr + "/" + std::to_string(index)}; }
};

// A reference to tensors: concrete, a local name to look up in a scope, or a
// group (the instances of a parallel repeat).
struct Target {
  std::string tensor;
  int scope = -1;
  std::string local;
  SourceLocation where;
  std::vector<Target> members;

  static Target of_tensor(std::string name, SourceLocation at = {});
  static Target of_name(int scope, std::string local, SourceLocation at);
};

// A parameter: its raw value until first read, then its evaluated value.
struct Slot {
  nlohmann::json raw;
  Src src;
  bool done = false, busy = false;
  nlohmann::json value;
  Slot() = default;
  Slot(nlohmann::json r, Src s) : raw(std::move(r)), src(std::move(s)) {}
};

struct Scope {
  std::string prefix;            // "" or "aspp." (resolved-name prefix)
  std::vector<std::string> via;  // block uses that led here, outermost first
  const ConfigDoc* doc = nullptr;
  std::map<std::string, Slot> params;
  std::map<std::string, Target> names;
  std::map<std::string, SourceLocation> defined_at;
  std::map<std::string, int> children;   // block-use instance name -> its scope
  std::vector<std::string> block_stack;  // block identities, against recursion
};

// Every scope of one expansion, by index; 0 is the model's.
class Scopes {
 public:
  int add(Scope s) {
    scopes_.push_back(std::move(s));
    return static_cast<int>(scopes_.size()) - 1;
  }
  Scope& operator[](int sc) { return scopes_[static_cast<size_t>(sc)]; }
  const Scope& operator[](int sc) const { return scopes_[static_cast<size_t>(sc)]; }

  // " (in block 'cbr' used at ...; block 'aspp' used at ...)", innermost first; "" in the model's scope.
  std::string context(int sc) const;
  // Throws a LocatedError at `src`, the message followed by the scope's context.
  [[noreturn]] void fail(int sc, const Src& src, const std::string& message) const;

 private:
  std::deque<Scope> scopes_;  // a deque: references to a scope stay valid while block uses add scopes
};

// A layer as expanded: its inputs are still references (`from`) until name
// resolution fills `inputs`.
struct PendingLayer {
  std::string name, type;
  nlohmann::json attrs = nlohmann::json::object();
  std::vector<Target> from;
  LayerOrigin origin;
  std::vector<std::string> inputs;  // resolved
};

}  // namespace atrous::expansion
