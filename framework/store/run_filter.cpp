#include "store/run_filter.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>

#include "core/error.hpp"
#include "store/run_record.hpp"

namespace atrous::store {
namespace {

struct Token {
  enum Kind { word, quoted, op, lparen, rparen, end } kind;
  std::string text;
  size_t pos;  // 0-based column in the expression
};

// The expression with a caret under column `pos`, on two indented lines; a
// long expression is cut to a window around the column.
std::string pointer_lines(std::string_view text, size_t pos) {
  constexpr size_t kWindow = 100;
  size_t start = 0, end = text.size();
  if (text.size() > kWindow) {
    start = pos > kWindow / 2 ? std::min(pos - kWindow / 2, text.size() - kWindow) : 0;
    end = start + kWindow;
  }
  const std::string before = start > 0 ? "..." : "", after = end < text.size() ? "..." : "";
  return fmt::format("  {}{}{}\n  {}^", before, text.substr(start, end - start), after,
                     std::string(before.size() + pos - start, ' '));
}

bool is_word_char(char c) {
  return !std::isspace(static_cast<unsigned char>(c)) && c != '(' && c != ')' && c != '=' && c != '!' && c != '<' &&
         c != '>' && c != '~' && c != '\'' && c != '"';
}

class Parser {
 public:
  Parser(std::string_view text, const RunKeys& keys, std::string_view option)
      : text_(text), keys_(keys), option_(option) {}

  SqlFragment parse() {
    tokens_ = tokenize();
    SqlFragment out = parse_or(0);
    if (peek().kind != Token::end) {
      if (peek().kind == Token::rparen) fail(peek().pos, "unmatched ')'");
      fail(peek().pos, fmt::format("expected 'and', 'or' or the end, found '{}'", peek().text));
    }
    return out;
  }

 private:
  [[noreturn]] void fail(size_t pos, const std::string& message) const {
    throw Error(fmt::format("{}: {}\n{}", option_, message, pointer_lines(text_, pos)), Error::Kind::usage);
  }

  std::vector<Token> tokenize() const {
    std::vector<Token> out;
    size_t i = 0;
    while (i < text_.size()) {
      const char c = text_[i];
      if (std::isspace(static_cast<unsigned char>(c))) {
        ++i;
      } else if (c == '(' || c == ')') {
        out.push_back({c == '(' ? Token::lparen : Token::rparen, std::string(1, c), i});
        ++i;
      } else if (c == '\'' || c == '"') {
        size_t j = i + 1;
        std::string s;
        // A doubled quote inside the string stands for one quote, as in SQL.
        while (true) {
          if (j >= text_.size()) fail(i, "unterminated string");
          if (text_[j] == c) {
            if (j + 1 < text_.size() && text_[j + 1] == c) {
              s += c;
              j += 2;
              continue;
            }
            break;
          }
          s += text_[j++];
        }
        out.push_back({Token::quoted, s, i});
        i = j + 1;
      } else if (c == '=' || c == '!' || c == '<' || c == '>' || c == '~') {
        std::string o(1, c);
        if (i + 1 < text_.size()) {
          const std::string two = std::string(text_.substr(i, 2));
          if (two == "==" || two == "!=" || two == "<=" || two == ">=" || two == "<>") o = two;
        }
        if (o == "!") fail(i, "'!' must be followed by '=' (not-equal is '!=')");
        out.push_back({Token::op, o, i});
        i += o.size();
      } else {
        size_t j = i;
        while (j < text_.size() && is_word_char(text_[j])) ++j;
        out.push_back({Token::word, std::string(text_.substr(i, j - i)), i});
        i = j;
      }
    }
    out.push_back({Token::end, "", text_.size()});
    return out;
  }

  const Token& peek() const { return tokens_[next_]; }
  const Token& take() { return tokens_[next_++]; }
  static bool keyword(const Token& t, std::string_view kw) {
    if (t.kind != Token::word || t.text.size() != kw.size()) return false;
    for (size_t i = 0; i < kw.size(); ++i)
      if (std::tolower(static_cast<unsigned char>(t.text[i])) != kw[i]) return false;
    return true;
  }

  // SQL nests only where the filter does: chains are flat ("a OR b OR c", never
  // "((a OR b) OR c)") and an AND chain inside an OR chain needs no parentheses
  // (AND binds tighter in SQL too). SQLite's parser keeps a stack of about a
  // hundred entries, which pairwise nesting exhausted at a few dozen conditions.
  SqlFragment parse_or(int depth) {
    SqlFragment out = parse_and(depth);
    while (keyword(peek(), "or")) {
      take();
      out.sql += " OR ";
      out.append(parse_and(depth));
    }
    return out;
  }

  SqlFragment parse_and(int depth) {
    SqlFragment out = parse_term(depth);
    while (keyword(peek(), "and")) {
      take();
      out.sql += " AND ";
      out.append(parse_term(depth));
    }
    return out;
  }

  SqlFragment parse_term(int depth) {
    const Token& t = take();
    if (t.kind == Token::lparen) {
      // Bounded: the parser recurses per '(', and SQLite's parser stack is small.
      if (depth >= max_where_nesting)
        fail(t.pos, fmt::format("parentheses nest deeper than {} levels", max_where_nesting));
      SqlFragment inner{"(", {}};
      inner.append(parse_or(depth + 1));
      inner.sql += ")";
      if (peek().kind != Token::rparen) fail(peek().pos, fmt::format("expected ')' to close the '(' at column {}", t.pos + 1));
      take();
      return inner;
    }
    if (t.kind == Token::end) fail(t.pos, "expected a condition 'key op value'");
    // Each condition is a level of SQLite's expression tree (at most 1000 deep).
    if (++conditions_ > max_where_conditions)
      fail(t.pos, fmt::format("more than {} conditions", max_where_conditions));
    if (t.kind != Token::word || keyword(t, "and") || keyword(t, "or"))
      fail(t.pos, fmt::format("expected a key, found '{}'", t.text));
    auto key_sql = keys_.resolve(t.text);
    if (!key_sql) fail(t.pos, keys_.unknown_key_message(t.text));
    const Token& op = take();
    if (op.kind != Token::op)
      fail(op.pos, fmt::format("expected an operator (= != < <= > >= ~) after '{}'{}", t.text,
                               op.kind == Token::end ? "" : fmt::format(", found '{}'", op.text)));
    const Token& value = take();
    if (value.kind != Token::word && value.kind != Token::quoted)
      fail(value.pos, fmt::format("expected a value after '{}'", op.text));
    if (value.kind == Token::word && (keyword(value, "and") || keyword(value, "or")))
      fail(value.pos, fmt::format("expected a value after '{}', found '{}' (quote it if you mean the text)", op.text,
                                  value.text));

    if (t.text == "status" && op.text != "~") {
      try {
        parse_run_status(value.text);
      } catch (const Error& e) {
        fail(value.pos, e.what());
      }
    }
    SqlFragment out = *key_sql;
    if (op.text == "~") {
      // Substring match: escape LIKE's wildcards in the value.
      std::string pattern = "%";
      for (char ch : value.text) {
        if (ch == '%' || ch == '_' || ch == '\\') pattern += '\\';
        pattern += ch;
      }
      pattern += "%";
      out.sql += " LIKE ? ESCAPE '\\'";
      out.binds.push_back(pattern);
      return out;
    }
    static const std::map<std::string, std::string> sql_op = {{"=", " = "},   {"==", " = "}, {"!=", " IS NOT "},
                                                              {"<>", " IS NOT "}, {"<", " < "},  {"<=", " <= "},
                                                              {">", " > "},   {">=", " >= "}};
    out.sql = "(" + out.sql + sql_op.at(op.text) + "?)";
    out.binds.push_back(value.kind == Token::quoted ? Cell{value.text} : literal(value.text));
    return out;
  }

  // Numbers compare as numbers (params and summaries keep numeric types).
  static Cell literal(const std::string& s) {
    if (s == "true") return int64_t{1};
    if (s == "false") return int64_t{0};
    int64_t i = 0;
    const char* end = s.data() + s.size();
    if (auto r = std::from_chars(s.data(), end, i); r.ec == std::errc() && r.ptr == end) return i;
    double d = 0;
    if (auto r = std::from_chars(s.data(), end, d); r.ec == std::errc() && r.ptr == end) return d;
    return s;
  }

  std::string_view text_;
  const RunKeys& keys_;
  std::string_view option_;
  std::vector<Token> tokens_;
  size_t next_ = 0;
  size_t conditions_ = 0;
};

}  // namespace

SqlFragment compile_where(std::string_view where, const RunKeys& keys) {
  bool blank = true;
  for (char c : where) blank = blank && std::isspace(static_cast<unsigned char>(c));
  if (blank) return {"1", {}};
  return Parser(where, keys, "--where").parse();
}

SqlFragment compile_sort(std::string_view sort, const RunKeys& keys) {
  SqlFragment out;
  size_t start = 0;
  while (start <= sort.size()) {
    size_t comma = sort.find(',', start);
    if (comma == std::string_view::npos) comma = sort.size();
    std::string_view item = sort.substr(start, comma - start);
    size_t pos = start;
    while (!item.empty() && std::isspace(static_cast<unsigned char>(item.front()))) item.remove_prefix(1), ++pos;
    while (!item.empty() && std::isspace(static_cast<unsigned char>(item.back()))) item.remove_suffix(1);
    bool descending = false;
    if (!item.empty() && (item.front() == '-' || item.front() == '+')) {
      descending = item.front() == '-';
      item.remove_prefix(1);
      ++pos;
    }
    auto fail = [&](const std::string& message) {
      throw Error(fmt::format("--sort: {}\n{}", message, pointer_lines(sort, pos)), Error::Kind::usage);
    };
    if (item.empty()) {
      if (sort.find_first_not_of(" \t") == std::string_view::npos) return {};
      fail("empty sort key (expected KEY or -KEY, separated by commas)");
    }
    auto key_sql = keys.resolve(item);
    if (!key_sql) fail(keys.unknown_key_message(item));
    if (!out.sql.empty()) out.sql += ", ";
    out.append(*key_sql);
    out.sql += descending ? " DESC NULLS LAST" : " ASC NULLS LAST";
    start = comma + 1;
  }
  return out;
}

}  // namespace atrous::store
