#include "runtime/json.hpp"

#include "runtime/errors.hpp"

#include <cmath>
#include <cstdlib>

#include <fmt/format.h>

namespace nj::runtime {

Json::Json(double x) {
  if (!std::isfinite(x)) return; // null
  kind_ = Kind::Number;
  text_ = fmt::format("{}", x); // shortest round-trip form
}
Json::Json(std::int64_t x) : kind_(Kind::Number), text_(std::to_string(x)) {}
Json::Json(std::uint64_t x) : kind_(Kind::Number), text_(std::to_string(x)) {}

Json& Json::push(Json value) {
  if (kind_ != Kind::Array) throw RuntimeError("json: push on a value that is not an array");
  items_.push_back(std::move(value));
  return items_.back();
}

Json& Json::set(std::string key, Json value) {
  if (kind_ != Kind::Object) throw RuntimeError("json: set on a value that is not an object");
  for (auto& [k, v] : members_)
    if (k == key) return v = std::move(value);
  members_.emplace_back(std::move(key), std::move(value));
  return members_.back().second;
}

const Json* Json::find(std::string_view key) const {
  if (kind_ != Kind::Object) return nullptr;
  for (const auto& [k, v] : members_)
    if (k == key) return &v;
  return nullptr;
}

const Json& Json::operator[](std::string_view key) const {
  const Json* j = find(key);
  if (j == nullptr) throw RuntimeError(fmt::format("json: missing key `{}`", key));
  return *j;
}

double Json::number() const {
  if (kind_ != Kind::Number) throw RuntimeError("json: expected a number");
  return std::strtod(text_.c_str(), nullptr);
}
std::int64_t Json::integer() const {
  if (kind_ != Kind::Number) throw RuntimeError("json: expected a number");
  return std::strtoll(text_.c_str(), nullptr, 10);
}
const std::string& Json::string() const {
  if (kind_ != Kind::String) throw RuntimeError("json: expected a string");
  return text_;
}
bool Json::boolean() const {
  if (kind_ != Kind::Bool) throw RuntimeError("json: expected true or false");
  return bool_;
}

double Json::numberOr(std::string_view key, double fallback) const {
  const Json* j = find(key);
  return j != nullptr && j->kind_ == Kind::Number ? j->number() : fallback;
}
std::string Json::stringOr(std::string_view key, std::string fallback) const {
  const Json* j = find(key);
  return j != nullptr && j->kind_ == Kind::String ? j->text_ : fallback;
}

namespace {

void quote(std::string& out, const std::string& s) {
  out.push_back('"');
  for (unsigned char c : s) {
    switch (c) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\r':
      out += "\\r";
      break;
    case '\t':
      out += "\\t";
      break;
    case '\b':
      out += "\\b";
      break;
    case '\f':
      out += "\\f";
      break;
    default:
      if (c < 0x20)
        out += fmt::format("\\u{:04x}", c);
      else
        out.push_back(static_cast<char>(c));
    }
  }
  out.push_back('"');
}

} // namespace

std::string Json::dump(int indent) const {
  std::string out;
  dumpTo(out, indent, 0);
  out.push_back('\n');
  return out;
}

void Json::dumpTo(std::string& out, int indent, int depth) const {
  auto newline = [&](int d) {
    if (indent <= 0) return;
    out.push_back('\n');
    out.append(static_cast<std::size_t>(indent * d), ' ');
  };
  switch (kind_) {
  case Kind::Null:
    out += "null";
    return;
  case Kind::Bool:
    out += bool_ ? "true" : "false";
    return;
  case Kind::Number:
    out += text_;
    return;
  case Kind::String:
    quote(out, text_);
    return;
  case Kind::Array: {
    bool scalars = true;
    for (const auto& i : items_)
      scalars = scalars && i.kind_ != Kind::Array && i.kind_ != Kind::Object;
    out.push_back('[');
    for (std::size_t k = 0; k < items_.size(); ++k) {
      if (k > 0) out += scalars ? ", " : ",";
      if (!scalars) newline(depth + 1);
      items_[k].dumpTo(out, indent, depth + 1);
    }
    if (!scalars && !items_.empty()) newline(depth);
    out.push_back(']');
    return;
  }
  case Kind::Object:
    out.push_back('{');
    for (std::size_t k = 0; k < members_.size(); ++k) {
      if (k > 0) out.push_back(',');
      newline(depth + 1);
      quote(out, members_[k].first);
      out += indent > 0 ? ": " : ":";
      members_[k].second.dumpTo(out, indent, depth + 1);
    }
    if (!members_.empty()) newline(depth);
    out.push_back('}');
    return;
  }
}

namespace {

class Parser {
public:
  explicit Parser(std::string_view s) : s_(s) {}

  Json document() {
    Json j = value(0);
    skip();
    if (p_ != s_.size()) fail("unexpected text after the value");
    return j;
  }

private:
  [[noreturn]] void fail(const std::string& why) {
    throw RuntimeError(fmt::format("invalid JSON at offset {}: {}", p_, why));
  }
  void skip() {
    while (p_ < s_.size() && (s_[p_] == ' ' || s_[p_] == '\n' || s_[p_] == '\r' || s_[p_] == '\t'))
      ++p_;
  }
  bool literal(std::string_view word) {
    if (s_.substr(p_, word.size()) != word) return false;
    p_ += word.size();
    return true;
  }

  Json value(int depth) {
    if (depth > 200) fail("nesting too deep");
    skip();
    if (p_ >= s_.size()) fail("unexpected end");
    char c = s_[p_];
    if (c == '{') return object(depth);
    if (c == '[') return array(depth);
    if (c == '"') return Json(string());
    if (literal("true")) return Json(true);
    if (literal("false")) return Json(false);
    if (literal("null")) return Json();
    return number();
  }

  Json object(int depth) {
    Json j = Json::object();
    ++p_;
    skip();
    if (p_ < s_.size() && s_[p_] == '}') {
      ++p_;
      return j;
    }
    for (;;) {
      skip();
      if (p_ >= s_.size() || s_[p_] != '"') fail("expected a key string");
      std::string key = string();
      skip();
      if (p_ >= s_.size() || s_[p_] != ':') fail("expected ':'");
      ++p_;
      j.set(std::move(key), value(depth + 1));
      skip();
      if (p_ < s_.size() && s_[p_] == ',') {
        ++p_;
        continue;
      }
      if (p_ < s_.size() && s_[p_] == '}') {
        ++p_;
        return j;
      }
      fail("expected ',' or '}'");
    }
  }

  Json array(int depth) {
    Json j = Json::array();
    ++p_;
    skip();
    if (p_ < s_.size() && s_[p_] == ']') {
      ++p_;
      return j;
    }
    for (;;) {
      j.push(value(depth + 1));
      skip();
      if (p_ < s_.size() && s_[p_] == ',') {
        ++p_;
        continue;
      }
      if (p_ < s_.size() && s_[p_] == ']') {
        ++p_;
        return j;
      }
      fail("expected ',' or ']'");
    }
  }

  std::string string() {
    ++p_; // opening quote
    std::string out;
    while (p_ < s_.size() && s_[p_] != '"') {
      char c = s_[p_++];
      if (static_cast<unsigned char>(c) < 0x20) fail("control character in a string");
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      if (p_ >= s_.size()) fail("unterminated escape");
      char e = s_[p_++];
      switch (e) {
      case '"':
        out.push_back('"');
        break;
      case '\\':
        out.push_back('\\');
        break;
      case '/':
        out.push_back('/');
        break;
      case 'b':
        out.push_back('\b');
        break;
      case 'f':
        out.push_back('\f');
        break;
      case 'n':
        out.push_back('\n');
        break;
      case 'r':
        out.push_back('\r');
        break;
      case 't':
        out.push_back('\t');
        break;
      case 'u': {
        if (p_ + 4 > s_.size()) fail("short \\u escape");
        unsigned cp = static_cast<unsigned>(std::stoul(std::string(s_.substr(p_, 4)), nullptr, 16));
        p_ += 4;
        if (cp < 0x80)
          out.push_back(static_cast<char>(cp));
        else if (cp < 0x800) {
          out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
          out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        } else {
          out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
          out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
          out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        }
        break;
      }
      default:
        fail("unknown escape");
      }
    }
    if (p_ >= s_.size()) fail("unterminated string");
    ++p_;
    return out;
  }

  Json number() {
    std::size_t start = p_;
    if (p_ < s_.size() && s_[p_] == '-') ++p_;
    auto digits = [&] {
      std::size_t b = p_;
      while (p_ < s_.size() && s_[p_] >= '0' && s_[p_] <= '9')
        ++p_;
      return p_ > b;
    };
    if (!digits()) fail("expected a value");
    if (p_ < s_.size() && s_[p_] == '.') {
      ++p_;
      if (!digits()) fail("expected digits after '.'");
    }
    if (p_ < s_.size() && (s_[p_] == 'e' || s_[p_] == 'E')) {
      ++p_;
      if (p_ < s_.size() && (s_[p_] == '+' || s_[p_] == '-')) ++p_;
      if (!digits()) fail("expected an exponent");
    }
    std::string text(s_.substr(start, p_ - start));
    bool integral = text.find_first_of(".eE") == std::string::npos;
    if (integral)
      return text[0] == '-'
                 ? Json(static_cast<std::int64_t>(std::strtoll(text.c_str(), nullptr, 10)))
                 : Json(static_cast<std::uint64_t>(std::strtoull(text.c_str(), nullptr, 10)));
    return Json(std::strtod(text.c_str(), nullptr));
  }

  std::string_view s_;
  std::size_t p_ = 0;
};

} // namespace

Json Json::parse(std::string_view text) {
  return Parser(text).document();
}

} // namespace nj::runtime
