// \file A small JSON value: built by the run-folder writer, parsed back by plotRunDir; written and
// read by nlohmann/json (json.cpp).
// Numbers keep their text, so 64-bit integers (seeds) round-trip exactly; non-finite doubles
// are written as null.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nj::io {

class Json {
public:
  enum class Kind { Null, Bool, Number, String, Array, Object };

  Json() = default;
  Json(bool b) : kind_(Kind::Bool), bool_(b) {}
  Json(double x);
  Json(std::int64_t x);
  Json(std::uint64_t x);
  Json(int x) : Json(static_cast<std::int64_t>(x)) {}
  Json(std::string s) : kind_(Kind::String), text_(std::move(s)) {}
  Json(const char* s) : Json(std::string(s)) {}
  static Json array() {
    Json j;
    j.kind_ = Kind::Array;
    return j;
  }
  static Json object() {
    Json j;
    j.kind_ = Kind::Object;
    return j;
  }

  Kind kind() const { return kind_; }
  bool isNull() const { return kind_ == Kind::Null; }

  // Arrays and objects.
  Json& push(Json value);                             // array append
  Json& set(std::string key, Json value);             // object insert or replace; returns the value
  const Json* find(std::string_view key) const;       // nullptr if absent or not an object
  const Json& operator[](std::string_view key) const; // throws nj::Error if absent
  const std::vector<Json>& items() const { return items_; }
  const std::vector<std::pair<std::string, Json>>& members() const { return members_; }

  // Scalars; throw RuntimeError on a kind mismatch.
  double number() const;
  std::int64_t integer() const;
  const std::string& string() const;
  bool boolean() const;

  // Convenience with defaults for optional fields.
  double numberOr(std::string_view key, double fallback) const;
  std::string stringOr(std::string_view key, std::string fallback) const;

  std::string dump(int indent = 2) const;
  // Throws RuntimeError("invalid JSON at offset N: …").
  static Json parse(std::string_view text);

  const std::string& numberText() const { return text_; } // a number as written

private:
  Kind kind_ = Kind::Null;
  bool bool_ = false;
  std::string text_; // string contents, or a number's text
  std::vector<Json> items_;
  std::vector<std::pair<std::string, Json>> members_;
};

} // namespace nj::io
