#include "model/expression.hpp"

#include <fmt/format.h>

#include <cctype>
#include <limits>

#include "core/error.hpp"
#include "core/utf8.hpp"

namespace atrous {

namespace {

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out.empty() ? "none" : out;
}

// Escaped (core/utf8.hpp): the expression is quoted, and a message must stay one line.
[[noreturn]] void fail(const std::string& message) { throw Error(printable_utf8(message), Error::Kind::usage); }

// An expression as quoted in a message: long ones are cut, so a message stays one readable line.
std::string shortened(const std::string& text) {
  constexpr size_t kShown = 60;
  if (text.size() <= kShown) return text;
  size_t cut = kShown;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // not inside a UTF-8 character
  return text.substr(0, cut) + "...";
}

bool is_name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool is_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Recursive-descent parser that evaluates while parsing:
//   expr  := term (('+' | '-') term)*
//   term  := unary (('*' | '/') unary)*
//   unary := '-' unary | primary
//   primary := INTEGER | NAME | NAME '(' expr (',' expr)* ')' | '(' expr ')'
class Parser {
 public:
  Parser(const std::string& text, const Variables& vars) : s_(text), vars_(vars) {}

  int64_t parse() {
    const int64_t v = expr();
    skip();
    if (pos_ < s_.size()) error(fmt::format("unexpected '{}'", s_[pos_]));
    return v;
  }

 private:
  [[noreturn]] void error(const std::string& what) const {
    fail(fmt::format("expression '{}': {} at position {}", shortened(s_), what, pos_ + 1));
  }
  // Every operand goes through unary(), so its depth counts the open parentheses
  // and signs; a bound keeps hostile input off the end of the stack.
  struct Nesting {
    explicit Nesting(Parser& p) : p_(p) {
      if (++p_.depth_ > kMaxNesting)
        p_.error(fmt::format("nested more than {} levels deep (parentheses and signs)", kMaxNesting));
    }
    ~Nesting() { --p_.depth_; }
    Parser& p_;
  };
  static constexpr int kMaxNesting = 100;

  [[noreturn]] void overflow(size_t op) {
    pos_ = op;
    skip();
    error("integer overflow (values must fit in 64-bit signed integers)");
  }
  // Checked arithmetic; `op` is the operator's position, for the message.
  int64_t add(int64_t a, int64_t b, size_t op) {
    int64_t r = 0;
    if (__builtin_add_overflow(a, b, &r)) overflow(op);
    return r;
  }
  int64_t subtract(int64_t a, int64_t b, size_t op) {
    int64_t r = 0;
    if (__builtin_sub_overflow(a, b, &r)) overflow(op);
    return r;
  }
  int64_t multiply(int64_t a, int64_t b, size_t op) {
    int64_t r = 0;
    if (__builtin_mul_overflow(a, b, &r)) overflow(op);
    return r;
  }

  void skip() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }
  bool eat(char c) {
    skip();
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  int64_t expr() {
    int64_t v = term();
    while (true) {
      const size_t op = pos_;
      if (eat('+')) v = add(v, term(), op);
      else if (eat('-')) v = subtract(v, term(), op);
      else return v;
    }
  }

  int64_t term() {
    int64_t v = unary();
    while (true) {
      const size_t op = pos_;
      if (eat('*')) {
        v = multiply(v, unary(), op);
      } else if (eat('/')) {
        const size_t at = pos_;
        const int64_t d = unary();
        if (d == 0) {
          pos_ = at;
          error("division by zero");
        }
        if (v == std::numeric_limits<int64_t>::min() && d == -1) overflow(op);  // the one quotient out of range
        // Floor division: the quotient rounds toward negative infinity.
        int64_t q = v / d;
        if ((v % d != 0) && ((v < 0) != (d < 0))) --q;
        v = q;
      } else {
        return v;
      }
    }
  }

  int64_t unary() {
    const Nesting nest(*this);
    const size_t op = pos_;
    if (eat('-')) {
      return subtract(0, unary(), op);
    }
    if (eat('+')) return unary();
    return primary();
  }

  int64_t primary() {
    skip();
    if (pos_ >= s_.size()) error("expected a number, a name or '('");
    const char c = s_[pos_];
    if (c == '(') {
      ++pos_;
      const int64_t v = expr();
      if (!eat(')')) error("expected ')'");
      return v;
    }
    if (std::isdigit(static_cast<unsigned char>(c))) {
      const size_t start = pos_;
      while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) ++pos_;
      if (pos_ < s_.size() && (s_[pos_] == '.' || s_[pos_] == 'e' || s_[pos_] == 'E'))
        error("only integers are allowed in expressions");
      const std::string digits = s_.substr(start, pos_ - start);
      try {
        return std::stoll(digits);
      } catch (...) {
        pos_ = start;
        error("integer '" + digits + "' is too large");
      }
    }
    if (is_name_start(c)) {
      const size_t start = pos_;
      while (pos_ < s_.size() && is_name_char(s_[pos_])) ++pos_;
      const std::string name = s_.substr(start, pos_ - start);
      if (name == "min" || name == "max") {
        if (!eat('(')) error("expected '(' after " + name);
        int64_t v = expr();
        while (eat(',')) {
          const int64_t w = expr();
          v = name == "min" ? std::min(v, w) : std::max(v, w);
        }
        if (!eat(')')) error("expected ')' to close " + name + "(");
        return v;
      }
      return variable(name);
    }
    error(fmt::format("unexpected '{}'", c));
  }

  int64_t variable(const std::string& name) const {
    const auto v = vars_.get(name);
    if (!v) fail(fmt::format("expression '{}': unknown parameter '{}' (parameters: {})", shortened(s_), name, join(vars_.names())));
    if (!v->is_number_integer())
      fail(fmt::format("expression '{}': parameter '{}' is {}, not an integer", shortened(s_), name, v->dump()));
    return v->get<int64_t>();
  }

  const std::string& s_;
  const Variables& vars_;
  size_t pos_ = 0;
  int depth_ = 0;
};

// Finds the '}' that closes a '${' opened at `open` (no nesting in expressions).
size_t closing_brace(const std::string& text, size_t open) {
  const size_t close = text.find('}', open + 2);
  if (close == std::string::npos) fail(fmt::format("'{}': '${{' without a closing '}}'", text));
  return close;
}

bool is_plain_name(const std::string& s) {
  size_t a = 0, b = s.size();
  while (a < b && std::isspace(static_cast<unsigned char>(s[a]))) ++a;
  while (b > a && std::isspace(static_cast<unsigned char>(s[b - 1]))) --b;
  if (a == b || !is_name_start(s[a])) return false;
  for (size_t i = a; i < b; ++i)
    if (!is_name_char(s[i])) return false;
  return true;
}

std::string trim(const std::string& s) {
  size_t a = 0, b = s.size();
  while (a < b && std::isspace(static_cast<unsigned char>(s[a]))) ++a;
  while (b > a && std::isspace(static_cast<unsigned char>(s[b - 1]))) --b;
  return s.substr(a, b - a);
}

}  // namespace

bool has_template(const std::string& text) { return text.find("${") != std::string::npos; }

int64_t evaluate_expression(const std::string& expression, const Variables& vars) {
  return Parser(expression, vars).parse();
}

nlohmann::json evaluate_template(const std::string& text, const Variables& vars) {
  const size_t open = text.find("${");
  if (open == std::string::npos) return text;
  const size_t close = closing_brace(text, open);
  const std::string inner = text.substr(open + 2, close - open - 2);
  if (open == 0 && close + 1 == text.size()) {
    // The whole string is one expression: a bare name keeps the value's type.
    if (is_plain_name(inner)) {
      const std::string name = trim(inner);
      if (name != "min" && name != "max") {
        auto v = vars.get(name);
        if (!v) fail(fmt::format("'{}': unknown parameter '{}' (parameters: {})", text, name, join(vars.names())));
        return *v;
      }
    }
    return evaluate_expression(inner, vars);
  }
  // Splice every expression's value into the text.
  std::string out;
  size_t pos = 0;
  while (true) {
    const size_t o = text.find("${", pos);
    if (o == std::string::npos) break;
    const size_t c = closing_brace(text, o);
    out += text.substr(pos, o - pos);
    const std::string e = text.substr(o + 2, c - o - 2);
    if (is_plain_name(e)) {
      auto v = vars.get(trim(e));
      if (!v) fail(fmt::format("'{}': unknown parameter '{}' (parameters: {})", text, trim(e), join(vars.names())));
      out += v->is_string() ? v->get<std::string>() : v->dump();
    } else {
      out += std::to_string(evaluate_expression(e, vars));
    }
    pos = c + 1;
  }
  out += text.substr(pos);
  return out;
}

}  // namespace atrous
