#include "io/json.hpp"

#include "error/error.hpp"

#include <cmath>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include <fmt/format.h>

namespace nj::io {

using nlohmann::ordered_json;

Json::Json(double x) {
  if (!std::isfinite(x)) return; // null
  kind_ = Kind::Number;
  text_ = fmt::format("{}", x); // shortest round-trip form
}
Json::Json(std::int64_t x) : kind_(Kind::Number), text_(std::to_string(x)) {}
Json::Json(std::uint64_t x) : kind_(Kind::Number), text_(std::to_string(x)) {}

Json& Json::push(Json value) {
  if (kind_ != Kind::Array) throw Error("json: push on a value that is not an array");
  items_.push_back(std::move(value));
  return items_.back();
}

Json& Json::set(std::string key, Json value) {
  if (kind_ != Kind::Object) throw Error("json: set on a value that is not an object");
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
  if (j == nullptr) throw Error(fmt::format("json: missing key `{}`", key));
  return *j;
}

double Json::number() const {
  if (kind_ != Kind::Number) throw Error("json: expected a number");
  return std::strtod(text_.c_str(), nullptr);
}
std::int64_t Json::integer() const {
  if (kind_ != Kind::Number) throw Error("json: expected a number");
  return std::strtoll(text_.c_str(), nullptr, 10);
}
const std::string& Json::string() const {
  if (kind_ != Kind::String) throw Error("json: expected a string");
  return text_;
}
bool Json::boolean() const {
  if (kind_ != Kind::Bool) throw Error("json: expected true or false");
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

// Numbers keep their text in a Json; nlohmann holds them as integers or doubles.
ordered_json toNlohmann(const Json& j) {
  switch (j.kind()) {
  case Json::Kind::Null:
    return nullptr;
  case Json::Kind::Bool:
    return j.boolean();
  case Json::Kind::Number: {
    const std::string& t = j.numberText();
    // "-0" is a double's signed zero; as an integer it would lose its sign.
    if (t.find_first_of(".eEnN") != std::string::npos || t == "-0") return j.number();
    if (!t.empty() && t[0] == '-') return std::strtoll(t.c_str(), nullptr, 10);
    return std::strtoull(t.c_str(), nullptr, 10);
  }
  case Json::Kind::String:
    return j.string();
  case Json::Kind::Array: {
    ordered_json out = ordered_json::array();
    for (const Json& item : j.items())
      out.push_back(toNlohmann(item));
    return out;
  }
  case Json::Kind::Object: {
    ordered_json out = ordered_json::object();
    for (const auto& [key, value] : j.members())
      out[key] = toNlohmann(value);
    return out;
  }
  }
  return nullptr;
}

Json fromNlohmann(const ordered_json& j, int depth) {
  if (depth > 200) throw Error("invalid JSON: nesting too deep", ErrorKind::Io);
  switch (j.type()) {
  case ordered_json::value_t::null:
  case ordered_json::value_t::discarded:
    return {};
  case ordered_json::value_t::boolean:
    return Json(j.get<bool>());
  case ordered_json::value_t::number_integer:
    return Json(j.get<std::int64_t>());
  case ordered_json::value_t::number_unsigned:
    return Json(j.get<std::uint64_t>());
  case ordered_json::value_t::number_float:
    return Json(j.get<double>());
  case ordered_json::value_t::string:
    return Json(j.get<std::string>());
  case ordered_json::value_t::array: {
    Json out = Json::array();
    for (const ordered_json& item : j)
      out.push(fromNlohmann(item, depth + 1));
    return out;
  }
  case ordered_json::value_t::object: {
    Json out = Json::object();
    for (const auto& [key, value] : j.items())
      out.set(key, fromNlohmann(value, depth + 1));
    return out;
  }
  case ordered_json::value_t::binary:
    break;
  }
  throw Error("invalid JSON: binary values are not JSON", ErrorKind::Io);
}

} // namespace

// Written and read by nlohmann/json: numbers as their shortest round-trip text, non-finite
// doubles as null, invalid UTF-8 in strings replaced rather than refused.
std::string Json::dump(int indent) const {
  return toNlohmann(*this).dump(indent, ' ', false, ordered_json::error_handler_t::replace) + "\n";
}

Json Json::parse(std::string_view text) {
  try {
    return fromNlohmann(ordered_json::parse(text.begin(), text.end()), 0);
  } catch (const ordered_json::parse_error& e) {
    throw Error(fmt::format("invalid JSON at offset {}: {}", e.byte, e.what()), ErrorKind::Io);
  }
}

} // namespace nj::io
