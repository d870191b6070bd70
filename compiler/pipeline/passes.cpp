#include "compiler/pipeline/passes.hpp"

#include <string>

namespace nj::pipeline {

const char* passName(Pass pass) {
  switch (pass) {
#define NJ_PASS_NAME(name, text)                                                                   \
  case Pass::name:                                                                                 \
    return text;
    NJ_PASSES(NJ_PASS_NAME)
#undef NJ_PASS_NAME
  }
  return "?";
}

std::optional<Pass> passNamed(std::string_view name) {
#define NJ_PASS_LOOKUP(pass, text)                                                                 \
  if (name == text) return Pass::pass;
  NJ_PASSES(NJ_PASS_LOOKUP)
#undef NJ_PASS_LOOKUP
  return std::nullopt;
}

const char* passNames() {
#define NJ_PASS_TEXT(name, text) text ", "
  static const std::string_view all = NJ_PASSES(NJ_PASS_TEXT);
#undef NJ_PASS_TEXT
  static const std::string trimmed(all.substr(0, all.size() - 2));
  return trimmed.c_str();
}

} // namespace nj::pipeline
